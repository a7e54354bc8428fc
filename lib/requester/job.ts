/**
 * The requester's side of a job: commit the shards (Merkle tree of input commitments), seal each shard package
 * under its own data key, upload, post with escrow, and keep the secrets (data keys) in a local job file that the
 * release agent and `job:results` read.
 */
import fs from "node:fs";
import path from "node:path";
import { formatEther, getBytes, type Signer } from "ethers";
import type { ModelRegistry, OblivionCore } from "../../typechain-types";
import type { IOblivionCore } from "../../typechain-types/contracts/OblivionCore";
import { moveAside } from "../chain/identity";
import { ShardTree } from "../chain/merkle";
import { preflight } from "../chain/preflight";
import type { ContentStore } from "../storage";
import { oblivionHome } from "../util/home";
import { fetchArtifacts } from "../zk/bundle";
import { prepareShards, quantizeShards, type PreparedShards } from "./prepare";
import type { JobFile, ShardSecret } from "./jobFile";

/** Where job files (with their data keys) live: $OBLIVION_HOME/jobs. */
export const JOBS_DIR = path.join(oblivionHome(), "jobs");

export type { JobFile, ShardSecret } from "./jobFile";
export { prepareShards, quantizeShards, type PreparedShards } from "./prepare";

/** What the requester chooses; shardCount, inputRoot and inputCount come from the shards. */
export type JobTerms = Omit<IOblivionCore.JobParamsStruct, "shardCount" | "inputRoot" | "inputCount">;

/**
 * Everything a post can be refused for, checked before anything is uploaded or written: the escrow the core asks
 * for, the requester's balance against escrow plus gas, and the exact postJob as a static call.
 */
export async function checkPost(
  core: OblivionCore,
  requester: Signer,
  params: IOblivionCore.JobParamsStruct,
  allowlist?: string[],
): Promise<{ escrow: bigint }> {
  const c = core.connect(requester);
  const escrow = await c.jobEscrowFor(params);
  const me = await requester.getAddress();
  const provider = requester.provider!;
  const [balance, fee] = await Promise.all([provider.getBalance(me), provider.getFeeData()]);
  const gas = await c.postJob.estimateGas(params, { value: escrow }).catch(() => 300_000n);
  const need = escrow + gas * (fee.maxFeePerGas ?? fee.gasPrice ?? 0n);
  if (balance < need) {
    throw new Error(`insufficient funds: ${me} has ${formatEther(balance)} ETH, the job needs ${formatEther(escrow)} ETH escrow plus gas (${formatEther(need)} ETH in all)`);
  }
  const check = allowlist?.length
    ? await preflight(c.postJobWithAllowlist, [params, allowlist], { value: escrow })
    : await preflight(c.postJob, [params], { value: escrow });
  if (!check.ok) throw new Error(`postJob would revert: ${check.reason}`);
  return { escrow };
}

/**
 * Posts the job with the escrow the core asks for and writes the job file; returns the job id. A job file already
 * there for the same chain, core and job id belongs to an earlier deployment at the same address (a reset chain):
 * it is moved aside, never overwritten, and `replaced` names where it went.
 */
export async function postPreparedJob(
  core: OblivionCore,
  requester: Signer,
  prepared: PreparedShards,
  terms: JobTerms,
  jobsDir = JOBS_DIR,
  allowlist?: string[],
): Promise<{ jobId: bigint; escrow: bigint; gasUsed: bigint; file: string; replaced?: string }> {
  const c = core.connect(requester);
  const params = jobParams(prepared.tree, prepared.shards.length, terms, prepared.inputCount);
  const escrow = await c.jobEscrowFor(params);
  const tx = allowlist?.length ? c.postJobWithAllowlist(params, allowlist, { value: escrow }) : c.postJob(params, { value: escrow });
  const rc = await (await tx).wait();
  const ev = rc!.logs.map((l) => c.interface.parseLog(l)).find((p) => p?.name === "JobPosted");
  if (!ev) throw new Error("postJob succeeded but emitted no JobPosted event");
  const jobId = ev.args.jobId as bigint;
  const job: JobFile = {
    chainId: (await requester.provider!.getNetwork()).chainId.toString(),
    core: await core.getAddress(),
    jobId: jobId.toString(),
    modelId: String(terms.modelId),
    modelVersion: Number(terms.modelVersion),
    shards: prepared.shards,
    inputCount: prepared.inputCount,
    posted: { block: rc!.blockNumber, blockHash: rc!.blockHash, tx: rc!.hash },
  };
  const file = jobFilePath(job.chainId, job.core, jobId, jobsDir);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const replaced = fs.existsSync(file) ? moveAside(file) : undefined;
  fs.writeFileSync(file, JSON.stringify(job, null, 2), { mode: 0o600, flag: "wx" });
  return { jobId, escrow, gasUsed: rc!.gasUsed, file, replaced };
}

