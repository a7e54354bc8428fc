import { ethers } from "hardhat";
import { parseEther } from "ethers";
import { TrainingJobs__factory, type ITrainingJobs } from "../../typechain-types";
import { deployProtocol } from "../../lib/chain/deployments";

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
  const training = await new TrainingJobs__factory(deployer).deploy(await core.getAddress());
  await core.bindCollateralManager(await training.getAddress());
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
