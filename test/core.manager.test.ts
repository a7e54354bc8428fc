import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { keccak256, parseEther } from "ethers";
import { artifactBytecode, deployEnv, registerAndStake, postJob, COLLATERAL, WINDOW, type Env, keylessRelease } from "./helpers/protocol";
import type { TestCollateralManager } from "../typechain-types";

const STAKE = parseEther("1");

async function withManager(): Promise<Env & { manager: TestCollateralManager }> {
  const env = await deployEnv(keccak256(await artifactBytecode("TestCollateralManager")));
  await registerAndStake(env, env.worker, STAKE);
  await env.core.deployCollateralManager(await artifactBytecode("TestCollateralManager"));
  const manager = (await ethers.getContractAt("TestCollateralManager", await env.core.collateralManager())) as unknown as TestCollateralManager;
  return { ...env, manager };
}

describe("OblivionCore: collateral manager", function () {
  it("deploys the pinned manager once, for anyone, with the core as its constructor argument", async function () {
    const code = await artifactBytecode("TestCollateralManager");
    const env = await deployEnv(keccak256(code));
    const c = env.core;
    expect(await c.collateralManager()).to.equal(ethers.ZeroAddress);
    expect(await c.managerCodeHash()).to.equal(keccak256(code));
    const other = await artifactBytecode("TestJobDirectory");
    await expect(c.connect(env.keeper).deployCollateralManager(other))
      .to.be.revertedWithCustomError(c, "ManagerCodeMismatch")
      .withArgs(keccak256(other), keccak256(code));
    await expect(c.connect(env.keeper).deployCollateralManager(code)).to.emit(c, "CollateralManagerBound");
    const manager = await ethers.getContractAt("TestCollateralManager", await c.collateralManager());
    expect(await manager.core()).to.equal(await c.getAddress());
    await expect(c.connect(env.owner).deployCollateralManager(code))
      .to.be.revertedWithCustomError(c, "CollateralManagerAlreadyBound")
      .withArgs(await manager.getAddress());
    const none = await deployEnv(ethers.ZeroHash);
    await expect(none.core.deployCollateralManager(code)).to.be.revertedWithCustomError(none.core, "NoManagerPinned");
  });

  it("a pinned manager whose creation fails binds nothing: ManagerDeployFailed (out of gas, or a reverting constructor)", async function () {
    const env = await loadFixture(withManager);
    const deployCore = async (pin: string) =>
      (await ethers.getContractFactory("OblivionCore")).deploy(env.owner, env.registry, env.audit, env.treasury, 3600, pin);
    // The real pin: a caller giving the creation too little gas (EIP-150 leaves the core 1/64 to refuse with).
    const code = await artifactBytecode("TrainingJobs");
    const core = await deployCore(keccak256(code));
    const needed = await core.deployCollateralManager.estimateGas(code);
    await expect(core.connect(env.keeper).deployCollateralManager(code, { gasLimit: needed / 2n })).to.be.revertedWithCustomError(
      core,
      "ManagerDeployFailed",
    );
    expect(await core.collateralManager()).to.equal(ethers.ZeroAddress);
    await expect(core.connect(env.keeper).deployCollateralManager(code)).to.emit(core, "CollateralManagerBound");
    // A pinned creation code whose constructor reverts (PUSH1 0 PUSH1 0 REVERT) can never be bound.
    const reverting = "0x60006000fd";
    const stuck = await deployCore(keccak256(reverting));
    await expect(stuck.deployCollateralManager(reverting)).to.be.revertedWithCustomError(stuck, "ManagerDeployFailed");
    expect(await stuck.collateralManager()).to.equal(ethers.ZeroAddress);
  });

  it("locks free stake into Worker.locked; unstaking and claims cannot take it; release frees it", async function () {
    const env = await loadFixture(withManager);
    const { core: c, manager: m, worker } = env;
    await expect(c.connect(worker).managerLock(worker.address, 1n))
      .to.be.revertedWithCustomError(c, "NotCollateralManager")
      .withArgs(worker.address);
    await expect(m.lock(env.keeper.address, 1n)).to.be.revertedWithCustomError(c, "NotRegistered");
    await expect(m.lock(worker.address, 0n)).to.be.revertedWithCustomError(c, "ZeroAmount");
    await expect(m.lock(worker.address, STAKE + 1n))
      .to.be.revertedWithCustomError(c, "InsufficientFreeStake")
      .withArgs(STAKE, STAKE + 1n);
    const locked = STAKE - COLLATERAL / 2n;
    await expect(m.lock(worker.address, locked)).to.emit(c, "ManagerLocked").withArgs(worker.address, locked);
    expect(await c.lockedByManager(worker.address)).to.equal(locked);
    expect((await c.getWorker(worker.address)).locked).to.equal(locked);
    await expect(c.connect(worker).requestUnstake(COLLATERAL))
      .to.be.revertedWithCustomError(c, "InsufficientFreeStake")
      .withArgs(COLLATERAL / 2n, COLLATERAL);
    const job = await postJob(env);
    await expect(c.connect(worker).claim(job.jobId, 0)).to.be.revertedWithCustomError(c, "InsufficientFreeStake");

    await expect(c.connect(worker).managerRelease(worker.address, 1n)).to.be.revertedWithCustomError(c, "NotCollateralManager");
    await expect(m.release(worker.address, 0n)).to.be.revertedWithCustomError(c, "ZeroAmount");
    await expect(m.release(worker.address, locked + 1n))
      .to.be.revertedWithCustomError(c, "ManagerLockExceeded")
      .withArgs(locked, locked + 1n);
    await expect(m.release(worker.address, COLLATERAL)).to.emit(c, "ManagerReleased").withArgs(worker.address, COLLATERAL);
    await c.connect(worker).claim(job.jobId, 0);
    const w = await c.getWorker(worker.address);
    expect(w.locked).to.equal(locked - COLLATERAL + COLLATERAL);
    expect(await c.lockedByManager(worker.address)).to.equal(locked - COLLATERAL);
    // A claim's reclaim only ever takes the claim's collateral, never the manager's lock.
    await c.connect(env.requester).releaseShardKey(job.jobId, 0, await keylessRelease(env.core, job.jobId, 0, "0xaa"));
    await time.increase(WINDOW + 1);
    await c.connect(env.keeper).reclaimExpired(job.jobId, 0);
    expect((await c.getWorker(worker.address)).locked).to.equal(locked - COLLATERAL);
    expect(await c.lockedByManager(worker.address)).to.equal(locked - COLLATERAL);
  });

  it("slashes only what it locked, with the core's slash split, into pull balances", async function () {
    const env = await loadFixture(withManager);
    const { core: c, manager: m, worker } = env;
    const amount = parseEther("0.2");
    await m.lock(worker.address, amount);
    const [ben, keeper] = [env.requester.address, env.keeper.address];
    await expect(c.connect(worker).managerSlash(worker.address, 1n, ben, keeper)).to.be.revertedWithCustomError(
      c,
      "NotCollateralManager",
    );
    await expect(m.slash(worker.address, 1n, ethers.ZeroAddress, keeper)).to.be.revertedWithCustomError(c, "ZeroAddress");
    await expect(m.slash(worker.address, 1n, ben, ethers.ZeroAddress)).to.be.revertedWithCustomError(c, "ZeroAddress");
    await expect(m.slash(worker.address, 0n, ben, keeper)).to.be.revertedWithCustomError(c, "ZeroAmount");
    await expect(m.slash(worker.address, amount + 1n, ben, keeper))
      .to.be.revertedWithCustomError(c, "ManagerLockExceeded")
      .withArgs(amount, amount + 1n);
    const part = parseEther("0.15");
    const toBen = (part * 5_000n) / 10_000n;
    const toKeeper = (part * 1_000n) / 10_000n;
    const before = await ethers.provider.getBalance(await c.getAddress());
    await expect(m.slash(worker.address, part, ben, keeper))
      .to.emit(c, "ManagerSlashed")
      .withArgs(worker.address, part, ben, keeper, toBen, toKeeper, part - toBen - toKeeper);
    expect(await c.balanceOf(ben)).to.equal(toBen);
    expect(await c.balanceOf(keeper)).to.equal(toKeeper);
    expect(await c.balanceOf(env.treasury.address)).to.equal(part - toBen - toKeeper);
    const w = await c.getWorker(worker.address);
    expect([w.stake, w.locked]).to.deep.equal([STAKE - part, amount - part]);
    expect(await c.lockedByManager(worker.address)).to.equal(amount - part);
    // No value left the core: the slash moved stake into pull balances.
    expect(await ethers.provider.getBalance(await c.getAddress())).to.equal(before);
  });
});
