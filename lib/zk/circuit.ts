/**
 * Deterministic circom code generation for a quantized model, and its compilation with circom2 (wasm).
 *
 * Signal layout v1 (TEAM.md): outputs outputCommitment, inputCommitment, [modelCommitment]; one public input
 * `binding`, constrained by bindingSquare <== binding * binding. Private inputs: x[B][inputSize] (committed bytes)
 * and, for private-weight models, weights[] in modelWeights() order.
 *
 * Public weights are constants returned by functions; each neuron accumulates sum(w * a) in a `var` inside a loop
 * (long inline expressions crash circom2's wasm build), so the product costs no constraint. Every linear output
 * goes through RescaleRelu: acc = q * 2^k + r, r range-checked to k bits, q + 2^(N-1) range-checked to N bits, whose
 * top bit is the ReLU sign.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { keccak256, toUtf8Bytes } from "ethers";
import { packPerWord, POSEIDON_MAX } from "./commitment";
import { dagOpSource, type Expr } from "./circuitDag";
import { opInputs, quantOpSize, type QuantModel, type QuantOp } from "./quantize";

export interface CircuitOptions {
  /** Inputs per proof (default 1). */
  batch: number;
  /** Weights as private witness bound by a Poseidon commitment (default false: weights are constants). */
  privateWeights: boolean;
  /**
   * Private-weight mode only: leave out the model commitment (circomlib-ml style). Not registrable: the weights
   * would be unbound. Used by the benchmark's side-by-side run only.
   */
  unboundWeights?: boolean;
}

export interface GeneratedCircuit {
  source: string;
  options: CircuitOptions;
  /** keccak256 of the source and the options: the circuit hash in the registry. */
  hash: string;
  /** Number of public signals (layout v1). */
  publicSignals: number;
}

const TEMPLATES = `
template RescaleRelu(k, N, RELU) {
    signal input in;
    signal output out;
    signal q;
    signal r;
    var off = 1 << (N - 1 + k);
    q <-- ((in + off) \\ (1 << k)) - (1 << (N - 1));
    r <-- (in + off) % (1 << k);
    in === q * (1 << k) + r;
    component rb = Num2Bits(k);
    rb.in <== r;
    component qb = Num2Bits(N);
    qb.in <== q + (1 << (N - 1));
    if (RELU == 1) { out <== q * qb.out[N - 1]; } else { out <== q; }
}

template RangeRelu(N, RELU) {
    signal input in;
    signal output out;
    component qb = Num2Bits(N);
    qb.in <== in + (1 << (N - 1));
    if (RELU == 1) { out <== in * qb.out[N - 1]; } else { out <== in; }
}

template Max2(N) {
    signal input a;
    signal input b;
    signal output out;
    component c = Num2Bits(N + 1);
    c.in <== a - b + (1 << N);
    out <== b + c.out[N] * (a - b);
}
`;

const arr1 = (xs: (bigint | number)[]) => `[${xs.join(",")}]`;
const arr2 = (rows: (bigint | number)[][]) => `[${rows.map(arr1).join(",\n")}]`;

/** Emits a template hashing n field elements with the Poseidon chain of commitment.ts. */
function chainTemplate(name: string, n: number): string {
  const lines = [`template ${name}() {`, `    signal input in[${n}];`, `    signal output out;`];
  const first = Math.min(n, POSEIDON_MAX);
  lines.push(`    component h0 = Poseidon(${first});`, `    for (var i = 0; i < ${first}; i++) { h0.inputs[i] <== in[i]; }`);
  let prev = "h0";
  let c = 1;
  for (let i = POSEIDON_MAX; i < n; i += POSEIDON_MAX - 1, c++) {
    const m = Math.min(POSEIDON_MAX - 1, n - i);
    lines.push(`    component h${c} = Poseidon(${m + 1});`, `    h${c}.inputs[0] <== ${prev}.out;`,
      `    for (var i = 0; i < ${m}; i++) { h${c}.inputs[i + 1] <== in[${i} + i]; }`);
    prev = `h${c}`;
  }
  lines.push(`    out <== ${prev}.out;`, `}`);
  return lines.join("\n");
}

type Linear = Extract<QuantOp, { kind: "linear" }>;
const isDense = (op: Linear) => op.rows.every((r) => r.idx.length === op.inSize && r.idx.every((v, i) => v === i));

