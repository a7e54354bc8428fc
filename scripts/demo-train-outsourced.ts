/**
 * demo:train, outsourced phase: the requester's own MNIST digits, sealed per shard and committed in a data root,
 * trained by workers it does not trust. Two workers take the shards as primaries, four enlist in the standby pool;
 * keys are released per slot, wrapped to each worker's registered key. Once the pool is sealed at the join cutoff
 * (the demo moves the node's clock there), a later block's hash audits every shard (share 1 here so that the story is
 * the same on every run; the draw at a smaller share is covered by test/security/F-05 and T-03) and draws a
 * replica and a referee for each from the pool. Every answer is committed blind, then revealed; the replica drawn for
 * shard 1 halves its update, the primary and the referee agree, and the lazy replica goes unpaid at the last reveal.
 */
import { formatEther, parseEther, type Wallet } from "ethers";
import type { OblivionCore, TrainingJobs } from "../typechain-types";
import type { ContentStore } from "../lib/storage";
import type { Logger } from "../lib/util/log";
import type { WorkerKeyPair } from "../lib/crypto";
import { mlpAccuracy, type MlpModel } from "../lib/ml/mlp";
import { mnistParticipantShard, mnistPooledTest } from "../lib/training/data";
import { fetchModel, postTrainingJob, storeModel } from "../lib/training/rounds";
import { prepareTrainingData, releaseTrainingKeys } from "../lib/training/shards";
import { outsourcedStep, releaseEndedStandby, trainSlot } from "../lib/training/trainer";
import { resolveReadyDraws } from "../lib/training/draws";
import { aggregateAndClose } from "../lib/training/aggregator";

const SHARDS = 2;
const PER_SHARD = 1000;

export interface OutsourcedPhase {
  core: OblivionCore;
  training: TrainingJobs;
  store: ContentStore;
  requester: Wallet;
  aggregator: Wallet;
  /** Six staked workers with their registered encryption keys: two primaries, four standby (replicas, referees). */
  workers: { wallet: Wallet; key: WorkerKeyPair }[];
  start: MlpModel;
  /** Moves the chain's clock forward and mines a block (the draws wait for the join cutoff). */
  passTime: (seconds: number) => Promise<void>;
  log: Logger;
}

export async function runOutsourcedPhase(o: OutsourcedPhase): Promise<void> {
  const { training, store, requester, log } = o;
  const test = mnistPooledTest();
  const shards = Array.from({ length: SHARDS }, (_, i) => {
    const s = mnistParticipantShard(i, SHARDS);
    return { X: s.X.slice(0, PER_SHARD), Y: s.Y.slice(0, PER_SHARD) };
  });
  const data = await prepareTrainingData(store, shards, 1.0);
  const { jobId } = await postTrainingJob(training.connect(requester), {
    initialModelCid: await storeModel(store, o.start),
    aggregator: o.aggregator.address,
    mode: "outsourced",
    rule: "mean",
    trim: 0,
    participantsPerRound: SHARDS,
    outsourcing: { dataRoot: data.dataRoot, replication: 1 },
    rewardPerUpdate: parseEther("0.01"),
    aggregatorFee: parseEther("0.002"),
    collateral: parseEther("0.1"),
    roundWindow: 3600,
    closeWindow: 3600,
    dp: { epsilon: 8, delta: 1e-5, sigma: 1.0, clip: 1.0, samples: PER_SHARD, batch: 50, localEpochs: 1, updateClip: 8 },
    maxRounds: 1,
  });
  log.info("outsourced job posted: the requester's digits, sealed per shard", {
    job: jobId, shards: SHARDS, digitsPerShard: PER_SHARD, dataRoot: data.dataRoot, replication: "100%", packages: data.shards.map((s) => s.packageCid).join(", "),
  });

  const step = (w: (typeof o.workers)[number]) => outsourcedStep(training.connect(w.wallet), store, w.key, jobId, w.wallet.address);
  const release = async () => {
    const slots = await releaseTrainingKeys(training, o.core, requester, jobId, data);
    if (slots.length) log.info("requester released data keys, each wrapped to the slot holder's key", { slots: slots.join(", ") });
  };
  const [p0, p1, ...pool] = o.workers;
  for (const w of [p0, p1, ...pool]) await step(w); // two primaries join, four workers enlist as standby
  log.info("two primaries joined; four workers enlisted in the standby pool, collateral locked", { pool: pool.length });
  await release();
  for (const w of [p0, p1]) {
    const s = await step(w);
    if (s.action === "committed") log.info("primary trained its shard and committed blind (hash and content unpublished)", { worker: w.wallet.address, shard: s.shard });
  }
  await o.passTime(3600); // past the join cutoff: the pool is sealed by the first draw
  const draw = async () => {
    await o.passTime(1); // a draw uses the hash of a block mined after the transaction that fixed it
    return resolveReadyDraws(training.connect(o.aggregator), jobId);
  };
  await draw(); // seals
  const drawn = await draw();
  log.info("pool sealed; a later block's hash audited the shards and drew a replica and a referee for each", { draws: drawn.join(", ") });
  const holder = async (slot: number) => {
    const a = (await training.getSlot(jobId, 0, slot)).worker;
    return o.workers.find((w) => w.wallet.address === a)!;
  };
  const [r0, ref0, lazy, ref1] = [await holder(1), await holder(2 * SHARDS), await holder(3), await holder(2 * SHARDS + 1)];
  await release();
  for (const w of [r0, ref0, ref1]) await step(w); // each trains its shard and commits blind
  const stakeBefore = (await o.core.getWorker(lazy.wallet.address)).stake;
  await trainSlot(training.connect(lazy.wallet), store, lazy.key, jobId, 3, lazy.wallet.address, (u) => u.map((x) => x / 2));
  log.warn("replica drawn for shard 1 halved its update before committing (it cannot see anyone's answer to copy)", { worker: lazy.wallet.address });
  for (const w of [p0, p1, r0, ref0, lazy, ref1]) {
    const s = await step(w);
    if (s.action === "revealed") log.info("answer revealed", { slot: s.slot, role: s.role.kind, update: s.hash.slice(0, 18) });
  }
  const stakeAfter = (await o.core.getWorker(lazy.wallet.address)).stake;
  log.info("the primary and a verifier agreed on each shard: they were paid; the lazy replica went unpaid", { stakeChange: `${formatEther(stakeAfter - stakeBefore)} ETH` });

  const closed = await aggregateAndClose(training.connect(o.aggregator), store, jobId);
  const model = await fetchModel(store, closed.nextModelCid);
  log.info("outsourced round closed: one verified update per shard aggregated", {
    accepted: closed.verdicts.filter((v) => v.accepted).length,
    unpaid: closed.verdicts.filter((v) => !v.accepted).map((v) => `slot${v.slot}:${v.reason}`).join("; "),
    accuracyBefore: mlpAccuracy(o.start, test.X, test.Y).toFixed(4),
    accuracyAfter: mlpAccuracy(model, test.X, test.Y).toFixed(4),
  });
  for (const w of pool) await releaseEndedStandby(training.connect(w.wallet), jobId, w.wallet.address);
  log.info("undrawn standby entries released", { lockedInCore: formatEther((await Promise.all(pool.map((w) => o.core.lockedByManager(w.wallet.address)))).reduce((a, b) => a + b, 0n)) + " ETH" });
}
