/**
 * Deterministic circom code generation for a quantized model, and its compilation with circom2 (wasm).
 *
 * Signal layout v2 (contracts/interfaces/IProofVerifier.sol): outputs outputCommitment, inputCommitment,
 * [modelCommitment], cipher[W]; one public input `binding`, constrained by bindingSquare <== binding * binding.
 * Private inputs: x[B][inputSize] (committed bytes), for private-weight models weights[] in modelWeights() order, and
 * the shard's output salt. inputCommitment = Poseidon(inputDigest, salt); cipher[w] = outWord[w] + Poseidon(salt,
 * w + 1) (lib/zk/commitment.ts): the proof's public signals carry its outputs, readable by whoever knows the salt.
 *
 * Public weights are constants returned by functions; each neuron accumulates sum(w * a) in a `var` inside a loop
 * (long inline expressions crash circom2's wasm build), so the product costs no constraint. The steps follow
 * lib/zk/plan.ts (max-pool fusion); every rescale is one (k + N)-bit decomposition of acc + 2^(k+N-1): the low k bits
 * are the remainder, the rest is q + 2^(N-1), whose top bit is the ReLU sign. Bits, decompositions and comparisons
 * are written inline (no components), so that every constraint of the model part is visible here and the direct
 * emitter (lib/zk/emit.ts) writes the same ones. Each step reads its input tensors by id (docs/quant-ir.md); the ops
 * only graph models have (gather, mul, spline, linear over several tensors) are written by circuitDag.ts.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { concat, keccak256, toUtf8Bytes } from "ethers";
import { checkComparison, checkRescale } from "./bounds";
import { packPerWord, POSEIDON_MAX } from "./commitment";
import { dagOpSource, type Expr } from "./circuitDag";
import { circuitPlan, paddedWindows, type LinearOp } from "./plan";
import { opInputs, quantOpSize, type QuantModel } from "./quantize";

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
  /** keccak256 of the source and the options (sourceHash); the registry's circuit hash also covers the R1CS (circuitHashOf). */
  hash: string;
  /** Number of public signals (layout v2: the commitments, the cipher words, the binding). */
  publicSignals: number;
  /** Output cipher words among them (W). */
  cipherWords: number;
}

