/**
 * Background maker (test/helpers/background.ts) of the soundness test's circuits, in its order, two compiles at a
 * time: each step model's and each zoo model's emitted R1CS (which compiles its hash circuit) and circom compile.
 */
import os from "node:os";
import { compileCircuit } from "../../lib/zk/circuit";
import { emitR1cs } from "../../lib/zk/emit";
import { exitAfter } from "../helpers/background";
import { inTurns } from "../helpers/in-turns";
import { CACHE, stepCase, zooCase, zooModels } from "./soundness-cases";
import { stepModels } from "./models";

async function main(): Promise<void> {
  const jobs: (() => Promise<unknown>)[] = [];
  for (const m of stepModels()) {
    const c = stepCase(m);
    jobs.push(() => emitR1cs(c.q, c.gen.options, c.dir, CACHE), () => compileCircuit(c.gen, `${c.dir}-circom`));
  }
  const zoo = zooModels();
  for (const m of zoo.models) {
    const c = zooCase(m, zoo.calibration);
    if (!c.emittable) jobs.push(() => compileCircuit(c.gen, c.dir));
    else {
      jobs.push(() => emitR1cs(c.q, c.gen.options, c.dir, CACHE));
      if (c.circomDir) jobs.push(() => compileCircuit(c.gen, c.circomDir!));
    }
  }
  await inTurns(jobs, os.cpus().length, (job) => job());
}

exitAfter(main);
