/** Job tasks: `model:list`, `job:post`, `job:status`, `audit:show`. */
import fs from "node:fs";
import { task, types } from "hardhat/config";
import { formatEther } from "ethers";
import { parseAmount, parseUint, readCommitmentsFile } from "../lib/chain/args";
import { ShardTree } from "../lib/chain/merkle";
import { auditRecord, auditRecords, jobStatus, listModels, postJob } from "../lib/chain/protocol";
import { runTask, taskContext, toJson } from "../lib/chain/taskContext";

task("model:list", "List registered models and their versions")
  .addFlag("json", "print JSON")
  .setAction(async (a: { json: boolean }, hre) =>
    runTask("model:list", async () => {
      const ctx = await taskContext(hre);
      const models = await listModels(ctx.registry);
      if (a.json) return console.log(toJson(models));
      if (models.length === 0) return console.log("no models registered");
      for (const m of models) {
        console.log(`#${m.modelId} ${m.name} owner=${m.owner} fee/inference=${formatEther(m.feePerInference)} ${m.active ? "active" : "inactive"}`);
        for (const v of m.versions) {
          console.log(`   v${v.version} verifier=${v.verifier} batch=${v.batchSize} signals=${v.numPublicSignals}${v.devSetup ? " dev-setup" : ""} onnx=${v.onnxCid}`);
        }
      }
    }),
  );

task("job:post", "Post a job over per-shard input commitments read from a JSON file")
  .addParam("inputs", "JSON file: array of input commitments (or {inputCommitments: [...]}) in shard order")
  .addParam("model", "model id")
  .addOptionalParam("modelVersion", "model version", "1", types.string)
  .addParam("price", "price per shard in ether")
  .addParam("collateral", "collateral per claim in ether")
  .addOptionalParam("window", "claim window in seconds", "3600", types.string)
  .addOptionalParam("minStake", "minimum worker stake in ether", "0", types.string)
  .addFlag("gated", "require the eligibility gate on claims")
  .addOptionalParam("treeOut", "write the shard Merkle tree (OZ dump) to this file")
  .addOptionalParam("from", "index of the signer to use", "0", types.string)
  .setAction(
    async (
      a: { inputs: string; model: string; modelVersion: string; price: string; collateral: string; window: string; minStake: string; gated: boolean; treeOut?: string; from: string },
      hre,
    ) =>
      runTask("job:post", async () => {
        const tree = new ShardTree(readCommitmentsFile("inputs", a.inputs));
        const params = {
          modelId: parseUint("model", a.model, 1n, 2n ** 32n - 1n),
          modelVersion: parseUint("modelVersion", a.modelVersion, 1n, 2n ** 32n - 1n),
          shardCount: tree.shardCount,
          inputRoot: tree.root,
          pricePerShard: parseAmount("price", a.price),
          collateral: parseAmount("collateral", a.collateral, { allowZero: true }),
          claimWindow: parseUint("window", a.window, 60n, 30n * 86400n),
          minStake: parseAmount("minStake", a.minStake, { allowZero: true }),
          gated: a.gated,
        };
        const ctx = await taskContext(hre, Number(parseUint("from", a.from, 0n, 1000n)));
        const { jobId, escrow, txHash } = await postJob(ctx.core, params);
        if (a.treeOut) fs.writeFileSync(a.treeOut, JSON.stringify(tree.dump(), (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
        console.log(`posted job ${jobId}: ${tree.shardCount} shards, escrow ${formatEther(escrow)}, root ${tree.root} (tx ${txHash})`);
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
      if (a.json) return console.log(toJson(s));
      console.log(
        `job ${s.jobId} model ${s.modelId} v${s.modelVersion} requester ${s.requester}${s.cancelled ? " CANCELLED" : ""}\n` +
          `  shards ${s.shardCount}: settled ${s.settledShards}, claimed ${s.openClaims}; escrow ${formatEther(s.escrow)}; ` +
          `price ${formatEther(s.pricePerShard)} + owner fee ${formatEther(s.ownerFeePerShard)}; collateral ${formatEther(s.collateral)}`,
      );
      for (const sh of s.shards) {
        const who = sh.status === "open" ? "" : ` ${sh.worker}`;
        const until = sh.status === "claimed" ? ` until ${new Date(sh.deadline * 1000).toISOString()}` : "";
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
            `at ${new Date(r.timestamp * 1000).toISOString()}\n  input ${r.inputCommitment}\n  output ${r.outputCommitment}\n  proof ${r.proofHash}`,
        );
      }
    }),
  );
