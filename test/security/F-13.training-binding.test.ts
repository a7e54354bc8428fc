/**
 * F-13, training side: the owner could bind itself as the core's collateral manager and slash any stake. Now the core
 * pins, at its deployment, the hash of the only creation code its manager may have (TrainingJobs), and anyone may
 * once have the core deploy that code (lib/training/deploy.ts, train:deploy). TrainingJobs has no owner and its only
 * constructor argument is the core. Against the real OblivionCore.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { keccak256, parseEther, type Interface } from "ethers";
import { deployProtocol } from "../../lib/chain/deployments";
import { deployTraining, deployTrainingOrReuse } from "../../lib/training/deploy";
import { TestCollateralManager__factory, TrainingJobs__factory } from "../../typechain-types";

const ENC_KEY = "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

async function protocol() {
  const [owner, treasury, worker, anyone] = await ethers.getSigners();
  const { contracts } = await deployProtocol(owner, { treasury: treasury.address });
  await contracts.core.connect(worker).registerWorker("bafyworker", ENC_KEY);
  await contracts.core.connect(worker).stake({ value: parseEther("3") });
  return { core: contracts.core, owner, treasury, worker, anyone };
}

describe("F-13 training side: binding TrainingJobs to the core", function () {
  it("F-13 the owner cannot bind itself or other code: only the pinned TrainingJobs, deployed by the core, once", async function () {
    const { core, owner, worker, anyone } = await loadFixture(protocol);
    const iface: Interface = core.interface;
    expect(iface.getFunction("bindCollateralManager")).to.equal(null);
    expect(await core.managerCodeHash()).to.equal(keccak256(TrainingJobs__factory.bytecode));
    // other code, even a manager built for the purpose, is refused
    const other = TestCollateralManager__factory.bytecode;
    await expect(core.connect(owner).deployCollateralManager(other))
      .to.be.revertedWithCustomError(core, "ManagerCodeMismatch")
      .withArgs(keccak256(other), await core.managerCodeHash());
    // (the owner's direct lock / slash attempts are in F-13.manager-binding.test.ts, the core side)
    // anyone binds the pinned code; it is deployed by the core, knows only the core, and cannot be replaced
    const training = await deployTraining(await core.getAddress(), anyone);
    expect(await core.collateralManager()).to.equal(await training.getAddress());
    expect(await training.core()).to.equal(await core.getAddress());
    await expect(core.connect(owner).deployCollateralManager(TrainingJobs__factory.bytecode))
      .to.be.revertedWithCustomError(core, "CollateralManagerAlreadyBound")
      .withArgs(await training.getAddress());
    expect((await core.getWorker(worker.address)).stake).to.equal(parseEther("3"));
    expect((await core.getWorker(worker.address)).locked).to.equal(0n);
  });

  it("F-13 a core that pins no manager or another build is refused in one line by the training deployment", async function () {
    const [owner, treasury] = await ethers.getSigners();
    for (const [hash, message] of [
      [ethers.ZeroHash, /pins no collateral manager/],
      [ethers.id("another build"), /pins another TrainingJobs build .*redeploy the core/],
    ] as const) {
      const { contracts } = await deployProtocol(owner, { treasury: treasury.address, managerCodeHash: hash });
      await expect(deployTraining(await contracts.core.getAddress(), owner)).to.be.rejectedWith(message);
      expect(await contracts.core.collateralManager()).to.equal(ethers.ZeroAddress);
    }
  });

  it("F-13 honest path: train:deploy's library has the core deploy TrainingJobs once and reuses it", async function () {
    const { core, anyone } = await loadFixture(protocol);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "f13-"));
    try {
      const first = await deployTrainingOrReuse("hardhat", await core.getAddress(), anyone, dir);
      const again = await deployTrainingOrReuse("hardhat", await core.getAddress(), anyone, dir);
      expect(first.changed).to.equal(true);
      expect(again.changed).to.equal(false);
      expect(await again.training.getAddress()).to.equal(await core.collateralManager());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
