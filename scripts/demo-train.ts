/**
 * `npm run demo:train`: federated DP training on the mesh. A Hardhat node as a child process (lib/devnet), the
 * protocol and TrainingJobs deployed (TrainingJobs bound as the core's collateral manager), four staked participants
 * each holding a quarter of the MNIST training digits, a requester posting a job whose round budget comes from ε, and
 * an aggregator closing each round with lib/ml/federated. Per round it prints test accuracy and the ε spent; in one
 * round a participant publishes an oversized update, which the aggregator rejects and the contract leaves unpaid. Then
 * an outsourced round on the requester's sealed shards (scripts/demo-train-outsourced.ts): blind answers, a replica
 * and a referee per shard, a lazy replica left unpaid. The federated model is exported to ONNX and registered as a verifiable model
 * (circuit, dev setup, on-chain verifier).
 */
import fs from "node:fs";
import path from "node:path";
import { formatEther, keccak256, parseEther } from "ethers";
import { startDevnet, DEVNET_NETWORK, type Devnet } from "../lib/devnet/devnet";
import { createContentStore } from "../lib/storage";
import { createLogger } from "../lib/util/log";
import { initMlp, mlpAccuracy, mlpToOnnx } from "../lib/ml/mlp";
import { localUpdate } from "../lib/ml/federated";
import { encodeUpdate } from "../lib/ml/update";
import { dpSgdEpsilon } from "../lib/privacy/accountant";
import { generateWorkerKeyPair } from "../lib/crypto/worker-key";
import { deployTrainingOrReuse } from "../lib/training/deploy";
import { FEATURES, mnistParticipantShard, mnistPooledTest } from "../lib/training/data";
import { fetchModel, joinRound, postTrainingJob, storeModel, trainAndSubmit, trainingStatus } from "../lib/training/rounds";
import { aggregateAndClose } from "../lib/training/aggregator";
import { registerOnnxModel } from "../lib/zk/register";
import { runOutsourcedPhase } from "./demo-train-outsourced";

const ROUNDS = Number(process.env.DEMO_TRAIN_ROUNDS ?? 5);
const PARTICIPANTS = 4;
const HIDDEN = 32;
const DP = { epsilon: 8, delta: 1e-5, sigma: 1.0, clip: 1.0, batch: 100, localEpochs: 2, updateClip: 8 };
const LR = 1.0;
/** Round in which the last participant publishes its update scaled ×10 (beyond the clip bound S). */
const BYZANTINE_ROUND = 2;
const log = createLogger({ source: "demo:train" });
const eth = (x: bigint) => `${formatEther(x)} ETH`;

async function main(): Promise<void> {
  const t0 = Date.now();
  const devnet = await startDevnet();
  log.info("local chain up", { rpc: devnet.url, core: devnet.deployment.contracts.OblivionCore.address, pid: devnet.node.pid });
  const interrupted = () => {
    log.warn("interrupted: stopping the chain");
    devnet.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    await run(devnet);
  } finally {
    await devnet.stop();
    log.info("chain stopped", { seconds: ((Date.now() - t0) / 1000).toFixed(1) });
  }
}

