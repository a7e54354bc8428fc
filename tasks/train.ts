/**
 * Training tasks: `train:deploy`, `train:post`, `train:join` (federated participant), `train:close` (aggregator),
 * `train:status`, `train:export` (the trained model as ONNX, optionally registered). The outsourced mode's requester
 * and worker duties are in tasks/train-outsourced.ts.
 */
import { task, types } from "hardhat/config";
import { formatEth } from "../lib/util/format";
import { ArgumentError, parseAddress, parseAmount, parseUint } from "../lib/chain/args";
import { runTask, toJson } from "../lib/chain/taskContext";
import fs from "node:fs";
import { attach, readLiveDeployment } from "../lib/chain/deployments";
import { signerFor } from "../lib/chain/signer";
import { registerOnnxModel } from "../lib/zk/register";
import { createContentStore } from "../lib/storage";
import { initMlp } from "../lib/ml/mlp";
import { deployTrainingOrReuse } from "../lib/training/deploy";
import { positive, share, trainingContext } from "../lib/training/context";
import { prepareTrainingData, saveTrainingData, trainingDataPath } from "../lib/training/shards";
import { checkRoundCap, jobActive, MODES, RULES, type Mode, type Rule } from "../lib/training/params";
import { exportTrainedModel, joinRound, postTrainingJob, storeModel, trainAndSubmit, trainingStatus } from "../lib/training/rounds";
import { aggregateAndClose, roundClosable } from "../lib/training/aggregator";
import { sleep } from "../lib/util/retry";
import { FEATURES, mnistParticipantShard, mnistPooledTest } from "../lib/training/data";

task("train:deploy", "Have the network's core deploy TrainingJobs, the collateral manager whose code it pins (anyone, once), or reuse it")
  .addOptionalParam("from", "index of the signer to use", "0", types.string)
  .setAction(async (a: { from: string }, hre) =>
    runTask("train:deploy", async () => {
      const signer = await signerFor(hre, a.from);
      const core = (await readLiveDeployment(hre.network.name, hre.ethers.provider)).contracts.OblivionCore.address;
      const code = (await hre.artifacts.readArtifact("TrainingJobs")).bytecode; // the build `deploy` pinned
      const { training, changed } = await deployTrainingOrReuse(hre.network.name, core, signer, undefined, code);
      console.log(`TrainingJobs ${await training.getAddress()} over core ${core}${changed ? "" : " (reused)"}`);
    }),
  );

