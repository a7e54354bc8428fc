/**
 * Quantization at the edges: inputs outside the calibration range are refused with the first offending value named
 * (or clamped and counted with --clamp), and results whose float and proven answers differ are marked.
 */
import { expect } from "chai";
import { quantizeShards } from "../lib/requester/job";
import { resultsReport } from "../lib/requester/report";
import type { JobFile } from "../lib/requester/job";
import { realRows, type ShardOutcome } from "../lib/requester/results";
import { calibrationRange, checkInputRange, outOfRange, type QuantModel } from "../lib/zk/quantize";

/** Unsigned inputs calibrated on [0, 1] (scale 1/255), and a signed one on [-2, 2]. */
const unsigned = { version: 1, inputSize: 3, outputSize: 2, inputScale: 1 / 255, inputZeroPoint: 0, rangeBits: 32, outputExp: 0, ops: [] } as QuantModel;
const signed = { ...unsigned, inputScale: 2 / 127, inputZeroPoint: 128 } as QuantModel;

describe("quantization at the edges", () => {
  it("the calibration range is [0, max] for unsigned and [-max, max] for signed inputs", () => {
    expect(calibrationRange(unsigned)).to.deep.equal({ min: 0, max: 1 });
    const r = calibrationRange(signed);
    expect(r.min).to.be.closeTo(-2, 1e-12);
    expect(r.max).to.be.closeTo(2, 1e-12);
  });

  it("values that quantize without clamping pass, half a step beyond the edge included", () => {
    expect(outOfRange(unsigned, [[0, 1, 1 + 0.4 / 255], [-0.4 / 255, 0.5, 0.2]]).count).to.equal(0);
    expect(outOfRange(signed, [[-2, 2, 0]]).count).to.equal(0);
  });

  it("refuses an input of 5.0 on a [0, 1] model with one line naming the first offending value", () => {
    expect(() => checkInputRange(unsigned, [[0.1, 0.2, 0.3], [0.5, 5.0, -1]], false)).to.throw(
      "input 1 has 5 at position 1, outside the calibration range [0, 1] (2 values in all); pass --clamp to clamp them to the range",
    );
    expect(() => checkInputRange(signed, [[0, -3, 0]], false)).to.throw(/^input 0 has -3 at position 1, outside the calibration range \[-2, 2\]/);
    expect(() => checkInputRange(unsigned, [[NaN, 0, 0]], false)).to.throw(/^input 0 has NaN at position 0/);
  });

  it("with --clamp the values are clamped and counted", async () => {
    expect(checkInputRange(unsigned, [[0.5, 5.0, -1]], true)).to.equal(2);
    // quantizeShards is what job:post runs: refused without clamp, clamped bytes with it.
    await quantizeShards(unsigned, 1, [[0.5, 5.0, 0]]).then(
      () => expect.fail("accepted"),
      (e: Error) => expect(e.message).to.match(/^input 0 has 5 at position 1/),
    );
    const q = await quantizeShards(unsigned, 1, [[0.5, 5.0, 0]], { clamp: true });
    expect(q.clamped).to.equal(1);
    expect(q.batches[0][0]).to.deep.equal([128, 255, 0]);
  });

  it("job:results marks outputs whose float answer differs from the proven one and refuses a labels list of the wrong length", () => {
    const row = (shardIndex: number, predictions: number[], disagreements: number[]): ShardOutcome => ({
      shardIndex, firstInput: 2 * shardIndex, recordId: BigInt(shardIndex + 1), worker: "0x" + "ab".repeat(20), outputCid: "bafy", outputs: [], floatFrom: "worker", quantizedOutputs: [], predictions, disagreements, verified: true,
    });
    const file = { jobId: "1", shards: [{}, {}], inputCount: 3 } as unknown as JobFile;
    const r = resultsReport(1n, [row(0, [3, 7], [1]), row(1, [2, 2], [])], file, [3, 1, 2]);
    expect(r.lines[2]).to.match(/ 3,7\*$/);
    expect(r.lines[3]).to.match(/ 2,2$/);
    expect(r.lines).to.include(
      "* 1 output: the float model's answer differs from the proven (circuit) one (a near tie or an input at the calibration edge); the proven answer is shown",
    );
    expect(r.lines).to.include("accuracy against --labels: 2/3");
    expect(() => resultsReport(1n, [row(0, [3, 7], [1])], file, [3, 1])).to.throw("bad --labels: 2 labels for a job of 3 inputs");
    // The last shard's padding (input 3 of 3) is never scored.
    expect(resultsReport(1n, [row(0, [3, 1], []), row(1, [2, 9], [])], file, [3, 1, 2]).score!.correct).to.equal(3);
    // fetchJobResults keeps only the real rows of the last shard: it shows 1 output, not the padding's
    expect([0, 1].map((i) => realRows(file, i, 2))).to.deep.equal([2, 1]);
    expect(realRows({ shards: file.shards }, 1, 2)).to.equal(2); // no inputCount recorded: nothing to trim
    const shown = resultsReport(1n, [row(0, [3, 1], []), row(1, [2], [])], file, [3, 1, 2]);
    expect(shown.lines[3]).to.match(/ 2$/);
    expect(shown.score).to.deep.equal({ correct: 3, compared: 3, inputs: 3 });
  });
});