/** Component templates for op kinds that have no plan step of their own (circuitDag.ts; they cost nothing unless
 *  instantiated). */
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
export function chainTemplate(name: string, n: number): string {
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

/** inputCommitment = Poseidon(ih.out, salt) (the digest of the input words under the shard's salt). */
export function saltedInputLines(): string[] {
  return [`    component ic = Poseidon(2);`, `    ic.inputs[0] <== ih.out;`, `    ic.inputs[1] <== salt;`, `    inputCommitment <== ic.out;`];
}

/** cipher[w] = words[w] + Poseidon(salt, w + 1): the output words, masked under the shard's salt (G-07). */
export function cipherLines(nOutWords: number, words: string): string[] {
  return [
    `    component mask[${nOutWords}];`,
    `    for (var w = 0; w < ${nOutWords}; w++) {`,
    `        mask[w] = Poseidon(2);`,
    `        mask[w].inputs[0] <== salt;`,
    `        mask[w].inputs[1] <== w + 1;`,
    `        cipher[w] <== ${words}[w] + mask[w].out;`,
    `    }`,
  ];
}

/**
 * Rescale of `val` (a linear expression) into `out`: v = val + 2^(k+N-1) is decomposed into k + N bits `bits`
 * (one range check covers the remainder, the low k bits, and the quotient's N bits); the quotient is
 * q = bits[k..k+N) - 2^(N-1) and bits[k+N-1] is its sign, so ReLU costs one product. k + N + 2 constraints.
 */
function rescaleLines(bits: string, out: string, val: string, k: number, N: number, relu: boolean): string[] {
  const KN = k + N;
  const p = "            ";
  return [
    `${p}var v = ${val} + ${1n << BigInt(KN - 1)};`,
    `${p}var lc = 0;`,
    `${p}for (var i = 0; i < ${KN}; i++) {`,
    `${p}    ${bits}[i] <-- (v >> i) & 1;`,
    `${p}    ${bits}[i] * (${bits}[i] - 1) === 0;`,
    `${p}    lc += ${bits}[i] * (1 << i);`,
    `${p}}`,
    `${p}lc === v;`,
    `${p}var qv = 0 - ${1n << BigInt(N - 1)};`,
    `${p}for (var i = ${k}; i < ${KN}; i++) { qv += ${bits}[i] * (1 << (i - ${k})); }`,
    relu ? `${p}${out} <== qv * ${bits}[${KN - 1}];` : `${p}${out} <== qv;`,
  ];
}

/** out = max(a, b) for D-bit signed a and b: a - b + 2^D decomposed into D + 1 bits, whose top bit is a >= b. D + 3 constraints. */
function maxLines(bits: string, out: string, a: string, b: string, D: number, p: string): string[] {
  return [
    `${p}var d = ${a} - ${b} + ${1n << BigInt(D)};`,
    `${p}var ld = 0;`,
    `${p}for (var i = 0; i <= ${D}; i++) {`,
    `${p}    ${bits}[i] <-- (d >> i) & 1;`,
    `${p}    ${bits}[i] * (${bits}[i] - 1) === 0;`,
    `${p}    ld += ${bits}[i] * (1 << i);`,
    `${p}}`,
    `${p}ld === d;`,
    `${p}${out} <== ${b} + ${bits}[${D}] * (${a} - ${b});`,
  ];
}

const isDense = (op: LinearOp) => op.rows.every((r) => r.idx.length === op.inSize && r.idx.every((v, i) => v === i));

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
  const weightCount = { n: 0 };
  // tensor t's element expression: t = 0 the input, t = l + 1 the output of ops[l] (docs/quant-ir.md)
  const tensor: Expr[] = [(s, i) => `(x[${s}][${i}] - ${q.inputZeroPoint})`];
  const tensorSize = (t: number) => (t === 0 ? q.inputSize : quantOpSize(q.ops[t - 1]));
  const plan = circuitPlan(q);

  for (const step of plan) {
    const l = step.index;
    const ins = opInputs(step.op, step.kind === "linearMax" ? l - 1 : l);
    const prev = tensor[ins[0]];
    const inSize = tensorSize(ins[0]);
    if (step.kind === "linear" || step.kind === "linearMax") {
      const op = step.op;
      const j = step.kind === "linear" ? l : l - 1; // the linear op's own index names its constants
      const L = Math.max(...op.rows.map((r) => r.idx.length));
      const dense = isDense(op);
      if (!dense) fns.push(`function IDX${j}() { return ${arr2(op.rows.map((r) => [...r.idx, ...Array(L - r.idx.length).fill(0)]))}; }`);
      const idx = (o: string, t: string) => (dense ? t : `I${j}[${o}][${t}]`);
      const outSize = step.kind === "linear" ? op.outSize : step.max.outSize;
      const KN = op.shift + N;
      checkRescale(op.shift, N, step.kind === "linear" ? op.node : step.max.node);
      if (step.kind === "linearMax" && paddedWindows(step.max)[0].length > 1) checkComparison(KN, step.max.node);
      body.push(`    // ${step.kind === "linear" ? `node "${op.node}": linear, rescale by 2^${op.shift}` : `nodes "${op.node}" + "${step.max.node}": max over raw accumulators, then rescale by 2^${op.shift}`}${op.relu ? ", ReLU" : ""}`);
      body.push(`    signal a${l}[${B}][${outSize}];`, `    signal rb${l}[${B}][${outSize}][${KN}];`);
      if (!dense) body.push(`    var I${j}[${op.outSize}][${L}] = IDX${j}();`);
      const accLines: string[] = [];
      if (!priv) {
        fns.push(`function W${j}() { return ${arr2(op.rows.map((r) => [...r.pidx.map((p) => op.params[p]), ...Array(L - r.pidx.length).fill(0n)]))}; }`);
        fns.push(`function B${j}() { return ${arr1(op.rows.map((r) => op.biasParams[r.bidx]))}; }`);
        body.push(`    var W${j}[${op.outSize}][${L}] = W${j}();`, `    var B${j}[${op.outSize}] = B${j}();`);
        accLines.push(`            var acc = B${j}[o];`, `            for (var t = 0; t < ${L}; t++) { acc += W${j}[o][t] * ${prev("s", idx("o", "t"))}; }`);
      } else {
        // weights[] holds, per linear op, its unique params then its bias params (modelWeights order).
        const pOff = weightCount.n;
        const bOff = pOff + op.params.length;
        weightCount.n = bOff + op.biasParams.length;
        const total = op.rows.reduce((acc, r) => acc + r.idx.length, 0);
        fns.push(`function P${j}() { return ${arr2(op.rows.map((r) => [...r.pidx, ...Array(L - r.pidx.length).fill(0)]))}; }`);
        fns.push(`function LEN${j}() { return ${arr1(op.rows.map((r) => r.idx.length))}; }`, `function BI${j}() { return ${arr1(op.rows.map((r) => r.bidx))}; }`);
        body.push(`    var P${j}[${op.outSize}][${L}] = P${j}();`, `    var LEN${j}[${op.outSize}] = LEN${j}();`, `    var BI${j}[${op.outSize}] = BI${j}();`, `    signal p${j}[${B}][${total}];`);
        accLines.push(`            var acc = weights[${bOff} + BI${j}[o]];`,
          `            for (var t = 0; t < LEN${j}[o]; t++) {`,
          `                p${j}[s][pi] <== weights[${pOff} + P${j}[o][t]] * ${prev("s", idx("o", "t"))};`,
          `                acc += p${j}[s][pi];`, `                pi++;`, `            }`);
      }
      if (step.kind === "linearMax") {
        const WL = paddedWindows(step.max)[0].length;
        fns.push(`function WIN${l}() { return ${arr2(paddedWindows(step.max))}; }`);
        body.push(`    var WIN${l}[${step.max.outSize}][${WL}] = WIN${l}();`);
        if (WL > 1) body.push(`    signal m${l}[${B}][${step.max.outSize}][${WL - 1}];`, `    signal mb${l}[${B}][${step.max.outSize}][${WL - 1}][${KN + 1}];`);
      }
      body.push(`    for (var s = 0; s < ${B}; s++) {`, ...(priv ? [`        var pi = 0;`] : []));
      if (step.kind === "linear") {
        body.push(`        for (var o = 0; o < ${op.outSize}; o++) {`, ...accLines, ...rescaleLines(`rb${l}[s][o]`, `a${l}[s][o]`, "acc", op.shift, N, op.relu), `        }`);
      } else {
        const m = step.max;
        const WL = paddedWindows(m)[0].length;
        body.push(`        var ACC${l}[${op.outSize}];`, `        for (var o = 0; o < ${op.outSize}; o++) {`, ...accLines, `            ACC${l}[o] = acc;`, `        }`,
          `        for (var o = 0; o < ${m.outSize}; o++) {`);
        if (WL === 1) body.push(`            var best = ACC${l}[WIN${l}[o][0]];`);
        else {
          body.push(`            for (var t = 0; t < ${WL - 1}; t++) {`,
            `                var b;`, `                if (t == 0) { b = ACC${l}[WIN${l}[o][0]]; } else { b = m${l}[s][o][t - 1]; }`,
            ...maxLines(`mb${l}[s][o][t]`, `m${l}[s][o][t]`, `ACC${l}[WIN${l}[o][t + 1]]`, "b", KN, "                "),
            `            }`, `            var best = m${l}[s][o][${WL - 2}];`);
        }
        body.push(...rescaleLines(`rb${l}[s][o]`, `a${l}[s][o]`, "best", op.shift, N, op.relu), `        }`);
      }
      body.push(`    }`);
    } else if (step.kind === "max") {
      const m = step.op;
      const WL = paddedWindows(m)[0].length;
      if (WL > 1) checkComparison(N, m.node);
      fns.push(`function WIN${l}() { return ${arr2(paddedWindows(m))}; }`);
      body.push(`    // node "${m.node}": max of ${N}-bit activations`, `    signal a${l}[${B}][${m.outSize}];`, `    var WIN${l}[${m.outSize}][${WL}] = WIN${l}();`);
      if (WL > 1) body.push(`    signal m${l}[${B}][${m.outSize}][${WL - 1}];`, `    signal mb${l}[${B}][${m.outSize}][${WL - 1}][${N + 1}];`);
      body.push(`    for (var s = 0; s < ${B}; s++) {`, `        for (var o = 0; o < ${m.outSize}; o++) {`);
      if (WL === 1) body.push(`            a${l}[s][o] <== ${prev("s", `WIN${l}[o][0]`)};`);
      else {
        body.push(`            for (var t = 0; t < ${WL - 1}; t++) {`,
          `                var b;`, `                if (t == 0) { b = ${prev("s", `WIN${l}[o][0]`)}; } else { b = m${l}[s][o][t - 1]; }`,
          ...maxLines(`mb${l}[s][o][t]`, `m${l}[s][o][t]`, prev("s", `WIN${l}[o][t + 1]`), "b", N, "                "),
          `            }`, `            a${l}[s][o] <== m${l}[s][o][${WL - 2}];`);
      }
      body.push(`        }`, `    }`);
    } else if (step.kind === "relu") {
      checkRescale(0, N, step.op.node);
      body.push(`    // node "${step.op.node}": ReLU by the sign of a ${N}-bit range check`, `    signal a${l}[${B}][${inSize}];`, `    signal rb${l}[${B}][${inSize}][${N}];`,
        `    for (var s = 0; s < ${B}; s++) {`, `        for (var o = 0; o < ${inSize}; o++) {`,
        ...rescaleLines(`rb${l}[s][o]`, `a${l}[s][o]`, prev("s", "o"), 0, N, true), `        }`, `    }`);
    } else {
      const g = dagOpSource(step.op, l, { B, N, priv, inputs: ins.map((t) => tensor[t]), sizes: ins.map(tensorSize), weights: weightCount });
      fns.push(...g.fns);
      body.push(...g.body);
      templates.push(...g.templates);
    }
    const name = `a${l}`;
    tensor[l + 1] = (s, i) => `${name}[${s}][${i}]`;
  }
  const nWeights = weightCount.n;
  const last = plan[plan.length - 1].index;
  const size = quantOpSize(q.ops[last]);

  // Commitments.
  const inPer = packPerWord(8);
  const nInWords = Math.ceil((B * q.inputSize) / inPer);
  const outPer = packPerWord(N);
  const nOutWords = Math.ceil((B * size) / outPer);
  templates.unshift(TEMPLATES, chainTemplate("InputHash", nInWords), chainTemplate("OutputHash", nOutWords));
  if (commitModel) templates.push(chainTemplate("ModelHash", nWeights));

  const main: string[] = [
    `template Model() {`,
    `    signal input binding;`,
    `    signal input x[${B}][${q.inputSize}];`,
    ...(priv ? [`    signal input weights[${nWeights}];`] : []),
    `    signal input salt;`,
    `    signal output outputCommitment;`,
    `    signal output inputCommitment;`,
    ...(commitModel ? [`    signal output modelCommitment;`] : []),
    `    signal output cipher[${nOutWords}];`,
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
    ...saltedInputLines(),
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
    ...cipherLines(nOutWords, "oh.in"),
    `}`,
    ``,
    `component main {public [binding]} = Model();`,
  ];
  const source = [
    `pragma circom 2.1.0;`,
    `// Generated by V-Oblivion lib/zk/circuit.ts (signal layout v2). Do not edit.`,
    `include "circomlib/circuits/poseidon.circom";`,
    `include "circomlib/circuits/bitify.circom";`,
    ...templates,
    ...fns,
    ...main,
    ``,
  ].join("\n");
  return { source, options, hash: sourceHash(source, options), publicSignals: (commitModel ? 4 : 3) + nOutWords, cipherWords: nOutWords };
}