task("train:post", "Post a federated (or outsourced) DP training job on MNIST; the round budget comes from epsilon")
  .addParam("participants", "participants per round (outsourced: shards)")
  .addParam("epsilon", "privacy budget epsilon per participant over all rounds")
  .addOptionalParam("delta", "delta", "1e-5", types.string)
  .addOptionalParam("sigma", "DP-SGD noise multiplier", "1.0", types.string)
  .addOptionalParam("clip", "per-example clip norm C", "1.0", types.string)
  .addOptionalParam("samples", "examples per participant", "2001", types.string)
  .addOptionalParam("batch", "expected batch size (q = batch / samples)", "100", types.string)
  .addOptionalParam("localEpochs", "local epochs per round", "1", types.string)
  .addOptionalParam("updateClip", "L2 bound on a released update", "5", types.string)
  .addOptionalParam("rounds", "rounds (at most the budget; default: the budget)")
  .addOptionalParam("hidden", "hidden widths of the initial MLP, comma-separated ('' = logistic regression)", "32", types.string)
  .addOptionalParam("reward", "reward per accepted update, ether", "0.01", types.string)
  .addOptionalParam("fee", "aggregator fee per round, ether", "0.001", types.string)
  .addOptionalParam("collateral", "collateral per participant, ether", "0.1", types.string)
  .addOptionalParam("aggregator", "aggregator address (default: the poster)")
  .addOptionalParam("mode", "federated | outsourced", "federated", types.string)
  .addOptionalParam("replication", "outsourced: share of shards trained twice, drawn after each submission", "0.25", types.string)
  .addOptionalParam("lr", "outsourced: learning rate sealed into the shards (every replica uses it)", "0.5", types.string)
  .addOptionalParam("rule", "mean | trimmed-mean | median", "trimmed-mean", types.string)
  .addOptionalParam("trim", "trimmed-mean: values dropped at each end", "1", types.string)
  .addOptionalParam("window", "round window, seconds", "3600", types.string)
  .addOptionalParam("closeWindow", "close window, seconds", "3600", types.string)
  .addOptionalParam("seed", "initial model seed", "1", types.string)
  .addOptionalParam("from", "index of the signer to use", "0", types.string)
  .setAction(async (a: Record<string, string | undefined>, hre) =>
    runTask("train:post", async () => {
      if (!MODES.includes(a.mode as Mode)) throw new ArgumentError("mode", `"${a.mode}" is not ${MODES.join(" or ")}`);
      if (!RULES.includes(a.rule as Rule)) throw new ArgumentError("rule", `"${a.rule}" is not ${RULES.join(", ")}`);
      const hidden = a.hidden!.trim() === "" ? [] : a.hidden!.split(",").map((w) => Number(parseUint("hidden", w.trim(), 1n, 4096n)));
      const participants = Number(parseUint("participants", a.participants, 1n, 85n));
      const samples = Number(parseUint("samples", a.samples, 1n));
      const outsourced = a.mode === "outsourced";
      const replication = outsourced ? share("replication", a.replication!) : 0;
      const lr = positive("lr", a.lr!);
      const { signer, training } = await trainingContext(hre, a.from!);
      const store = createContentStore();
      try {
        const cid = await storeModel(store, initMlp([FEATURES, ...hidden, 10], Number(parseUint("seed", a.seed, 0n, 2n ** 32n))));
        // outsourced: the requester's MNIST shards (`samples` digits each), sealed and committed in the data root
        const data = outsourced
          ? await prepareTrainingData(store, Array.from({ length: participants }, (_, i) => capShard(mnistParticipantShard(i, participants), samples)), lr)
          : undefined;
        const rule = a.rule as Rule;
        const r = await postTrainingJob(training, {
          initialModelCid: cid,
          aggregator: a.aggregator ? parseAddress("aggregator", a.aggregator) : await signer.getAddress(),
          mode: a.mode as Mode,
          rule,
          trim: rule === "trimmed-mean" ? Number(parseUint("trim", a.trim, 1n, 127n)) : 0,
          participantsPerRound: participants,
          outsourcing: data ? { dataRoot: data.dataRoot, replication } : undefined,
          rewardPerUpdate: parseAmount("reward", a.reward),
          aggregatorFee: parseAmount("fee", a.fee, { allowZero: true }),
          collateral: parseAmount("collateral", a.collateral),
          roundWindow: Number(parseUint("window", a.window, 1n, 2592000n)),
          closeWindow: Number(parseUint("close-window", a.closeWindow, 1n, 2592000n)),
          dp: {
            epsilon: positive("epsilon", a.epsilon!),
            delta: positive("delta", a.delta!),
            sigma: positive("sigma", a.sigma!),
            clip: positive("clip", a.clip!),
            samples,
            batch: Number(parseUint("batch", a.batch, 1n)),
            localEpochs: Number(parseUint("local-epochs", a.localEpochs, 1n, 65535n)),
            updateClip: positive("update-clip", a.updateClip!),
          },
          maxRounds: a.rounds === undefined ? undefined : Number(parseUint("rounds", a.rounds, 1n, 65535n)),
        });
        console.log(`training job ${r.jobId}: ${r.maxRounds} rounds within epsilon ${a.epsilon}, escrow ${formatEth(r.escrow)}, model ${cid}`);
        if (data) {
          const file = trainingDataPath((await signer.provider!.getNetwork()).chainId.toString(), await training.getAddress(), r.jobId);
          saveTrainingData(file, data);
          console.log(`${participants} encrypted shards, data root ${data.dataRoot}, ${replication * 100}% replicated; keys kept in ${file}`);
        }
      } finally {
        await store.close();
      }
    }),
  );

task("train:join", "Federated participant: join the current round, train on this participant's MNIST shard, submit")
  .addParam("job", "training job id")
  .addParam("shard", "this participant's shard index")
  .addParam("of", "number of data shards")
  .addOptionalParam("lr", "learning rate", "0.5", types.string)
  .addOptionalParam("seed", "training seed", "1", types.string)
  .addOptionalParam("from", "index of the signer to use", "0", types.string)
  .setAction(async (a: { job: string; shard: string; of: string; lr: string; seed: string; from: string }, hre) =>
    runTask("train:join", async () => {
      const jobId = parseUint("job", a.job, 1n);
      const of = Number(parseUint("of", a.of, 1n, 1024n));
      const data = mnistParticipantShard(Number(parseUint("shard", a.shard, 0n, BigInt(of - 1))), of);
      const { signer, training } = await trainingContext(hre, a.from);
      const st = await trainingStatus(training, jobId);
      if (st.mode !== "federated") throw new Error(`job ${jobId} is outsourced: workers take it with train:work`);
      const job = await training.getJob(jobId);
      checkRoundCap(jobId, job.dp, Number(job.maxRounds)); // before locking collateral
      const { round, slot } = await joinRound(training, jobId, await signer.getAddress());
      const store = createContentStore();
      try {
        const u = await trainAndSubmit(training, store, jobId, round, data, {
          lr: positive("lr", a.lr),
          seed: Number(parseUint("seed", a.seed, 0n, 2n ** 32n)) + round,
        });
        console.log(`job ${jobId} round ${round} slot ${slot}: update ${u.cid} hash ${u.hash} (norm before clip ${u.rawNorm.toFixed(3)})`);
      } finally {
        await store.close();
      }
    }),
  );

