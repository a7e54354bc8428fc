import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther } from "ethers";
import { deployEnv, registerAndStake, postJob, ENC_KEY, COLLATERAL } from "./helpers/protocol";
import { releaseCurve } from "./helpers/snarkjs";

describe("OblivionCore: workers and stake", function () {
  after(releaseCurve);

  it("constructor rejects zero addresses and unbonding periods out of bounds", async function () {
    const env = await loadFixture(deployEnv);
    const f = await ethers.getContractFactory("OblivionCore", env.owner);
    const reg = await env.registry.getAddress();
    const aud = await env.audit.getAddress();
    const z = ethers.ZeroAddress;
    await expect(f.deploy(env.owner, z, aud, env.treasury, 3600, ethers.ZeroHash)).to.be.revertedWithCustomError(f, "ZeroAddress");
    await expect(f.deploy(env.owner, reg, z, env.treasury, 3600, ethers.ZeroHash)).to.be.revertedWithCustomError(f, "ZeroAddress");
    await expect(f.deploy(env.owner, reg, aud, z, 3600, ethers.ZeroHash)).to.be.revertedWithCustomError(f, "ZeroAddress");
    await expect(f.deploy(env.owner, reg, aud, env.treasury, 59, ethers.ZeroHash)).to.be.revertedWithCustomError(f, "InvalidUnbondingPeriod");
    await expect(f.deploy(env.owner, reg, aud, env.treasury, 30 * 86400 + 1, ethers.ZeroHash)).to.be.revertedWithCustomError(
      f,
      "InvalidUnbondingPeriod",
    );
  });

  it("registers a worker, updates its profile, validates CID and key", async function () {
    const { core, worker } = await loadFixture(deployEnv);
    await expect(core.connect(worker).registerWorker("bafyw", ENC_KEY))
      .to.emit(core, "WorkerRegistered")
      .withArgs(worker.address, "bafyw", ENC_KEY);
    const key65 = "0x0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8";
    await core.connect(worker).registerWorker("bafyw2", key65);
    const [cid, key] = await core.workerProfile(worker.address);
    expect(cid).to.equal("bafyw2");
    expect(key).to.equal(key65);
    expect((await core.getWorker(worker.address)).registered).to.equal(true);
    await expect(core.connect(worker).registerWorker("", ENC_KEY)).to.be.revertedWithCustomError(core, "EmptyMetadataCid");
    await expect(core.connect(worker).registerWorker("bafy", "0x1234"))
      .to.be.revertedWithCustomError(core, "InvalidEncryptionKey")
      .withArgs(2);
  });

  it("stakes only for registered workers and positive amounts", async function () {
    const { core, worker, worker2 } = await loadFixture(deployEnv);
    await expect(core.connect(worker).stake({ value: 1 }))
      .to.be.revertedWithCustomError(core, "NotRegistered")
      .withArgs(worker.address);
    await core.connect(worker).registerWorker("bafyw", ENC_KEY);
    await expect(core.connect(worker).stake({ value: 0 })).to.be.revertedWithCustomError(core, "ZeroAmount");
    await expect(core.connect(worker).stake({ value: parseEther("1") }))
      .to.emit(core, "Staked")
      .withArgs(worker.address, parseEther("1"), parseEther("1"));
    await core.connect(worker).stake({ value: parseEther("0.5") });
    expect((await core.getWorker(worker.address)).stake).to.equal(parseEther("1.5"));
    expect((await core.getWorker(worker2.address)).stake).to.equal(0n);
  });

  it("unbonds free stake, enforces the period, then withdraws", async function () {
    const { core, worker } = await loadFixture(deployEnv);
    await expect(core.connect(worker).requestUnstake(1)).to.be.revertedWithCustomError(core, "NotRegistered");
    await registerAndStake({ core } as never, worker, parseEther("1"));
    await expect(core.connect(worker).requestUnstake(0)).to.be.revertedWithCustomError(core, "ZeroAmount");
    await expect(core.connect(worker).requestUnstake(parseEther("2")))
      .to.be.revertedWithCustomError(core, "InsufficientFreeStake")
      .withArgs(parseEther("1"), parseEther("2"));
    await expect(core.connect(worker).withdrawStake()).to.be.revertedWithCustomError(core, "NothingUnbonding");
    const tx = await core.connect(worker).requestUnstake(parseEther("0.4"));
    const end = BigInt((await time.latest()) + 3600);
    await expect(tx).to.emit(core, "UnstakeRequested").withArgs(worker.address, parseEther("0.4"), parseEther("0.4"), end);
    await expect(core.connect(worker).withdrawStake()).to.be.revertedWithCustomError(core, "UnbondingNotOver").withArgs(end);
    await time.increaseTo(end);
    await expect(core.connect(worker).withdrawStake()).to.changeEtherBalances(
      [worker, core],
      [parseEther("0.4"), -parseEther("0.4")],
    );
    const w = await core.getWorker(worker.address);
    expect(w.stake).to.equal(parseEther("0.6"));
    expect(w.unbonding).to.equal(0n);
    await expect(core.connect(worker).withdrawStake()).to.be.revertedWithCustomError(core, "NothingUnbonding");
  });

  it("locked collateral cannot be unstaked", async function () {
    const env = await loadFixture(deployEnv);
    await registerAndStake(env, env.worker, COLLATERAL);
    const job = await postJob(env);
    await env.core.connect(env.worker).claim(job.jobId, 0);
    const w = await env.core.getWorker(env.worker.address);
    expect(w.locked).to.equal(COLLATERAL);
    await expect(env.core.connect(env.worker).requestUnstake(1))
      .to.be.revertedWithCustomError(env.core, "InsufficientFreeStake")
      .withArgs(0, 1);
  });

  it("a failed stake transfer reverts with TransferFailed", async function () {
    const env = await loadFixture(deployEnv);
    const rej = await (await ethers.getContractFactory("RejectingReceiver")).deploy();
    const core = env.core;
    const call = (data: string, value = 0n) => rej.call(core.getAddress(), data, { value });
    await call(core.interface.encodeFunctionData("registerWorker", ["bafy", ENC_KEY]));
    await call(core.interface.encodeFunctionData("stake"), parseEther("1"));
    await call(core.interface.encodeFunctionData("requestUnstake", [parseEther("1")]));
    await time.increase(3600);
    await expect(call(core.interface.encodeFunctionData("withdrawStake")))
      .to.be.revertedWithCustomError(core, "TransferFailed")
      .withArgs(await rej.getAddress(), parseEther("1"));
  });
});
