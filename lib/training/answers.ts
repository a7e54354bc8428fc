/**
 * Blind answers of outsourced training (ITrainingJobs.commitUpdate / revealUpdate). A seat commits to
 * keccak256(abi.encode(job, round, worker, updateHash, salt)) with a fresh random salt, and keeps the update's bytes
 * and the salt on its own disk: nothing about the answer, not even its content, is published before the reveal, which
 * the contract allows only once every verifier of the shard has committed. Then the bytes go to the content store and
 * the hash, salt and CID on-chain.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { hexlify, getBytes, keccak256 } from "ethers";
import type { TrainingJobs } from "../../typechain-types";
import type { ContentStore } from "../storage";
import { oblivionHome } from "../util/home";
import { encodeUpdate } from "../ml/update";
import { shardOfSlot } from "./shards";
import { slotState } from "./params";

export interface Answer {
  jobId: string;
  round: number;
  slot: number;
  updateHash: string;
  salt: string;
  /** The update's canonical encoding (lib/ml/update.ts), hex: published only at the reveal. */
  update: string;
}

/** Where a worker keeps its unrevealed answer to one slot. */
export function answerPath(chainId: string, training: string, jobId: bigint, round: number, slot: number, home = oblivionHome()): string {
  return path.join(home, "training", "answers", `${chainId}-${training.toLowerCase()}-${jobId}-${round}-${slot}.json`);
}

export function readAnswer(file: string): Answer | null {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Answer) : null;
}

async function fileFor(training: TrainingJobs, jobId: bigint, round: number, slot: number, home?: string): Promise<string> {
  const chainId = (await training.runner!.provider!.getNetwork()).chainId.toString();
  return answerPath(chainId, await training.getAddress(), jobId, round, slot, home);
}

/** Commits blind to `update` for the caller's slot; the salt and bytes are saved before the transaction is sent. */
export async function commitAnswer(training: TrainingJobs, jobId: bigint, round: number, slot: number, update: Float64Array, home?: string) {
  const bytes = encodeUpdate(update);
  const worker = await (training.runner as unknown as { getAddress(): Promise<string> }).getAddress();
  const a: Answer = { jobId: jobId.toString(), round, slot, updateHash: keccak256(bytes), salt: hexlify(randomBytes(32)), update: hexlify(bytes) };
  const file = await fileFor(training, jobId, round, slot, home);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(a), { mode: 0o600 });
  const commitment = await training.commitmentOf(jobId, round, worker, a.updateHash, a.salt);
  await (await training.commitUpdate(jobId, round, commitment)).wait();
  return { hash: a.updateHash, commitment };
}

/**
 * Whether the slot may reveal now, as the contract checks it: the shard's draw ran and both its verifiers committed
 * (or the audit deadline passed), and the reveal deadline has not.
 */
export async function revealOpen(training: TrainingJobs, jobId: bigint, round: number, slot: number): Promise<boolean> {
  const job = await training.getJob(jobId);
  const shards = Number(job.participantsPerRound);
  const shard = shardOfSlot(slot, shards);
  const now = BigInt((await training.runner!.provider!.getBlock("latest"))!.timestamp);
  const { auditDeadline, revealDeadline } = await training.auditTimes(jobId, round);
  if (now >= revealDeadline) return false;
  const p = await training.getSlot(jobId, round, 2 * shard);
  if (p.drawBlock !== 0n || slotState(p.state) === "joined" || slotState(p.state) === "empty") return false;
  if (now >= auditDeadline) return true;
  for (const s of [2 * shard + 1, 2 * shards + shard]) if (slotState((await training.getSlot(jobId, round, s)).state) === "joined") return false;
  return true;
}

/** Publishes the saved answer's bytes and reveals it; returns its CID. */
export async function revealAnswer(training: TrainingJobs, store: ContentStore, jobId: bigint, round: number, slot: number, home?: string) {
  const file = await fileFor(training, jobId, round, slot, home);
  const a = readAnswer(file);
  if (!a) throw new Error(`no saved answer for job ${jobId} round ${round} slot ${slot} (${file}): its commitment cannot be opened`);
  const cid = await store.put(getBytes(a.update));
  await (await training.revealUpdate(jobId, round, a.updateHash, a.salt, cid)).wait();
  return { hash: a.updateHash, cid };
}
