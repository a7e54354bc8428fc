import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { AbiCoder, keccak256, parseEther, type ContractTransactionReceipt } from "ethers";
import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { TrainingJobs__factory, type ITrainingJobs, type TrainingJobs } from "../../typechain-types";
import { deployProtocol } from "../../lib/chain/deployments";
import { EmbeddedContentStore } from "../../lib/storage";
import { artifactBytecode, creationCode, ENC_KEY } from "../helpers/protocol";

export const COLLATERAL = parseEther("1");
export const REWARD = parseEther("0.1");
export const AGG_FEE = parseEther("0.05");
export const ROUND_WINDOW = 600;
export const CLOSE_WINDOW = 600;


/** The real protocol (OblivionCore) with TrainingJobs bound as its collateral manager; fifteen registered workers with 2 ETH staked. */
export async function deployTraining() {
  const [deployer, requester, aggregator, treasury, keeper, ...workers] = await ethers.getSigners();
  // Hardhat's artifacts for the core and for the pinned TrainingJobs: under coverage both are the instrumented build.
  const manager = await artifactBytecode("TrainingJobs");
  const { contracts } = await deployProtocol(deployer, { treasury: treasury.address, managerCodeHash: keccak256(manager) }, await creationCode());
  const core = contracts.core;
  await core.deployCollateralManager(manager);
  const training = TrainingJobs__factory.connect(await core.collateralManager(), deployer);
  for (const w of workers) {
    await core.connect(w).registerWorker("bafyworker", ENC_KEY);
    await core.connect(w).stake({ value: parseEther("2") });
  }
  /** A worker's total stake in the core. */
  const stakeOf = async (worker: string) => (await core.getWorker(worker)).stake;
  /** The fixture signer with this address. */
  const signer = (address: string): HardhatEthersSigner => {
    const s = [deployer, requester, aggregator, treasury, keeper, ...workers].find((x) => x.address === address);
    if (!s) throw new Error(`no fixture signer ${address}`);
    return s;
  };
  return { core, training, stakeOf, signer, deployer, requester, aggregator, treasury, keeper, workers };
}

export function jobParams(aggregator: string, over: Partial<ITrainingJobs.JobParamsStruct> = {}): ITrainingJobs.JobParamsStruct {
  return {
    initialModelCid: "bafyinitial",
    aggregator,
    mode: 0,
    rule: 1,
    trim: 1,
    maxRounds: 2,
    participantsPerRound: 3,
    replicationBps: 0,
    dataRoot: "0x" + "00".repeat(32),
    rewardPerUpdate: REWARD,
    aggregatorFee: AGG_FEE,
    collateral: COLLATERAL,
    roundWindow: ROUND_WINDOW,
    closeWindow: CLOSE_WINDOW,
    dp: {
      epsilonMicro: 8_000_000,
      deltaPico: 10_000_000,
      sigmaMicro: 1_100_000,
      clipMicro: 1_000_000,
      samplingPpm: 10_000,
      updateClipMicro: 2_000_000,
      localEpochs: 1,
      stepsPerRound: 100,
    },
    ...over,
  };
}

/** `n` four-feature examples with a learnable binary label; `seed` varies the features between participants. */
export function toyData(seed: number, n: number): { X: Float64Array[]; Y: number[] } {
  const X = Array.from({ length: n }, (_, i) => Float64Array.from([((i * seed) % 7) / 7, (i % 3) / 3, 0.5, (i % 5) / 5]));
  return { X, Y: X.map((x) => (x[0] > 0.4 ? 1 : 0)) };
}

