/**
 * Gas of TrainingJobs' round operations on the in-process Hardhat network, against the real OblivionCore (collateral
 * locked, released and slashed there). Outsourced: post, join, standby enlistment, key release, the pool's seal, the
 * blind commitments (a primary's fixes its draw block), the draw either way (audited: replica and referee drawn
 * together), the reveals (the last of a shard decides and pays it), close, standby release. Federated: join, submit, close with
 * three and six participants. Writes bench/results/training-gas.json and bench/results/training-gas.md.
 * Run: npm run bench:training-gas
 */
import fs from "node:fs";
import path from "node:path";
import { ethers } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { mine } from "@nomicfoundation/hardhat-network-helpers";
import { blind, deployTraining, jobParams, passJoinCutoff } from "../test/training/fixture";

interface Row {
  operation: string;
  gas: number;
  note: string;
}

const gasOf = async (tx: Promise<ContractTransactionResponse>) => Number((await (await tx).wait())!.gasUsed);
const RELEASE = "0x" + "ab".repeat(64 + 97); // an encoded release: CID string + 97-byte wrapped key, about this size

async function main() {
  const env = await deployTraining();
  const rows: Row[] = [];
  const t = (s: (typeof env.workers)[number] | typeof env.requester) => env.training.connect(s);
  const holder = async (job: bigint, slot: number) => env.signer((await env.training.getSlot(job, 0, slot)).worker);
  const [w0, w1, ...pool] = env.workers;

  // outsourced: 2 shards, every one audited (a replica and a referee each); shard 0's three seats agree, shard 1's
  // replica disagrees and the primary and referee outvote it
  const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: 2, replicationBps: 10_000, dataRoot: ethers.id("root") });
  rows.push({ operation: "postJob (outsourced)", gas: await gasOf(t(env.requester).postJob(p, { value: await env.training.escrowFor(p) })), note: "first job; DP record, data root, round 0 opened" });
  const job = 1n;
  rows.push({ operation: "join (primary)", gas: await gasOf(t(w0).join(job, 0)), note: "locks collateral in the core" });
  await t(w1).join(job, 0);
  rows.push({ operation: "enlist (standby)", gas: await gasOf(t(pool[0]).enlist(job, 0)), note: "locks collateral; pool entry" });
  for (const w of pool.slice(1, 5)) await t(w).enlist(job, 0);
  rows.push({ operation: "releaseDataKey", gas: await gasOf(t(env.requester).releaseDataKey(job, 0, 0, RELEASE)), note: `${(RELEASE.length - 2) / 2}-byte release in the event` });
  await t(env.requester).releaseDataKey(job, 0, 2, RELEASE);
  const commit = async (w: (typeof env.workers)[number], hash: string) => gasOf(t(w).commitUpdate(job, 0, blind(await env.training.getAddress(), job, 0, w.address, hash).commitment));
  const reveal = async (w: (typeof env.workers)[number], hash: string) => {
    const b = blind(await env.training.getAddress(), job, 0, w.address, hash);
    return gasOf(t(w).revealUpdate(job, 0, hash, b.salt, "bafkreiupdate0"));
  };
  await passJoinCutoff(env.training, job, 0);
  rows.push({ operation: "resolveDraw (seal the pool)", gas: await gasOf(env.training.connect(env.keeper).resolveDraw(job, 0, 0)), note: "first draw call after the join cutoff" });
  rows.push({ operation: "commitUpdate (primary)", gas: await commit(w0, ethers.id("u0")), note: "salted commitment; fixes its draw block" });
  await commit(w1, ethers.id("u1"));
  await mine(1);
  rows.push({ operation: "resolveDraw (audited: replica and referee drawn)", gas: await gasOf(env.training.connect(env.keeper).resolveDraw(job, 0, 0)), note: "two picks from the pool" });
  await env.training.connect(env.keeper).resolveDraw(job, 0, 1);
  for (const slot of [1, 3, 4, 5]) await t(env.requester).releaseDataKey(job, 0, slot, RELEASE);
  const [r0, r1, f0, f1] = [await holder(job, 1), await holder(job, 3), await holder(job, 4), await holder(job, 5)];
  rows.push({ operation: "commitUpdate (verifier)", gas: await commit(r0, ethers.id("u0")), note: "" });
  await commit(f0, ethers.id("u0"));
  await commit(r1, ethers.id("lazy"));
  await commit(f1, ethers.id("u1"));
  rows.push({ operation: "revealUpdate (not last of its shard)", gas: await reveal(w0, ethers.id("u0")), note: "opens the commitment, publishes the CID" });
  await reveal(r0, ethers.id("u0"));
  rows.push({ operation: "revealUpdate (last: three agree)", gas: await reveal(f0, ethers.id("u0")), note: "decides the shard: three paid, collateral released" });
  await reveal(w1, ethers.id("u1"));
  await reveal(r1, ethers.id("lazy"));
  rows.push({ operation: "revealUpdate (last: two agree, one unpaid)", gas: await reveal(f1, ethers.id("u1")), note: "two paid, the disagreeing verifier released unpaid" });
  rows.push({ operation: "closeRound (outsourced, 2 shards)", gas: await gasOf(env.training.connect(env.aggregator).closeRound(job, 0, await env.training.paidMask(job, 0), "bafynext", ethers.id("agg"))), note: "all decided before; last round: job finished" });
  const undrawn = [];
  for (const w of pool.slice(0, 5)) if (Number((await env.training.getStandby(job, 0, Number(await env.training.standbyOf(job, 0, w.address)) - 1)).status) === 0) undrawn.push(w);
  rows.push({ operation: "releaseStandby", gas: await gasOf(env.training.releaseStandby(job, 0, undrawn[0].address)), note: "undrawn entry, after the round" });

  // an unaudited shard, on a fresh job at 0.01 %
  const p2 = { ...p, participantsPerRound: 1, replicationBps: 1 };
  await t(env.requester).postJob(p2, { value: await env.training.escrowFor(p2) });
  await t(w0).join(2n, 0);
  await t(env.requester).releaseDataKey(2n, 0, 0, RELEASE);
  const b2 = blind(await env.training.getAddress(), 2n, 0, w0.address, ethers.id("same"));
  await t(w0).commitUpdate(2n, 0, b2.commitment);
  await passJoinCutoff(env.training, 2n, 0);
  await env.training.connect(env.keeper).resolveDraw(2n, 0, 0);
  await mine(1);
  rows.push({ operation: "resolveDraw (not audited)", gas: await gasOf(env.training.connect(env.keeper).resolveDraw(2n, 0, 0)), note: "the primary may reveal" });
  rows.push({ operation: "revealUpdate (unaudited primary)", gas: await gasOf(t(w0).revealUpdate(2n, 0, b2.hash, b2.salt, "bafkreisame")), note: "paid and released at its reveal" });

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
