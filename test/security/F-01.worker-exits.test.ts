import { expect } from "chai";
import { PassThrough } from "node:stream";
import { randomBytes } from "node:crypto";
import { parseEther, type Wallet } from "ethers";
import { generateWorkerKeyPair } from "../../lib/crypto";
import type { ContentStore } from "../../lib/storage";
import { createLogger } from "../../lib/util/log";
import { sleep } from "../../lib/util/retry";
import type { ShardCompute } from "../../worker/compute";
import type { WorkerConfig } from "../../worker/config";
import { Worker } from "../../worker/worker";
import { encodeRelease } from "../../lib/requester/shard";
import { deployEnv, keyedRelease, postJob, registerAndStake, PRICE, type Env } from "../helpers/protocol";

const CFG: WorkerConfig = {
  rpcUrl: "http://127.0.0.1:1", privateKey: "0x" + "11".repeat(32), network: "hardhat", models: [], concurrency: 1,
  executionProvider: "cpu", minPriceWei: 0n, maxCollateralMultiple: 10n, stakeWei: parseEther("1"), withdrawThresholdWei: parseEther("1000"),
  encryptionKeyFile: "", metadataCid: "bafkqaaa", pollMs: 100, releaseTimeoutMs: 20_000, contentBackoffMs: 600_000, keeperDuty: false, artifactsDir: "",
  fetchTimeoutMs: 2_000, txMarginMs: 2_000, timingMargin: 2,
  json: true, abandonRate: 0, acceptUnvettedVerifiers: false, acceptDevSetup: false,
  eligibility: { allow: [], deny: [], maxPerRequester: 3, maxPerWindow: 12, windowSeconds: 86_400 },
};
/** Compute must never run here: every release below fails inspection. */
const NO_COMPUTE = {
  prepare: () => Promise.resolve({ batch: 1, inputSize: 1, witnessMs: 0, proveMs: 0 }),
  witness: () => Promise.reject(new Error("compute must not run")),
  run: () => Promise.reject(new Error("compute must not run: the release failed inspection")),
  close: () => Promise.resolve(),
} as unknown as ShardCompute;
/** A store that has nothing (the package is unavailable). */
const PAYLOAD = encodeRelease({ packageCid: "bafkreimissing", wrappedKey: new Uint8Array(0) });
const EMPTY_STORE = { get: () => Promise.reject(new Error("not found")), put: () => Promise.reject(new Error("read-only")) } as unknown as ContentStore;

function workerFor(env: Env, signer: Env["worker"], cfg: Partial<WorkerConfig> = {}) {
  const out = new PassThrough();
  const records: { msg: string }[] = [];
  out.on("data", (b: Buffer) => b.toString().split("\n").filter(Boolean).forEach((l) => records.push(JSON.parse(l))));
  const worker = new Worker({ ...CFG, ...cfg }, {
    wallet: signer as unknown as Wallet,
    contracts: env,
    store: EMPTY_STORE,
    compute: NO_COMPUTE,
    encryption: generateWorkerKeyPair(),
    log: createLogger({ source: "test", json: true, out }),
  });
  return { worker, records };
}

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 100 && !cond(); i++) await sleep(100);
  expect(cond(), what).to.equal(true);
}

describe("security F-01: the reference worker takes the exits by itself", function () {
  let env: Env;
  beforeEach(async function () {
    env = await deployEnv();
    await registerAndStake(env, env.worker);
  });

  it("F-01 the worker claims with a one-time key, proves a bad keyed release on-chain and is paid, stake intact", async function () {
    const dataKeys = [new Uint8Array(randomBytes(32))];
    const job = await postJob(env, { shards: 1, dataKeys });
    const { worker, records } = workerFor(env, env.worker);
    await worker.ensureReady();
    await worker.tick();
    expect(worker.stats.claimed).to.equal(1);
    expect((await env.core.getShard(job.jobId, 0)).keyed).to.equal(true);

    const stake = (await env.core.getWorker(env.worker.address)).stake;
    // The requester masks a key that is not the committed one.
    const bad = await keyedRelease(env, job, 0, new Uint8Array(randomBytes(32)), PAYLOAD);
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 0, bad);
    await until(() => worker.stats.badReleasesProven === 1 || worker.stats.abandoned > 0, "inspection done");
    expect(worker.stats.badReleasesProven, JSON.stringify(records.slice(-3))).to.equal(1);
    expect((await env.core.getShard(job.jobId, 0)).status).to.equal(3n);
    expect(await env.core.balanceOf(env.worker.address)).to.equal(PRICE);
    expect((await env.core.getWorker(env.worker.address)).stake).to.equal(stake);
  });

  it("F-01 the worker leaves a correct release whose package is unavailable, within the inspection window, without a slash", async function () {
    const dataKeys = [new Uint8Array(randomBytes(32))];
    const job = await postJob(env, { shards: 1, dataKeys });
    const { worker, records } = workerFor(env, env.worker);
    await worker.ensureReady();
    await worker.tick();
    await env.core.connect(env.requester).releaseShardKey(job.jobId, 0, await keyedRelease(env, job, 0, dataKeys[0], PAYLOAD));
    await until(() => worker.stats.left === 1, "claim left");
    expect(records.map((r) => r.msg)).to.include("left the claim without a slash");
    expect(JSON.stringify(records)).to.contain("is unavailable");
    const w = await env.core.getWorker(env.worker.address);
    expect([w.stake, w.locked]).to.deep.equal([parseEther("1"), 0n]);
    expect((await env.core.getShard(job.jobId, 0)).status).to.equal(0n);
  });

  it("F-01 the worker refuses collateral above its configured multiple of the price", async function () {
    await postJob(env, { shards: 1, over: { collateral: PRICE * 11n } });
    const { worker } = workerFor(env, env.worker);
    await worker.ensureReady();
    await worker.tick();
    expect(worker.stats.claimed).to.equal(0);
    const { worker: bolder } = workerFor(env, env.worker, { maxCollateralMultiple: 11n });
    await bolder.tick();
    expect(bolder.stats.claimed).to.equal(1);
  });
});