/** The post's parameters; `inputCount` (real inputs) spares the owner fee of the last shard's padding rows. */
const jobParams = (tree: ShardTree, shardCount: number, terms: JobTerms, inputCount = 0): IOblivionCore.JobParamsStruct => ({ ...terms, shardCount, inputRoot: tree.root, inputCount });

export function jobFilePath(chainId: string, core: string, jobId: bigint, jobsDir = JOBS_DIR): string {
  return path.join(jobsDir, `${chainId}-${core.toLowerCase()}-${jobId}.json`);
}

/** Reads a job file; a one-line error names the job when it is missing (jobs posted from another machine). */
export function readJobFile(chainId: string, core: string, jobId: bigint, jobsDir = JOBS_DIR): JobFile {
  const file = jobFilePath(chainId, core, jobId, jobsDir);
  if (!fs.existsSync(file)) throw new Error(`no local secrets for job ${jobId}: ${file} is missing (was it posted from here?)`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as JobFile;
}

/**
 * The job file of a job the signer posted: the job's requester is read from the chain first, so that a wrong signer
 * or a missing file is one line naming it, never a follow of nothing.
 */
export async function readOwnJob(core: OblivionCore, signer: Signer, jobId: bigint, fromLabel = "0", jobsDir = JOBS_DIR): Promise<JobFile> {
  const coreAddress = await core.getAddress();
  const provider = signer.provider!;
  const chainId = (await provider.getNetwork()).chainId.toString();
  if ((await provider.getCode(coreAddress)) === "0x") throw new Error(`no OblivionCore at ${coreAddress} on chain ${chainId}: the chain was reset or the deployment file is from another chain (run deploy)`);
  const count = await core.jobCount();
  if (jobId > count) throw new Error(`job ${jobId} does not exist on this core (${count} jobs posted)`);
  const requester = (await core.getJob(jobId)).requester;
  const me = await signer.getAddress();
  if (requester.toLowerCase() !== me.toLowerCase()) {
    throw new Error(`job ${jobId} was posted by ${requester}, not by the signer --from ${fromLabel} (${me}): pass the --from that posted it`);
  }
  const file = readJobFile(chainId, coreAddress, jobId, jobsDir);
  if (file.shards.length === 0 || file.shards.some((s) => !s.packageCid)) throw new Error(`job file of job ${jobId} has no shard packages: it cannot be followed`);
  const keyless = file.shards.findIndex((s) => s.keyHash !== undefined && BigInt(s.keyHash) !== 0n && !s.dataKey);
  if (keyless >= 0) throw new Error(`job file of job ${jobId} has no data key for shard ${keyless}: its keys cannot be released (restore the file this job was posted with)`);
  return file;
}

export { dataKeyOf } from "./release";

export interface InputsJobRequest {
  core: OblivionCore;
  registry: ModelRegistry;
  requester: Signer;
  store: ContentStore;
  modelId: bigint;
  /** 0 picks the model's latest version. */
  modelVersion: bigint;
  /** Float input vectors, one per inference. */
  vectors: ArrayLike<number>[];
  terms: Omit<JobTerms, "modelId" | "modelVersion">;
  encrypt: boolean;
  /** Clamp inputs outside the calibration range instead of refusing them. */
  clamp?: boolean;
  jobsDir?: string;
  /** Only these workers may claim the job (G-08); absent: any registered worker that meets the job's terms. */
  allowlist?: string[];
}

/**
 * The requester's whole path for raw inputs: fetch the version's circuit bundle (quantization and batch size),
 * quantize and commit the inputs per shard, check the post (funds, static call), then seal and upload each shard
 * package and post with escrow. A refused post uploads nothing and writes no job file.
 */
export async function postInputsJob(r: InputsJobRequest): Promise<Awaited<ReturnType<typeof postPreparedJob>> & { shards: number; batch: number; padded: number; clamped: number }> {
  const version = r.modelVersion === 0n ? BigInt((await r.registry.getModel(r.modelId)).versionCount) : r.modelVersion;
  const v = await r.registry.getVersion(r.modelId, version);
  const art = await fetchArtifacts({ onnxCid: v.onnxCid, circuitCid: v.circuitCid, provingKeyCid: v.provingKeyCid }, v.circuitHash, r.store);
  const q = await quantizeShards(art.quant, art.batch, r.vectors, { clamp: r.clamp });
  const terms: JobTerms = { ...r.terms, modelId: r.modelId, modelVersion: version };
  await checkPost(r.core, r.requester, jobParams(new ShardTree(q.commitments), q.batches.length, terms, r.vectors.length), r.allowlist);
  const prepared = { ...(await prepareShards(r.store, q.batches, r.encrypt)), inputCount: r.vectors.length };
  const posted = await postPreparedJob(r.core, r.requester, prepared, terms, r.jobsDir, r.allowlist);
  return { ...posted, shards: q.batches.length, batch: art.batch, padded: q.padded, clamped: q.clamped };
}