/** keccak256 of a circuit's source and options (the build cache key; half of the circuit hash). */
export function sourceHash(source: string, options: CircuitOptions): string {
  return keccak256(toUtf8Bytes(source + "\n" + JSON.stringify({ batch: options.batch, privateWeights: options.privateWeights, unboundWeights: !!options.unboundWeights })));
}

/**
 * The circuit hash the registry records: keccak256(sourceHash || keccak256(r1cs bytes)). It covers the R1CS the
 * proving key is made from, not only the source an auditor reads (Z-03: the two were once different circuits).
 */
export function circuitHashOf(srcHash: string, r1cs: Uint8Array): string {
  return keccak256(concat([srcHash, keccak256(r1cs)]));
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
    // Compiled in a folder of its own, then moved in file by file (each rename replaces at once), the R1CS last: a
    // process that reads this cache meanwhile, or a compile cut short, never leaves or meets half a circuit.
    const tmp = fs.mkdtempSync(path.join(dir, "compiling-"));
    const tmpSrc = path.join(tmp, "model.circom");
    fs.writeFileSync(tmpSrc, gen.source);
    // circom2's wasm sees the working directory and its parents only, and follows no absolute symlink: run it
    // from the folder that really holds node_modules, with relative paths.
    const root = path.dirname(fs.realpathSync(path.dirname(path.dirname(require.resolve("circomlib/package.json")))));
    const rel = (p: string) => path.relative(root, path.resolve(p));
    const cli = require.resolve("circom2/cli.js");
    const t0 = Date.now();
    try {
      const args = [cli, rel(tmpSrc), "--r1cs", "--wasm", "-o", rel(tmp), "-l", "node_modules"];
      await promisify(execFile)(process.execPath, args, { cwd: root, maxBuffer: 64 << 20 });
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      const err = e as { stderr?: string; stdout?: string; message: string };
      throw new Error(`circom2 failed on ${src}: ${(err.stderr || err.stdout || err.message).slice(-2000)}`);
    }
    compileSeconds = (Date.now() - t0) / 1000;
    fs.mkdirSync(path.dirname(wasm), { recursive: true });
    for (const f of fs.readdirSync(path.join(tmp, "model_js"))) fs.renameSync(path.join(tmp, "model_js", f), path.join(path.dirname(wasm), f));
    fs.renameSync(tmpSrc, src);
    fs.renameSync(path.join(tmp, "model.r1cs"), r1cs);
    fs.rmSync(tmp, { recursive: true, force: true });
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
