/**
 * Property test: random action sequences over several seeds (PROPERTY_SEEDS x PROPERTY_STEPS >= 2,000 steps), checking
 * after every step that the core's balance equals escrow + stakes + pull balances (treasury included), that no
 * worker's locked collateral exceeds its stake, and that every settled shard has exactly one audit record (checked in
 * depth for the job the step touched after every step, and for every job at the end of each sequence; records are
 * append-only and only a settlement of that job adds one). Actions include the requester's key release (an expired
 * claim is slashed only after one, voided otherwise) and a collateral manager's lock / release / slash of stake
 * (TestCollateralManager); the invariant also checks manager locks never exceed `locked`.
 *
 * Speed: settlements here use BookkeepingVerifier (contracts/test/TestMocks.sol), which accepts only the exact
 * layout-v1 signals for the (chain, core, job, shard, worker) encoded in its "proof" — binding recomputed on-chain.
 * Real-proof settlement is covered by the unit and attack tests.
 */
import { expect } from "chai";
import { recordStruct } from "../lib/chain/protocol";
import { ethers, network } from "hardhat";
import { AbiCoder, parseEther } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deployProtocol, type ProtocolContracts } from "../lib/chain/deployments";
import { ShardTree } from "../lib/chain/merkle";
import { FIELD_ORDER } from "../lib/chain/binding";
import { describeError } from "../lib/chain/errors";
import { versionSpec, ENC_KEY, creationCode, keylessRelease } from "./helpers/protocol";
import type { InvariantLens } from "../typechain-types";

// Defaults give 2,000 steps per `npm test` run; the env variables only make local experiments shorter or longer.
// Under solidity-coverage (instrumented contracts, ~10x slower) one short sequence is enough for line coverage.
const UNDER_COVERAGE = process.env.SOLIDITY_COVERAGE === "true";
const SEEDS = Number(process.env.PROPERTY_SEEDS ?? (UNDER_COVERAGE ? 1 : 4));
const STEPS = Number(process.env.PROPERTY_STEPS ?? (UNDER_COVERAGE ? 250 : 500));

function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)] };
}

interface JobModel {
  id: bigint;
  requester: HardhatEthersSigner;
  tree: ShardTree;
  shards: number;
  cancelled: boolean;
  settled: number;
}

interface ClaimModel {
  job: JobModel;
  shard: number;
  worker: HardhatEthersSigner;
}