/** Generates the circuit source; deterministic in (q, options). */
export function generateCircuit(q: QuantModel, options: CircuitOptions): GeneratedCircuit {
  const B = options.batch;
  if (!Number.isInteger(B) || B < 1) throw new Error(`batch must be a positive integer, got ${B}`);
  if (options.unboundWeights && !options.privateWeights) throw new Error("unboundWeights needs privateWeights");
  const N = q.rangeBits;
  const priv = options.privateWeights;
  const commitModel = priv && !options.unboundWeights;
  const fns: string[] = [];
  const body: string[] = [];
  const templates: string[] = [];
  let nWeights = 0;
  // tensor t's element expression: t = 0 the input, t = l + 1 the output of op l (docs/quant-ir.md)
  const tensor: Expr[] = [(s, i) => `(x[${s}][${i}] - ${q.inputZeroPoint})`];
  let size = q.inputSize;
  const weightCount = { n: 0 };

  q.ops.forEach((op, l) => {
    const ins = opInputs(op, l);
    const prev = tensor[ins[0]];
    size = ins.length === 1 ? (ins[0] === 0 ? q.inputSize : quantOpSize(q.ops[ins[0] - 1])) : size;
    if (op.kind === "gather" || op.kind === "mul" || op.kind === "spline" || (op.kind === "linear" && ins.length > 1)) {
      const sizes = ins.map((t) => (t === 0 ? q.inputSize : quantOpSize(q.ops[t - 1])));
      const g = dagOpSource(op, l, { B, N, priv, inputs: ins.map((t) => tensor[t]), sizes, weights: weightCount });
      fns.push(...g.fns);
      body.push(...g.body);
      templates.push(...g.templates);
    } else if (op.kind === "linear") {
      nWeights = weightCount.n;
      const L = Math.max(...op.rows.map((r) => r.idx.length));
      const dense = isDense(op);
      if (!dense) fns.push(`function IDX${l}() { return ${arr2(op.rows.map((r) => [...r.idx, ...Array(L - r.idx.length).fill(0)]))}; }`);
      const idx = (o: string, t: string) => (dense ? t : `I${l}[${o}][${t}]`);
      body.push(`    signal a${l}[${B}][${op.outSize}];`, `    component rs${l}[${B}][${op.outSize}];`);
      if (!dense) body.push(`    var I${l}[${op.outSize}][${L}] = IDX${l}();`);
      const rescale = op.shift > 0 ? `RescaleRelu(${op.shift}, ${N}, ${op.relu ? 1 : 0})` : `RangeRelu(${N}, ${op.relu ? 1 : 0})`;
      const finish = [`            rs${l}[s][o] = ${rescale};`, `            rs${l}[s][o].in <== acc;`, `            a${l}[s][o] <== rs${l}[s][o].out;`, `        }`, `    }`];
      if (!priv) {
        fns.push(`function W${l}() { return ${arr2(op.rows.map((r) => [...r.pidx.map((p) => op.params[p]), ...Array(L - r.pidx.length).fill(0n)]))}; }`);
        fns.push(`function B${l}() { return ${arr1(op.rows.map((r) => op.biasParams[r.bidx]))}; }`);
        body.push(`    var W${l}[${op.outSize}][${L}] = W${l}();`, `    var B${l}[${op.outSize}] = B${l}();`,
          `    for (var s = 0; s < ${B}; s++) {`, `        for (var o = 0; o < ${op.outSize}; o++) {`,
          `            var acc = B${l}[o];`,
          `            for (var t = 0; t < ${L}; t++) { acc += W${l}[o][t] * ${prev("s", idx("o", "t"))}; }`, ...finish);
      } else {
        // weights[] holds, per linear op, its unique params then its bias params (modelWeights order).
        const pOff = nWeights;
        const bOff = pOff + op.params.length;
        nWeights = bOff + op.biasParams.length;
        weightCount.n = nWeights;
        const total = op.rows.reduce((a, r) => a + r.idx.length, 0);
        fns.push(`function P${l}() { return ${arr2(op.rows.map((r) => [...r.pidx, ...Array(L - r.pidx.length).fill(0)]))}; }`);
        fns.push(`function LEN${l}() { return ${arr1(op.rows.map((r) => r.idx.length))}; }`, `function BI${l}() { return ${arr1(op.rows.map((r) => r.bidx))}; }`);
        body.push(`    var P${l}[${op.outSize}][${L}] = P${l}();`, `    var LEN${l}[${op.outSize}] = LEN${l}();`, `    var BI${l}[${op.outSize}] = BI${l}();`,
          `    signal p${l}[${B}][${total}];`,
          `    for (var s = 0; s < ${B}; s++) {`, `        var pi = 0;`, `        for (var o = 0; o < ${op.outSize}; o++) {`,
          `            var acc = weights[${bOff} + BI${l}[o]];`,
          `            for (var t = 0; t < LEN${l}[o]; t++) {`,
          `                p${l}[s][pi] <== weights[${pOff} + P${l}[o][t]] * ${prev("s", idx("o", "t"))};`,
          `                acc += p${l}[s][pi];`, `                pi++;`, `            }`, ...finish);
      }
      size = op.outSize;
    } else if (op.kind === "max") {
      const L = Math.max(...op.windows.map((w) => w.length));
      fns.push(`function WIN${l}() { return ${arr2(op.windows.map((w) => [...w, ...Array(L - w.length).fill(w[0])]))}; }`);
      body.push(`    signal a${l}[${B}][${op.outSize}];`, `    var WIN${l}[${op.outSize}][${L}] = WIN${l}();`);
      if (L > 1) body.push(`    component mx${l}[${B}][${op.outSize}][${L - 1}];`);
      body.push(`    for (var s = 0; s < ${B}; s++) {`, `        for (var o = 0; o < ${op.outSize}; o++) {`);
      if (L === 1) body.push(`            a${l}[s][o] <== ${prev("s", `WIN${l}[o][0]`)};`);
      else {
        body.push(`            for (var t = 0; t < ${L - 1}; t++) {`, `                mx${l}[s][o][t] = Max2(${N});`,
          `                mx${l}[s][o][t].a <== ${prev("s", `WIN${l}[o][t + 1]`)};`,
          `                if (t == 0) { mx${l}[s][o][t].b <== ${prev("s", `WIN${l}[o][0]`)}; } else { mx${l}[s][o][t].b <== mx${l}[s][o][t - 1].out; }`,
          `            }`, `            a${l}[s][o] <== mx${l}[s][o][${L - 2}].out;`);
      }
      body.push(`        }`, `    }`);
      size = op.outSize;
    } else {
      body.push(`    signal a${l}[${B}][${size}];`, `    component rl${l}[${B}][${size}];`,
        `    for (var s = 0; s < ${B}; s++) {`, `        for (var o = 0; o < ${size}; o++) {`,
        `            rl${l}[s][o] = RangeRelu(${N}, 1);`, `            rl${l}[s][o].in <== ${prev("s", "o")};`,
        `            a${l}[s][o] <== rl${l}[s][o].out;`, `        }`, `    }`);
    }
    const name = `a${l}`;
    tensor.push((s, i) => `${name}[${s}][${i}]`);
    size = quantOpSize(op);
  });
  nWeights = weightCount.n;

  // Commitments.
  const inPer = packPerWord(8);
  const nInWords = Math.ceil((B * q.inputSize) / inPer);
  const outPer = packPerWord(N);
  const nOutWords = Math.ceil((B * size) / outPer);
  const last = q.ops.length - 1;
  templates.unshift(TEMPLATES, chainTemplate("InputHash", nInWords), chainTemplate("OutputHash", nOutWords));
  if (commitModel) templates.push(chainTemplate("ModelHash", nWeights));

  const main: string[] = [
    `template Model() {`,
    `    signal input binding;`,
    `    signal input x[${B}][${q.inputSize}];`,
    ...(priv ? [`    signal input weights[${nWeights}];`] : []),
    `    signal output outputCommitment;`,
    `    signal output inputCommitment;`,
    ...(commitModel ? [`    signal output modelCommitment;`] : []),
    `    signal bindingSquare;`,
    `    bindingSquare <== binding * binding;`,
    // Inputs: 8-bit range checks, then packing and hashing.
    `    component xb[${B}][${q.inputSize}];`,
    `    component ih = InputHash();`,
    `    var inWord[${nInWords}];`,
    `    for (var w = 0; w < ${nInWords}; w++) { inWord[w] = 0; }`,
    `    for (var s = 0; s < ${B}; s++) {`,
    `        for (var i = 0; i < ${q.inputSize}; i++) {`,
    `            xb[s][i] = Num2Bits(8);`,
    `            xb[s][i].in <== x[s][i];`,
    `            var k = s * ${q.inputSize} + i;`,
    `            inWord[k \\ ${inPer}] += x[s][i] * (1 << (8 * (k % ${inPer})));`,
    `        }`,
    `    }`,
    `    for (var w = 0; w < ${nInWords}; w++) { ih.in[w] <== inWord[w]; }`,
    `    inputCommitment <== ih.out;`,
    ...(commitModel ? [`    component mh = ModelHash();`, `    for (var i = 0; i < ${nWeights}; i++) { mh.in[i] <== weights[i]; }`, `    modelCommitment <== mh.out;`] : []),
    ...body,
    `    component oh = OutputHash();`,
    `    var outWord[${nOutWords}];`,
    `    for (var w = 0; w < ${nOutWords}; w++) { outWord[w] = 0; }`,
    `    for (var s = 0; s < ${B}; s++) {`,
    `        for (var o = 0; o < ${size}; o++) {`,
    `            var k = s * ${size} + o;`,
    `            outWord[k \\ ${outPer}] += (a${last}[s][o] + (1 << ${N - 1})) * (1 << (${N} * (k % ${outPer})));`,
    `        }`,
    `    }`,
    `    for (var w = 0; w < ${nOutWords}; w++) { oh.in[w] <== outWord[w]; }`,
    `    outputCommitment <== oh.out;`,
    `}`,
    ``,
    `component main {public [binding]} = Model();`,
  ];
  const source = [
    `pragma circom 2.1.0;`,
    `// Generated by V-Oblivion lib/zk/circuit.ts (signal layout v1). Do not edit.`,
    `include "circomlib/circuits/poseidon.circom";`,
    `include "circomlib/circuits/bitify.circom";`,
    ...templates,
    ...fns,
    ...main,
    ``,
  ].join("\n");
  const hash = keccak256(toUtf8Bytes(source + "\n" + JSON.stringify({ batch: B, privateWeights: priv, unboundWeights: !!options.unboundWeights })));
  return { source, options, hash, publicSignals: commitModel ? 4 : 3 };
}

