/** Job tasks: `model:list`, `job:post`, `job:results`, `job:status`, `audit:show` (following and cancelling: tasks/requester.ts). */
import fs from "node:fs";
import { task, types } from "hardhat/config";
import { parseAddressList, parseAmount, parseUint, readCommitmentsFile } from "../lib/chain/args";
import { ShardTree } from "../lib/chain/merkle";
import { auditRecord, auditRecords, jobStatus, listModels, postJob } from "../lib/chain/protocol";
import { runTask, taskContext, toJson } from "../lib/chain/taskContext";
import { formatEth, formatTime } from "../lib/util/format";
import { createContentStore } from "../lib/storage";
import { committedOutputs } from "../lib/zk/bundle";
import { headLabel } from "../lib/zk/head";
import { setupInfo, setupLabel } from "../lib/chain/setupKind";

task("model:list", "List registered models and their versions")
  .addFlag("json", "print JSON")
  .setAction(async (a: { json: boolean }, hre) =>
    runTask("model:list", async () => {
      const ctx = await taskContext(hre);
      const models = await listModels(ctx.registry);
      if (a.json) return console.log(toJson(models));
      if (models.length === 0) return console.log("no models registered");
      const store = createContentStore();
      // the output head and approximations live in the circuit bundle; a bundle the store lacks is reported, not skipped
      const describeOutputs = (cid: string) =>
        committedOutputs(store, cid).then(
          (o) => headLabel(o.head) + (o.approximations ?? []).map((ap) => `; ${ap.fn} approximated (worst-case error ${ap.maxAbsError.toExponential(1)})`).join(""),
          (e: Error) => `unknown (circuit bundle ${cid}: ${e.message.split("\n")[0]})`,
        );
      try {
        for (const m of models) {
          console.log(`#${m.modelId} ${m.name} owner=${m.owner} fee/inference=${formatEth(m.feePerInference)} ${m.active ? "active" : "inactive"}`);
          for (const v of m.versions) {
            const verifier = v.setup.kind === "ceremony" && !v.setup.finalized ? "none yet" : v.verifier;
            console.log(`   v${v.version} verifier=${verifier} batch=${v.batchSize} signals=${v.numPublicSignals}${v.vetted || verifier === "none yet" ? (v.vetted ? " vetted" : "") : " UNVETTED-VERIFIER (jobs need --accept-unvetted-verifier)"} onnx=${v.onnxCid}`);
            console.log(`      setup: ${setupLabel(v.setup)}`);
            console.log(`      outputs: ${await describeOutputs(v.circuitCid)}`);
          }
        }
      } finally {
        await store.close();
      }
    }),
  );

