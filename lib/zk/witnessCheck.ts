/**
 * Checking witnesses against an R1CS in TypeScript: registration computes the witness of its calibration inputs and
 * refuses a circuit that cannot prove its own model (wrong public signals, an unsatisfied constraint, or a witness
 * generator that fails), and the soundness harness (test/zk/soundness.ts) evaluates perturbed witnesses with it.
 */
import { encryptOutputs, FIELD_R, inputCommitment, outputCommitment } from "./commitment";
import { emitWitnessValues } from "./emit";
import type { QuantModel } from "./quantize";
import { readR1cs, type R1cs, type R1csTerm } from "./r1cs";
import { quantForward } from "./reference";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

const lcValue = (lc: R1csTerm[], w: bigint[]) => {
  let acc = 0n;
  for (const t of lc) acc += t.coef * w[t.wire];
  return acc % FIELD_R;
};

/** Evaluates an R1CS's constraints on witnesses (integers, reduced mod r here). */
export class R1csChecker {
  private index?: number[][];
  constructor(readonly r1cs: R1cs) {}

  static fromFile(file: string): R1csChecker {
    return new R1csChecker(readR1cs(file));
  }

  /** Whether constraint c holds: A·w * B·w = C·w (mod r). */
  holds(c: number, w: bigint[]): boolean {
    const [A, B, C] = this.r1cs.constraints[c];
    return (((lcValue(A, w) * lcValue(B, w) - lcValue(C, w)) % FIELD_R) + FIELD_R) % FIELD_R === 0n;
  }

  /** The first failing constraint among `ids` (default: all), or -1. */
  firstFailing(w: bigint[], ids?: Iterable<number>): number {
    if (w.length !== this.r1cs.nVars) throw new Error(`witness has ${w.length} values, the R1CS ${this.r1cs.nVars} wires`);
    if (ids) {
      for (const c of ids) if (!this.holds(c, w)) return c;
      return -1;
    }
    for (let c = 0; c < this.r1cs.nConstraints; c++) if (!this.holds(c, w)) return c;
    return -1;
  }

  /** The constraints each wire appears in. */
  byWire(): number[][] {
    if (!this.index) {
      const idx: number[][] = Array.from({ length: this.r1cs.nVars }, () => []);
      this.r1cs.constraints.forEach((lcs, c) => {
        for (const lc of lcs) for (const t of lc) if (idx[t.wire][idx[t.wire].length - 1] !== c) idx[t.wire].push(c);
      });
      this.index = idx;
    }
    return this.index;
  }
}

/** A circuit whose witness for a calibration input does not check: the model it was built from cannot be proved. */
export class WitnessCheckError extends Error {
  constructor(detail: string) {
    super(`the circuit cannot prove its own model: ${detail}`);
    this.name = "WitnessCheckError";
  }
}

export interface WitnessSource {
  quant: QuantModel;
  /** "emit": lib/zk/emit.ts computes the model's wires, `wasm` is the hash circuit's; "circom": `wasm` computes all. */
  compiler: "emit" | "circom";
  r1cs: string;
  wasm: string;
  /** Circom input beyond binding and x (private weights). */
  extraInput?: Record<string, unknown>;
}

/** The honest witness of a batch of committed bytes (values reduced mod r). */
export async function computeWitness(src: WitnessSource, bytes: number[][], binding: bigint, salt = 0n): Promise<bigint[]> {
  const b = ((binding % FIELD_R) + FIELD_R) % FIELD_R;
  if (src.compiler === "emit") {
    const w = await emitWitnessValues(src.quant, src.wasm, bytes, b, bytes.map((x) => quantForward(src.quant, x)), undefined, false, salt);
    return w.values.map((v) => ((v % FIELD_R) + FIELD_R) % FIELD_R);
  }
  const mem = { type: "mem" };
  await snarkjs.wtns.calculate({ binding: b.toString(), x: bytes, ...src.extraInput, salt: salt.toString() }, src.wasm, mem);
  return (await snarkjs.wtns.exportJson(mem)).map((v: unknown) => BigInt(v as string));
}

/**
 * Computes and checks the witness of each batch of `batches` (committed bytes): every constraint holds and the
 * public signals are the reference's commitments, output cipher words and the binding (each batch under its own
 * non-zero salt, so the salted paths are exercised). Throws WitnessCheckError naming the first failure.
 */
export async function checkWitnesses(src: WitnessSource, batches: number[][][], checker = R1csChecker.fromFile(src.r1cs)): Promise<void> {
  for (const [k, bytes] of batches.entries()) {
    const binding = 0x5eed0000n + BigInt(k);
    const salt = 0x5a170000n + BigInt(k);
    let w: bigint[];
    try {
      w = await computeWitness(src, bytes, binding, salt);
    } catch (e) {
      throw new WitnessCheckError(`calibration batch ${k}: the witness generator failed (${(e as Error).message})`);
    }
    if (w.length !== checker.r1cs.nVars) throw new WitnessCheckError(`calibration batch ${k}: ${w.length} witness values for ${checker.r1cs.nVars} wires`);
    const bad = checker.firstFailing(w);
    if (bad >= 0) throw new WitnessCheckError(`calibration batch ${k}: constraint ${bad} of ${checker.r1cs.nConstraints} fails`);
    const outs = bytes.map((x) => quantForward(src.quant, x));
    const [outC, inC, cipher] = await Promise.all([outputCommitment(outs, src.quant.rangeBits), inputCommitment(bytes, salt), encryptOutputs(outs, src.quant.rangeBits, salt)]);
    if (w[1] !== outC) throw new WitnessCheckError(`calibration batch ${k}: the output commitment is not the reference model's`);
    if (w[2] !== inC) throw new WitnessCheckError(`calibration batch ${k}: the input commitment is not the committed bytes' under the salt`);
    const nPub = checker.r1cs.nOutputs + checker.r1cs.nPubInputs;
    if (w.slice(nPub - cipher.length, nPub).join() !== cipher.join()) throw new WitnessCheckError(`calibration batch ${k}: the output cipher words are not the reference outputs' under the salt`);
    if (w[nPub] !== binding) throw new WitnessCheckError(`calibration batch ${k}: the binding signal is not the one given`);
  }
}
