import { ethers } from "hardhat";
import { parseEther } from "ethers";
import { CoreCollateralDouble__factory, TrainingJobs__factory, type ITrainingJobs } from "../../typechain-types";

export const COLLATERAL = parseEther("1");
export const REWARD = parseEther("0.1");
export const AGG_FEE = parseEther("0.05");
export const ROUND_WINDOW = 600;
export const CLOSE_WINDOW = 600;

/** TrainingJobs over the collateral double, bound as its manager; six staked workers. */
export async function deployTraining() {
  const [deployer, requester, aggregator, treasury, keeper, ...workers] = await ethers.getSigners();
  const core = await new CoreCollateralDouble__factory(deployer).deploy(treasury.address);
  const training = await new TrainingJobs__factory(deployer).deploy(await core.getAddress());
  await core.bindCollateralManager(await training.getAddress());
  for (const w of workers.slice(0, 6)) await core.connect(w).stake({ value: parseEther("2") });
  /** A worker's total stake in the core. */
  const stakeOf = (worker: string) => core.stakeOf(worker);
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