task("job:post", "Post a job: quantize, commit, encrypt and upload raw inputs (or post pre-made commitments)")
  .addOptionalParam("inputs", "input vectors, one per inference: JSON array, CSV (one vector per line) or .npy")
  .addOptionalParam("commitments", "instead of --inputs: JSON array of per-shard input commitments (no upload)")
  .addParam("model", "model id")
  .addOptionalParam("modelVersion", "model version (default: the latest)", "0", types.string)
  .addParam("price", "price per shard in ether")
  .addParam("collateral", "collateral per claim in ether")
  .addOptionalParam("window", "claim window in seconds", "3600", types.string)
  .addOptionalParam("minStake", "minimum worker stake in ether", "0", types.string)
  .addFlag("gated", "require the eligibility gate on claims")
  .addOptionalParam("workers", "only these workers may claim the job's shards (and so read them): comma-separated addresses")
  .addOptionalParam("minScore", "gate the job by this minimum reputation, encrypted locally (implies --gated)")
  .addFlag("public", "store the shard inputs unencrypted (public data)")
  .addFlag("acceptUnvettedVerifier", "opt into a model version whose verifier the registry did not deploy (it may accept garbage)")
  .addFlag("acceptDevSetup", "on a chain that is not a local development chain: opt into a DEV-setup model (its owner can forge proofs)")
  .addOptionalParam("treeOut", "write the shard Merkle tree (OZ dump) to this file")
  .addOptionalParam("from", "index of the signer to use", "0", types.string)
  .addFlag("clamp", "clamp inputs outside the model's calibration range instead of refusing them")
  .addFlag("follow", "stay up: release keys as claims arrive, serve the content, show progress, print the checked results when all settled")
  .addOptionalParam("labels", "with --follow: JSON array of true labels, to report accuracy")
  .addOptionalParam("serve", "with --follow: host:port to serve the job's content on (0.0.0.0:8090 for workers on other machines), or off")
  .addOptionalParam("contentUrl", "with --follow: content endpoints to publish instead (comma-separated)")
  .setAction(
    async (
      a: {
        inputs?: string; commitments?: string; model: string; modelVersion: string; price: string; collateral: string; window: string;
        minStake: string; gated: boolean; minScore?: string; public: boolean; treeOut?: string; from: string; acceptUnvettedVerifier: boolean;
        clamp: boolean; follow: boolean; labels?: string; serve?: string; contentUrl?: string; acceptDevSetup: boolean; workers?: string;
      },
      hre,
    ) =>
      runTask("job:post", async () => {
        if (!a.inputs === !a.commitments) throw new Error("bad arguments: give exactly one of --inputs and --commitments");
        if (a.follow && a.commitments) throw new Error("bad arguments: --follow needs --inputs (a job posted from commitments has no local keys to release)");
        if (a.labels && !a.follow) throw new Error("bad arguments: --labels goes with --follow (or job:results)");
        if ((a.serve || a.contentUrl) && !a.follow) throw new Error("bad arguments: --serve and --content-url go with --follow (or job:follow, requester:run)");
        const terms = {
          pricePerShard: parseAmount("price", a.price),
          collateral: parseAmount("collateral", a.collateral, { allowZero: true }),
          claimWindow: parseUint("window", a.window, 60n, 30n * 86400n),
          minStake: parseAmount("minStake", a.minStake, { allowZero: true }),
          gated: a.gated || a.minScore !== undefined,
          acceptUnvettedVerifier: a.acceptUnvettedVerifier,
        };
        const allowlist = a.workers === undefined ? undefined : parseAddressList("workers", a.workers);
        const modelId = parseUint("model", a.model, 1n, 2n ** 32n - 1n);
        const modelVersion = parseUint("modelVersion", a.modelVersion, 0n, 2n ** 32n - 1n);
        const ctx = await taskContext(hre, a.from);
        {
          const { requesterSetupCheck } = await import("../lib/zk/setup-policy");
          const { createContentStore } = await import("../lib/storage");
          const store = createContentStore();
          try {
            console.log(await requesterSetupCheck({ registry: ctx.registry, store, requester: ctx.signer }, modelId, Number(modelVersion), a.acceptDevSetup));
          } finally {
            await store.close();
          }
        }
        let jobId: bigint;
        if (a.commitments) {
          const tree = new ShardTree(readCommitmentsFile("commitments", a.commitments));
          const version = modelVersion === 0n ? BigInt((await ctx.registry.getModel(modelId)).versionCount) : modelVersion;
          const posted = await postJob(ctx.core, { ...terms, modelId, modelVersion: version, shardCount: tree.shardCount, inputRoot: tree.root, inputCount: 0 }, allowlist);
          if (a.treeOut) fs.writeFileSync(a.treeOut, JSON.stringify(tree.dump(), (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
          jobId = posted.jobId;
          console.log(`posted job ${jobId}: ${tree.shardCount} shards, escrow ${formatEth(posted.escrow)}, root ${tree.root} (tx ${posted.txHash})`);
        } else {
          const { readInputs } = await import("../lib/requester/inputs");
          const { postInputsJob } = await import("../lib/requester/job");
          const { createContentStore } = await import("../lib/storage");
          let vectors: number[][];
          try {
            vectors = readInputs(a.inputs!);
          } catch (err) {
            throw new Error(`bad --inputs: ${(err as Error).message}`);
          }
          const store = createContentStore();
          try {
            const p = await postInputsJob({
              core: ctx.core, registry: ctx.registry, requester: ctx.signer, store, modelId, modelVersion, vectors, terms, encrypt: !a.public, clamp: a.clamp, allowlist,
            });
            // from here on, Ctrl-C ends the follow cleanly with its resume hint (also before following has begun)
            if (a.follow) (await import("../lib/util/stop")).stopSignal();
            jobId = p.jobId;
            if (p.replaced) console.log(`an older job file for job ${jobId} (an earlier deployment at this address) was moved to ${p.replaced}`);
            if (p.clamped) console.log(`clamped ${p.clamped} input value${p.clamped === 1 ? "" : "s"} to the calibration range (--clamp)`);
            console.log(
              `posted job ${jobId}: ${p.shards} shards of ${p.batch} (${vectors.length} inputs${p.padded ? `, last shard padded by ${p.padded}` : ""}), ` +
                `escrow ${formatEth(p.escrow)}, ${a.public ? "public" : "encrypted"} shard packages in the ${store.kind} store, job file ${p.file}`,
            );
          } finally {
            await store.close();
          }
        }
        if (a.minScore !== undefined) await hre.run("job:gate", { job: jobId.toString(), minScore: a.minScore, from: a.from });
        if (a.follow) await hre.run("job:follow", { job: jobId.toString(), from: a.from, labels: a.labels, serve: a.serve, contentUrl: a.contentUrl });
      }),
  );

task("job:results", "Download a job's outputs, check each against its audit record and proven commitment, print a table")
  .addParam("job", "job id")
  .addOptionalParam("out", "write the outputs as JSON to this file")
  .addOptionalParam("labels", "true labels, one per input (JSON array, or one-column .csv / .npy), to report accuracy")
  .addOptionalParam("from", "index of the signer that posted the job", "0", types.string)
  .addFlag("partial", "a job not settled yet is no failure (exit 0 with the shards settled so far)")
  .addFlag("json", "print {job, shards, settled, rows, accuracy} as JSON")
  .setAction(async (a: { job: string; out?: string; labels?: string; from: string; partial: boolean; json: boolean }, hre) =>
    runTask("job:results", async () => {
      const { readOwnJob } = await import("../lib/requester/job");
      const { checkedResults, readLabels } = await import("../lib/requester/report");
      const { createReadingStore } = await import("../lib/storage");
      const jobId = parseUint("job", a.job, 1n);
      const labels = a.labels ? readLabels(a.labels) : undefined;
      const ctx = await taskContext(hre, a.from);
      const file = await readOwnJob(ctx.core, ctx.signer, jobId, a.from);
      const store = createReadingStore();
      let settled: number;
      try {
        const r = await checkedResults({ ...ctx, store }, file, labels);
        settled = r.rows.length + r.unreadable.length;
        if (a.out) fs.writeFileSync(a.out, toJson(r.rows));
        if (a.json) console.log(toJson({ job: jobId, shards: file.shards.length, settled, rows: r.rows, unreadable: r.unreadable, accuracy: r.score }));
        else for (const l of r.lines) console.log(l);
      } finally {
        await store.close();
      }
      if (settled < file.shards.length && !a.partial) {
        throw new Error(`job ${jobId} is not finished: ${file.shards.length - settled} of ${file.shards.length} shards not settled (pass --partial to accept that)`);
      }
    }),
  );

task("job:status", "Show a job and its shards")
  .addParam("job", "job id")
  .addOptionalParam("shards", "show at most this many shards", "64", types.string)
  .addFlag("json", "print JSON")
  .setAction(async (a: { job: string; shards: string; json: boolean }, hre) =>
    runTask("job:status", async () => {
      const jobId = parseUint("job", a.job, 1n);
      const ctx = await taskContext(hre);
      const s = await jobStatus(ctx.core, jobId, Number(parseUint("shards", a.shards, 0n, 100_000n)));
      const setup = await setupInfo(ctx.registry, s.modelId, s.modelVersion);
      const open = Number(s.shardCount) - Number(s.settledShards) - Number(s.openClaims) - s.forfeitedShards;
      const { whyUnclaimed } = await import("../lib/requester/stall");
      const { JobBook } = await import("../lib/chain/jobbook");
      // reasons only when open shards wait and nobody holds a claim (a claimed job is moving)
      let unclaimed: string[] = [];
      if (open > 0 && Number(s.openClaims) === 0 && !s.cancelled) {
        const book = new JobBook(ctx.core, ctx.signer.provider!, 0);
        await book.sync();
        const r = await whyUnclaimed(ctx.core, jobId, book.jobs.get(jobId));
        unclaimed = r.reasons.length ? r.reasons : [`none the chain shows (${r.workers} workers registered): are they running?`];
      }
      if (a.json) return console.log(toJson({ ...s, setup, unclaimedReasons: unclaimed }));
      console.log(
        `job ${s.jobId} model ${s.modelId} v${s.modelVersion} requester ${s.requester}${s.cancelled ? " CANCELLED" : ""}\n` +
          `  shards ${s.shardCount}: settled ${s.settledShards}, claimed ${s.openClaims}; escrow ${formatEth(s.escrow)}; ` +
          `price ${formatEth(s.pricePerShard)} + owner fee ${formatEth(s.ownerFeePerShard)} per shard${s.paddingFee > 0n ? ` (the last shard's ${formatEth(s.ownerFeePerShard - s.paddingFee)}: its padding is not billed)` : ""}; collateral ${formatEth(s.collateral)}\n` +
          `  verifier ${s.verifier} ${s.unvettedVerifier ? "UNVETTED (requester opted in; claims are voided, never slashed)" : "vetted"}, code hash ${s.verifierCodeHash}\n` +
          `  setup: ${setupLabel(setup)}`,
      );
      if (unclaimed.length) console.log(`  ${open} open shards unclaimed: ${unclaimed.join("; ")}`);
      for (const sh of s.shards) {
        const who = sh.status === "open" ? "" : ` ${sh.worker}`;
        const until = sh.status === "claimed" ? ` until ${formatTime(sh.deadline)}` : "";
        console.log(`  #${sh.index} ${sh.status}${who}${until}`);
      }
    }),
  );

task("audit:show", "Show the audit records of a job, or one record")
  .addOptionalParam("job", "job id")
  .addOptionalParam("record", "record id")
  .addFlag("json", "print JSON")
  .setAction(async (a: { job?: string; record?: string; json: boolean }, hre) =>
    runTask("audit:show", async () => {
      if ((a.job === undefined) === (a.record === undefined)) throw new Error("bad arguments: give exactly one of --job or --record");
      const ctx = await taskContext(hre);
      const records =
        a.job !== undefined
          ? await auditRecords(ctx.audit, parseUint("job", a.job, 1n))
          : [await auditRecord(ctx.audit, parseUint("record", a.record, 1n))];
      if (a.json) return console.log(toJson(records));
      if (records.length === 0) return console.log(`no audit records for job ${a.job}`);
      for (const r of records) {
        console.log(
          `record ${r.recordId}: job ${r.jobId} shard ${r.shardIndex} model ${r.modelId} v${r.modelVersion} by ${r.submitter} ` +
            `at ${formatTime(r.timestamp)}\n  input ${r.inputCommitment}\n  output ${r.outputCommitment}\n  proof ${r.proofHash}`,
        );
      }
    }),
  );
