/**
 * circom source for the ops of a graph model that a chain never has (docs/quant-ir.md): linear ops over several
 * tensors (residual Add/Sub, Concat with different scales, LeakyRelu/PRelu), `gather` (pure wiring: Concat,
 * Pad, Transpose), `mul` (product of two activations, rescaled) and `spline` (clamped piecewise-linear
 * functions: Clip, HardSigmoid, Sigmoid, Tanh, Erf). lib/zk/circuit.ts calls this for the plan steps of kind "op"
 * (lib/zk/plan.ts), i.e. for those ops only; chain models never reach it. The direct emitter (lib/zk/emit.ts) does
 * not cover these ops: models with them are compiled by circom2.
 */
import { checkComparison, checkRescale } from "./bounds";
import type { QuantOp } from "./quantize";

/** Element expression of a tensor: (sample, index) -> circom expression. */
export type Expr = (s: string, i: string) => string;

export interface DagContext {
  B: number;
  /** rangeBits. */
  N: number;
  priv: boolean;
  /** Expressions of the op's input tensors, in `inputs` order, and their sizes. */
  inputs: Expr[];
  sizes: number[];
  /** Running count of private weights (weights[] layout: per linear op, params then biases). */
  weights: { n: number };
}

const arr1 = (xs: (bigint | number)[]) => `[${xs.join(",")}]`;
const arr2 = (rows: (bigint | number)[][]) => `[${rows.map(arr1).join(",\n")}]`;
const pad = <T>(xs: T[], L: number, v: T) => [...xs, ...Array(L - xs.length).fill(v)];

function rescaleOf(shift: number, N: number, relu: boolean, node: string) {
  checkRescale(shift, N, node);
  return shift > 0 ? `RescaleRelu(${shift}, ${N}, ${relu ? 1 : 0})` : `RangeRelu(${N}, ${relu ? 1 : 0})`;
}

/** A spline's template: clamp by two sign bits, segment by the top bits, chord, rescale (docs/quant-ir.md). */
function splineTemplate(l: number, op: Extract<QuantOp, { kind: "spline" }>, N: number): string {
  const h = op.segBits;
  checkComparison(N, op.node);
  checkRescale(op.shift, op.outBits, op.node);
  checkRescale(0, op.bits, op.node);
  const lines = [
    `template Spline${l}() {`,
    `    signal input in;`,
    `    signal output out;`,
    `    component g1 = Num2Bits(${N + 1});`,
    `    g1.in <== in - (${op.lo}) + (1 << ${N});`,
    `    signal r1;`,
    `    r1 <== (in - (${op.lo})) * g1.out[${N}];`,
    `    component g2 = Num2Bits(${N + 1});`,
    `    g2.in <== r1 + (${op.lo}) - (${op.hi}) + (1 << ${N});`,
    `    signal r2;`,
    `    r2 <== (r1 + (${op.lo}) - (${op.hi})) * g2.out[${N}];`,
    `    component rs = RescaleRelu(${op.shift}, ${op.outBits}, 0);`,
  ];
  if (h === 0) {
    lines.push(`    rs.in <== ${op.c[0]} + ${op.s[0]} * (r1 - r2);`);
  } else {
    const wBits = op.bits - h;
    lines.push(
      `    component ub = Num2Bits(${op.bits});`,
      `    ub.in <== r1 - r2;`,
      `    var C[${1 << h}] = ${arr1(op.c)};`,
      `    var S[${1 << h}] = ${arr1(op.s)};`,
      `    var w = 0;`,
      `    for (var i = 0; i < ${wBits}; i++) { w += ub.out[i] * (1 << i); }`,
    );
    // one-hot e over the low h-1 segment bits (level 1 is linear, deeper levels are products)
    lines.push(`    var e1[2];`, `    e1[0] = 1 - ub.out[${wBits}];`, `    e1[1] = ub.out[${wBits}];`);
    let cur = "e1";
    for (let k = 1; k < h - 1; k++) {
      const n = 1 << (k + 1);
      const name = `e${k + 1}`;
      lines.push(`    signal ${name}[${n}];`,
        `    for (var j = 0; j < ${n / 2}; j++) {`,
        `        ${name}[j] <== ${cur}[j] * (1 - ub.out[${wBits + k}]);`,
        `        ${name}[j + ${n / 2}] <== ${cur}[j] * ub.out[${wBits + k}];`,
        `    }`);
      cur = name;
    }
    const half = 1 << (h - 1);
    const top = `ub.out[${op.bits - 1}]`;
    if (h === 1) {
      lines.push(`    signal cs;`, `    cs <== C[0] + ${top} * (C[1] - C[0]);`, `    signal ss;`, `    ss <== S[0] + ${top} * (S[1] - S[0]);`);
    } else {
      lines.push(`    var c0 = 0;`, `    var c1 = 0;`, `    var s0 = 0;`, `    var s1 = 0;`,
        `    for (var j = 0; j < ${half}; j++) {`,
        `        c0 += ${cur}[j] * C[j];`, `        c1 += ${cur}[j] * C[j + ${half}];`,
        `        s0 += ${cur}[j] * S[j];`, `        s1 += ${cur}[j] * S[j + ${half}];`,
        `    }`,
        `    signal cs;`, `    cs <== c0 + ${top} * (c1 - c0);`, `    signal ss;`, `    ss <== s0 + ${top} * (s1 - s0);`);
    }
    lines.push(`    rs.in <== cs + ss * w;`);
  }
  lines.push(`    out <== rs.out;`, `}`);
  return lines.join("\n");
}

