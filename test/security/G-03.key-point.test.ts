import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { SigningKey } from "ethers";
import { deployEnv } from "../helpers/protocol";

const P = 2n ** 256n - 2n ** 32n - 977n;
/** Instrumented contracts (npm run coverage) cost several times the gas: absolute gas bounds hold for the real build. */
const UNDER_COVERAGE = process.env.SOLIDITY_COVERAGE === "true";

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}

/** Whether some secp256k1 point has this x (x^3 + 7 a square mod p, Euler's criterion). */
const hasPoint = (x: bigint) => x < P && modPow((x ** 3n + 7n) % P, (P - 1n) / 2n, P) === 1n;
const hex32 = (v: bigint) => v.toString(16).padStart(64, "0");

describe("security G-03: encryption keys are secp256k1 points at registration", function () {
  it("G-03 keys that are not curve points are refused with EncryptionKeyNotOnCurve and change nothing", async function () {
    const { core, worker } = await loadFixture(deployEnv);
    const real = new SigningKey(ethers.id("g03-worker"));
    const [x, y] = [real.publicKey.slice(4, 68), real.publicKey.slice(68)];
    let noPointX = 1n;
    while (hasPoint(noPointX)) noPointX++;
    const offCurveY = ((BigInt("0x" + y) + 1n) % P).toString(16).padStart(64, "0");
    const bad = [
      "0x02" + hex32(noPointX), // the reported attack: 33 bytes whose x has no point
      "0x03" + hex32(noPointX),
      "0x02" + hex32(P), // x not below p
      "0x05" + x, // no SEC 1 prefix
      "0x04" + x + offCurveY, // uncompressed, y off the curve
      "0x04" + hex32(P) + y, // uncompressed, x not below p
      "0x04" + x + hex32(P), // y not below p
      "0x02" + x + y, // a 65-byte key with a compressed prefix
    ];
    for (const key of bad) {
      await expect(core.connect(worker).registerWorker("bafyw", key), key).to.be.revertedWithCustomError(core, "EncryptionKeyNotOnCurve");
    }
    expect((await core.getWorker(worker.address)).registered).to.equal(false);
    // a length that is neither 33 nor 65 keeps its own error
    await expect(core.connect(worker).registerWorker("bafyw", "0x02" + x + "00"))
      .to.be.revertedWithCustomError(core, "InvalidEncryptionKey")
      .withArgs(34);
  });

  it("G-03 the on-chain check agrees with Euler's criterion on random x, for both prefixes", async function () {
    const { core, others } = await loadFixture(deployEnv);
    for (let i = 0; i < 16; i++) {
      const x = BigInt(ethers.id(`g03-x-${i}`)) % P;
      const key = (i % 2 ? "0x03" : "0x02") + hex32(x);
      const call = core.connect(others[i % others.length]).registerWorker.staticCall("bafyw", key);
      if (hasPoint(x)) await call;
      else await expect(call).to.be.revertedWithCustomError(core, "EncryptionKeyNotOnCurve");
    }
  });

  it("G-03 honest path: real keys register, compressed (both parities) and uncompressed, at a small gas cost", async function () {
    const { core, worker, others } = await loadFixture(deployEnv);
    const keys = Array.from({ length: 6 }, (_, i) => new SigningKey(ethers.id(`g03-honest-${i}`)));
    for (const [i, k] of keys.entries()) {
      const compressed = SigningKey.computePublicKey(k.publicKey, true);
      const w = others[i];
      await expect(core.connect(w).registerWorker("bafyw", compressed)).to.emit(core, "WorkerRegistered");
      await expect(core.connect(w).registerWorker("bafyw", k.publicKey)).to.emit(core, "WorkerRegistered");
      expect((await core.workerProfile(w.address))[1]).to.equal(k.publicKey);
    }
    expect(new Set(keys.map((k) => SigningKey.computePublicKey(k.publicKey, true).slice(0, 4))).size).to.equal(2);
    const tx = await core.connect(worker).registerWorker("bafyw", SigningKey.computePublicKey(keys[0].publicKey, true));
    // one modexp square root in KeyReleaseCheck: a few thousand gas on top of the profile writes
    if (!UNDER_COVERAGE) expect((await tx.wait())!.gasUsed).to.be.below(150_000n);
  });
});
