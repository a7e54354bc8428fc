/** The requester as a process: `job:follow` (also run by `job:post --follow`), `job:cancel`, `requester:run`. */
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { formatEther } from "ethers";
import { parseUint } from "../lib/chain/args";
import { runTask, taskContext } from "../lib/chain/taskContext";
import { stopSignal } from "../lib/util/stop";

task("job:follow", "Follow a job to the end: release keys as claims arrive, serve its content, show progress, print the checked results")
  .addParam("job", "job id (its job file must be on this machine: $OBLIVION_HOME/jobs)")
  .addOptionalParam("labels", "JSON array of true labels, to report accuracy")
  .addOptionalParam("poll", "ms between polls of the chain", "1000", types.string)
  .addOptionalParam("from", "index of the signer that posted the job", "0", types.string)
  .addOptionalParam("serve", "host:port to serve the job's content on (0.0.0.0:8090 for workers on other machines), or off; env OBLIVION_SERVE")
  .addOptionalParam("contentUrl", "content endpoints to publish instead (comma-separated); env OBLIVION_CONTENT_URLS")
  .addFlag("json", "one JSON object per log line")
  .setAction(async (a: FollowArgs, hre) => runTask("job:follow", () => followOne(a, hre)));

interface FollowArgs {
  job: string;
  labels?: string;
  poll: string;
  from: string;
  serve?: string;
  contentUrl?: string;
  json: boolean;
}

/** The command again, with every argument it was given (the resume hint). */
function followCommand(a: FollowArgs, network: string): string {
  const parts = ["npx hardhat job:follow", `--job ${a.job}`, `--from ${a.from}`];
  if (a.labels) parts.push(`--labels ${a.labels}`);
  if (a.poll !== "1000") parts.push(`--poll ${a.poll}`);
  if (a.serve) parts.push(`--serve ${a.serve}`);
  if (a.contentUrl) parts.push(`--content-url ${a.contentUrl}`);
  if (a.json) parts.push("--json");
  return `${parts.join(" ")} --network ${network}`;
}

async function followOne(a: FollowArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  const signal = stopSignal(); // Ctrl-C from the start ends with the resume hint
  const { followJobs } = await import("../lib/requester/follow");
  const { contentFlags } = await import("../lib/requester/content");
  const { readOwnJob } = await import("../lib/requester/job");
  const { checkedResults, readLabels } = await import("../lib/requester/report");
  const { createReadingStore } = await import("../lib/storage");
  const { createLogger } = await import("../lib/util/log");
  const jobId = parseUint("job", a.job, 1n);
  const pollMs = Number(parseUint("poll", a.poll, 50n, 600_000n));
  const labels = a.labels ? readLabels(a.labels) : undefined;
  const flags = contentFlags(a);
  const ctx = await taskContext(hre, a.from);
  // the chain's requester, the signer and the job file must agree before anything is followed
  const file = await readOwnJob(ctx.core, ctx.signer, jobId, a.from);
  const log = createLogger({ source: "requester", json: a.json });
  const store = createReadingStore();
  try {
    const results = `npx hardhat job:results --job ${jobId} --from ${a.from}${a.labels ? ` --labels ${a.labels}` : ""} --network ${hre.network.name}`;
    const out = await followJobs({
      core: ctx.core, requester: ctx.signer, log, jobs: [jobId], pollMs, signal,
      content: { store, ...flags }, tty: !a.json && process.stderr.isTTY === true, resultsCommand: () => results,
    });
    if (!out.complete) {
      const p = out.progress[0];
      if (p?.cancelled) throw new Error(`job ${jobId} was cancelled with ${p.settled}/${p.shardCount} shards settled`);
      // stopped on purpose (Ctrl-C): not a failure, but nothing is reported as done
      log.info(`stopped following job ${jobId} with ${p?.settled ?? 0}/${p?.shardCount ?? file.shards.length} shards settled; resume with: ${followCommand(a, hre.network.name)}`);
      return;
    }
    for (const l of (await checkedResults({ ...ctx, store }, file, labels)).lines) console.log(l);
  } finally {
    await store.close();
  }
}

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

task("requester:run", "The requester service: releases keys and serves content for every job of this account with a local job file, until stopped")
  .addOptionalParam("poll", "ms between polls of the chain", "1000", types.string)
  .addOptionalParam("from", "index of the signer whose jobs it serves", "0", types.string)
  .addOptionalParam("serve", "host:port to serve the jobs' content on (0.0.0.0:8090 for workers on other machines), or off; env OBLIVION_SERVE")
  .addOptionalParam("contentUrl", "content endpoints to publish instead (comma-separated); env OBLIVION_CONTENT_URLS")
  .addFlag("json", "one JSON object per log line")
  .setAction(async (a: { poll: string; from: string; serve?: string; contentUrl?: string; json: boolean }, hre) =>
    runTask("requester:run", async () => {
      const { followJobs } = await import("../lib/requester/follow");
      const { contentFlags } = await import("../lib/requester/content");
      const { createContentStore } = await import("../lib/storage");
      const { createLogger } = await import("../lib/util/log");
      const pollMs = Number(parseUint("poll", a.poll, 50n, 600_000n));
      const flags = contentFlags(a);
      const ctx = await taskContext(hre, a.from);
      const log = createLogger({ source: "requester", json: a.json });
      log.info("requester service started", { account: await ctx.signer.getAddress(), pollMs });
      const store = createContentStore();
      try {
        const out = await followJobs({
          core: ctx.core, requester: ctx.signer, log, pollMs, signal: stopSignal(), content: { store, ...flags },
          tty: !a.json && process.stderr.isTTY === true,
          resultsCommand: (id) => `npx hardhat job:results --job ${id} --from ${a.from} --network ${hre.network.name}`,
        });
        log.info("requester service stopped", { released: out.released, refused: out.refused });
      } finally {
        await store.close();
      }
    }),
  );
