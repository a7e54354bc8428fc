/**
 * F-04: a replica and a referee run by one operator used to take both verifier slots first come and, without the data
 * key, outvote an honest primary. Now verifiers are drawn from the round's standby pool with a block hash that did
 * not exist when they enlisted (and only once the pool is sealed), and a verifier's submission needs its released key.
 * Against the real OblivionCore.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import type { Interface } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, drawWord, pickStart, runDraw, assigned, COLLATERAL, REWARD } from "../training/fixture";

type Env = Awaited<ReturnType<typeof deployTraining>>;
const RELEASE = "0x1234";
const honestHash = (shard: number) => ethers.id(`honest update ${shard}`);
const JUNK = ethers.id("junk");

async function postOutsourced(env: Env, shards: number) {
  const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: shards, replicationBps: 10_000, dataRoot: ethers.id("root") });
  await env.training.connect(env.requester).postJob(p, { value: await env.training.escrowFor(p) });
  return env.training.jobCount();
}

/** Stake + pull balances (core and training) of an address: what "lost nothing" means. */
async function worth(env: Env, who: string) {
  return (await env.core.getWorker(who)).stake + (await env.core.balanceOf(who)) + (await env.training.balanceOf(who));
}

/** The entry a pick lands on: from the drawn start, the next entry that was free before this pick. */
async function expectedPick(env: Env, jobId: bigint, word: bigint, slot: number, takenBefore: Set<number>) {
  const n = Number((await env.training.getRound(jobId, 0)).standby);
  let i = pickStart(word, slot, n);
  while (takenBefore.has(i)) i = (i + 1) % n;
  return i;
}

