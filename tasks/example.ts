/** `model:example`: the demo's MNIST model, calibration file and sample inputs with labels, as files. */
import path from "node:path";
import { task, types } from "hardhat/config";
import { parseUint } from "../lib/chain/args";
import { runTask } from "../lib/chain/taskContext";

task("model:example", "Write the demo's MNIST model (ONNX), its calibration file and sample inputs (.npy, .csv, .json) with labels")
  .addParam("out", "directory to write into")
  .addOptionalParam("count", "sample inputs (MNIST test images)", "8", types.string)
  .setAction(async (a: { out: string; count: string }) =>
    runTask("model:example", async () => {
      const { writeModelExample } = await import("../lib/devnet/example");
      const count = Number(parseUint("count", a.count, 1n, 1996n));
      if (!(a.out ?? "").trim()) throw new Error("bad --out: give a directory");
      const r = writeModelExample(path.resolve(a.out), count);
      const rel = (f: string) => path.relative(process.cwd(), f) || f;
      console.log(`MLP 784-56-10 on MNIST (float test accuracy ${(100 * r.floatAccuracy).toFixed(1)} %${r.cached ? ", from .cache/models" : ", trained now"})`);
      console.log(`  model        ${rel(r.onnx)}`);
      console.log(`  calibration  ${rel(r.calibration)}   (256 training images: JSON array of 784-value vectors in [0, 1])`);
      console.log(`  inputs       ${rel(r.inputs.npy)}, ${rel(r.inputs.csv)}, ${rel(r.inputs.json)}   (${r.samples} test images)`);
      console.log(`  labels       ${rel(r.labels)}`);
    }),
  );
