import { expect } from "chai";
import { readOnnx } from "../../lib/onnx/read";
import { lowerGraph } from "../../lib/zk/lower";
import { circuitPlan, fusionSaves } from "../../lib/zk/plan";
import { quantizeInput, quantizeModel, type QuantModel, type QuantOp } from "../../lib/zk/quantize";
import { quantForward, quantTensors } from "../../lib/zk/reference";
import { cnnOnnx, dagOnnx, rng } from "./models";

/** The arithmetic without fusion: every linear output rescaled (and ReLU'd), then window maxima. */
function unfused(q: QuantModel, bytes: number[]): bigint[] {
  let a = bytes.map((u) => BigInt(u - q.inputZeroPoint));
  for (const op of q.ops as QuantOp[]) {
    if (op.kind === "linear") {
      a = op.rows.map((r) => {
        let acc = op.biasParams[r.bidx];
        r.idx.forEach((i, t) => (acc += op.params[r.pidx[t]] * a[i]));
        const v = acc >> BigInt(op.shift);
        return op.relu && v < 0n ? 0n : v;
      });
    } else if (op.kind === "max") {
      const prev = a;
      a = op.windows.map((w) => w.map((i) => prev[i]).reduce((x, y) => (y > x ? y : x)));
    } else a = a.map((v) => (v < 0n ? 0n : v));
  }
  return a;
}

describe("zk: circuit plan (max-pool fusion)", function () {
  const r = rng(9);
  const calibration = Array.from({ length: 24 }, () => Float64Array.from({ length: 36 }, () => r()));
  const q = quantizeModel(lowerGraph(readOnnx(cnnOnnx(17))), calibration);

  it("fuses the conv with the 2x2 max pool after it and keeps the outputs bit for bit", () => {
    const plan = circuitPlan(q);
    // lowering composes AveragePool -> Flatten -> Gemm into one linear op (no ReLU between them)
    expect(plan.map((s) => s.kind)).to.deep.equal(["linearMax", "linear"]);
    for (const x of calibration) {
      const bytes = quantizeInput(q, x);
      expect(quantForward(q, bytes)).to.deep.equal(unfused(q, bytes));
    }
  });

  it("does not fuse where it would cost more (a 3x3 stride-1 pool over a wide rescale)", () => {
    const lin = q.ops[0] as Extract<QuantOp, { kind: "linear" }>;
    // 6x6 map, 3x3 windows with stride 1: each output is in up to 9 windows.
    const windows: number[][] = [];
    for (let y = 0; y + 3 <= 6; y++) for (let x = 0; x + 3 <= 6; x++) windows.push([0, 1, 2].flatMap((dy) => [0, 1, 2].map((dx) => (y + dy) * 6 + x + dx)));
    const max = { kind: "max" as const, node: "pool", inSize: 36, outSize: windows.length, windows };
    expect(fusionSaves({ ...lin, shift: 16, outSize: 36 }, max, 20)).to.equal(false);
    expect(fusionSaves({ ...lin, shift: 4, outSize: 36 }, { ...max, windows: windows.map((w) => w.slice(0, 4)) }, 20)).to.equal(true);
  });

  it("refuses an input whose pooled accumulators overflow, as the circuit's comparison does", () => {
    const lin = q.ops[0] as Extract<QuantOp, { kind: "linear" }>;
    const big = { ...q, ops: [{ ...lin, biasParams: lin.biasParams.map((b, i) => (i === 0 ? b + (1n << BigInt(lin.shift + q.rangeBits + 1)) : b)) }, ...q.ops.slice(1)] } as QuantModel;
    expect(() => quantForward(big, quantizeInput(big, calibration[0]))).to.throw(/activation overflow at node/);
  });

  it("in a DAG: fuses only where the max is the linear output's sole reader; multi-input linear ops are op steps", () => {
    // a second reader of the conv's output (tensor 1): no fusion, the conv keeps its own signal
    const twice = { ...q, ops: [...q.ops, { kind: "relu", node: "again", size: (q.ops[0] as Extract<QuantOp, { kind: "linear" }>).outSize, inputs: [1] }] } as QuantModel;
    expect(circuitPlan(twice).map((s) => s.kind)).to.deep.equal(["linear", "max", "linear", "relu"]);
    const t = quantTensors(twice, quantizeInput(twice, calibration[0]));
    expect(t[4]).to.deep.equal(t[1]); // relu of a ReLU'd conv output
    expect(t[3]).to.deep.equal(quantForward(q, quantizeInput(q, calibration[0])));
    // residual Add / Concat / LeakyRelu lower to linear ops over several tensors: circuitDag.ts writes them
    const g = quantizeModel(lowerGraph(readOnnx(dagOnnx(3))), Array.from({ length: 16 }, () => Float64Array.from({ length: 6 }, () => r())));
    const multi = circuitPlan(g).filter((s) => s.op.kind === "linear" && (s.op.inputs?.length ?? 1) > 1);
    expect(multi.length).to.be.greaterThan(0);
    for (const s of multi) expect(s.kind).to.equal("op");
  });
});
