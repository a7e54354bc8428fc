/**
 * `npm run bench:load`: SHARDS shards (default 1,000) of a small model through four worker processes and one keeper
 * on a local node, with 5 % of claims abandoned on purpose. Reports settled shards per minute, gas per settled shard
 * and per inference, the time from post to last settlement, and checks that no shard is lost or paid twice and that
 * the value invariant holds. Writes bench/results/load.json and the table in docs/load.md.
 */
import fs from "node:fs";
import path from "node:path";
import { parseEther } from "ethers";
import { JobBook } from "../lib/chain/jobbook";
import { spawnKeeper, spawnWorker, startDevnet } from "../lib/devnet/devnet";
import { ReleaseAgent } from "../lib/requester/agent";
import { postPreparedJob, prepareShards, quantizeShards } from "../lib/requester/job";
import { createContentStore } from "../lib/storage";
import { createLogger } from "../lib/util/log";
import { REPO_ROOT } from "../lib/util/processes";
import { sleep } from "../lib/util/retry";
import { registerOnnxModel } from "../lib/zk/register";
import { mlpOnnx, rng } from "../test/zk/models";

const SHARDS = Number(process.env.SHARDS ?? 1000);
const WORKERS = 4;
const ABANDON = 0.05;
const WINDOW = 60;
const log = createLogger({ source: "bench:load" });

async function main(): Promise<void> {
  const home = path.join(REPO_ROOT, ".oblivion", `bench-load-${process.pid}`);
  const d = await startDevnet({ home });
  const store = createContentStore({}, { ...process.env, OBLIVION_STORE_DIR: path.join(home, "ipfs") });
  try {
    const r = rng(21);
    const sizes = [8, 6, 3];
    const calibration = Array.from({ length: 32 }, () => Array.from({ length: sizes[0] }, r));
    const model = await registerOnnxModel(
      { onnx: mlpOnnx(5, sizes), name: "load-mlp", feePerInference: parseEther("0.0001"), batch: 1, calibration, cacheRoot: path.join(REPO_ROOT, ".cache", "zk-e2e") },
      d.contracts.registry, d.accounts[0], store,
    );
    for (let i = 0; i < WORKERS; i++) {
      spawnWorker(d, {
        account: 2 + i,
        config: { OBLIVION_POLL_MS: "200", OBLIVION_KEEPER_DUTY: "false", OBLIVION_ABANDON_RATE: String(ABANDON), OBLIVION_STAKE_WEI: parseEther("100").toString(), OBLIVION_ARTIFACTS_DIR: path.join(home, `artifacts-${i}`) },
      });
    }
    spawnKeeper(d, { account: 9, intervalMs: 1000 });
    const requester = d.accounts[1];
    const core = d.contracts.core.connect(requester);
    const inputs = Array.from({ length: SHARDS }, () => Array.from({ length: sizes[0] }, r));
    const q = await quantizeShards(model.artifacts.quant, 1, inputs, { clamp: true }); // random inputs may pass the sampled calibration range
    const prepared = await prepareShards(store, q.batches, true);
    const jobsDir = path.join(home, "jobs");
    const t0 = Date.now();
    const posted = await postPreparedJob(core, requester, prepared, {
      modelId: model.modelId, modelVersion: model.version, pricePerShard: parseEther("0.001"),
      collateral: parseEther("0.01"), claimWindow: WINDOW, minStake: 0n, gated: false, acceptUnvettedVerifier: false,
    }, jobsDir);
    const book = new JobBook(core, d.provider);
    const agent = new ReleaseAgent(core, requester, book, log.child("requester"), jobsDir);
    const seen = new Map<string, number>();
    for (;;) {
      for (const ev of await book.sync()) if (ev.name === "ShardClaimed") seen.set(`${ev.shardIndex}:${ev.worker?.toLowerCase()}`, Date.now());
      await agent.tick();
      const t = book.totals();
      log.progress("settled", t.settled, SHARDS);
      if (t.settled === SHARDS) break;
      // Abandoned claims expire after WINDOW seconds of chain time. On this local chain, time moves on only when no
      // shard is open and every open claim has sat for 30 s of wall time (honest ones settle in seconds).
      const claims = book.job(posted.jobId).shards.flatMap((s, i) => (s.state === "claimed" ? [seen.get(`${i}:${s.worker}`) ?? Date.now()] : []));
      if (t.open === 0 && claims.length > 0 && claims.every((at) => Date.now() - at > 30_000)) {
        await d.provider.send("evm_increaseTime", [WINDOW + 1]);
        await d.provider.send("evm_mine", []);
      }
      await sleep(500);
    }
    const seconds = (Date.now() - t0) / 1000;
    const settled = await d.contracts.core.queryFilter(d.contracts.core.filters.ShardSettled(posted.jobId));
    const slashed = await d.contracts.core.queryFilter(d.contracts.core.filters.ClaimSlashed(posted.jobId));
    const gas: bigint[] = [];
    for (const e of settled) gas.push((await d.provider.getTransactionReceipt(e.transactionHash))!.gasUsed);
    const indexes = settled.map((e) => Number(e.args.shardIndex));
    const unique = new Set(indexes).size;
    let accounted = 0n;
    for (let j = 1n; j <= (await d.contracts.core.jobCount()); j++) accounted += await d.contracts.core.jobEscrow(j);
    for (const a of d.accounts) {
      const w = await d.contracts.core.getWorker(a.address);
      accounted += w.stake + w.unbonding + (await d.contracts.core.balanceOf(a.address));
    }
    const held = await d.provider.getBalance(await d.contracts.core.getAddress());
    const avgGas = Number(gas.reduce((a, b) => a + b, 0n)) / gas.length;
    const result = {
      shards: SHARDS,
      workers: WORKERS,
      abandonRate: ABANDON,
      settledShards: settled.length,
      uniqueSettledShards: unique,
      lostShards: SHARDS - unique,
      paidTwice: settled.length - unique,
      abandonedAndSlashed: slashed.length,
      postToLastSettlementSeconds: seconds,
      settledPerMinute: (settled.length / seconds) * 60,
      gasPerSettledShard: avgGas,
      gasPerInference: avgGas / model.artifacts.batch,
      constraints: model.artifacts.constraints,
      valueInvariantHolds: held === accounted,
      cpuCores: (await import("node:os")).cpus().length,
      loadAverage1m: (await import("node:os")).loadavg()[0],
      generatedAt: new Date().toISOString(),
    };
    fs.mkdirSync(path.join(REPO_ROOT, "bench", "results"), { recursive: true });
    fs.writeFileSync(path.join(REPO_ROOT, "bench", "results", "load.json"), JSON.stringify(result, null, 2) + "\n");
    const rows = Object.entries(result).map(([k, v]) => `| ${k} | ${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : v} |`);
    fs.writeFileSync(
      path.join(REPO_ROOT, "docs", "load.md"),
      `# Load benchmark\n\n\`npm run bench:load\` (bench/load.ts): one job of ${SHARDS} shards of a small MLP (${model.artifacts.constraints} constraints) through ${WORKERS} worker processes and one keeper on a local Hardhat node, ${ABANDON * 100} % of claims abandoned on purpose (left to expire, then reclaimed). Set SHARDS to change the size.\n\n| measure | value |\n|---|---|\n${rows.join("\n")}\n`,
    );
    console.log(JSON.stringify(result, null, 2));
    if (!result.valueInvariantHolds || result.lostShards || result.paidTwice) throw new Error("load run broke an invariant");
  } finally {
    await store.close();
    await d.stop();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`bench:load failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