task("train:close", "Aggregator: fetch and check the round's updates, aggregate, publish the next model, close the round")
  .addParam("job", "training job id")
  .addFlag("loop", "keep closing each round once it is closable, until the job ends")
  .addOptionalParam("interval", "--loop: seconds between checks", "1", types.string)
  .addOptionalParam("from", "index of the signer to use", "0", types.string)
  .setAction(async (a: { job: string; loop: boolean; interval: string; from: string }, hre) =>
    runTask("train:close", async () => {
      const jobId = parseUint("job", a.job, 1n);
      const interval = positive("interval", a.interval) * 1000;
      const { training } = await trainingContext(hre, a.from);
      const store = createContentStore();
      try {
        do {
          if (a.loop && !(await roundClosable(training, jobId))) {
            if (!(await jobActive(training, jobId))) break;
            await sleep(interval);
            continue;
          }
          const r = await aggregateAndClose(training, store, jobId);
          for (const v of r.verdicts) console.log(`slot ${v.slot} ${v.worker}: ${v.accepted ? "accepted" : "rejected"}${v.reason ? ` (${v.reason})` : ""}`);
          console.log(`round ${r.round} closed: next model ${r.nextModelCid}, aggregate ${r.aggregateHash}`);
        } while (a.loop);
      } finally {
        await store.close();
      }
    }),
  );

task("train:status", "Show a training job: DP record, budget, current round and its slots")
  .addParam("job", "training job id")
  .addFlag("json", "print JSON")
  .setAction(async (a: { job: string; json: boolean }, hre) =>
    runTask("train:status", async () => {
      const { training } = await trainingContext(hre, "0");
      const s = await trainingStatus(training, parseUint("job", a.job, 1n));
      if (a.json) return console.log(toJson(s));
      console.log(`job ${s.jobId} ${s.mode} ${s.rule} ${s.status}: round ${s.round}/${s.maxRounds}, ${s.participantsPerRound} per round, model ${s.modelCid}`);
      console.log(`dp: epsilon ${s.dp.epsilon} delta ${s.dp.delta} sigma ${s.dp.sigma} C ${s.dp.clip} q ${s.dp.samplingRate} steps/round ${s.dp.stepsPerRound} S ${s.dp.updateClip} local epochs ${s.dp.localEpochs}`);
      console.log(`escrow ${formatEth(s.escrow)}, reward ${formatEth(s.rewardPerUpdate)}/update, collateral ${formatEth(s.collateral)}`);
      if (s.mode === "outsourced") console.log(`outsourced: ${s.replication! * 100}% of shards audited, data root ${s.dataRoot}; shards undecided ${s.current.openAudits}`);
      if (s.status === "active") {
        for (const [name, t] of Object.entries(s.current.deadlines)) console.log(`  deadline ${name}: ${new Date(t * 1000).toISOString()} (${t >= s.current.now ? `in ${t - s.current.now} s` : "passed"})`);
      }
      console.log(`waiting for: ${s.current.waitingFor}`);
      for (const x of s.current.slots) console.log(`  slot ${x.slot} ${x.worker} ${x.state}`);
    }),
  );

task("train:export", "Write a training job's current model as ONNX; --register lists it as a verifiable model")
  .addParam("job", "training job id")
  .addParam("out", "ONNX file to write")
  .addFlag("register", "register the exported model in the ModelRegistry (circuit, verifier, artifacts)")
  .addOptionalParam("name", "--register: model name (default: training-job-<id>)")
  .addOptionalParam("fee", "--register: owner fee per inference, ether", "0", types.string)
  .addOptionalParam("from", "index of the signer to use (--register: the model's owner)", "0", types.string)
  .setAction(async (a: { job: string; out: string; register: boolean; name?: string; fee: string; from: string }, hre) =>
    runTask("train:export", async () => {
      const jobId = parseUint("job", a.job, 1n);
      const { signer, training } = await trainingContext(hre, a.from);
      const store = createContentStore();
      try {
        const r = await exportTrainedModel(training, store, jobId, a.out);
        console.log(`job ${jobId} model ${r.modelCid} (${r.rounds} round(s) trained): wrote ${r.bytes} bytes of ONNX to ${a.out}`);
        if (!a.register) return;
        const { registry } = attach(await readLiveDeployment(hre.network.name, hre.ethers.provider), signer);
        const reg = await registerOnnxModel(
          { onnx: new Uint8Array(fs.readFileSync(a.out)), name: a.name ?? `training-job-${jobId}`, feePerInference: parseAmount("fee", a.fee, { allowZero: true }), batch: 1, calibration: mnistPooledTest().X.slice(0, 64) },
          registry, signer, store,
        );
        console.log(`registered as model ${reg.modelId} version ${reg.version}, verifier ${reg.verifier}${reg.artifacts.dev ? " (DEV-SETUP: single-party development setup)" : ""}`);
      } finally {
        await store.close();
      }
    }),
  );

/** The first `n` examples of a shard. */
function capShard(s: { X: Float64Array[]; Y: number[] }, n: number) {
  return { X: s.X.slice(0, n), Y: s.Y.slice(0, n) };
}