describe("F-04 replica and referee collusion", function () {
  it("F-04 no verifier role can be taken by choice: no join path, no submission without a drawn slot and its key", async function () {
    const env = await loadFixture(deployTraining);
    const jobId = await postOutsourced(env, 1);
    const [primary, m1, m2, h1, h2] = env.workers;
    const iface: Interface = env.training.interface;
    for (const name of ["joinAsReplica", "joinAsReferee"]) expect(iface.getFunction(name)).to.equal(null);
    await env.training.connect(primary).join(jobId, 0);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 0, RELEASE);
    for (const w of [m1, m2, h1, h2]) await env.training.connect(w).enlist(jobId, 0);
    // nor can the requester (or the aggregator) stand by as a verifier of its own job
    for (const party of [env.requester, env.aggregator]) {
      await expect(env.training.connect(party).enlist(jobId, 0)).to.be.revertedWithCustomError(env.training, "PartyOfJob").withArgs(party.address);
    }
    await env.training.connect(primary).submitUpdate(jobId, 0, honestHash(0), "bafyP");
    // the colluders hold no slot: their junk does not count, whatever they do
    for (const m of [m1, m2]) {
      await expect(env.training.connect(m).submitUpdate(jobId, 0, JUNK, "bafyJ")).to.be.revertedWithCustomError(env.training, "NotParticipant");
    }
    const { rc } = await runDraw(env.training, jobId, 0, 0, m1);
    const [replica] = assigned(env.training, rc);
    // the drawn replica cannot submit before the requester released its key to it
    await expect(env.training.connect(env.signer(replica.worker)).submitUpdate(jobId, 0, JUNK, "bafyJ"))
      .to.be.revertedWithCustomError(env.training, "KeyNotReleased")
      .withArgs(1);
  });

  it("F-04 a colluding pair outvotes an honest primary only when the draw gives it both verifier slots", async function () {
    const env = await loadFixture(deployTraining);
    const shards = 4;
    const jobId = await postOutsourced(env, shards);
    const primaries = env.workers.slice(0, shards);
    const colluders = env.workers.slice(shards, shards + 2); // one operator, two addresses
    const honestPool = env.workers.slice(shards + 2);
    const isColluder = (a: string) => colluders.some((c) => c.address === a);
    const addr = await env.training.getAddress();
    for (const [s, p] of primaries.entries()) {
      await env.training.connect(p).join(jobId, 0);
      await env.training.connect(env.requester).releaseDataKey(jobId, 0, 2 * s, RELEASE);
    }
    // the colluders enlist first, hoping to be first in line: order buys nothing
    for (const w of [...colluders, ...honestPool]) await env.training.connect(w).enlist(jobId, 0);
    const before = new Map<string, bigint>();
    for (const w of [...primaries, ...honestPool]) before.set(w.address, await worth(env, w.address));
    for (const [s, p] of primaries.entries()) await env.training.connect(p).submitUpdate(jobId, 0, honestHash(s), `bafyP${s}`);

    const taken = new Set<number>();
    const indexOf = async (w: string) => Number(await env.training.standbyOf(jobId, 0, w)) - 1;
    let bothColluding = 0;
    for (let s = 0; s < shards; s++) {
      const d = await runDraw(env.training, jobId, 0, s);
      const [rep] = assigned(env.training, d.rc);
      const word = drawWord(addr, d.blockHash, jobId, 0, s, 1);
      expect(await indexOf(rep.worker)).to.equal(await expectedPick(env, jobId, word, 2 * s + 1, taken));
      taken.add(await indexOf(rep.worker));
      await env.training.connect(env.requester).releaseDataKey(jobId, 0, 2 * s + 1, RELEASE);
      const repColludes = isColluder(rep.worker);
      await env.training.connect(env.signer(rep.worker)).submitUpdate(jobId, 0, repColludes ? JUNK : honestHash(s), "bafyR");
      if (!repColludes) continue; // an honest replica matches: both paid
      const r = await runDraw(env.training, jobId, 0, s);
      const [ref] = assigned(env.training, r.rc);
      const refWord = drawWord(addr, r.blockHash, jobId, 0, s, 3);
      expect(await indexOf(ref.worker)).to.equal(await expectedPick(env, jobId, refWord, 2 * shards + s, taken));
      taken.add(await indexOf(ref.worker));
      await env.training.connect(env.requester).releaseDataKey(jobId, 0, 2 * shards + s, RELEASE);
      const refColludes = isColluder(ref.worker);
      const verdict = env.training.connect(env.signer(ref.worker)).submitUpdate(jobId, 0, refColludes ? JUNK : honestHash(s), "bafyX");
      if (refColludes) {
        bothColluding++;
        await expect(verdict).to.emit(env.training, "DisputeResolved").withArgs(jobId, 0, s, JUNK, primaries[s].address);
      } else {
        // the honest referee agrees with the primary: the colluding replica loses its collateral, to the treasury
        await expect(verdict).to.emit(env.training, "DisputeResolved").withArgs(jobId, 0, s, honestHash(s), rep.worker);
        expect(await env.core.lockedByManager(rep.worker)).to.equal(0n);
        expect((await env.core.getWorker(rep.worker)).stake).to.be.lessThan(ethers.parseEther("2"));
      }
    }
    await env.training.connect(env.aggregator).closeRound(jobId, 0, await env.training.paidMask(jobId, 0), "bafyN", ethers.id("agg"));
    for (const w of [...honestPool, ...colluders]) {
      const i = await indexOf(w.address);
      if (Number((await env.training.getStandby(jobId, 0, i)).status) === 0) await env.training.releaseStandby(jobId, 0, w.address);
    }
    // every honest primary outside the both-colluding case is paid and keeps its stake; honest pool members lose nothing
    let primaryLosses = 0;
    for (const [s, p] of primaries.entries()) {
      const delta = (await worth(env, p.address)) - before.get(p.address)!;
      const lost = (await env.training.getSlot(jobId, 0, 2 * s)).state === 6n; // Slashed
      if (lost) {
        primaryLosses++;
        expect(delta).to.equal(-COLLATERAL);
      } else expect(delta).to.equal(REWARD);
    }
    expect(primaryLosses).to.equal(bothColluding);
    for (const w of honestPool) expect(await worth(env, w.address)).to.be.greaterThanOrEqual(before.get(w.address)!);
    for (const w of env.workers) expect(await env.core.lockedByManager(w.address)).to.equal(0n);
  });

  it("F-04 honest path: an honest pool verifies the primary, both are paid at the match", async function () {
    const env = await loadFixture(deployTraining);
    const jobId = await postOutsourced(env, 1);
    const [primary, ...pool] = env.workers.slice(0, 6);
    await env.training.connect(primary).join(jobId, 0);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 0, RELEASE);
    for (const w of pool) await env.training.connect(w).enlist(jobId, 0);
    await env.training.connect(primary).submitUpdate(jobId, 0, honestHash(0), "bafyP");
    const [rep] = assigned(env.training, (await runDraw(env.training, jobId, 0, 0)).rc);
    await env.training.connect(env.requester).releaseDataKey(jobId, 0, 1, RELEASE);
    await expect(env.training.connect(env.signer(rep.worker)).submitUpdate(jobId, 0, honestHash(0), "bafyR")).to.emit(env.training, "ReplicasMatched");
    for (const w of [primary.address, rep.worker]) expect(await env.training.balanceOf(w)).to.equal(REWARD);
  });
});
