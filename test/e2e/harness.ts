/**
 * A small mesh for the end-to-end tests: a devnet (Hardhat node + deployment, in its own state dir), a tiny model
 * registered with a real verifier, worker and keeper processes started through their tasks, and the requester's
 * release agent driven from the test.
 */
import fs from "node:fs";
import path from "node:path";
import { parseEther } from "ethers";
import { JobBook } from "../../lib/chain/jobbook";
import { spawnKeeper, spawnWorker, startDevnet, type Devnet } from "../../lib/devnet/devnet";
import { ReleaseAgent } from "../../lib/requester/agent";
import { postPreparedJob, prepareShards, quantizeShards } from "../../lib/requester/job";
import { createContentStore, type ContentStore } from "../../lib/storage";
import { createLogger } from "../../lib/util/log";
import type { ManagedProcess } from "../../lib/util/processes";
import { REPO_ROOT } from "../../lib/util/processes";
import { sleep } from "../../lib/util/retry";
import { registerOnnxModel, type Registered } from "../../lib/zk/register";
import { mlpOnnx, rng } from "../zk/models";

export const SIZES = [8, 6, 3];
export const log = createLogger({ source: "e2e", out: { write: () => true } as unknown as NodeJS.WritableStream });

export interface Mesh {
  d: Devnet;
  store: ContentStore;
  model: Registered;
  book: JobBook;
  agent: ReleaseAgent;
  jobsDir: string;
  logs: string[];
  workers: Map<number, ManagedProcess>;
  startWorker(account: number, opts?: { misbehave?: "stall"; env?: Record<string, string> }): ManagedProcess;
  startKeeper(account: number): ManagedProcess;
  post(shards: number, claimWindow?: number): Promise<bigint>;
  /** Drives the release agent until every shard of the job settles; throws after timeoutMs. */
  settle(jobId: bigint, timeoutMs: number, onTick?: () => Promise<void>): Promise<void>;
  /** Core balance == escrow of all jobs + stakes (incl. unbonding) + every pull balance. */
  checkValue(): Promise<{ held: bigint; accounted: bigint }>;
  stop(): Promise<void>;
}

/** `fhe`: the devnet with confidential reputation (its node on 127.0.0.1:8545: run inside a network namespace). */
export async function startMesh(o: { fhe?: boolean } = {}): Promise<Mesh> {
  const home = path.join(REPO_ROOT, ".oblivion", "test-e2e", `${process.pid}-${Date.now()}`);
  const d = await startDevnet({ home, fhe: o.fhe });
  const store = createContentStore({}, { ...process.env, OBLIVION_STORE_DIR: path.join(home, "ipfs") });
  const r = rng(11);
  const calibration = Array.from({ length: 32 }, () => Array.from({ length: SIZES[0] }, r));
  const model = await registerOnnxModel(
    { onnx: mlpOnnx(5, SIZES), name: "e2e-mlp", feePerInference: parseEther("0.0001"), batch: 1, calibration, cacheRoot: path.join(REPO_ROOT, ".cache", "zk-e2e") },
    d.contracts.registry,
    d.accounts[0],
    store,
  );
  const requester = d.accounts[1];
  const core = d.contracts.core.connect(requester);
  const book = new JobBook(core, d.provider);
  const jobsDir = path.join(home, "jobs");
  const agent = new ReleaseAgent(core, requester, book, log, jobsDir);
  const logs: string[] = [];
  const workers = new Map<number, ManagedProcess>();
  const mesh: Mesh = {
    d, store, model, book, agent, jobsDir, logs, workers,
    startWorker(account, opts = {}) {
      const p = spawnWorker(d, {
        account,
        misbehave: opts.misbehave,
        config: { OBLIVION_POLL_MS: "200", OBLIVION_KEEPER_DUTY: "false", OBLIVION_ARTIFACTS_DIR: path.join(home, `artifacts-${account}`), ...opts.env },
        onLine: (l) => logs.push(`w${account} ${l}`),
      });
      workers.set(account, p);
      return p;
    },
    startKeeper(account) {
      return spawnKeeper(d, { account, intervalMs: 300, onLine: (l) => logs.push(`k${account} ${l}`) });
    },
    async post(shards, claimWindow = 60) {
      const inputs = Array.from({ length: shards }, () => Array.from({ length: SIZES[0] }, r));
      const q = await quantizeShards(model.artifacts.quant, 1, inputs, { clamp: true }); // random inputs may pass the sampled calibration range
      const prepared = await prepareShards(store, q.batches, true);
      const posted = await postPreparedJob(core, requester, prepared, {
        modelId: model.modelId, modelVersion: model.version, pricePerShard: parseEther("0.01"),
        collateral: parseEther("0.05"), claimWindow, minStake: 0n, gated: false, acceptUnvettedVerifier: false,
      }, jobsDir);
      return posted.jobId;
    },
    async settle(jobId, timeoutMs, onTick) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        await book.sync();
        await agent.tick();
        const job = book.jobs.get(jobId);
        if (job && job.shards.every((s) => s.state === "settled")) return;
        if (Date.now() > until) {
          throw new Error(`job ${jobId} not settled in ${timeoutMs} ms: ${JSON.stringify(book.totals())}\n${logs.slice(-40).join("\n")}`);
        }
        if (onTick) await onTick();
        await sleep(250);
      }
    },
    async checkValue() {
      const c = d.contracts.core;
      let accounted = 0n;
      for (let j = 1n; j <= (await c.jobCount()); j++) accounted += await c.jobEscrow(j);
      for (const a of d.accounts) {
        const w = await c.getWorker(a.address);
        accounted += w.stake + w.unbonding + (await c.balanceOf(a.address));
      }
      return { held: await d.provider.getBalance(await c.getAddress()), accounted };
    },
    async stop() {
      fs.mkdirSync(path.join(REPO_ROOT, "test-output"), { recursive: true });
      fs.writeFileSync(path.join(REPO_ROOT, "test-output", `e2e-${process.pid}.log`), logs.join("\n"));
      await store.close();
      await d.stop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
  return mesh;
}
