/**
 * Property test, training side: colluding joiners (one operator with five addresses) against honest workers on
 * outsourced jobs, against the real OblivionCore. Seeded random schedules: who joins as primary or enlists, when
 * colluders submit junk (all the same, so that they agree with each other), stay silent or behave, try actions they
 * may not take (early settle, foreign close, early draws, submissions without a slot), when time moves, who runs the
 * draws, and whether the aggregator closes, someone settles, or the round expires. Honest workers and the honest
 * requester act promptly (keys released, updates submitted as soon as they can).
 *
 * After every step: no honest worker's stake + pull balances (core and training) went down, except in the one case
 * docs/training.md prices: an honest slot outvoted in a dispute whose two other parties (replica or primary, and the
 * referee) are both colluders, i.e. the draw gave the operator both verifier seats; and TrainingJobs holds exactly its
 * liabilities. The draws' randomness comes from block hashes, so the seed fixes the actors' choices, not the draws.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time, mine } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, COLLATERAL } from "../training/fixture";
import { resolveReadyDraws } from "../../lib/training/draws";
import { revertName } from "../../lib/chain/errors";
import { rng } from "../helpers/rng";

type Env = Awaited<ReturnType<typeof deployTraining>>;
type Signer = Env["workers"][number];
const SEEDS = Number(process.env.TRAINING_PROPERTY_SEEDS ?? 3);
const JOBS_PER_SEED = 2;
const SHARDS = 3;
const RELEASE = "0x1234";
const honestHash = (job: bigint, s: number) => ethers.id(`honest ${job} ${s}`);
const junkHash = (job: bigint, s: number) => ethers.id(`junk ${job} ${s}`);


/** Reverts a step may legitimately hit (the action was not open at that moment). */
const EXPECTED = new Set([
  "RoundFull", "AlreadyJoined", "JoinWindowClosed", "SubmitWindowClosed", "AuditWindowClosed", "NotParticipant", "AlreadySubmitted",
  "KeyNotReleased", "NothingToDraw", "DrawNotReady", "StandbyOpen", "SettleTooEarly", "CloseWindowPassed", "NotAggregator",
  "StandbyNotReleasable", "RoundNotClosable", "RoundNotExpired", "RoundNotCurrent", "JobNotActive", "BudgetExhausted", "InsufficientFreeStake",
]);

async function attempt(p: Promise<unknown>) {
  try {
    await ((await p) as { wait(): Promise<unknown> }).wait();
    return true;
  } catch (err) {
    const name = revertName(err);
    if (!name || !EXPECTED.has(name)) throw err;
    return false;
  }
}

