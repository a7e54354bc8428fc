/**
 * `npm run demo`: the whole mesh on this machine. A Hardhat node as a child process, the protocol deployed, a real
 * MNIST model trained, compiled into a circuit and registered with its on-chain verifier, three worker processes
 * (one of which claims and stalls) and a keeper process, and a job of MNIST test images posted with encrypted
 * shards. It follows the job live, then prints what happened and checks the returned outputs against the labels.
 * With FHE (default; DEMO_FHE=false skips it) the core's reputation is encrypted (fhEVM mock on the node, which must
 * then listen on 8545: see lib/fhe/cli.ts), one gated job turns the slashed staller away, and each worker decrypts its
 * own reputation at the end (scripts/demo-fhe.ts). Run as `hardhat run --network localhost scripts/demo.ts`.
 */
import hre from "hardhat";
import path from "node:path";
import { formatEther, parseEther } from "ethers";
import { JobBook } from "../lib/chain/jobbook";
import { loadOrTrainMnistMlp } from "../lib/devnet/mnist-model";
import { spawnKeeper, spawnWorker, startDevnet, type Devnet } from "../lib/devnet/devnet";
import { ReleaseAgent } from "../lib/requester/agent";
import { progressLine, progressOf } from "../lib/requester/follow";
import { postPreparedJob, prepareShards, quantizeShards, readJobFile } from "../lib/requester/job";
import { fetchJobResults } from "../lib/requester/results";
import { createContentStore } from "../lib/storage";
import { createLogger } from "../lib/util/log";
import { sleep } from "../lib/util/retry";
import { initFheCli } from "../lib/fhe/cli";
import type { Fhevm } from "../lib/fhe/types";
import { decryptReputations, runGatedJob, type FheWorker } from "./demo-fhe";
import { registerOnnxModel } from "../lib/zk/register";

const SHARDS = Number(process.env.DEMO_SHARDS ?? 8);
const BATCH = Number(process.env.DEMO_BATCH ?? 1);
const TIMEOUT_MS = Number(process.env.DEMO_TIMEOUT_MS ?? 600_000);
const FHE = process.env.DEMO_FHE !== "false";
/** `npm run app`: keep the market running with the dashboard after the demo job. */
const SERVE = process.env.DEMO_SERVE === "true";
/** Honest workers settle main-job shards (+10 each); the staller is slashed to the floor of 0. */
const GATED_MIN_SCORE = 10;
const GATED_SHARDS = 3;
const log = createLogger({ source: "demo" });
const eth = (x: bigint) => `${formatEther(x)} ETH`;

interface WorkerSeen {
  name: string;
  account: number;
  address: string;
  proveMs: number[];
  /** Gated jobs whose claim this worker saw refused with NotEligible. */
  refusedJobs: Set<string>;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const devnet = await startDevnet({ fhe: FHE });
  log.info("local chain up", { rpc: devnet.url, core: devnet.deployment.contracts.OblivionCore.address });
  const interrupted = () => {
    log.warn("interrupted: stopping the chain, workers and keeper");
    devnet.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    await run(devnet, t0);
  } finally {
    await devnet.stop();
    log.info("all processes stopped");
  }
}

