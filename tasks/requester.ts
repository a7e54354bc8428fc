/** The requester as a process: `job:follow` (also run by `job:post --follow`), `job:cancel`, `requester:run`. */
import { task, types } from "hardhat/config";
import { formatEther } from "ethers";
import { parseUint } from "../lib/chain/args";
import { runTask, taskContext } from "../lib/chain/taskContext";

/** SIGINT/SIGTERM abort the returned signal (once), so a following process stops cleanly between polls. */
function stopSignal(): AbortSignal {
  const abort = new AbortController();
  const stop = () => abort.abort(new Error("signal"));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return abort.signal;
}

task("job:follow", "Follow a job to the end: release keys as claims arrive, show progress, print the checked results")
  .addParam("job", "job id (its job file must be on this machine: $OBLIVION_HOME/jobs)")
  .addOptionalParam("labels", "JSON array of true labels, to report accuracy")
  .addOptionalParam("poll", "ms between polls of the chain", "1000", types.string)
  .addOptionalParam("from", "index of the signer that posted the job", "0", types.string)
  .addFlag("json", "one JSON object per log line")
  .setAction(async (a: { job: string; labels?: string; poll: string; from: string; json: boolean }, hre) =>
    runTask("job:follow", async () => {
      const { followJobs } = await import("../lib/requester/follow");
      const { readJobFile } = await import("../lib/requester/job");
      const { checkedResults, readLabels } = await import("../lib/requester/report");
      const { createContentStore } = await import("../lib/storage");
      const { createLogger } = await import("../lib/util/log");
      const jobId = parseUint("job", a.job, 1n);
      const pollMs = Number(parseUint("poll", a.poll, 50n, 600_000n));
      const labels = a.labels ? readLabels(a.labels) : undefined;
      const ctx = await taskContext(hre, a.from);
      const chainId = (await ctx.signer.provider!.getNetwork()).chainId.toString();
      const file = readJobFile(chainId, await ctx.core.getAddress(), jobId);
      const log = createLogger({ source: "requester", json: a.json });
      const out = await followJobs({ core: ctx.core, requester: ctx.signer, log, jobs: [jobId], pollMs, signal: stopSignal() });
      if (!out.complete) {
        const p = out.progress[0];
        if (p?.cancelled) throw new Error(`job ${jobId} was cancelled with ${p.settled}/${p.shardCount} shards settled`);
        log.info(`stopped following job ${jobId}; resume with: npx hardhat job:follow --job ${jobId} --network ${hre.network.name}`);
        return;
      }
      log.info(`job ${jobId}: every shard settled`, { released: out.released });
      const store = createContentStore();
      try {
        for (const l of (await checkedResults({ ...ctx, store }, file, labels)).lines) console.log(l);
      } finally {
        await store.close();
      }
    }),
  );

task("job:cancel", "Cancel a job: the escrow of every shard neither settled nor claimed goes back to the requester")
  .addParam("job", "job id")
  .addOptionalParam("from", "index of the signer that posted the job", "0", types.string)
  .setAction(async (a: { job: string; from: string }, hre) =>
    runTask("job:cancel", async () => {
      const { preflight } = await import("../lib/chain/preflight");
      const jobId = parseUint("job", a.job, 1n);
      const ctx = await taskContext(hre, a.from);
      const core = ctx.core.connect(ctx.signer);
      const check = await preflight(core.cancelJob, [jobId]);
      if (!check.ok) throw new Error(check.reason);
      const rc = await (await core.cancelJob(jobId)).wait();
      const ev = rc!.logs.map((l) => core.interface.parseLog(l)).find((p) => p?.name === "JobCancelled");
      const j = await core.getJob(jobId);
      console.log(
        `cancelled job ${jobId}: ${formatEther((ev?.args.refund as bigint | undefined) ?? 0n)} ETH credited to ${await ctx.signer.getAddress()} ` +
          `(withdraw it with: npx hardhat withdraw --from ${a.from}); ${j.settledShards} settled, ${j.openClaims} claims still open ` +
          `(their escrow comes back when they expire unsettled)`,
      );
    }),
  );

task("requester:run", "The requester service: releases keys for every job of this account with a local job file, until stopped")
  .addOptionalParam("poll", "ms between polls of the chain", "1000", types.string)
  .addOptionalParam("from", "index of the signer whose jobs it serves", "0", types.string)
  .addFlag("json", "one JSON object per log line")
  .setAction(async (a: { poll: string; from: string; json: boolean }, hre) =>
    runTask("requester:run", async () => {
      const { followJobs } = await import("../lib/requester/follow");
      const { createLogger } = await import("../lib/util/log");
      const pollMs = Number(parseUint("poll", a.poll, 50n, 600_000n));
      const ctx = await taskContext(hre, a.from);
      const log = createLogger({ source: "requester", json: a.json });
      log.info("requester service started", { account: await ctx.signer.getAddress(), pollMs });
      const out = await followJobs({ core: ctx.core, requester: ctx.signer, log, pollMs, signal: stopSignal() });
      log.info("requester service stopped", { released: out.released, refused: out.refused });
    }),
  );
