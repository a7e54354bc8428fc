/**
 * Direct R1CS and witness emission: the constraints that circom would compile from circuit.ts' source, written
 * from the quantized model in seconds instead of circom2's minutes, and the witness (.wtns) computed by the same
 * code. The circom source is still generated (an auditor reads it; the circuit hash covers it and this R1CS); the
 * tests (emit.test.ts, soundness.test.ts) check on the step models and the zoo that both give the same constraint
 * count, the same public signals, and witnesses that satisfy their R1CS. Every linear combination is written with one
 * term per wire, reduced mod r, zero terms left out (Z-03), and every decomposition is bounded (lib/zk/bounds.ts).
 *
 * Per plan step (lib/zk/plan.ts) the emitter writes exactly what the source says: bits b with b * (b - 1) = 0, one
 * linear decomposition constraint, one output constraint (rescale: k + N + 2; comparison: D + 3; input byte: 9).
 * The Poseidon commitments are not re-implemented: a small circom circuit of just the hashes (it depends on the
 * word counts only, not on the weights) is compiled once, cached, and spliced in; its witness comes from its own
 * wasm. A step kind the emitter does not know, or private weights, returns null: the caller compiles with circom.
 *
 * Wire layout (signal layout v2): 0 one, 1 outputCommitment, 2 inputCommitment, 3 .. 2+W cipher[W], 3+W binding,
 * then x[B][inputSize], the salt, then the hash circuit's other wires (its inWords, outWords and internals: the
 * salted input commitment and the output cipher live there), then bindingSquare, the input bits and the model's wires
 * in source order.
 */
import fs from "node:fs";
import path from "node:path";
import { checkComparison, checkRescale } from "./bounds";
import { chainTemplate, cipherLines, compileCircuit, saltedInputLines, type CircuitOptions } from "./circuit";
import { FIELD_R, pack, packPerWord } from "./commitment";
import { circuitPlan, paddedWindows, type LinearOp } from "./plan";
import { opInputs, type QuantModel } from "./quantize";
import { readR1cs } from "./r1cs";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { WitnessCalculatorBuilder } = require("circom_runtime");

type LC = Map<number, bigint>;
/** A linear expression: its terms (R1CS mode) and/or its integer value (witness mode). Wire 0 holds constants. */
interface Expr {
  lc?: LC;
  v?: bigint;
  /** Set when the expression is one wire with coefficient 1 (in every mode). */
  wire?: number;
}

const N8 = 32;
const mod = (v: bigint) => ((v % FIELD_R) + FIELD_R) % FIELD_R;

/** Growable little-endian byte writer. */
class Writer {
  buf = Buffer.alloc(1 << 20);
  len = 0;
  private room(n: number) {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = Buffer.alloc(size);
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }
  u32(v: number) { this.room(4); this.buf.writeUInt32LE(v, this.len); this.len += 4; }
  u64(v: number) { this.room(8); this.buf.writeBigUInt64LE(BigInt(v), this.len); this.len += 8; }
  field(v: bigint) {
    this.uint(mod(v));
  }
  /** An unsigned integer below 2^256 (the prime itself, which field() would reduce to 0). */
  uint(v: bigint) {
    this.room(N8);
    let x = v;
    for (let i = 0; i < N8; i++) { this.buf[this.len + i] = Number(x & 0xffn); x >>= 8n; }
    this.len += N8;
  }
  bytes() { return this.buf.subarray(0, this.len); }
}

/**
 * A forger's deviation from the honest witness (the soundness harness, test/zk/soundness.ts): one wire's value
 * changed, one bit decomposition replaced, or the model's first step reading other values than the committed
 * input. Every later wire is computed from the changed values, as a forger would.
 */
export interface Tamper {
  /** The wire to change, and its new value from the honest one. */
  wire?: number;
  value?: (honest: bigint) => bigint;
  /** The index (in build order) of the bit decomposition to replace, and the integer whose bits it takes instead. */
  decomposition?: number;
  decompose?: (honest: bigint, bits: number) => bigint;
  /** What the first step reads for input value i of sample s, instead of byte - zeroPoint. */
  input?: (s: number, i: number) => bigint;
}

