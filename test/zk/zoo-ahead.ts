/**
 * Background maker (test/helpers/background.ts) of the zoo test's artifacts: every zoo model's circuit and
 * development key in .cache/zk, as its registration builds them (lib/zk/model.ts buildModelArtifacts; a build of the
 * same model in another process waits for this one and takes its cache).
 */
import fs from "node:fs";
import path from "node:path";
import { buildModelArtifacts } from "../../lib/zk/model";
import { ZOO, zooModels } from "./soundness-cases";
import { exitAfter } from "../helpers/background";

async function main(): Promise<void> {
  const zoo = zooModels();
  for (const m of zoo.models) await buildModelArtifacts(new Uint8Array(fs.readFileSync(path.join(ZOO, m.file))), { calibration: zoo.calibration });
}

exitAfter(main);
