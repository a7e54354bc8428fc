/**
 * The FHE part of `npm run demo`: a gated job whose encrypted minimum score admits the honest workers and turns the
 * slashed staller away, then each worker decrypting its own encrypted reputation (and another account failing to).
 */
import path from "node:path";
import { parseEther, type Wallet } from "ethers";
import { FhevmType } from "@fhevm/hardhat-plugin";
import { revertName } from "../lib/chain/errors";
import { JobBook } from "../lib/chain/jobbook";
import type { Devnet } from "../lib/devnet/devnet";
import { decryptOwnReputation, type ReputationStats } from "../lib/fhe/reputation";
import { setEncryptedMinScore } from "../lib/fhe/threshold";
import type { Fhevm } from "../lib/fhe/types";
import type { ReleaseAgent } from "../lib/requester/agent";
import { postPreparedJob, prepareShards, quantizeShards } from "../lib/requester/job";
import type { ContentStore } from "../lib/storage";
import type { Logger } from "../lib/util/log";
import { sleep } from "../lib/util/retry";
import type { ModelArtifacts } from "../lib/zk/model";
import { ConfidentialReputation__factory, PrivacyGateway__factory } from "../typechain-types";

/** A demo worker as the FHE part needs it: its name, key, and the gated jobs whose claim it saw refused. */
export interface FheWorker {
  name: string;
  wallet: Wallet;
  refusedJobs: Set<string>;
}

export interface GatedJobOutcome {
  jobId: bigint;
  minScore: number;
  shards: number;
  /** worker name -> eligible, as the keeper's verified decryption set it on the gateway */
  eligibility: Map<string, boolean>;
  settledBy: string[];
}

/**
 * Posts a gated job of `images` (one shard each), sets its encrypted minimum, and follows it until every shard is
 * settled and the staller's eligibility has come back (false); the workers ask, the keeper relays.
 */
export async function runGatedJob(o: {
  d: Devnet;
  fhevm: Fhevm;
  requester: Wallet;
  store: ContentStore;
  art: ModelArtifacts;
  model: { modelId: bigint; version: number };
  images: Float64Array[];
  minScore: number;
  workers: FheWorker[];
  staller: FheWorker;
  agent: ReleaseAgent;
  book: JobBook;
  log: Logger;
  timeoutMs: number;
}): Promise<GatedJobOutcome> {
  const { d, log, workers } = o;
  const gateway = PrivacyGateway__factory.connect(d.fhe!.gateway, o.requester);
  const core = d.contracts.core.connect(o.requester);
  const shards = await quantizeShards(o.art.quant, o.art.batch, o.images);
  const prepared = await prepareShards(o.store, shards.batches, true);
  const posted = await postPreparedJob(core, o.requester, prepared, {
    modelId: o.model.modelId,
    modelVersion: o.model.version,
    pricePerShard: parseEther("0.01"),
    collateral: parseEther("0.1"),
    claimWindow: 60,
    minStake: 0n,
    gated: true,
    acceptUnvettedVerifier: false,
  }, path.join(d.home, "jobs"));
  await setEncryptedMinScore(o.fhevm, gateway, o.requester, posted.jobId, o.minScore);
  log.info(`gated job ${posted.jobId} posted: ${prepared.shards.length} shards, minimum score ${o.minScore} encrypted by the requester (only its ciphertext is on-chain)`);

  const name = new Map(workers.map((w) => [w.wallet.address.toLowerCase(), w.name]));
  const eligibility = new Map<string, boolean>();
  const settledBy: string[] = [];
  const deadline = Date.now() + o.timeoutMs;
  let refusalShown = false;
  for (;;) {
    for (const ev of await o.book.sync()) {
      if (ev.jobId !== posted.jobId) continue;
      const who = name.get(ev.worker?.toLowerCase() ?? "") ?? ev.worker;
      if (ev.name === "ShardClaimed") log.info(`${who} admitted by the gate: claimed gated shard ${ev.shardIndex}`);
      if (ev.name === "ShardSettled") {
        settledBy.push(String(who));
        log.info(`${who} settled gated shard ${ev.shardIndex}: proof verified on-chain`);
      }
    }
    await o.agent.tick();
    for (const e of await gateway.queryFilter(gateway.filters.EligibilityResolved(posted.jobId))) {
      const who = name.get(e.args.worker.toLowerCase()) ?? e.args.worker;
      if (!eligibility.has(who)) eligibility.set(who, e.args.eligible);
    }
    // Show the refusal on the chain itself too, while a shard is still open (an open shard is checked before the gate).
    const openShard = o.book.job(posted.jobId).openShards(1)[0] ?? -1;
    if (!refusalShown && eligibility.get(o.staller.name) === false && openShard >= 0) {
      refusalShown = await claimRefused(core.connect(o.staller.wallet), posted.jobId, openShard);
      if (refusalShown) log.info(`checked: ${o.staller.name}'s claim on open gated shard ${openShard} reverts with NotEligible`);
    }
    const done = settledBy.length === prepared.shards.length;
    if (done && eligibility.has(o.staller.name) && (refusalShown || o.staller.refusedJobs.has(posted.jobId.toString()))) break;
    if (Date.now() > deadline) {
      throw new Error(`gated job timed out: ${settledBy.length}/${prepared.shards.length} settled, staller eligibility ${eligibility.get(o.staller.name) ?? "not relayed"}`);
    }
    await sleep(250);
  }
  return { jobId: posted.jobId, minScore: o.minScore, shards: prepared.shards.length, eligibility, settledBy };
}

/** Whether `core`'s signer is refused a claim on (jobId, shard) with NotEligible (false: the shard was taken meanwhile). */
async function claimRefused(core: Devnet["contracts"]["core"], jobId: bigint, shard: number): Promise<boolean> {
  try {
    await core.claim.staticCall(jobId, shard);
  } catch (err) {
    const name = revertName(err);
    if (name === "NotEligible") return true;
    if (name === "ShardNotOpen") return false;
    throw err;
  }
  throw new Error(`the ineligible worker could claim gated shard ${shard} of job ${jobId}`);
}

/** Each worker decrypts its own record (user decryption, its own key); `intruder` then tries a worker's score. */
export async function decryptReputations(
  d: Devnet,
  fhevm: Fhevm,
  workers: FheWorker[],
  intruder: Wallet,
): Promise<{ stats: Map<string, ReputationStats>; intruderError: string }> {
  const reputation = ConfidentialReputation__factory.connect(d.fhe!.reputation, d.provider);
  const stats = new Map<string, ReputationStats>();
  for (const w of workers) stats.set(w.name, await decryptOwnReputation(fhevm, reputation, w.wallet));
  const handle = await reputation.scoreOf(workers[0].wallet.address);
  try {
    await fhevm.userDecryptEuint(FhevmType.euint32, handle, await reputation.getAddress(), intruder);
  } catch (err) {
    return { stats, intruderError: (err as Error).message.split("\n")[0] };
  }
  throw new Error(`${intruder.address} decrypted ${workers[0].name}'s score: the reputation ACL is broken`);
}
