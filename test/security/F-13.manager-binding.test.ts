import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { keccak256, parseEther } from "ethers";
import { artifactBytecode, deployEnv, registerAndStake, type Env } from "../helpers/protocol";

const STAKE = parseEther("3");

async function withStake(): Promise<Env> {
  const env = await deployEnv(); // pins TrainingJobs, the default deployment
  await registerAndStake(env, env.worker, STAKE);
  return env;
}

describe("security F-13: the owner cannot bind itself (or anything) as collateral manager", function () {
  it("F-13 the owner has no binding function, cannot deploy other code as manager, and cannot lock or slash stake", async function () {
    const env = await loadFixture(withStake);
    const c = env.core;
    const names = c.interface.fragments.flatMap((f) => (f.type === "function" ? [(f as unknown as { name: string }).name] : []));
    expect(names).not.to.include("bindCollateralManager");
    const old = new ethers.Interface(["function bindCollateralManager(address)"]);
    await expect(env.owner.sendTransaction({ to: c, data: old.encodeFunctionData("bindCollateralManager", [env.owner.address]) })).to.be.reverted;
    // Its own manager (code that forwards lock/slash to it) is refused: the core pins TrainingJobs' code.
    const own = await artifactBytecode("TestCollateralManager");
    await expect(c.connect(env.owner).deployCollateralManager(own))
      .to.be.revertedWithCustomError(c, "ManagerCodeMismatch")
      .withArgs(keccak256(own), keccak256(await artifactBytecode("TrainingJobs")));
    await expect(c.connect(env.owner).managerLock(env.worker.address, STAKE)).to.be.revertedWithCustomError(c, "NotCollateralManager");
    await expect(c.connect(env.owner).managerSlash(env.worker.address, STAKE, env.owner.address, env.owner.address))
      .to.be.revertedWithCustomError(c, "NotCollateralManager");
    expect((await c.getWorker(env.worker.address)).stake).to.equal(STAKE);
    expect(await c.balanceOf(env.owner.address)).to.equal(0n);
  });

  it("F-13 honest path: anyone deploys the pinned TrainingJobs once; it is bound to this core and the worker's stake is untouched", async function () {
    const env = await loadFixture(withStake);
    const c = env.core;
    const code = await artifactBytecode("TrainingJobs");
    await expect(c.connect(env.keeper).deployCollateralManager(code)).to.emit(c, "CollateralManagerBound");
    const training = await ethers.getContractAt("TrainingJobs", await c.collateralManager());
    expect(await training.core()).to.equal(await c.getAddress());
    await expect(c.connect(env.owner).deployCollateralManager(code)).to.be.revertedWithCustomError(c, "CollateralManagerAlreadyBound");
    // A core deployed without a pinned manager never gets one.
    const none = await deployEnv(ethers.ZeroHash);
    await expect(none.core.connect(none.owner).deployCollateralManager(code)).to.be.revertedWithCustomError(none.core, "NoManagerPinned");
    expect((await c.getWorker(env.worker.address)).stake).to.equal(STAKE);
  });
});
