/**
 * Property test, training side, with blind answers: seeded random outsourced rounds against the real OblivionCore, each
 * seat played by an honest worker (trains: the shard's deterministic hash), a lazy one (commits a guess), a copier
 * (commits the only thing it can see, the primary's commitment, and tries to open it) or a colluder (commits the
 * colluders' shared junk hash, as a junk primary or to frame an honest one); any seat may also stay silent or never
 * reveal. After every round:
 * - copying never pays, and laziness never pays: those seats' stake + balances never go up;
 * - an honest seat never loses, except the one case docs/training.md prices: an honest primary whose two drawn
 *   verifiers are both colluders;
 * - a junk primary is paid only when a drawn verifier colludes with it, its shard was not audited, or neither verifier
 *   answered (both then lose their collateral);
 * - TrainingJobs holds exactly its liabilities.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deployTraining, jobParams, runDraw, blind, passJoinCutoff } from "../training/fixture";
import { revertName } from "../../lib/chain/errors";
import { rng } from "../helpers/rng";

type Env = Awaited<ReturnType<typeof deployTraining>>;
type Kind = "honest" | "lazy" | "copier" | "colluder";
const SEEDS = Number(process.env.TRAINING_PROPERTY_SEEDS ?? 4);
const SHARDS = 4;
const POOL = 8;
const honestHash = (job: bigint, s: number) => ethers.id(`honest ${job} ${s}`);
const junkHash = (job: bigint, s: number) => ethers.id(`junk ${job} ${s}`);

describe("property: with blind answers, copying and laziness never pay, and colluders need both verifier seats to hurt an honest worker", function () {
  for (let seed = 1; seed <= SEEDS; seed++) {
    it(`seed ${seed}: ${SHARDS} shards, ${POOL} standby entries, random honest / lazy / copying / colluding seats`, async function () {
      const env: Env = await loadFixture(deployTraining);
      const r = rng(seed);
      const t = env.training;
      const bps = r.pick([5_000, 10_000]);
      const p = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, maxRounds: 1, participantsPerRound: SHARDS, replicationBps: bps, dataRoot: ethers.id("root") });
      await t.connect(env.requester).postJob(p, { value: await t.escrowFor(p) });
      const job = await t.jobCount();
      const workers = env.workers.slice(0, SHARDS + POOL);
      const kind = new Map<string, Kind>(workers.map((w, i) => [w.address, i < SHARDS ? r.pick(["honest", "honest", "colluder", "lazy"] as const) : r.pick(["honest", "lazy", "copier", "colluder"] as const)]));
      const silent = new Set(workers.filter(() => r.int(8) === 0).map((w) => w.address));
      const noReveal = new Set(workers.filter(() => r.int(8) === 0).map((w) => w.address));
      const worth = async (a: string) => (await env.stakeOf(a)) + (await env.core.balanceOf(a)) + (await t.balanceOf(a));
      const before = new Map(await Promise.all(workers.map(async (w) => [w.address, await worth(w.address)] as const)));
      for (const w of workers.slice(0, SHARDS)) await t.connect(w).join(job, 0);
      for (const w of workers.slice(SHARDS)) await t.connect(w).enlist(job, 0);

      const answer = (a: string, shard: number) => {
        const k = kind.get(a)!;
        return k === "honest" ? honestHash(job, shard) : k === "colluder" ? junkHash(job, shard) : ethers.id(`guess ${a}`);
      };
      const commit = async (slot: number, shard: number) => {
        await t.connect(env.requester).releaseDataKey(job, 0, slot, "0x1234");
        const w = env.signer((await t.getSlot(job, 0, slot)).worker);
        if (silent.has(w.address)) return;
        if (kind.get(w.address) === "copier") {
          const primary = await t.getSlot(job, 0, 2 * shard); // all a copier can see of the primary's answer
          await t.connect(w).commitUpdate(job, 0, primary.updateHash);
        } else {
          await t.connect(w).commitUpdate(job, 0, blind(await t.getAddress(), job, 0, w.address, answer(w.address, shard)).commitment);
        }
      };
      await passJoinCutoff(t, job, 0);
      await t.resolveDraw(job, 0, 0); // seal
      for (let s = 0; s < SHARDS; s++) await commit(2 * s, s);
      for (let s = 0; s < SHARDS; s++) {
        if ((await t.getSlot(job, 0, 2 * s)).state !== 2n) continue; // silent primary: nothing to draw
        const { rc } = await runDraw(t, job, 0, s);
        for (const e of rc.logs.map((l) => t.interface.parseLog(l)).filter((e) => e?.name === "VerifierAssigned")) await commit(Number(e!.args.slot), s);
      }
      await time.increaseTo((await t.auditTimes(job, 0)).auditDeadline + 1n);
      for (let slot = 0; slot < 3 * SHARDS; slot++) {
        const s = await t.getSlot(job, 0, slot);
        if (s.state !== 2n || noReveal.has(s.worker)) continue;
        const shard = slot >= 2 * SHARDS ? slot - 2 * SHARDS : slot >> 1;
        const b = blind(await t.getAddress(), job, 0, s.worker, answer(s.worker, shard));
        try {
          await (await t.connect(env.signer(s.worker)).revealUpdate(job, 0, b.hash, b.salt, "bafyU")).wait();
        } catch (err) {
          expect(kind.get(s.worker), `only a copier fails to open its commitment`).to.equal("copier");
          expect(revertName(err)).to.equal("CommitmentMismatch");
        }
      }
      await time.increaseTo((await t.auditTimes(job, 0)).revealDeadline + 1n);
      await t.connect(env.aggregator).closeRound(job, 0, await t.paidMask(job, 0), "bafyN", ethers.id("agg"));

      const seats = await Promise.all(Array.from({ length: 3 * SHARDS }, (_, i) => t.getSlot(job, 0, i)));
      const seen: Record<string, number> = {};
      for (const w of workers) {
        const k = kind.get(w.address)!;
        const d = (await worth(w.address)) - before.get(w.address)!;
        const slot = seats.findIndex((s) => s.worker === w.address);
        const tag = `${k}${slot < 0 ? " undrawn" : slot < 2 * SHARDS && slot % 2 === 0 ? " primary" : " verifier"}: ${d > 0n ? "gained" : d < 0n ? "lost" : "even"}`;
        seen[tag] = (seen[tag] ?? 0) + 1;
        if (k === "copier") expect(d <= 0n, `seed ${seed}: a copier gained ${d}`).to.equal(true);
        if (k === "lazy" && slot !== -1 && !(slot < 2 * SHARDS && slot % 2 === 0)) expect(d <= 0n, `seed ${seed}: a lazy verifier gained ${d}`).to.equal(true);
        if (k === "honest" && d < 0n && !silent.has(w.address) && !noReveal.has(w.address)) {
          // only an honest primary whose two verifiers are both colluders
          expect(slot < 2 * SHARDS && slot % 2 === 0, `seed ${seed}: honest verifier lost ${d}`).to.equal(true);
          const shard = slot >> 1;
          for (const v of [seats[2 * shard + 1], seats[2 * SHARDS + shard]]) expect(kind.get(v.worker)).to.equal("colluder");
        }
        if (k === "honest" && slot >= 0 && !silent.has(w.address) && !noReveal.has(w.address)) {
          // the honest path: an honest seat that another honest seat of its shard agrees with is paid
          const shard = slot >= 2 * SHARDS ? slot - 2 * SHARDS : slot >> 1;
          const others = [seats[2 * shard], seats[2 * shard + 1], seats[2 * SHARDS + shard]].filter((v) => v.worker !== w.address && v.state !== 0n);
          const agreed = others.some((v) => kind.get(v.worker) === "honest" && !silent.has(v.worker) && !noReveal.has(v.worker));
          const primaryInvolved = slot < 2 * SHARDS && slot % 2 === 0 ? true : others.some((v) => v === seats[2 * shard] && kind.get(v.worker) === "honest");
          if (agreed && primaryInvolved) expect(d > 0n, `seed ${seed}: an honest seat with an honest partner went unpaid`).to.equal(true);
        }
        if (k === "colluder" && slot >= 0 && slot < 2 * SHARDS && slot % 2 === 0 && d > 0n) {
          const shard = slot >> 1;
          const verifiers = [seats[2 * shard + 1], seats[2 * SHARDS + shard]].filter((v) => v.state !== 0n);
          // paid junk: unaudited, or a verifier colluded, or neither verifier answered (both slashed for it; keys were all
          // released, so none was voided)
          const ok = verifiers.length === 0 || verifiers.some((v) => kind.get(v.worker) === "colluder") || verifiers.every((v) => v.state === 6n);
          expect(ok, `seed ${seed}: junk paid past honest verifiers`).to.equal(true);
        }
      }
      expect(await ethers.provider.getBalance(await t.getAddress())).to.equal(await t.totalLiabilities());
      console.log(`      seed ${seed} (${bps / 100}% audited): ${JSON.stringify(seen)}`);
    });
  }
});
