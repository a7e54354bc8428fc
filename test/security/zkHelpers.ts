/** Shared by the Z-0x tests: an emitted circuit of a quantized model, its honest witness, and a real Groth16 proof. */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { FIELD_R } from "../../lib/zk/commitment";
import { emitR1cs, emitWitnessValues, wtnsFile, type Tamper } from "../../lib/zk/emit";
import type { QuantModel } from "../../lib/zk/quantize";
import { quantForward } from "../../lib/zk/reference";
import { devSetup } from "../../lib/zk/setup";
import { readR1cs } from "../../lib/zk/r1cs";
import { R1csChecker } from "../../lib/zk/witnessCheck";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

export const CACHE = path.join(".cache", "zk-test");
const mod = (v: bigint) => ((v % FIELD_R) + FIELD_R) % FIELD_R;

export async function emittedCircuit(q: QuantModel, name: string) {
  const dir = path.join(CACHE, "security", name);
  const e = await emitR1cs(q, { batch: 1, privateWeights: false }, dir, CACHE);
  if (!e) throw new Error(`${name}: not emittable`);
  const checker = R1csChecker.fromFile(e.r1cs);
  /** The witness of `bytes`: honest, or a forger's (every later wire computed from its change, outputs re-hashed). */
  const witness = async (bytes: number[], tamper?: Tamper) => {
    const w = await emitWitnessValues(q, e.hashWasm, [bytes], 7n, [quantForward(q, bytes)], tamper, true);
    return { values: w.values.map(mod), outputs: w.outputs[0] };
  };
  /** Development setup, proof of the honest witness, snarkjs verification. */
  const proveAndVerify = async (bytes: number[]) => {
    // keyed by the R1CS: a circuit change (a new signal layout) must not reuse an older circuit's key
    const zkey = path.join(dir, `model-${createHash("sha256").update(fs.readFileSync(e.r1cs)).digest("hex").slice(0, 16)}.zkey`);
    if (!fs.existsSync(zkey)) await devSetup(e.r1cs, zkey);
    const { values } = await witness(bytes);
    const { proof, publicSignals } = await snarkjs.groth16.prove(zkey, wtnsFile(values));
    const vkey = await snarkjs.zKey.exportVerificationKey(zkey);
    return { ok: (await snarkjs.groth16.verify(vkey, publicSignals, proof)) as boolean, publicSignals: publicSignals as string[] };
  };
  /** Constraints [0, hashConstraints) are the spliced Poseidon hash circuit's. */
  const hashConstraints = readR1cs(path.join(path.dirname(path.dirname(e.hashWasm)), "model.r1cs")).nConstraints;
  return { ...e, dir, checker, witness, proveAndVerify, hashConstraints };
}
