/**
 * Background maker (test/helpers/background.ts) of what the README path's first `model:example` and `model:register`
 * make on a cold cache: the trained MNIST model (.cache/models) and its circuit and development key (.cache/zk), built
 * from the files model:example writes, read as model:register reads them.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeModelExample } from "../../lib/devnet/example";
import { readInputs } from "../../lib/requester/inputs";
import { buildModelArtifacts } from "../../lib/zk/model";
import { exitAfter } from "../helpers/background";

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "readme-example-"));
  try {
    const ex = writeModelExample(dir, 1);
    await buildModelArtifacts(new Uint8Array(fs.readFileSync(ex.onnx)), { batch: 1, privateWeights: false, calibration: readInputs(ex.calibration) });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

exitAfter(main);
