/**
 * The soundness harness: does a circuit bind every wire? Two sweeps over an honest witness, evaluated with
 * lib/zk/witnessCheck.ts' R1CS checker (bigint, only the constraints a change touches):
 *
 * - local (any R1CS, emitted or circom-compiled): every internal wire is changed alone (+1, -1, its field negative,
 *   +2^k), every other wire kept; some constraint must fail. A wire no constraint pins is a free wire.
 * - forged (emitted circuits): a forger changes one wire of the model, or replaces one bit decomposition by another
 *   one of the same field element (v + r: Z-02's attack), or, for a remainder, by the value shifted by 2^k, and
 *   computes every later wire from that, hashing the outputs it gets (lib/zk/emit.ts Tamper). Either some
 *   constraint fails or the public signals are the honest ones; a satisfied witness with other public signals is a
 *   forgery.
 */
import { FIELD_R } from "../../lib/zk/commitment";
import { emitWitnessValues, type Tamper, type WitnessValues } from "../../lib/zk/emit";
import type { QuantModel } from "../../lib/zk/quantize";
import { quantForward } from "../../lib/zk/reference";
import type { R1csChecker } from "../../lib/zk/witnessCheck";

const mod = (v: bigint) => ((v % FIELD_R) + FIELD_R) % FIELD_R;

export interface Finding {
  what: string;
  /** "free": no constraint fails; "forgery": no constraint fails and the public signals differ. */
  kind: "free" | "forgery";
}

export interface SweepStats {
  perturbations: number;
  findings: Finding[];
  ms: number;
}

/** Deltas tried on one wire's value `v`: +1, -1, the field negative, and +2^k for each k in `shifts`. */
const perturbations = (v: bigint, shifts: number[]): [string, bigint][] => {
  const out: [string, bigint][] = [["+1", mod(v + 1n)], ["-1", mod(v - 1n)], ["neg", mod(-v)]];
  for (const k of shifts) out.push([`+2^${k}`, mod(v + (1n << BigInt(k)))]);
  return out.filter(([, nv]) => nv !== mod(v));
};

/**
 * Local sweep: wires [from, to) (default: every wire after the public signals), each changed alone by the
 * perturbations above (`full`), or by +1 only (large circuits). Returns free wires.
 */
export function localSweep(checker: R1csChecker, witness: bigint[], o: { from?: number; to?: number; full?: boolean; shifts?: number[] } = {}): SweepStats {
  const t0 = Date.now();
  const cs = checker.r1cs;
  const w = witness.map(mod);
  const byWire = checker.byWire();
  const from = o.from ?? 1 + cs.nOutputs + cs.nPubInputs;
  const to = o.to ?? cs.nVars;
  const findings: Finding[] = [];
  let n = 0;
  for (let i = from; i < to; i++) {
    const v = w[i];
    const tries = o.full === false ? [["+1", mod(v + 1n)] as [string, bigint]] : perturbations(v, o.shifts ?? []);
    for (const [name, nv] of tries) {
      n++;
      w[i] = nv;
      if (checker.firstFailing(w, byWire[i]) < 0) findings.push({ what: `wire ${i} ${name}`, kind: "free" });
      w[i] = v;
    }
  }
  return { perturbations: n, findings, ms: Date.now() - t0 };
}

export interface ForgeTarget {
  q: QuantModel;
  hashWasm: string;
  bytes: number[][];
  binding: bigint;
}

/**
 * Checks one forged witness against the honest one: the constraints touching changed wires, the Poseidon hash
 * circuit's left out (a forger recomputes it for its out words), then whether the out words, and so the output
 * commitment, differ.
 */
function judge(checker: R1csChecker, honest: bigint[], forged: WitnessValues): "fails" | "same" | "forgery" {
  const byWire = checker.byWire();
  const w = forged.values.map(mod);
  const touched = new Set<number>();
  for (let i = 0; i < honest.length; i++) {
    if (w[i] === honest[i]) continue;
    for (const c of byWire[i]) if (c >= forged.hashConstraints) touched.add(c);
  }
  if (checker.firstFailing(w, touched) >= 0) return "fails";
  return forged.outWordWires.some((i) => w[i] !== honest[i]) ? "forgery" : "same";
}

/**
 * Forged sweep of an emitted circuit: every value wire of the model (not a bit) changed by +1 (every fifth also by
 * -1 and to its field negative) with every later wire recomputed, and every bit decomposition of the model replaced
 * by that of v + r and of v +- 2^k, k taken in turn from `shifts` (a remainder moved across the quotient); with a
 * `budget`, evenly spaced samples of at most that many of each. Returns forgeries.
 */
export async function forgedSweep(checker: R1csChecker, t: ForgeTarget, o: { budget?: number; shifts?: number[] } = {}): Promise<SweepStats> {
  const t0 = Date.now();
  const outs = t.bytes.map((x) => quantForward(t.q, x));
  const base = await emitWitnessValues(t.q, t.hashWasm, t.bytes, t.binding, outs);
  const honest = base.values.map(mod);
  if (checker.firstFailing(honest) >= 0) throw new Error("forgedSweep: the honest witness does not satisfy the R1CS");
  const strideOf = (n: number) => (o.budget ? Math.max(1, Math.ceil(n / o.budget)) : 1);
  const findings: Finding[] = [];
  let n = 0;
  const tryTamper = async (what: string, tamper: Tamper) => {
    n++;
    const f = await emitWitnessValues(t.q, t.hashWasm, t.bytes, t.binding, outs, tamper);
    const verdict = judge(checker, honest, f);
    if (verdict === "forgery") findings.push({ what, kind: "forgery" });
  };
  // every value wire (outputs of rescales, comparisons, links: what a forger chooses; bits are a decomposition's,
  // below and in the local sweep) +1, every fifth also -1 and its field negative
  const values = [];
  for (let i = base.modelStart; i < honest.length; i++) if (!base.bitWires.has(i)) values.push(i);
  const sv = strideOf(values.length);
  for (let j = 0; j < values.length; j += sv) {
    const i = values[j];
    for (const [name, nv] of perturbations(honest[i], []).slice(0, (j / sv) % 5 === 0 ? 3 : 1)) await tryTamper(`wire ${i} ${name}`, { wire: i, value: () => nv });
  }
  // every decomposition of the model's part (the input bytes' come first): another one of the same field element
  // (v + r), and the remainder moved across the quotient
  const shifts = o.shifts ?? [];
  const first = t.bytes.length * t.q.inputSize;
  const sd = strideOf(base.decompositions - first);
  for (let d = first, j = 0; d < base.decompositions; d += sd, j++) {
    await tryTamper(`decomposition ${d} v+r`, { decomposition: d, decompose: (v) => v + FIELD_R });
    if (!shifts.length) continue;
    const k = shifts[j % shifts.length];
    await tryTamper(`decomposition ${d} v${j % 2 ? "-" : "+"}2^${k}`, { decomposition: d, decompose: (v) => v + (j % 2 ? -1n : 1n) * (1n << BigInt(k)) });
  }
  return { perturbations: n, findings, ms: Date.now() - t0 };
}
