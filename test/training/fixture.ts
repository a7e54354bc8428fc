import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers } from "hardhat";
import { AbiCoder, keccak256, parseEther } from "ethers";
import { setPrevRandao } from "@nomicfoundation/hardhat-network-helpers";
import { TrainingJobs__factory, type ITrainingJobs } from "../../typechain-types";
import { deployProtocol } from "../../lib/chain/deployments";
import { EmbeddedContentStore } from "../../lib/storage";

export const COLLATERAL = parseEther("1");
export const REWARD = parseEther("0.1");
export const AGG_FEE = parseEther("0.05");
export const ROUND_WINDOW = 600;
export const CLOSE_WINDOW = 600;

const ENC_KEY = "0x02" + "11".repeat(32);

/** The real protocol (OblivionCore) with TrainingJobs bound as its collateral manager; six registered, staked workers. */
export async function deployTraining() {
  const [deployer, requester, aggregator, treasury, keeper, ...workers] = await ethers.getSigners();
  const { contracts } = await deployProtocol(deployer, { treasury: treasury.address });
  const core = contracts.core;
  await core.deployCollateralManager(TrainingJobs__factory.bytecode);
  const training = TrainingJobs__factory.connect(await core.collateralManager(), deployer);
  for (const w of workers.slice(0, 6)) {
    await core.connect(w).registerWorker("bafyworker", ENC_KEY);
    await core.connect(w).stake({ value: parseEther("2") });
  }
  /** A worker's total stake in the core. */
  const stakeOf = async (worker: string) => (await core.getWorker(worker)).stake;
  return { core, training, stakeOf, deployer, requester, aggregator, treasury, keeper, workers: workers.slice(0, 6) };
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

/** Whether TrainingJobs' draw replicates `shard` under `prevrandao` (the contract's _drawReplication formula). */
export function replicationDrawn(training: string, prevrandao: bigint, jobId: bigint, round: number, shard: number, bps: number): boolean {
  const enc = AbiCoder.defaultAbiCoder().encode(["uint256", "address", "uint256", "uint16", "uint16"], [prevrandao, training, jobId, round, shard]);
  return BigInt(keccak256(enc)) % 10_000n < BigInt(bps);
}

/** Sets the next block's prevrandao so that the draw for `shard` of round `round` comes out `want`. */
export async function steerReplicationDraw(training: string, jobId: bigint, round: number, shard: number, bps: number, want: boolean) {
  for (let p = 1n; ; p++) if (replicationDrawn(training, p, jobId, round, shard, bps) === want) return setPrevRandao(p);
}