class Builder {
  nWires = 0;
  nConstraints = 0;
  nDecompositions = 0;
  readonly values: bigint[] = [];
  readonly out = new Writer();
  /** The model's outputs per sample (witness mode). */
  readonly outputs: bigint[][] = [];
  /** Wires that are bits of a decomposition (witness mode). */
  readonly bitWires = new Set<number>();
  /** Constraints 0 .. constraints-1 are the hash circuit's; the out words are its input wires. */
  hashLayout = { constraints: 0, outWordWires: [] as number[] };
  constructor(readonly r1cs: boolean, readonly witness: boolean, readonly tamper?: Tamper) {}

  wire(v?: bigint): number {
    if (this.witness) {
      if (v === undefined) throw new Error("emit: a wire without a value in witness mode");
      this.values.push(this.tamper?.wire === this.nWires ? this.tamper.value!(v) : v);
    }
    return this.nWires++;
  }
  /** The expression of one wire times `c`. */
  w(wire: number, c = 1n): Expr {
    // A wire that does not exist yet would be written as wire 0, the constant one (Z-01): refuse it.
    if (!Number.isInteger(wire) || wire < 0 || wire >= this.nWires) throw new Error(`emit: reference to wire ${wire}, which does not exist (${this.nWires} wires)`);
    return { lc: this.r1cs ? new Map([[wire, c]]) : undefined, v: this.witness ? this.values[wire] * c : undefined, wire: c === 1n ? wire : undefined };
  }
  /** The wire of `e` when it is one wire, else a new wire constrained equal to it (circom's `a <== expr`). */
  link(e: Expr): number {
    if (e.wire !== undefined) return e.wire;
    const out = this.wire(e.v);
    this.constrain(null, null, this.add(e, this.w(out), -1n));
    return out;
  }
  konst(c: bigint): Expr {
    return { lc: this.r1cs ? new Map([[0, c]]) : undefined, v: this.witness ? c : undefined };
  }
  /** a + c * b (a is not modified). */
  add(a: Expr, b: Expr, c = 1n): Expr {
    let lc: LC | undefined;
    if (this.r1cs) {
      lc = new Map(a.lc);
      for (const [k, x] of b.lc!) {
        const y = (lc.get(k) ?? 0n) + c * x;
        if (y === 0n) lc.delete(k);
        else lc.set(k, y);
      }
    }
    return { lc, v: this.witness ? a.v! + c * b.v! : undefined };
  }
  /** In place: a += c * e (accumulators). */
  addInto(a: Expr, e: Expr, c: bigint) {
    if (this.r1cs) {
      for (const [k, x] of e.lc!) {
        const y = (a.lc!.get(k) ?? 0n) + c * x;
        if (y === 0n) a.lc!.delete(k);
        else a.lc!.set(k, y);
      }
    }
    if (this.witness) a.v = a.v! + c * e.v!;
  }
  /** In place: a += c * wire. */
  addTo(a: Expr, wire: number, c: bigint) {
    this.addInto(a, this.w(wire), c);
  }
  /** Writes one linear combination: one term per wire, coefficients reduced mod r, zero terms left out (Z-03: a
   *  reader that sums duplicate terms and one that keeps the last would otherwise see different circuits). */
  private writeLc(lc: LC) {
    const terms: [number, bigint][] = [];
    for (const [k, c] of lc) {
      if (!Number.isInteger(k) || k < 0 || k >= this.nWires) throw new Error(`emit: a term on wire ${k}, which does not exist`);
      const m = mod(c);
      if (m !== 0n) terms.push([k, m]);
    }
    terms.sort((x, y) => x[0] - y[0]);
    this.out.u32(terms.length);
    for (const [k, c] of terms) {
      this.out.u32(k);
      this.out.uint(c);
    }
  }
  /** A * B = C. */
  constrain(A: Expr | null, B: Expr | null, C: Expr | null) {
    this.nConstraints++;
    if (!this.r1cs) return;
    for (const e of [A, B, C]) this.writeLc(e?.lc ?? new Map());
  }
  /** A raw constraint from another r1cs, wires already mapped. */
  constrainRaw(lcs: LC[]) {
    this.nConstraints++;
    if (this.r1cs) for (const lc of lcs) this.writeLc(lc);
  }
  /** Bits of the integer value of `e` (which must lie in [0, 2^n)), constrained boolean; returns their wires. */
  bits(e: Expr, n: number, where: string): number[] {
    let v = e.v;
    const d = this.nDecompositions++;
    if (this.witness && this.tamper) {
      // A forger decomposes the field element (or what it chose instead); bits beyond n are dropped.
      v = mod(v!);
      if (this.tamper.decomposition === d) v = this.tamper.decompose!(v, n);
      v = ((v % (1n << BigInt(n))) + (1n << BigInt(n))) % (1n << BigInt(n));
    } else if (this.witness && (v! < 0n || v! >= 1n << BigInt(n))) throw new Error(`emit: ${where}: value ${v} outside [0, 2^${n})`);
    const ws: number[] = [];
    for (let i = 0; i < n; i++) {
      const b = this.wire(this.witness ? (v! >> BigInt(i)) & 1n : undefined);
      if (this.witness) this.bitWires.add(b);
      this.constrain(this.w(b), this.add(this.w(b), this.konst(1n), -1n), null);
      ws.push(b);
    }
    return ws;
  }
  /** sum bits[i] * 2^(i - from) over i >= from. */
  sumBits(bits: number[], from = 0): Expr {
    const e = this.konst(0n);
    bits.forEach((b, i) => { if (i >= from) this.addTo(e, b, 1n << BigInt(i - from)); });
    return e;
  }
}