describe("property: colluding training joiners never take value from honest workers", function () {
  this.timeout(600_000);

  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}: ${JOBS_PER_SEED} outsourced jobs, five colluding addresses, honest balance + stake never drops`, async function () {
      const env = await loadFixture(deployTraining);
      const r = rng(seed);
      const honest = env.workers.slice(0, 9);
      const colluders = env.workers.slice(9, 14);
      const isColluder = (a: string) => colluders.some((c) => c.address === a);
      const everyone = [...honest, ...colluders];
      const t = (s: Signer | typeof env.requester) => env.training.connect(s);
      const worth = async (w: string) => {
        const [worker, core, training] = await Promise.all([env.core.getWorker(w), env.core.balanceOf(w), env.training.balanceOf(w)]);
        return worker.stake + core + training;
      };
      let outvoted = 0;
      let steps = 0;

      for (let k = 0; k < JOBS_PER_SEED; k++) {
        const bps = r.pick([5_000, 10_000]);
        const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: SHARDS, replicationBps: bps, dataRoot: ethers.id("root") });
        await t(env.requester).postJob(p, { value: await env.training.escrowFor(p) });
        const jobId = await env.training.jobCount();
        const slotsOf = async () => Promise.all(Array.from({ length: 3 * SHARDS }, (_, i) => env.training.getSlot(jobId, 0, i)));
        /** Colluders' plan per slot: junk, silent or honest (decided once, when they first can act). */
        const plan = new Map<number, "junk" | "silent" | "honest">();

        /** What honest parties do without being asked: release keys, submit as soon as they hold a released key. */
        const duties = async () => {
          const slots = await slotsOf();
          for (const [i, s] of slots.entries()) {
            if (s.state !== 1n) continue; // Joined
            if (s.keyReleasedAt === 0n) {
              await attempt(t(env.requester).releaseDataKey(jobId, 0, i, RELEASE));
            } else if (!isColluder(s.worker)) {
              await attempt(t(env.signer(s.worker)).submitUpdate(jobId, 0, honestHash(jobId, i >= 2 * SHARDS ? i - 2 * SHARDS : i >> 1), "bafyH"));
            }
          }
        };

        const actions: (() => Promise<unknown>)[] = [
          () => attempt(t(r.pick(everyone)).join(jobId, 0)),
          () => attempt(t(r.pick(everyone)).enlist(jobId, 0)),
          () => resolveReadyDraws(env.training.connect(r.pick(everyone)), jobId),
          async () => {
            // a colluder holding a released slot acts on its plan
            const slots = await slotsOf();
            const mine = slots.map((s, i) => ({ s, i })).filter(({ s }) => s.state === 1n && s.keyReleasedAt !== 0n && isColluder(s.worker));
            if (mine.length === 0) return;
            const { s, i } = r.pick(mine);
            if (!plan.has(i)) plan.set(i, r.pick(["junk", "junk", "silent", "honest"] as const));
            const shard = i >= 2 * SHARDS ? i - 2 * SHARDS : i >> 1;
            const what = plan.get(i)!;
            if (what !== "silent") await attempt(t(env.signer(s.worker)).submitUpdate(jobId, 0, what === "junk" ? junkHash(jobId, shard) : honestHash(jobId, shard), "bafyC"));
          },
          async () => {
            // a colluder tries what it may not: settle early, close, submit without a slot, free a standby entry early
            const c = r.pick(colluders);
            await attempt(t(c).settleRound(jobId, 0));
            await attempt(t(c).closeRound(jobId, 0, 0, "bafyX", ethers.ZeroHash));
            if ((await env.training.slotOf(jobId, 0, c.address)) === 0n) await attempt(t(c).submitUpdate(jobId, 0, junkHash(jobId, 0), "bafyC"));
            await attempt(t(c).releaseStandby(jobId, 0, r.pick(everyone).address));
          },
          () => time.increase(1 + r.int(70)),
          () => mine(1 + r.int(3)),
        ];

        const check = async (before: Map<string, bigint>) => {
          steps++;
          const [slots, worths] = await Promise.all([slotsOf(), Promise.all(honest.map((w) => worth(w.address)))]);
          for (const [k, w] of honest.entries()) {
            const now = worths[k];
            const was = before.get(w.address)!;
            if (now >= was) continue;
            // the only loss allowed: outvoted in a dispute whose two other parties are both colluders
            const i = slots.findIndex((s) => s.worker === w.address && s.state === 6n);
            expect(i, `honest ${w.address} lost ${was - now} wei at step ${steps} (seed ${seed})`).to.be.greaterThanOrEqual(0);
            const shard = i >= 2 * SHARDS ? i - 2 * SHARDS : i >> 1;
            const parties = [slots[2 * shard], slots[2 * shard + 1], slots[2 * SHARDS + shard]].map((s) => s.worker).filter((a) => a !== w.address);
            expect(parties.every(isColluder), `honest ${w.address} slashed without a colluding majority`).to.equal(true);
            expect(was - now).to.equal(COLLATERAL);
            outvoted++;
          }
          const held = await ethers.provider.getBalance(await env.training.getAddress());
          expect(held).to.equal(await env.training.totalLiabilities());
        };
        const snapshot = async () => new Map(await Promise.all(honest.map(async (w) => [w.address, await worth(w.address)] as const)));

        // the round: random steps until the close deadline is near
        const rd = await env.training.getRound(jobId, 0);
        while (BigInt(await time.latest()) < rd.closeDeadline - 120n) {
          const before = await snapshot();
          await r.pick(actions)();
          await duties();
          await check(before);
        }
        // the end: the aggregator closes if it can, or someone settles, or the round expires
        const before = await snapshot();
        const ending = r.int(3);
        const mask = await env.training.paidMask(jobId, 0);
        const closed = ending === 0 && (await attempt(t(env.aggregator).closeRound(jobId, 0, mask, "bafyN", mask === 0n ? ethers.ZeroHash : ethers.id("agg"))));
        if (!closed && ending <= 1) {
          const [, from] = await env.training.auditTimes(jobId, 0);
          if (BigInt(await time.latest()) < from) await time.increaseTo(from);
          await attempt(t(r.pick(everyone)).settleRound(jobId, 0));
        }
        if ((await env.training.getJob(jobId)).status === 0n) {
          await time.increaseTo(rd.closeDeadline + 1n);
          await t(r.pick(everyone)).expireRound(jobId);
        }
        for (const w of everyone) await attempt(t(r.pick(everyone)).releaseStandby(jobId, 0, w.address));
        await check(before);
        for (const w of everyone) expect(await env.core.lockedByManager(w.address)).to.equal(0n);
      }
      const count = async (f: Parameters<typeof env.training.queryFilter>[0]) => (await env.training.queryFilter(f)).length;
      const seen = {
        submitted: await count(env.training.filters.UpdateSubmitted()),
        matched: await count(env.training.filters.ReplicasMatched()),
        disputes: await count(env.training.filters.DisputeResolved()),
        slashed: await count(env.training.filters.ParticipantSlashed()),
        voided: await count(env.training.filters.SlotVoided()),
      };
      expect(seen.submitted).to.be.greaterThan(0);
      console.log(`      seed ${seed}: ${steps} steps, ${JSON.stringify(seen)}, ${outvoted} honest slot(s) outvoted by a drawn colluding majority`);
    });
  }
});
