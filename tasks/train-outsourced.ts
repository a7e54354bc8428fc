/**
 * Outsourced training duties: `train:release` (requester: run the ready draws, release each joined slot's data key,
 * wrapped to the worker's registered key) and `train:work` (worker: take a primary slot or a standby entry, from which
 * replicas and referees are drawn, train the released shard deterministically, submit). Both do one pass, or follow
 * the job until it ends with --loop.
 */
import path from "node:path";
import { task, types } from "hardhat/config";
import { getBytes, hexlify } from "ethers";
import { parseUint } from "../lib/chain/args";
import { runTask } from "../lib/chain/taskContext";
import { readLiveDeployment, attach } from "../lib/chain/deployments";
import { revertName } from "../lib/chain/errors";
import { createContentStore } from "../lib/storage";
import { loadWorkerKey } from "../lib/crypto";
import { positive, trainingContext } from "../lib/training/context";
import { readTrainingData, releaseTrainingKeys, trainingDataPath } from "../lib/training/shards";
import { outsourcedStep, TrainingJobEnded } from "../lib/training/trainer";
import { resolveReadyDraws } from "../lib/training/draws";
import { jobActive } from "../lib/training/params";
import { oblivionHome } from "../lib/util/home";
import { sleep } from "../lib/util/retry";

/** Reverts that only mean another worker or the round moved first: the next pass looks again. */
const RACES = ["RoundFull", "AlreadyJoined", "RoundNotCurrent", "JoinWindowClosed", "SubmitWindowClosed", "AuditWindowClosed", "StandbyNotReleasable"];

task("train:release", "Requester: release the data key of every joined slot of an outsourced job's current round")
  .addParam("job", "training job id")
  .addFlag("loop", "keep serving round after round until the job ends")
  .addOptionalParam("interval", "--loop: seconds between passes", "1", types.string)
  .addOptionalParam("from", "index of the requester's signer", "0", types.string)
  .setAction(async (a: { job: string; loop: boolean; interval: string; from: string }, hre) =>
    runTask("train:release", async () => {
      const jobId = parseUint("job", a.job, 1n);
      const interval = positive("interval", a.interval) * 1000;
      const { signer, training } = await trainingContext(hre, a.from);
      const { core } = attach(await readLiveDeployment(hre.network.name, hre.ethers.provider), signer);
      const chainId = (await signer.provider!.getNetwork()).chainId.toString();
      const file = readTrainingData(trainingDataPath(chainId, await training.getAddress(), jobId));
      do {
        const round = Number((await training.getJob(jobId)).round);
        const draws = await resolveReadyDraws(training, jobId);
        if (draws.length > 0) console.log(`job ${jobId} round ${round}: ran ${draws.join(", ")}`);
        const slots = await releaseTrainingKeys(training, core, signer, jobId, file);
        if (slots.length > 0) console.log(`job ${jobId} round ${round}: released keys for slots ${slots.join(", ")}`);
        if (a.loop) await sleep(interval);
      } while (a.loop && (await jobActive(training, jobId)));
    }),
  );

task("train:work", "Worker: take a role in an outsourced training job, train the released shard, submit the update")
  .addParam("job", "training job id")
  .addFlag("loop", "keep working round after round until the job ends")
  .addOptionalParam("interval", "--loop: seconds between passes", "1", types.string)
  .addOptionalParam("keyFile", "the worker's encryption key file (default $OBLIVION_HOME/worker-key.json)")
  .addOptionalParam("from", "index of the worker's signer", "0", types.string)
  .setAction(async (a: { job: string; loop: boolean; interval: string; keyFile?: string; from: string }, hre) =>
    runTask("train:work", async () => {
      const jobId = parseUint("job", a.job, 1n);
      const interval = positive("interval", a.interval) * 1000;
      const { signer, training } = await trainingContext(hre, a.from);
      const { core } = attach(await readLiveDeployment(hre.network.name, hre.ethers.provider), signer);
      const me = await signer.getAddress();
      const key = loadWorkerKey(a.keyFile ?? path.join(oblivionHome(), "worker-key.json"));
      const [, registered] = await core.workerProfile(me);
      if (hexlify(getBytes(registered)) !== hexlify(key.publicKey)) {
        throw new Error(`worker ${me} is registered with another encryption key than the key file's: run worker:register --key ${hexlify(key.publicKey)}`);
      }
      const store = createContentStore();
      try {
        for (;;) {
          try {
            const r = await outsourcedStep(training, store, key, jobId, me);
            if (r.action === "joined") console.log(`job ${jobId} round ${r.round}: joined slot ${r.slot} as ${r.role.kind} of shard ${r.role.shard}`);
            else if (r.action === "enlisted") console.log(`job ${jobId} round ${r.round}: enlisted as standby entry ${r.index} (replicas and referees are drawn from the pool)`);
            else if (r.action === "committed") console.log(`job ${jobId} round ${r.round}: slot ${r.slot} (${r.role.kind} of shard ${r.shard}) committed blind to update ${r.hash}`);
            else if (r.action === "revealed") console.log(`job ${jobId} round ${r.round}: slot ${r.slot} (${r.role.kind}) revealed update ${r.hash} at ${r.cid}`);
            else if (!a.loop) console.log(`job ${jobId} round ${r.round}: ${r.action}`);
          } catch (err) {
            if (a.loop && err instanceof TrainingJobEnded) {
              console.log(`${err.message}: stopping`);
              break;
            }
            if (!a.loop || !RACES.includes(revertName(err) ?? "")) throw err;
            console.log(`job ${jobId}: ${revertName(err)} (another worker or the round moved first); looking again`);
          }
          if (!a.loop) break;
          await sleep(interval);
        }
      } finally {
        await store.close();
      }
    }),
  );