/** circuit.ts' rescaleLines: k + N bits, decomposition, output. */
function rescale(b: Builder, val: Expr, k: number, N: number, relu: boolean, where: string, node: string): number {
  checkRescale(k, N, node);
  const v = b.add(val, b.konst(1n << BigInt(k + N - 1)));
  const bits = b.bits(v, k + N, where);
  b.constrain(null, null, b.add(b.sumBits(bits), v, -1n));
  const q = b.add(b.sumBits(bits, k), b.konst(1n << BigInt(N - 1)), -1n);
  const top = bits[k + N - 1];
  if (relu) {
    const out = b.wire(b.witness ? (b.values[top] === 1n ? q.v! : 0n) : undefined);
    b.constrain(q, b.w(top), b.w(out));
    return out;
  }
  const out = b.wire(q.v);
  b.constrain(null, null, b.add(q, b.w(out), -1n));
  return out;
}

/** circuit.ts' maxLines: max(a, b) of D-bit values. */
function max2(b: Builder, a: Expr, c: Expr, D: number, where: string, node: string): number {
  checkComparison(D, node);
  const diff = b.add(a, c, -1n);
  const d = b.add(diff, b.konst(1n << BigInt(D)));
  const bits = b.bits(d, D + 1, where);
  b.constrain(null, null, b.add(b.sumBits(bits), d, -1n));
  const ge = bits[D];
  const out = b.wire(b.witness ? (b.values[ge] === 1n ? a.v! : c.v!) : undefined);
  b.constrain(b.w(ge), diff, b.add(b.w(out), c, -1n));
  return out;
}

function accumulate(b: Builder, op: LinearOp, prev: (i: number) => Expr, o: number): Expr {
  const r = op.rows[o];
  const acc = b.konst(op.biasParams[r.bidx]);
  for (let t = 0; t < r.idx.length; t++) b.addInto(acc, prev(r.idx[t]), op.params[r.pidx[t]]);
  return acc;
}

/** Source of the hash-only circuit spliced into the emitted R1CS (depends on the word counts only). */
export function hashCircuitSource(nInWords: number, nOutWords: number): string {
  return [
    `pragma circom 2.1.0;`,
    `// Generated by V-Oblivion lib/zk/emit.ts: the commitments of circuit.ts' Model, alone. Do not edit.`,
    `include "circomlib/circuits/poseidon.circom";`,
    chainTemplate("InputHash", nInWords), chainTemplate("OutputHash", nOutWords),
    `template Hashes() {`,
    `    signal input salt;`, `    signal input inWords[${nInWords}];`, `    signal input outWords[${nOutWords}];`,
    `    signal output outputCommitment;`, `    signal output inputCommitment;`, `    signal output cipher[${nOutWords}];`,
    `    component ih = InputHash();`, `    for (var w = 0; w < ${nInWords}; w++) { ih.in[w] <== inWords[w]; }`, ...saltedInputLines(),
    `    component oh = OutputHash();`, `    for (var w = 0; w < ${nOutWords}; w++) { oh.in[w] <== outWords[w]; }`, `    outputCommitment <== oh.out;`,
    ...cipherLines(nOutWords, "oh.in"),
    `}`, ``, `component main = Hashes();`, ``,
  ].join("\n");
}

export interface HashCircuit {
  dir: string;
  r1cs: string;
  wasm: string;
  nInWords: number;
  nOutWords: number;
  compileSeconds: number;
}