export interface CompiledCircuit {
  dir: string;
  r1cs: string;
  wasm: string;
  constraints: number;
  compileSeconds: number;
}

/** Compiles `gen` into `dir` (r1cs + wasm witness generator) unless already there. */
export async function compileCircuit(gen: GeneratedCircuit, dir: string): Promise<CompiledCircuit> {
  fs.mkdirSync(dir, { recursive: true });
  const src = path.join(dir, "model.circom");
  const r1cs = path.join(dir, "model.r1cs");
  const wasm = path.join(dir, "model_js", "model.wasm");
  let compileSeconds = 0;
  if (!fs.existsSync(r1cs) || !fs.existsSync(wasm) || !fs.existsSync(src) || fs.readFileSync(src, "utf8") !== gen.source) {
    fs.writeFileSync(src, gen.source);
    // circom2's wasm sees the working directory and its parents only, and follows no absolute symlink: run it
    // from the folder that really holds node_modules, with relative paths.
    const root = path.dirname(fs.realpathSync(path.dirname(path.dirname(require.resolve("circomlib/package.json")))));
    const rel = (p: string) => path.relative(root, path.resolve(p));
    const cli = require.resolve("circom2/cli.js");
    const t0 = Date.now();
    try {
      const args = [cli, rel(src), "--r1cs", "--wasm", "-o", rel(dir), "-l", "node_modules"];
      await promisify(execFile)(process.execPath, args, { cwd: root, maxBuffer: 64 << 20 });
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      throw new Error(`circom2 failed on ${src}: ${(err.stderr || err.stdout || err.message).slice(-2000)}`);
    }
    compileSeconds = (Date.now() - t0) / 1000;
  }
  return { dir, r1cs, wasm, constraints: readR1csConstraintCount(r1cs), compileSeconds };
}

/** Constraint count from an .r1cs header. */
export function readR1csConstraintCount(file: string): number {
  const buf = fs.readFileSync(file);
  let p = 12;
  while (p < buf.length) {
    const type = buf.readUInt32LE(p);
    const len = Number(buf.readBigUInt64LE(p + 4));
    if (type === 1) {
      const n8 = buf.readUInt32LE(p + 12);
      return buf.readUInt32LE(p + 12 + 4 + n8 + 4 * 4 + 8);
    }
    p += 12 + len;
  }
  throw new Error(`${file}: no r1cs header section`);
}