async function run(d: Devnet, t0: number): Promise<void> {
  const [owner, requester] = d.accounts;
  const fhevm: Fhevm | undefined = d.fhe ? await initFheCli(hre) : undefined;
  if (d.fhe) log.info("FHE deployed: confidential reputation is the core's hook, the privacy gateway its eligibility gate", d.fhe);
  process.env.OBLIVION_HOME = d.home;
  const store = createContentStore({}, { ...process.env, OBLIVION_STORE_DIR: path.join(d.home, "ipfs") });

  // 1. The model: train (or reuse), compile to a circuit, set up, deploy its verifier, register.
  const trained = loadOrTrainMnistMlp();
  log.info(trained.cached ? "MNIST MLP 784-56-10 (cached)" : "trained MNIST MLP 784-56-10", {
    floatTestAccuracy: trained.floatAccuracy.toFixed(4),
    trainSeconds: trained.trainSeconds.toFixed(1),
  });
  const reg = await registerOnnxModel(
    {
      onnx: trained.onnx,
      name: "mnist-mlp-784-56-10",
      feePerInference: parseEther("0.001"),
      batch: BATCH,
      calibration: trained.data.trainX.slice(0, 256),
      log: log.child("zk"),
    },
    d.contracts.registry,
    owner,
    store,
  );
  const art = reg.artifacts;
  log.info("model registered", {
    model: reg.modelId,
    version: reg.version,
    verifier: reg.verifier,
    constraints: art.constraints,
    setupSeconds: art.setupSeconds.toFixed(1),
    setup: art.dev ? "DEV-SETUP (single party)" : "ceremony",
  });

  // 2. Workers (w3 claims and stalls) and a keeper, each its own process.
  const workers: WorkerSeen[] = [
    { name: "w1", account: 2, address: d.accounts[2].address, proveMs: [], refusedJobs: new Set<string>() },
    { name: "w2", account: 3, address: d.accounts[3].address, proveMs: [], refusedJobs: new Set<string>() },
    { name: "w3-staller", account: 4, address: d.accounts[4].address, proveMs: [], refusedJobs: new Set<string>() },
  ];
  const byAddr = new Map(workers.map((w) => [w.address.toLowerCase(), w]));
  const nameOf = (a?: string) => (a ? (byAddr.get(a.toLowerCase())?.name ?? (a.toLowerCase() === d.accounts[5].address.toLowerCase() ? "keeper" : a.slice(0, 8))) : "?");
  for (const w of workers) {
    spawnWorker(d, {
      account: w.account,
      misbehave: w.name.includes("staller") ? "stall" : undefined,
      config: { OBLIVION_KEEPER_DUTY: "false", OBLIVION_POLL_MS: "300" },
      onLine: (line) => {
        try {
          const rec = JSON.parse(line) as { msg?: string; proveMs?: number; level?: string; job?: string };
          if (rec.msg === "settled" && rec.proveMs !== undefined) w.proveMs.push(rec.proveMs);
          if (rec.msg === "eligibility requested") log.info(`${w.name} asked the privacy gateway for eligibility on gated job ${rec.job}`);
          if (rec.msg === "claim refused: not eligible for gated job" && rec.job) {
            w.refusedJobs.add(rec.job);
            log.info(`${w.name} turned away: its claim on gated job ${rec.job} reverts with NotEligible`);
          }
          if (rec.level === "error" || rec.level === "warn") log.warn(`${w.name}: ${rec.msg}`, { detail: line.slice(0, 200) });
        } catch {
          if (line.trim()) log.info(`${w.name} | ${line}`);
        }
      },
    });
  }
  spawnKeeper(d, {
    account: 5,
    onLine: (line) => {
      if (!line.startsWith("{")) {
        if (line.trim()) log.info(`keeper | ${line}`);
        return;
      }
      const rec = JSON.parse(line) as { msg?: string; worker?: string; eligible?: boolean; job?: string };
      if (rec.msg === "relayed eligibility decryption") {
        log.info(`keeper relayed the eligibility decryption of ${nameOf(rec.worker)} for job ${rec.job} (KMS proof checked on-chain): ${rec.eligible ? "eligible" : "NOT eligible"}`);
      }
    },
  });
  log.info("started 3 workers (w3 misbehaves: claims, then stalls) and 1 keeper");

  // 3. The job: MNIST test images, quantized and committed, encrypted per shard, posted with escrow.
  const images = trained.data.testX.slice(0, SHARDS * BATCH);
  const labels = trained.data.testY.slice(0, SHARDS * BATCH);
  const shards = await quantizeShards(art.quant, art.batch, images);
  const prepared = await prepareShards(store, shards.batches, true);
  const core = d.contracts.core.connect(requester);
  const posted = await postPreparedJob(core, requester, prepared, {
    modelId: reg.modelId,
    modelVersion: reg.version,
    pricePerShard: parseEther("0.01"),
    collateral: parseEther("0.1"),
    claimWindow: 60,
    minStake: 0n,
    gated: false,
    acceptUnvettedVerifier: false,
  }, path.join(d.home, "jobs"));
  log.info("job posted", { job: posted.jobId, shards: SHARDS, batch: art.batch, escrow: eth(posted.escrow), gas: posted.gasUsed });

  // 4. Follow it: release keys on claims, print every step, fast-forward chain time only when nothing but the
  //    staller's claim is left (a local chain; on a real one the keeper simply waits out the 60 s window).
  const book = new JobBook(core, d.provider);
  const agent = new ReleaseAgent(core, requester, book, log.child("requester"), path.join(d.home, "jobs"));
  let slash: { worker: string; caller: string; toCaller: bigint; toRequester: bigint; toTreasury: bigint } | undefined;
  const settleGas: bigint[] = [];
  const deadline = Date.now() + TIMEOUT_MS;
  let fastForwarded = false;
  let lastNews = Date.now();
  for (;;) {
    for (const ev of await book.sync()) {
      if (ev.jobId !== posted.jobId) continue;
      lastNews = Date.now();
      const who = nameOf(ev.worker);
      if (ev.name === "ShardClaimed") log.info(`${who} claimed shard ${ev.shardIndex}`);
      if (ev.name === "ShardSettled") {
        const rc = await d.provider.getTransactionReceipt(ev.txHash);
        settleGas.push(rc!.gasUsed);
        log.info(`${who} settled shard ${ev.shardIndex}: proof verified on-chain`, { gas: rc!.gasUsed, paid: eth(ev.args.workerPay as bigint) });
      }
      if (ev.name === "ClaimSlashed") {
        slash = {
          worker: ev.worker!,
          caller: ev.args.caller as string,
          toCaller: ev.args.toCaller as bigint,
          toRequester: ev.args.toRequester as bigint,
          toTreasury: ev.args.toTreasury as bigint,
        };
        log.info(`${nameOf(slash.caller)} reclaimed ${who}'s expired claim on shard ${ev.shardIndex}: slashed`, {
          bounty: eth(slash.toCaller),
          toRequester: eth(slash.toRequester),
          toTreasury: eth(slash.toTreasury),
        });
      }
    }
    await agent.tick();
    const job = book.job(posted.jobId);
    const settled = job.counts.settled;
    log.progress("settled", settled, SHARDS);
    if (settled === SHARDS) break;
    if (Date.now() > deadline) throw new Error(`demo timed out with ${settled}/${SHARDS} shards settled`);
    const open = job.counts.open;
    if (Date.now() - lastNews > 5_000) {
      // Nothing on-chain for a while (workers fetch the model's artifacts and warm up before their first claim).
      log.info(progressLine(progressOf(job)) + (settled === 0 ? " (workers load the model before their first claim)" : ""));
      lastNews = Date.now();
    }
    const stalled = job.shards.filter((s) => s.state === "claimed" && s.worker === workers[2].address.toLowerCase());
    if (!fastForwarded && open === 0 && stalled.length > 0 && stalled.length === SHARDS - settled) {
      log.info("only the staller's claim is left: fast-forwarding the local chain past its 60 s claim window");
      await d.provider.send("evm_increaseTime", [61]);
      await d.provider.send("evm_mine", []);
      fastForwarded = true;
    }
    await sleep(250);
  }

  // 5. Results: outputs fetched, decrypted and checked against the proven commitments, then against the labels.
  const jobFile = readJobFile((await d.provider.getNetwork()).chainId.toString(), await core.getAddress(), posted.jobId, path.join(d.home, "jobs"));
  const { rows: results, unreadable } = await fetchJobResults(d.contracts.core, d.contracts.audit, store, jobFile, { quant: art.quant, batch: art.batch });
  if (unreadable.length) throw new Error(`demo: ${unreadable.length} settled shard(s) with an unreadable output: ${unreadable.map((u) => `${u.shardIndex} (${u.problem})`).join(", ")}`);
  const predictions = results.flatMap((r) => r.predictions).slice(0, labels.length);
  const correct = predictions.filter((p, i) => p === labels[i]).length;

  const fheWorkers: FheWorker[] = workers.map((w) => ({ name: w.name, wallet: d.accounts[w.account], refusedJobs: w.refusedJobs }));
  let gated: Awaited<ReturnType<typeof runGatedJob>> | undefined;
  let reps: Awaited<ReturnType<typeof decryptReputations>> | undefined;
  if (fhevm) {
    gated = await runGatedJob({
      d, fhevm, requester, store, art, model: { modelId: reg.modelId, version: reg.version },
      images: trained.data.testX.slice(SHARDS * BATCH, (SHARDS + GATED_SHARDS) * BATCH),
      minScore: GATED_MIN_SCORE, workers: fheWorkers, staller: fheWorkers[2], agent, book, log, timeoutMs: 180_000,
    });
    reps = await decryptReputations(d, fhevm, fheWorkers, requester);
  }

  // Earnings from the settlement events of both jobs: pull balances alone would hide what a worker already withdrew.
  const settlements = await d.contracts.core.queryFilter(d.contracts.core.filters.ShardSettled());
  const earnedBy = (a: string) => settlements.filter((e) => e.args.worker.toLowerCase() === a.toLowerCase());
  const stakes = await Promise.all(workers.map((w) => d.contracts.core.getWorker(w.address)));
  const allProve = workers.flatMap((w) => w.proveMs);
  const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  console.log("\n================ demo summary ================");
  console.log(`shards settled         ${results.length}/${SHARDS} (batch ${art.batch}), every one with a proof verified on-chain`);
  console.log(`prove time per shard   ${(avg(allProve) / 1000).toFixed(2)} s average (${allProve.length} proofs)`);
  console.log(`gas per settlement     ${(avg(settleGas.map(Number)) / 1000).toFixed(0)}k average (verify + pay + audit record)`);
  console.log(`circuit                ${art.constraints} constraints, ${art.dev ? "DEV-SETUP (single-party setup: not for production)" : "ceremony setup"}`);
  for (const [i, w] of workers.entries()) {
    const mine = earnedBy(w.address);
    const earned = mine.reduce((sum, e) => sum + e.args.workerPay, 0n);
    console.log(`${w.name.padEnd(22)} settled ${mine.length} (both jobs), earned ${eth(earned)}, stake ${eth(stakes[i].stake)}`);
  }
  if (slash) {
    console.log(`slash                  ${nameOf(slash.worker)} lost its collateral; ${nameOf(slash.caller)} reclaimed it for a ${eth(slash.toCaller)} bounty (requester ${eth(slash.toRequester)}, treasury ${eth(slash.toTreasury)})`);
  } else {
    console.log("slash                  none (the staller never claimed)");
  }
  console.log(`accuracy of outputs    ${correct}/${labels.length} = ${((100 * correct) / labels.length).toFixed(1)} % against the true labels (float model on the full test split: ${(100 * trained.floatAccuracy).toFixed(1)} %)`);
  if (gated && reps) {
    const el = [...gated.eligibility].map(([n, e]) => `${n} ${e ? "yes" : "no"}`).join(", ");
    console.log(`gated job ${gated.jobId}            encrypted minimum score ${gated.minScore}; eligibility (decrypted booleans only): ${el}; settled by ${gated.settledBy.join(", ")}`);
    for (const w of fheWorkers) {
      const r = reps.stats.get(w.name)!;
      console.log(`${(w.name + " reputation").padEnd(22)} decrypted by ${w.name} itself: ${r.successes} settled, ${r.failures} slashed, score ${r.score}`);
    }
    console.log(`reputation ACL         the requester tried to decrypt ${fheWorkers[0].name}'s score: refused (${reps.intruderError})`);
  }
  console.log(`wall time              ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log("==============================================\n");
  if (SERVE) await serveDashboard(d, store);
  await store.close();
}

/**
 * `npm run app`: the market stays up with the dashboard until Ctrl-C (chain, protocol, the example model, the
 * workers and the keeper all keep running). Prints the URL and the development accounts to import into a wallet.
 */
async function serveDashboard(d: Devnet, store: ReturnType<typeof createContentStore>): Promise<void> {
  const { startApp } = await import("../lib/app");
  const app = await startApp({ network: "localhost", rpcUrl: d.url, port: Number(process.env.APP_PORT ?? 8600), store, log: log.child("app"), deploymentsDir: d.deploymentsDir });
  const roles = ["deployer, protocol owner and owner of the example model", "requester of the demo job", "worker w1", "worker w2", "worker w3 (stalls)", "keeper", "free (try a requester or a new worker)", "free"];
  console.log(`\ndashboard: ${app.url}   (chain ${d.deployment.chainId} at ${d.url})`);
  console.log("development accounts (import a key into your browser wallet; public test keys, never use them elsewhere):");
  roles.forEach((role, i) => console.log(`  #${i} ${d.accounts[i].address} ${d.accounts[i].privateKey}  ${role}`));
  console.log("Ctrl-C stops the market.");
  await new Promise<void>((resolve) => {
    process.removeAllListeners("SIGINT");
    process.removeAllListeners("SIGTERM");
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await app.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`demo failed: ${(err as Error).message}`);
    process.exit(1);
  },
);