/** Compiles (once, cached under cacheRoot/hashes-<in>-<out>) the hash circuit for these word counts. */
export async function hashCircuit(nInWords: number, nOutWords: number, cacheRoot: string): Promise<HashCircuit> {
  const dir = path.join(cacheRoot, `hashes-${nInWords}-${nOutWords}`);
  const src = hashCircuitSource(nInWords, nOutWords);
  const c = await compileCircuit({ source: src, options: { batch: 1, privateWeights: false }, hash: "", publicSignals: 2 + nOutWords, cipherWords: nOutWords }, dir);
  return { dir, r1cs: c.r1cs, wasm: c.wasm, nInWords, nOutWords, compileSeconds: c.compileSeconds };
}

/** Word counts of the commitments of q's circuit at batch B, or null where circom's O1 would merge a word's link. */
function wordLayout(q: QuantModel, B: number) {
  const steps = circuitPlan(q);
  let outSize = q.inputSize;
  for (const s of steps) outSize = s.kind === "linear" ? s.op.outSize : s.kind === "linearMax" ? s.max.outSize : s.kind === "max" ? s.op.outSize : outSize;
  const inPer = packPerWord(8);
  const outPer = packPerWord(q.rangeBits);
  return { steps, outSize, inPer, outPer, nIn: Math.ceil((B * q.inputSize) / inPer), nOut: Math.ceil((B * outSize) / outPer) };
}

/** Whether the emitter covers q's circuit with these options (else: compile the circom source). */
export function canEmit(q: QuantModel, options: CircuitOptions): boolean {
  if (options.privateWeights) return false;
  const lay = wordLayout(q, options.batch);
  // A last word holding one value with coefficient 1 is a signal-to-signal link that circom's O1 removes.
  if ((options.batch * q.inputSize) % lay.inPer === 1) return false;
  // Chains only: a DAG model (ops with their own `inputs`) goes through circom.
  if (q.ops.some((op, i) => opInputs(op, i).join() !== String(i))) return false;
  return lay.steps.every((s) => s.kind !== "op");
}

interface EmitInputs {
  bytes: number[][];
  binding: bigint;
  /** The shard's output salt (lib/zk/commitment.ts outputSalt). */
  salt: bigint;
  /** The hash circuit's witness for this input (from its wasm). */
  hashWitness: bigint[];
}