/** Source lines (functions, main-template body, extra templates) of graph op `l`; it writes signal a{l}[B][size]. */
export function dagOpSource(op: QuantOp, l: number, ctx: DagContext): { fns: string[]; body: string[]; templates: string[] } {
  const { B, N } = ctx;
  const fns: string[] = [];
  const body: string[] = [];
  const templates: string[] = [];
  const loop = (n: number, inner: string[]) => [`    for (var s = 0; s < ${B}; s++) {`, `        for (var o = 0; o < ${n}; o++) {`, ...inner.map((x) => `            ${x}`), `        }`, `    }`];
  /** Expression selecting input j by a compile-time var `jv`, index `iv`. */
  const select = (target: string, jv: string, iv: string) =>
    ctx.inputs.map((e, j) => `${j ? "} else " : ""}if (${jv} == ${j}) { ${target} <== ${e("s", iv)};`).join(" ") + " }";

  if (op.kind === "gather") {
    const offs: number[] = [];
    let off = 0;
    for (const n of ctx.sizes) { offs.push(off); off += n; }
    const table = op.src.map((src) => {
      if (src < 0) return [-1, 0];
      let j = offs.length - 1;
      while (offs[j] > src) j--;
      return [j, src - offs[j]];
    });
    fns.push(`function G${l}() { return ${arr2(table)}; }`);
    body.push(`    signal a${l}[${B}][${op.outSize}];`, `    var G${l}[${op.outSize}][2] = G${l}();`,
      ...loop(op.outSize, [`if (G${l}[o][0] == -1) { a${l}[s][o] <== 0; } else ${select(`a${l}[s][o]`, `G${l}[o][0]`, `G${l}[o][1]`)}`]));
  } else if (op.kind === "mul") {
    const [A, Bx] = ctx.inputs;
    fns.push(`function MA${l}() { return ${arr1(op.a)}; }`, `function MB${l}() { return ${arr1(op.b)}; }`);
    body.push(`    signal a${l}[${B}][${op.outSize}];`, `    component rs${l}[${B}][${op.outSize}];`,
      `    var MA${l}[${op.outSize}] = MA${l}();`, `    var MB${l}[${op.outSize}] = MB${l}();`,
      ...loop(op.outSize, [
        `rs${l}[s][o] = ${rescaleOf(op.shift, N, false, op.node)};`,
        `rs${l}[s][o].in <== ${A("s", `MA${l}[o]`)} * ${Bx("s", `MB${l}[o]`)}${op.shift > 0 ? ` + ${1n << BigInt(op.shift - 1)}` : ""};`,
        `a${l}[s][o] <== rs${l}[s][o].out;`,
      ]));
  } else if (op.kind === "spline") {
    templates.push(splineTemplate(l, op, N));
    body.push(`    signal a${l}[${B}][${op.size}];`, `    component sp${l}[${B}][${op.size}];`,
      ...loop(op.size, [`sp${l}[s][o] = Spline${l}();`, `sp${l}[s][o].in <== ${ctx.inputs[0]("s", "o")};`, `a${l}[s][o] <== sp${l}[s][o].out;`]));
  } else if (op.kind === "linear") {
    // rows split by input tensor: per input j, index and weight (or parameter-index) matrices padded to L_j
    const offs: number[] = [];
    let off = 0;
    for (const n of ctx.sizes) { offs.push(off); off += n; }
    const J = ctx.inputs.length;
    const parts = op.rows.map((r) => {
      const per = Array.from({ length: J }, () => ({ idx: [] as number[], pidx: [] as number[] }));
      r.idx.forEach((ix, t) => {
        let j = J - 1;
        while (offs[j] > ix) j--;
        per[j].idx.push(ix - offs[j]);
        per[j].pidx.push(r.pidx[t]);
      });
      return per;
    });
    const Ls = Array.from({ length: J }, (_, j) => Math.max(1, ...parts.map((p) => p[j].idx.length)));
    body.push(`    signal a${l}[${B}][${op.outSize}];`, `    component rs${l}[${B}][${op.outSize}];`);
    for (let j = 0; j < J; j++) {
      fns.push(`function IDX${l}_${j}() { return ${arr2(parts.map((p) => pad(p[j].idx, Ls[j], 0)))}; }`);
      body.push(`    var I${l}_${j}[${op.outSize}][${Ls[j]}] = IDX${l}_${j}();`);
    }
    const finish = [`rs${l}[s][o] = ${rescaleOf(op.shift, N, op.relu, op.node)};`, `rs${l}[s][o].in <== acc;`, `a${l}[s][o] <== rs${l}[s][o].out;`];
    if (!ctx.priv) {
      for (let j = 0; j < J; j++) {
        fns.push(`function W${l}_${j}() { return ${arr2(parts.map((p) => pad(p[j].pidx.map((q) => op.params[q]), Ls[j], 0n)))}; }`);
        body.push(`    var W${l}_${j}[${op.outSize}][${Ls[j]}] = W${l}_${j}();`);
      }
      fns.push(`function B${l}() { return ${arr1(op.rows.map((r) => op.biasParams[r.bidx]))}; }`);
      body.push(`    var B${l}[${op.outSize}] = B${l}();`,
        ...loop(op.outSize, [`var acc = B${l}[o];`,
          ...Array.from({ length: J }, (_, j) => `for (var t = 0; t < ${Ls[j]}; t++) { acc += W${l}_${j}[o][t] * ${ctx.inputs[j]("s", `I${l}_${j}[o][t]`)}; }`),
          ...finish]));
    } else {
      const pOff = ctx.weights.n;
      const bOff = pOff + op.params.length;
      ctx.weights.n = bOff + op.biasParams.length;
      const total = op.rows.reduce((a, r) => a + r.idx.length, 0);
      for (let j = 0; j < J; j++) {
        fns.push(`function P${l}_${j}() { return ${arr2(parts.map((p) => pad(p[j].pidx, Ls[j], 0)))}; }`,
          `function LEN${l}_${j}() { return ${arr1(parts.map((p) => p[j].idx.length))}; }`);
        body.push(`    var P${l}_${j}[${op.outSize}][${Ls[j]}] = P${l}_${j}();`, `    var LEN${l}_${j}[${op.outSize}] = LEN${l}_${j}();`);
      }
      fns.push(`function BI${l}() { return ${arr1(op.rows.map((r) => r.bidx))}; }`);
      body.push(`    var BI${l}[${op.outSize}] = BI${l}();`, `    signal p${l}[${B}][${Math.max(1, total)}];`,
        `    for (var s = 0; s < ${B}; s++) {`, `        var pi = 0;`, `        for (var o = 0; o < ${op.outSize}; o++) {`,
        `            var acc = weights[${bOff} + BI${l}[o]];`,
        ...Array.from({ length: J }, (_, j) => [
          `            for (var t = 0; t < LEN${l}_${j}[o]; t++) {`,
          `                p${l}[s][pi] <== weights[${pOff} + P${l}_${j}[o][t]] * ${ctx.inputs[j]("s", `I${l}_${j}[o][t]`)};`,
          `                acc += p${l}[s][pi];`, `                pi++;`, `            }`]).flat(),
        ...finish.map((x) => `            ${x}`), `        }`, `    }`);
    }
  } else {
    throw new Error(`internal: op kind ${op.kind} is not a graph op`);
  }
  return { fns, body, templates };
}
