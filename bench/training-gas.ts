/**
 * Gas of TrainingJobs' round operations on the in-process Hardhat network, against the real OblivionCore (collateral
 * locked, released and slashed there). Outsourced: post, join, key release, the primary's submission with the
 * replication draw either way (steered with hardhat_setPrevRandao), replica match and mismatch, referee verdict with
 * the slash, close. Federated: join, submit, close with three and eight participants.
 * Writes bench/results/training-gas.json and bench/results/training-gas.md. Run: npm run bench:training-gas
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { deployTraining, jobParams, steerReplicationDraw } from "../test/training/fixture";

type Env = Awaited<ReturnType<typeof deployTraining>>;
interface Row {
  operation: string;
  gas: number;
  note: string;
}

const gasOf = async (tx: Promise<ContractTransactionResponse>) => Number((await (await tx).wait())!.gasUsed);
const RELEASE = "0x" + "ab".repeat(64 + 97); // an encoded release: CID string + 97-byte wrapped key, about this size

const steer = async (env: Env, jobId: bigint, shard: number, bps: number, want: boolean) =>
  steerReplicationDraw(await env.training.getAddress(), jobId, 0, shard, bps, want);

async function main() {
  const env = await deployTraining();
  const rows: Row[] = [];
  const t = (s: (typeof env.workers)[number] | typeof env.requester) => env.training.connect(s);
  const [w0, w1, w2, w3, w4] = env.workers;

  // outsourced: 2 shards at 50 %; shard 0 not drawn, shard 1 drawn, its replica disagrees, the referee decides
  const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: 2, replicationBps: 5_000, dataRoot: ethers.id("root") });
  rows.push({ operation: "postJob (outsourced)", gas: await gasOf(t(env.requester).postJob(p, { value: await env.training.escrowFor(p) })), note: "first job; DP record, data root, round 0 opened" });
  const job = 1n;
  rows.push({ operation: "join (primary)", gas: await gasOf(t(w0).join(job, 0)), note: "locks collateral in the core" });
  await t(w1).join(job, 0);
  rows.push({ operation: "releaseDataKey", gas: await gasOf(t(env.requester).releaseDataKey(job, 0, 0, RELEASE)), note: `${(RELEASE.length - 2) / 2}-byte release in the event` });
  await t(env.requester).releaseDataKey(job, 0, 2, RELEASE);
  await steer(env, job, 0, 5_000, false);
  rows.push({ operation: "submitUpdate (primary, not drawn)", gas: await gasOf(t(w0).submitUpdate(job, 0, ethers.id("u0"), "bafkreiupdate0")), note: "accepted at once" });
  await steer(env, job, 1, 5_000, true);
  rows.push({ operation: "submitUpdate (primary, drawn)", gas: await gasOf(t(w1).submitUpdate(job, 0, ethers.id("u1"), "bafkreiupdate1")), note: "opens an audit" });
  rows.push({ operation: "joinAsReplica", gas: await gasOf(t(w2).joinAsReplica(job, 0, 1)), note: "" });
  await t(env.requester).releaseDataKey(job, 0, 3, RELEASE);
  rows.push({ operation: "submitUpdate (replica, mismatch)", gas: await gasOf(t(w2).submitUpdate(job, 0, ethers.id("lazy"), "bafkreiupdate2")), note: "both replicas disputed" });
  rows.push({ operation: "joinAsReferee", gas: await gasOf(t(w3).joinAsReferee(job, 0, 1)), note: "" });
  await t(env.requester).releaseDataKey(job, 0, 5, RELEASE);
  rows.push({ operation: "submitUpdate (referee verdict)", gas: await gasOf(t(w3).submitUpdate(job, 0, ethers.id("u1"), "bafkreiupdate3")), note: "slashes the disagreeing replica in the core" });
  rows.push({ operation: "closeRound (outsourced, 2 shards)", gas: await gasOf(env.training.connect(env.aggregator).closeRound(job, 0, 0b100101, "bafynext", ethers.id("agg"))), note: "3 paid + released, last round: job finished" });

  // a matching replica, on a fresh job at 100 %
  const p2 = { ...p, participantsPerRound: 1, replicationBps: 10_000 };
  await t(env.requester).postJob(p2, { value: await env.training.escrowFor(p2) });
  await t(w0).join(2n, 0);
  await t(w0).submitUpdate(2n, 0, ethers.id("same"), "bafkreisame");
  await t(w4).joinAsReplica(2n, 0, 0);
  rows.push({ operation: "submitUpdate (replica, match)", gas: await gasOf(t(w4).submitUpdate(2n, 0, ethers.id("same"), "bafkreisame2")), note: "both accepted" });

  // federated closes
  for (const n of [3, 6]) {
    const f = jobParams(env.aggregator.address, { participantsPerRound: n, rule: 0, trim: 0, maxRounds: 2 });
    await t(env.requester).postJob(f, { value: await env.training.escrowFor(f) });
    const id = await env.training.jobCount();
    const ws = env.workers.slice(0, n);
    let joinGas = 0;
    let submitGas = 0;
    for (const [i, w] of ws.entries()) {
      joinGas = await gasOf(t(w).join(id, 0));
      submitGas = await gasOf(t(w).submitUpdate(id, 0, ethers.id(`f${i}`), `bafkreif${i}`));
    }
    if (n === 3) {
      rows.push({ operation: "join (federated)", gas: joinGas, note: "" });
      rows.push({ operation: "submitUpdate (federated)", gas: submitGas, note: "" });
    }
    const mask = (1n << BigInt(n)) - 1n;
    rows.push({ operation: `closeRound (federated, ${n} accepted)`, gas: await gasOf(env.training.connect(env.aggregator).closeRound(id, 0, mask, "bafynext", ethers.id("agg"))), note: "pays, releases collateral, opens the next round" });
  }

  const out = path.join(__dirname, "results");
  fs.mkdirSync(out, { recursive: true });
  const result = { date: new Date().toISOString(), network: "hardhat (in-process)", rows };
  fs.writeFileSync(path.join(out, "training-gas.json"), JSON.stringify(result, null, 2) + "\n");
  const table = ["| operation | gas | note |", "|---|---:|---|", ...rows.map((r) => `| ${r.operation} | ${r.gas.toLocaleString("en-US")} | ${r.note} |`)].join("\n");
  fs.writeFileSync(path.join(out, "training-gas.md"), `# TrainingJobs gas (npm run bench:training-gas, ${result.date.slice(0, 10)})\n\n${table}\n`);
  console.log(table);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