/** Builds the circuit: its R1CS (mode.r1cs) and/or, with mode.inp, the value of every wire. */
function build(q: QuantModel, B: number, hash: { r1cs?: string; nVars: number; nConstraints?: number }, mode: { r1cs: boolean; inp?: EmitInputs; tamper?: Tamper }): Builder {
  const b = new Builder(mode.r1cs, !!mode.inp, mode.tamper);
  const input = mode.tamper?.input;
  const inp = mode.inp;
  const lay = wordLayout(q, B);
  const N = q.rangeBits;
  const W = lay.nOut;
  // one, outputCommitment, inputCommitment, cipher[W]: the hash circuit's wires 0 .. 2+W
  for (let i = 0; i < 3 + W; i++) b.wire(i === 0 ? 1n : inp?.hashWitness[i]);
  const binding = b.wire(inp ? mod(inp.binding) : undefined);
  const x = Array.from({ length: B }, (_, s) => Array.from({ length: q.inputSize }, (_, i) => b.wire(inp ? BigInt(inp.bytes[s][i]) : undefined)));
  // The salt (the hash circuit's wire 3+W, its first input), then its wires from 4+W on (inWords, outWords, internals).
  const salt = b.wire(inp?.hashWitness[3 + W]);
  const base = b.nWires;
  for (let i = 4 + W; i < hash.nVars; i++) b.wire(inp?.hashWitness[i]);
  if (mode.r1cs) {
    const sub = readR1cs(hash.r1cs!);
    if (sub.nVars !== hash.nVars || sub.nOutputs !== 2 + W || sub.nPubInputs !== 0) throw new Error(`emit: hash circuit ${hash.r1cs} has an unexpected layout`);
    const map = (wi: number) => (wi < 3 + W ? wi : wi === 3 + W ? salt : base + wi - (4 + W));
    const merged = (lc: { wire: number; coef: bigint }[]): LC => {
      const m: LC = new Map();
      for (const t of lc) m.set(map(t.wire), (m.get(map(t.wire)) ?? 0n) + t.coef);
      return m;
    };
    for (const c of sub.constraints) b.constrainRaw(c.map(merged));
  }
  const sq = b.wire(inp ? (mod(inp.binding) * mod(inp.binding)) % FIELD_R : undefined);
  b.constrain(b.w(binding), b.w(binding), b.w(sq));
  // Inputs: 8-bit range checks, packing into the hash circuit's inWords.
  const inWords = Array.from({ length: lay.nIn }, () => b.konst(0n));
  for (let s = 0; s < B; s++) {
    for (let i = 0; i < q.inputSize; i++) {
      const bits = b.bits(b.w(x[s][i]), 8, "input byte");
      b.constrain(null, null, b.add(b.sumBits(bits), b.w(x[s][i]), -1n));
      const k = s * q.inputSize + i;
      b.addTo(inWords[Math.floor(k / lay.inPer)], x[s][i], 1n << BigInt(8 * (k % lay.inPer)));
    }
  }
  inWords.forEach((e, w) => b.constrain(null, null, b.add(e, b.w(base + w), -1n)));
  // The model, sample by sample, step by step.
  const zp = BigInt(q.inputZeroPoint);
  const outWords = Array.from({ length: lay.nOut }, () => b.konst(0n));
  for (let s = 0; s < B; s++) {
    let prev = (i: number): Expr => (input ? { v: input(s, i) } : b.add(b.w(x[s][i]), b.konst(zp), -1n));
    let cur: number[] = [];
    for (const step of lay.steps) {
      if (step.kind === "linear") {
        const op = step.op;
        cur = op.rows.map((_, o) => rescale(b, accumulate(b, op, prev, o), op.shift, N, op.relu, `node "${op.node}"`, op.node));
      } else if (step.kind === "linearMax") {
        const { op, max } = step;
        const accs = new Map<number, Expr>();
        const acc = (o: number) => accs.get(o) ?? accs.set(o, accumulate(b, op, prev, o)).get(o)!;
        cur = paddedWindows(max).map((win) => {
          let best = acc(win[0]);
          for (let t = 1; t < win.length; t++) best = b.w(max2(b, acc(win[t]), best, op.shift + N, `node "${max.node}"`, max.node));
          return rescale(b, best, op.shift, N, op.relu, `node "${max.node}"`, max.node);
        });
      } else if (step.kind === "max") {
        // Reads the previous step's output through `prev` (the input bytes minus the zero point for a first step).
        // The output is the last comparison's signal (circom's `a <== m` is a link its O1 removes); a window of
        // one is the input signal itself, or, for an input expression, a new signal equal to it.
        const from = prev;
        cur = paddedWindows(step.op).map((win) => {
          if (win.length === 1) return b.link(from(win[0]));
          let best = max2(b, from(win[1]), from(win[0]), N, `node "${step.op.node}"`, step.op.node);
          for (let t = 2; t < win.length; t++) best = max2(b, from(win[t]), b.w(best), N, `node "${step.op.node}"`, step.op.node);
          return best;
        });
      } else if (step.kind === "relu") {
        const from = prev;
        cur = Array.from({ length: step.op.size }, (_, o) => rescale(b, from(o), 0, N, true, `node "${step.op.node}"`, step.op.node));
      } else {
        throw new Error(`emit: no emitter for op kind "${step.op.kind}"`);
      }
      const wires = cur;
      prev = (i: number) => b.w(wires[i]);
    }
    if (b.witness) b.outputs.push(cur.map((wi) => b.values[wi]));
    cur.forEach((wi, o) => {
      const k = s * lay.outSize + o;
      b.addInto(outWords[Math.floor(k / lay.outPer)], b.add(b.w(wi), b.konst(1n << BigInt(N - 1))), 1n << BigInt(N * (k % lay.outPer)));
    });
  }
  // A forger hashes the out words its outputs pack to: the hash circuit's input wires take them (its other wires are
  // not recomputed; the harness leaves the hash circuit's constraints out and compares the out words instead).
  if (b.witness && b.tamper) outWords.forEach((e, w) => (b.values[base + lay.nIn + w] = mod(e.v!)));
  b.hashLayout = { constraints: hash.nConstraints ?? 0, outWordWires: outWords.map((_, w) => base + lay.nIn + w) };
  outWords.forEach((e, w) => b.constrain(null, null, b.add(e, b.w(base + lay.nIn + w), -1n)));
  return b;
}