describe("property: random action sequences keep the books balanced", function () {
  it(`${SEEDS} seeds x ${STEPS} steps`, async function () {
    const signers = await ethers.getSigners();
    const [owner, treasury, modelOwner, keeper] = signers;
    const requesters = signers.slice(4, 7);
    const workers = signers.slice(7, 11);
    const accounts = [owner, treasury, modelOwner, keeper, ...requesters, ...workers].map((s) => s.address);
    const chainId = (await ethers.provider.getNetwork()).chainId;
    const coder = AbiCoder.defaultAbiCoder();
    const counts: Record<string, number> = {};
    const actionNames: Record<string, true> = {};
    let steps = 0;

    for (let seed = 1; seed <= SEEDS; seed++) {
      const snapshot = await network.provider.send("evm_snapshot");
      const r = rng(seed * 7919);
      const { contracts } = await deployProtocol(owner, { treasury: treasury.address, unbondingPeriod: 120 }, await creationCode());
      const { core, audit, registry }: ProtocolContracts = contracts;
      const coreAddr = await core.getAddress();
      const auditAddr = await audit.getAddress();
      const verifier = await (await ethers.getContractFactory("BookkeepingVerifier")).deploy();
      await registry
        .connect(modelOwner)
        .registerModel("bookkeeping", parseEther("0.001"), versionSpec(await verifier.getAddress(), ethers.ZeroHash, { batchSize: 2 }));
      const lens = (await (await ethers.getContractFactory("InvariantLens")).deploy()) as unknown as InvariantLens;
      const manager = await (await ethers.getContractFactory("TestCollateralManager")).deploy(coreAddr);
      await core.connect(owner).bindCollateralManager(await manager.getAddress());
      // Up to the whole free stake (or the whole manager lock), sometimes 1 wei more to hit the named errors.
      const upTo = (max: bigint) => (max === 0n || r.next() < 0.1 ? max + 1n : 1n + (max * BigInt(r.int(1000))) / 1000n);
      for (const w of workers) {
        await core.connect(w).registerWorker("bafyw", ENC_KEY);
        await core.connect(w).stake({ value: parseEther("0.3") });
      }
      const jobs: JobModel[] = [];
      let claims: ClaimModel[] = [];
      const dropClaim = (job: JobModel, shard: number) => (claims = claims.filter((c) => c.job !== job || c.shard !== shard));
      let touched: JobModel | undefined; // the job the step acted on, audited in depth after the step
      const liveJobs = () => jobs.filter((j) => !j.cancelled && j.settled < j.shards);

      const actions: Record<string, () => Promise<unknown>> = {
        post: async () => {
          // Keep a handful of live jobs, so that claims meet open shards.
          if (liveJobs().length >= 6) return actions.claim();
          const shards = 1 + r.int(4);
          const tree = new ShardTree(Array.from({ length: shards }, () => BigInt(Math.floor(r.next() * 2 ** 48)) % FIELD_ORDER));
          const params = {
            modelId: 1,
            modelVersion: 1,
            shardCount: shards,
            inputRoot: tree.root,
            pricePerShard: parseEther("0.01") + BigInt(r.int(1000)),
            collateral: parseEther("0.05") + BigInt(r.int(1000)),
            claimWindow: 60 + r.int(120),
            minStake: 0n,
            gated: false,
          };
          const req = r.pick(requesters);
          await core.connect(req).postJob(params, { value: await core.jobEscrowFor(params) });
          jobs.push({ id: await core.jobCount(), requester: req, tree, shards, cancelled: false, settled: 0 });
        },
        claim: async () => {
          const live = liveJobs();
          const j = live.length && r.next() < 0.9 ? r.pick(live) : r.pick(jobs);
          const shard = r.int(j.shards);
          const w = r.pick(workers);
          await core.connect(w).claim(j.id, shard);
          claims.push({ job: j, shard, worker: w });
        },
        submit: async () => {
          const c: ClaimModel =
            claims.length && r.next() < 0.9
              ? r.pick(claims)
              : { job: r.pick(jobs), shard: 0, worker: r.pick(workers) };
          const { job: j, shard, worker: w } = c;
          touched = j;
          const input = j.tree.commitments[shard];
          const output = BigInt(r.int(1_000_000));
          const bad = r.next() < 0.1;
          const proof = coder.encode(
            ["uint256", "address", "uint256", "uint256", "address", "uint256", "uint256"],
            [chainId, coreAddr, j.id, shard, bad ? keeper.address : w.address, output, input],
          );
          await core.connect(w).submitResult(j.id, shard, input, j.tree.proof(shard), output, "bafyout", proof);
          dropClaim(j, shard);
          j.settled++;
        },
        release: async () => {
          // The requester releases the key of a claim (a second release, or a stale claim, gets a named error).
          const c = claims.length ? r.pick(claims) : { job: r.pick(jobs), shard: 0 };
          await core.connect(r.next() < 0.95 ? c.job.requester : r.pick(requesters)).releaseShardKey(c.job.id, c.shard, await keylessRelease(core, c.job.id, c.shard, "0xaa"));
        },
        expire: async () => {
          await network.provider.send("evm_increaseTime", [30 + r.int(150)]);
          await network.provider.send("evm_mine");
        },
        reclaim: async () => {
          const [can, payload] = await core.checker();
          if (can) {
            await keeper.sendTransaction({ to: coreAddr, data: payload });
            const [jobId, shard] = core.interface.decodeFunctionData("reclaimExpired", payload);
            touched = jobs.find((j) => j.id === jobId)!;
            dropClaim(touched, Number(shard));
          } else {
            const c = claims.length ? r.pick(claims) : { job: r.pick(jobs), shard: 0 };
            touched = c.job;
            await core.connect(r.pick([keeper, ...workers])).reclaimExpired(c.job.id, c.shard);
            dropClaim(c.job, c.shard);
          }
        },
        cancel: async () => {
          const j = r.pick(jobs);
          touched = j;
          await core.connect(r.next() < 0.9 ? j.requester : r.pick(requesters)).cancelJob(j.id);
          j.cancelled = true;
        },
        stake: async () => core.connect(r.pick(workers)).stake({ value: parseEther("0.05") * BigInt(1 + r.int(4)) }),
        unstake: async () => {
          const w = r.pick(workers);
          const info = await core.getWorker(w.address);
          const free = info.stake - info.locked;
          await core.connect(w).requestUnstake(free === 0n ? 1n : 1n + BigInt(r.int(Number(free / 10n ** 12n))) * 10n ** 12n);
        },
        managerLock: async () => {
          const w = r.pick(workers);
          const info = await core.getWorker(w.address);
          await manager.lock(w.address, upTo(info.stake - info.locked));
        },
        managerRelease: async () => {
          const w = r.pick(workers);
          await manager.release(w.address, upTo(await core.lockedByManager(w.address)));
        },
        managerSlash: async () => {
          const w = r.pick(workers);
          await manager.slash(w.address, upTo(await core.lockedByManager(w.address)), r.pick(requesters).address, keeper.address);
        },
        withdrawStake: async () => core.connect(r.pick(workers)).withdrawStake(),
        withdraw: async () => core.connect(r.pick([treasury, modelOwner, keeper, ...requesters, ...workers])).withdraw(),
      };
      const weights: [string, number][] = [
        ["post", 3], ["claim", 5], ["release", 3], ["submit", 5], ["expire", 2], ["reclaim", 2], ["cancel", 1],
        ["stake", 1], ["unstake", 1], ["managerLock", 1], ["managerRelease", 1], ["managerSlash", 1], ["withdrawStake", 1], ["withdraw", 2],
      ];
      for (const [n] of weights) actionNames[n] = true;
      const total = weights.reduce((a, [, w]) => a + w, 0);
      await actions.post();

      for (let i = 0; i < STEPS; i++) {
        let x = r.next() * total;
        const name = weights.find(([, w]) => (x -= w) < 0)![0];
        let outcome = "ok";
        try {
          await actions[name]();
        } catch (err) {
          // Only the core's named errors are acceptable outcomes of a random action.
          const named = describeError(err).match(/^OblivionCore\.(\w+)\(/);
          if (!named) throw err;
          outcome = named[1];
        }
        counts[`${name}:${outcome}`] = (counts[`${name}:${outcome}`] ?? 0) + 1;
        const ctx = `seed ${seed} step ${i} (${name}: ${outcome})`;
        const rep = await lens.check(coreAddr, auditAddr, accounts, touched ? [touched.id] : []);
        touched = undefined;
        expect(rep.balance, ctx).to.equal(rep.escrow + rep.stakes + rep.pull);
        expect(rep.lockedWithinStake, ctx).to.equal(true);
        expect(rep.auditOk, ctx).to.equal(true);
        steps++;
      }
      const all = await lens.check(coreAddr, auditAddr, accounts, jobs.map((j) => j.id));
      expect(all.auditOk, `seed ${seed}: full audit check`).to.equal(true);
      // Each job's records (from their logs, checked against the stored digests) name its settled shards, once each.
      for (const j of jobs) {
        const logs = await audit.queryFilter(audit.filters.Recorded(undefined, j.id));
        const ids = await audit.recordIdsOfJob(j.id);
        expect(logs.map((l) => l.args.recordId), `seed ${seed} job ${j.id}: record ids`).to.deep.equal(ids);
        const shards = new Set<number>();
        for (const l of logs) {
          expect(await audit.isRecord(l.args.recordId, recordStruct(l.args.record)), `seed ${seed}: record ${l.args.recordId}`).to.equal(true);
          const shard = Number(l.args.record.shardIndex);
          expect((await core.getShard(j.id, shard)).status, `seed ${seed} job ${j.id} shard ${shard}`).to.equal(2n);
          shards.add(shard);
        }
        expect(shards.size, `seed ${seed} job ${j.id}: one record per settled shard`).to.equal(logs.length);
      }
      await network.provider.send("evm_revert", [snapshot]);
    }
    console.log(`      ${steps} steps; outcomes: ${JSON.stringify(counts)}`);
    expect(steps).to.equal(SEEDS * STEPS);
    // Every action kind must have succeeded at least once, so the sequences exercised real transitions.
    for (const name of Object.keys(actionNames)) expect(counts[`${name}:ok`] ?? 0, `${name} never succeeded`).to.be.greaterThan(0);
  });
});