/** A content store in a fresh temporary directory for one suite (mocha before/after hooks). */
export function suiteStore(prefix: string): { readonly store: EmbeddedContentStore } {
  let dir = "";
  const holder = { store: undefined as unknown as EmbeddedContentStore };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    holder.store = new EmbeddedContentStore({ dir });
  });
  after(async () => {
    await holder.store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return holder;
}

/** The pending draw's random word as TrainingJobs computes it (keccak of the block hash, contract, job, round, shard, stage). */
export function drawWord(training: string, blockHash: string, jobId: bigint, round: number, shard: number, stage: number): bigint {
  const enc = AbiCoder.defaultAbiCoder().encode(["bytes32", "address", "uint256", "uint16", "uint16", "uint8"], [blockHash, training, jobId, round, shard, stage]);
  return BigInt(keccak256(enc));
}

/** The standby index a pick starts its scan at, for verifier `slot` out of `standby` entries. */
export function pickStart(word: bigint, slot: number, standby: number): number {
  return Number(BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint16"], [word, slot]))) % BigInt(standby));
}

/** Moves time past the round's join cutoff (submitDeadline − roundWindow / 4). */
export async function passJoinCutoff(training: TrainingJobs, jobId: bigint, round: number) {
  const job = await training.getJob(jobId);
  const rd = await training.getRound(jobId, round);
  const cutoff = rd.submitDeadline - job.roundWindow / 4n;
  if (BigInt(await time.latest()) <= cutoff) await time.increaseTo(cutoff + 1n);
}

/**
 * Runs the shard's pending draw as anyone would: past the join cutoff, sealing the pool first if needed, one block
 * after the draw block. Returns the receipt of the resolving transaction and the hash of the block it drew from.
 */
export async function runDraw(training: TrainingJobs, jobId: bigint, round: number, shard: number, by?: HardhatEthersSigner) {
  const t = by ? training.connect(by) : training;
  await passJoinCutoff(training, jobId, round);
  if ((await training.getRound(jobId, round)).sealBlock === 0n) await (await t.resolveDraw(jobId, round, shard)).wait();
  const p = await training.getSlot(jobId, round, 2 * shard);
  const rd = await training.getRound(jobId, round);
  const target = p.drawBlock > rd.sealBlock ? p.drawBlock : rd.sealBlock;
  const now = BigInt(await ethers.provider.getBlockNumber());
  if (now <= target) await mine(Number(target - now));
  const blockHash = (await ethers.provider.getBlock(Number(target)))!.hash!;
  const rc = (await (await t.resolveDraw(jobId, round, shard)).wait()) as ContractTransactionReceipt;
  return { rc, blockHash, target };
}

/** A blind answer for `hash` by `worker`: its salt and the commitment TrainingJobs expects. */
export function blind(training: string, jobId: bigint, round: number, worker: string, hash: string, salt = keccak256(AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [worker, hash]))) {
  const commitment = keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint16", "address", "bytes32", "bytes32"], [jobId, round, worker, hash, salt]));
  return { hash, salt, commitment };
}

/** Commits blind to `hash` from `s`'s slot; returns what the reveal needs. */
export async function commitAs(training: TrainingJobs, s: HardhatEthersSigner, jobId: bigint, round: number, hash: string) {
  const b = blind(await training.getAddress(), jobId, round, s.address, hash);
  await (await training.connect(s).commitUpdate(jobId, round, b.commitment)).wait();
  return b;
}

/** Reveals a blind answer made with commitAs. */
export async function revealAs(training: TrainingJobs, s: HardhatEthersSigner, jobId: bigint, round: number, hash: string, cid = "bafkreiupdate") {
  const b = blind(await training.getAddress(), jobId, round, s.address, hash);
  return (await (await training.connect(s).revealUpdate(jobId, round, b.hash, b.salt, cid)).wait()) as ContractTransactionReceipt;
}

/** The VerifierAssigned events of a receipt: slot and worker. */
export function assigned(training: TrainingJobs, rc: ContractTransactionReceipt): { slot: number; worker: string }[] {
  return rc.logs
    .map((l) => training.interface.parseLog(l))
    .filter((e) => e?.name === "VerifierAssigned")
    .map((e) => ({ slot: Number(e!.args.slot), worker: e!.args.worker as string }));
}