function r1csFile(b: Builder, nOutputs: number, nPrvInputs: number): Buffer {
  const w = new Writer();
  w.buf.write("r1cs", 0, "latin1");
  w.len = 4;
  w.u32(1); // version
  w.u32(3); // sections
  w.u32(1); w.u64(4 + N8 + 4 * 4 + 8 + 4);
  w.u32(N8); w.uint(FIELD_R);
  w.u32(b.nWires); w.u32(nOutputs); w.u32(1); w.u32(nPrvInputs); w.u64(b.nWires); w.u32(b.nConstraints);
  const cs = b.out.bytes();
  w.u32(2); w.u64(cs.length);
  const head = w.bytes();
  const labels = Buffer.alloc(12 + 8 * b.nWires);
  labels.writeUInt32LE(3, 0);
  labels.writeBigUInt64LE(BigInt(8 * b.nWires), 4);
  for (let i = 0; i < b.nWires; i++) labels.writeBigUInt64LE(BigInt(i), 12 + 8 * i);
  return Buffer.concat([head, cs, labels]);
}

export interface EmittedCircuit {
  r1cs: string;
  /** The hash circuit's witness generator (the model's wires are computed by this module). */
  hashWasm: string;
  constraints: number;
  nVars: number;
  /** Wall seconds in all, hash circuit compile included when it was not cached. */
  seconds: number;
  /** Of which compiling the hash circuit (0 when cached: it depends on the word counts only). */
  hashCompileSeconds: number;
}

/** Writes dir/model.r1cs for q's circuit, or returns null where the emitter does not cover it (compile with circom). */
export async function emitR1cs(q: QuantModel, options: CircuitOptions, dir: string, cacheRoot: string): Promise<EmittedCircuit | null> {
  if (!canEmit(q, options)) return null;
  const t0 = Date.now();
  const lay = wordLayout(q, options.batch);
  const hc = await hashCircuit(lay.nIn, lay.nOut, cacheRoot);
  const nVars = readR1cs(hc.r1cs).nVars;
  const b = build(q, options.batch, { r1cs: hc.r1cs, nVars }, { r1cs: true });
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "model.r1cs");
  fs.writeFileSync(file, r1csFile(b, 2 + lay.nOut, options.batch * q.inputSize + 1));
  return { r1cs: file, hashWasm: hc.wasm, constraints: b.nConstraints, nVars: b.nWires, seconds: (Date.now() - t0) / 1000, hashCompileSeconds: hc.compileSeconds };
}

/** The out words the circuit's packing constraint computes, mod r, for any outputs (a forger's too). */
function packMod(values: bigint[], bits: number): bigint[] {
  const per = packPerWord(bits);
  const words: bigint[] = [];
  for (let i = 0; i < values.length; i += per) words.push(mod(values.slice(i, i + per).reduce((w, v, j) => w + (v << BigInt(bits * j)), 0n)));
  return words;
}

async function hashWitnessOf(q: QuantModel, hashWasm: string, bytes: number[][], outputs: bigint[][], salt: bigint, forged = false): Promise<bigint[]> {
  const lay = wordLayout(q, bytes.length);
  const off = 1n << BigInt(q.rangeBits - 1);
  const inWords = pack(bytes.flat().map((v) => BigInt(v)), 8);
  const shifted = outputs.flat().map((v) => v + off);
  const outWords = forged ? packMod(shifted, q.rangeBits) : pack(shifted, q.rangeBits);
  if (inWords.length !== lay.nIn || outWords.length !== lay.nOut) throw new Error("emit: batch does not match the circuit's word layout");
  const wc = await hashCalculator(hashWasm);
  return (await wc.calculateWitness({ salt: mod(salt), inWords, outWords }, true)).map((v: bigint) => BigInt(v));
}

export interface WitnessValues {
  /** With a tamper: constraints [0, hashConstraints) are the Poseidon hash circuit's. */
  hashConstraints: number;
  /** The wires holding the packed output words the output commitment hashes. */
  outWordWires: number[];
  /** The public wires holding the output cipher words (1 + 2 .. 2 + W). */
  cipherWires: number[];
  /** Every wire's value (integers; reduce mod r to compare). */
  values: bigint[];
  /** The model's outputs per sample, as the witness computed them. */
  outputs: bigint[][];
  /** Bit decompositions in build order (what Tamper.decomposition indexes). */
  decompositions: number;
  /** The first wire of the model's part (after the commitments' wires and the input bits). */
  modelStart: number;
  /** The wires that are bits of a decomposition. */
  bitWires: Set<number>;
}

