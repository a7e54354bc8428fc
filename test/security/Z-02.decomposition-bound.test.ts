import { expect } from "chai";
import { generateCircuit } from "../../lib/zk/circuit";
import { FIELD_R } from "../../lib/zk/commitment";
import { DecompositionBoundError, MAX_DECOMPOSITION_BITS } from "../../lib/zk/bounds";
import { emitR1cs } from "../../lib/zk/emit";
import { readOnnx } from "../../lib/onnx/read";
import { buildOnnxModel } from "../../lib/onnx/write";
import { lowerGraph } from "../../lib/zk/lower";
import { quantizeModel, type QuantModel } from "../../lib/zk/quantize";
import { CACHE, emittedCircuit } from "./zkHelpers";

/** One linear layer 2 -> 2 with rescale shift k and rangeBits N: out = (3 x0 - x1 + 5, x0 + 2 x1 - 7), exactly. */
function wideShift(k: number, N = 20): QuantModel {
  const u = 1n << BigInt(k);
  return {
    version: 1, inputSize: 2, outputSize: 2, inputScale: 1 / 255, inputZeroPoint: 0, rangeBits: N, outputExp: 0,
    ops: [{
      kind: "linear", node: "wide", inSize: 2, outSize: 2, relu: false, shift: k,
      rows: [{ idx: [0, 1], pidx: [0, 1], bidx: 0 }, { idx: [0, 1], pidx: [2, 3], bidx: 1 }],
      params: [3n * u, -u, u, 2n * u], biasParams: [5n * u + u / 2n, -7n * u + u / 2n],
    }],
  };
}

async function refused(p: Promise<unknown> | (() => unknown)): Promise<Error> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a DecompositionBoundError");
}

/**
 * Z-02: a rescale by 2^k of N-bit values decomposes k + N bits; with k + N >= 254 a value has two decompositions
 * modulo r and the prover chooses the quotient. Reached from an ordinary ONNX: two Gemms with subnormal float32
 * weights (lower.ts composes them to ~1e-80) and a bias of ~1 gave k = 272. Every rescale and comparison is now
 * bounded to 253 bits (lib/zk/bounds.ts), with a named error naming the layer, in the quantizer, the circom source
 * and the emitter.
 */
describe("security Z-02: no bit decomposition wider than the field binds", function () {
  it("Z-02 the subnormal two-Gemm ONNX is refused by the quantizer with DecompositionBoundError naming the layer", async () => {
    const w = new Float32Array(4).fill(1e-40);
    const onnx = buildOnnxModel({
      inputs: [{ name: "input", dims: ["N", 2] }], outputs: [{ name: "out", dims: ["N", 2] }],
      initializers: [{ name: "W1", dims: [2, 2], data: w }, { name: "b1", dims: [2], data: new Float32Array(2) },
        { name: "W2", dims: [2, 2], data: w }, { name: "b2", dims: [2], data: Float32Array.from([1, -0.5]) }],
      nodes: [{ op: "Gemm", name: "g1", inputs: ["input", "W1", "b1"], outputs: ["h"], attributes: { transB: 1 } },
        { op: "Gemm", name: "g2", inputs: ["h", "W2", "b2"], outputs: ["out"], attributes: { transB: 1 } }],
    });
    const lowered = lowerGraph(readOnnx(onnx));
    expect(lowered.ops.length).to.equal(1); // composed: weights ~1e-80
    const err = await refused(() => quantizeModel(lowered, [Float64Array.from([0.5, 1]), Float64Array.from([1, 0])]));
    expect(err).to.be.instanceOf(DecompositionBoundError);
    expect(err.message).to.match(/^node "g2": a rescale by 2\^2\d\d to 20 bits needs a 2\d\d-bit decomposition, above the 253 bits/);
  });

  it("Z-02 the unfixed shape (k + N = 286) has a second decomposition that moves the quotient; circom source and emitter refuse it", async () => {
    const k = 266;
    const N = 20;
    // the arithmetic of the forgery: honest v = acc + 2^(k+N-1) < 2^(k+N), and v + m r < 2^(k+N) too, for every m up
    // to 2^(k+N-254): the bits of v + m r satisfy every constraint of the unfixed circuit
    const acc = 3n * (1n << BigInt(k)) + (1n << BigInt(k - 1));
    const v = acc + (1n << BigInt(k + N - 1));
    const alt = v + (1n << BigInt(k + N - 2 - 254)) * FIELD_R;
    expect((alt - v) % FIELD_R).to.equal(0n);
    expect(alt < 1n << BigInt(k + N)).to.equal(true);
    const q = (x: bigint) => (x >> BigInt(k)) - (1n << BigInt(N - 1));
    expect(q(v)).to.equal(3n);
    expect(q(alt)).to.not.equal(q(v)); // the forger's quotient, from bits that satisfy every constraint of the unfixed circuit
    const model = wideShift(k, N);
    for (const e of [await refused(() => generateCircuit(model, { batch: 1, privateWeights: false })), await refused(emitR1cs(model, { batch: 1, privateWeights: false }, `${CACHE}/security/z02-wide`, CACHE))]) {
      expect(e).to.be.instanceOf(DecompositionBoundError);
      expect(e.message).to.contain(`node "wide": a rescale by 2^${k} to ${N} bits needs a ${k + N}-bit decomposition`);
    }
    expect((await refused(emitR1cs(wideShift(MAX_DECOMPOSITION_BITS - N + 1, N), { batch: 1, privateWeights: false }, `${CACHE}/security/z02-254`, CACHE))).name).to.equal("DecompositionBoundError");
  });

  it("Z-02 at the bound (k + N = 253) the forged decomposition fails a constraint and honest proofs verify", async () => {
    const N = 20;
    const model = wideShift(MAX_DECOMPOSITION_BITS - N, N);
    const c = await emittedCircuit(model, "z02-bound");
    const bytes = [4, 9];
    const honest = await c.witness(bytes);
    expect(honest.outputs).to.deep.equal([3n * 4n - 9n + 5n, 4n + 18n - 7n]);
    // decompositions 0 and 1 are the input bytes', 2 and 3 the two rescales': take v + r's bits for the first
    const forged = await c.witness(bytes, { decomposition: 2, decompose: (x) => x + FIELD_R });
    expect(forged.outputs[0]).to.not.equal(honest.outputs[0]);
    expect(c.checker.firstFailing(forged.values)).to.be.at.least(c.hashConstraints);
    expect(c.checker.firstFailing(honest.values)).to.equal(-1);
    const p = await c.proveAndVerify(bytes);
    expect(p.ok).to.equal(true);
  });
});