async function run(d: Devnet): Promise<void> {
  const [owner, requester] = d.accounts;
  const aggregator = d.accounts[5];
  const participants = [2, 3, 4, 6].map((i) => d.accounts[i]);
  const standby = [7, 8].map((i) => d.accounts[i]); // two more workers: the outsourced phase's standby pool needs four
  process.env.OBLIVION_HOME = d.home;
  const store = createContentStore({}, { ...process.env, OBLIVION_STORE_DIR: path.join(d.home, "ipfs") });
  try {
    const core = d.contracts.core;
    const { training } = await deployTrainingOrReuse(DEVNET_NETWORK, await core.getAddress(), owner, d.deploymentsDir);
    log.info("TrainingJobs deployed and bound as the core's collateral manager", { training: await training.getAddress() });

    const workers = [];
    for (const p of [...participants, ...standby]) {
      const key = generateWorkerKeyPair();
      await (await core.connect(p).registerWorker("bafy-training-participant", "0x" + Buffer.from(key.publicKey).toString("hex"))).wait();
      await (await core.connect(p).stake({ value: parseEther("1") })).wait();
      workers.push({ wallet: p, key });
    }
    log.info("six workers registered (with encryption keys) and staked 1 ETH each in the core");

    const shards = participants.map((_, i) => mnistParticipantShard(i, PARTICIPANTS));
    const test = mnistPooledTest();
    const samples = Math.min(...shards.map((s) => s.X.length));
    const initial = initMlp([FEATURES, HIDDEN, 10], 1);
    const posted = await postTrainingJob(training.connect(requester), {
      initialModelCid: await storeModel(store, initial),
      aggregator: aggregator.address,
      mode: "federated",
      rule: "trimmed-mean",
      trim: 1,
      participantsPerRound: PARTICIPANTS,
      rewardPerUpdate: parseEther("0.01"),
      aggregatorFee: parseEther("0.002"),
      collateral: parseEther("0.1"),
      roundWindow: 3600,
      closeWindow: 3600,
      dp: { ...DP, samples },
      maxRounds: ROUNDS,
    });
    const st = await trainingStatus(training, posted.jobId);
    log.info("training job posted", {
      job: posted.jobId, rounds: posted.maxRounds, escrow: eth(posted.escrow), epsilon: st.dp.epsilon, delta: st.dp.delta,
      sigma: st.dp.sigma, clip: st.dp.clip, q: st.dp.samplingRate, perParticipant: samples,
    });
    log.info("round 0 model", { accuracy: mlpAccuracy(initial, test.X, test.Y).toFixed(4) });

    for (let r = 0; r < posted.maxRounds; r++) {
      const t = Date.now();
      for (const [i, p] of participants.entries()) {
        const tp = training.connect(p);
        await joinRound(tp, posted.jobId, p.address);
        const opts = { epochs: DP.localEpochs, lr: LR, batch: DP.batch, seed: 1000 * r + i, dp: { clip: DP.clip, sigma: DP.sigma }, updateClip: DP.updateClip };
        if (r === BYZANTINE_ROUND && i === PARTICIPANTS - 1) {
          const global = await fetchModel(store, (await training.getJob(posted.jobId)).modelCid);
          const u = localUpdate(global, shards[i].X, shards[i].Y, opts).update.map((x) => 10 * x);
          const bytes = encodeUpdate(u);
          await (await tp.submitUpdate(posted.jobId, r, keccak256(bytes), await store.put(bytes))).wait();
        } else {
          await trainAndSubmit(tp, store, posted.jobId, r, shards[i], opts);
        }
      }
      const closed = await aggregateAndClose(training.connect(aggregator), store, posted.jobId);
      const model = await fetchModel(store, closed.nextModelCid);
      const eps = dpSgdEpsilon({ samples, batch: DP.batch, sigma: DP.sigma, epochs: DP.localEpochs * (r + 1), delta: DP.delta }).epsilon;
      const rejected = closed.verdicts.filter((v) => !v.accepted);
      log.info(`round ${r + 1}/${posted.maxRounds} closed`, {
        accuracy: mlpAccuracy(model, test.X, test.Y).toFixed(4),
        epsilon: eps.toFixed(3),
        accepted: closed.verdicts.length - rejected.length,
        rejected: rejected.map((v) => `slot${v.slot}:${v.reason}`).join("; ") || "none",
        seconds: ((Date.now() - t) / 1000).toFixed(1),
      });
    }

    const fin = await trainingStatus(training, posted.jobId);
    await (await training.connect(requester).refund(posted.jobId)).wait();
    const paid = await Promise.all(participants.map((p) => training.balanceOf(p.address)));
    log.info("job finished: rewards are pull balances", {
      status: fin.status,
      participants: paid.map(eth).join(", "),
      aggregator: eth(await training.balanceOf(aggregator.address)),
      refundToRequester: eth(await training.balanceOf(requester.address)),
      contractHolds: eth(await d.provider.getBalance(await training.getAddress())),
      liabilities: eth(await training.totalLiabilities()),
    });

    const final = await fetchModel(store, fin.modelCid);
    const passTime = async (seconds: number) => {
      await d.provider.send("evm_increaseTime", [seconds]);
      await d.provider.send("evm_mine", []);
    };
    await runOutsourcedPhase({ core, training, store, requester, aggregator, workers, start: final, passTime, log: log.child("outsourced") });

    const onnx = mlpToOnnx(final);
    const onnxFile = path.join(d.home, "training", `job-${posted.jobId}-final.onnx`);
    fs.mkdirSync(path.dirname(onnxFile), { recursive: true });
    fs.writeFileSync(onnxFile, onnx);
    log.info("final model exported to ONNX", { file: onnxFile, bytes: onnx.length, accuracy: mlpAccuracy(final, test.X, test.Y).toFixed(4) });
    const reg = await registerOnnxModel(
      { onnx, name: `dp-federated-mnist-job-${posted.jobId}`, feePerInference: parseEther("0.001"), batch: 1, calibration: test.X.slice(0, 128), log: log.child("zk") },
      d.contracts.registry, requester, store,
    );
    log.info("final model registered as a verifiable model", {
      model: reg.modelId, verifier: reg.verifier, constraints: reg.artifacts.constraints, setup: reg.artifacts.dev ? "DEV-SETUP (single party)" : "ceremony",
      argmaxAgreement: reg.artifacts.deviation.argmaxAgreement.toFixed(4), onnxCid: reg.cids.onnxCid,
    });
  } finally {
    await store.close();
  }
}

// Exit explicitly: the prover's curve worker threads (ffjavascript) keep the event loop alive after registration.
main().then(
  () => process.exit(0),
  (err) => {
    log.error(`demo:train failed: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`);
    process.exit(1);
  },
);