/**
 * The wire values of q's emitted circuit for a batch: honest ones from the reference `outputs`, or, with `tamper`,
 * the witness a forger gets by computing every later wire from its change, up to the out words it would hash
 * (the hash circuit's internal wires stay the honest ones: with `hashRecomputed`, they are recomputed too).
 */
export async function emitWitnessValues(q: QuantModel, hashWasm: string, bytes: number[][], binding: bigint, outputs: bigint[][], tamper?: Tamper, hashRecomputed = false, salt = 0n): Promise<WitnessValues> {
  // A forger's runs share the honest hash witness (the harness makes thousands of them for one input).
  const key = `${hashWasm}:${bytes.join(";")}:${outputs.join(";")}:${salt}`;
  if (!tamper || lastHash?.key !== key) lastHash = { key, w: await hashWitnessOf(q, hashWasm, bytes, outputs, salt) };
  let hashWitness = lastHash.w;
  const hashConstraints = tamper ? hashConstraintCount(hashWasm) : 0;
  let b = build(q, bytes.length, { nVars: hashWitness.length, nConstraints: hashConstraints }, { r1cs: false, inp: { bytes, binding, salt, hashWitness }, tamper });
  const same = b.outputs.every((o, s) => o.every((v, i) => mod(v) === mod(outputs[s][i])));
  if (tamper && hashRecomputed && !same) {
    hashWitness = await hashWitnessOf(q, hashWasm, bytes, b.outputs, salt, true);
    b = build(q, bytes.length, { nVars: hashWitness.length, nConstraints: hashConstraints }, { r1cs: false, inp: { bytes, binding, salt, hashWitness }, tamper: { ...tamper } });
  }
  // the hash circuit's wires and the binding take hashWitness.length + 1 wires; then bindingSquare, the input bits
  const modelStart = hashWitness.length + 1 + bytes.length * q.inputSize + 1 + bytes.length * q.inputSize * 8;
  const W = wordLayout(q, bytes.length).nOut;
  return { values: b.values, outputs: b.outputs, decompositions: b.nDecompositions, modelStart, bitWires: b.bitWires, hashConstraints, outWordWires: b.hashLayout.outWordWires, cipherWires: Array.from({ length: W }, (_, w) => 3 + w) };
}

let lastHash: { key: string; w: bigint[] } | undefined;
const hashCounts = new Map<string, number>();
/** Constraints of the hash circuit whose wasm is `hashWasm` (its model.r1cs, one directory up: the hash circuit's
 *  cache directory, not a model's artifacts, where the wasm is a copy). */
function hashConstraintCount(hashWasm: string): number {
  let n = hashCounts.get(hashWasm);
  if (n === undefined) hashCounts.set(hashWasm, (n = readR1cs(path.join(path.dirname(path.dirname(hashWasm)), "model.r1cs")).nConstraints));
  return n;
}

/** The witness (.wtns bytes) of q's emitted circuit for a batch of input bytes and a binding. */
export async function emitWitness(q: QuantModel, hashWasm: string, bytes: number[][], binding: bigint, outputs: bigint[][], salt = 0n): Promise<Uint8Array> {
  const b = await emitWitnessValues(q, hashWasm, bytes, binding, outputs, undefined, false, salt);
  return wtnsFile(b.values);
}

/** A .wtns file of these wire values. */
export function wtnsFile(values: bigint[]): Uint8Array {
  const w = new Writer();
  w.buf.write("wtns", 0, "latin1");
  w.len = 4;
  w.u32(2); w.u32(2);
  w.u32(1); w.u64(4 + N8 + 4);
  w.u32(N8); w.uint(FIELD_R);
  w.u32(values.length);
  w.u32(2); w.u64(N8 * values.length);
  for (const v of values) w.field(v);
  return new Uint8Array(w.bytes());
}

const calculators = new Map<string, Promise<{ calculateWitness(input: unknown, sanityCheck: boolean): Promise<bigint[]> }>>();
function hashCalculator(wasm: string) {
  const key = `${wasm}:${fs.statSync(wasm).mtimeMs}`;
  let c = calculators.get(key);
  if (!c) calculators.set(key, (c = WitnessCalculatorBuilder(fs.readFileSync(wasm))));
  return c!;
}
