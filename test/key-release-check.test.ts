/**
 * KeyReleaseCheck on its own: the arithmetic behind proveBadRelease, called directly with the caller standing in for
 * the core (the mask names `msg.sender`). The core-level paths (a real claim, release and dispute) are in
 * test/security/F-01.bad-key-release.test.ts; these are the refusals the core never reaches with its own inputs.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, computeAddress, keccak256, toBeHex, zeroPadValue } from "ethers";
import { keyHashOf, maskDataKey, publicPoint, type ClaimContext, type CurvePoint } from "../lib/crypto/release";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const abi = AbiCoder.defaultAbiCoder();
const addressOf = (p: CurvePoint) => computeAddress("0x04" + toBeHex(p.x, 32).slice(2) + toBeHex(p.y, 32).slice(2));

async function deployed() {
  const [core] = await ethers.getSigners();
  const check = await (await ethers.getContractFactory("KeyReleaseCheck", core)).deploy();
  const ctx: ClaimContext = { chainId: 31337n, core: core.address, jobId: 7n, shardIndex: 3n, claimNonce: 2n };
  const t = 0x1234567n; // the worker's one-time secret
  const dataKey = new Uint8Array(32).fill(9);
  /** The digest the core stores for a release: one-time key's address, key hash, ephemeral point, masked key. */
  const digestOf = (oneTime: string, keyHash: string, e: CurvePoint, masked: string) =>
    keccak256(abi.encode(["bytes32", "bytes32", "uint256", "uint256", "bytes32"], [zeroPadValue(oneTime, 32), keyHash, e.x, e.y, masked]));
  const call = (digest: string, secret: bigint, keyHash: string, e: CurvePoint, masked: string) =>
    check.checkBadRelease(digest, ctx.jobId, ctx.shardIndex, ctx.claimNonce, secret, keyHash, e.x, e.y, masked);
  return { check, ctx, t, dataKey, digestOf, call };
}

describe("KeyReleaseCheck", function () {
  it("passes a bad release, refuses a correct one with ReleaseIsCorrect", async function () {
    const { check, ctx, t, dataKey, digestOf, call } = await loadFixture(deployed);
    const oneTime = addressOf(publicPoint(t));
    const keyHash = keyHashOf(dataKey);
    const good = maskDataKey(dataKey, publicPoint(t), ctx);
    await expect(call(digestOf(oneTime, keyHash, good.ephemeral, good.maskedKey), t, keyHash, good.ephemeral, good.maskedKey)).to.be.revertedWithCustomError(
      check,
      "ReleaseIsCorrect",
    );
    const bad = maskDataKey(new Uint8Array(32).fill(8), publicPoint(t), ctx); // another key under the committed hash
    await call(digestOf(oneTime, keyHash, bad.ephemeral, bad.maskedKey), t, keyHash, bad.ephemeral, bad.maskedKey); // returns: the release is provably bad
  });

  it("refuses a secret of zero or not below the group order, a digest of other fields, and an ephemeral point the precompile refuses, with ReleaseMismatch", async function () {
    const { check, ctx, t, dataKey, digestOf, call } = await loadFixture(deployed);
    const keyHash = keyHashOf(dataKey);
    const bad = maskDataKey(new Uint8Array(32).fill(8), publicPoint(t), ctx);
    const digest = digestOf(addressOf(publicPoint(t)), keyHash, bad.ephemeral, bad.maskedKey);
    for (const secret of [0n, N, N + t]) {
      await expect(call(digest, secret, keyHash, bad.ephemeral, bad.maskedKey), `t = ${secret}`).to.be.revertedWithCustomError(check, "ReleaseMismatch");
    }
    await expect(call(digest, t + 1n, keyHash, bad.ephemeral, bad.maskedKey), "another secret").to.be.revertedWithCustomError(check, "ReleaseMismatch");
    // x = 0 is no point: ecrecover returns the zero address, whatever digest the fields hash to
    const noPoint = { x: 0n, y: bad.ephemeral.y };
    await expect(call(digestOf(addressOf(publicPoint(t)), keyHash, noPoint, bad.maskedKey), t, keyHash, noPoint, bad.maskedKey)).to.be.revertedWithCustomError(
      check,
      "ReleaseMismatch",
    );
  });

  it("isPublicKey is false for a key of any length but 33 or 65 bytes", async function () {
    const { check } = await loadFixture(deployed);
    const x = publicPoint(5n).x.toString(16).padStart(64, "0");
    expect(await check.isPublicKey("0x02" + x)).to.equal(true);
    for (const key of ["0x", "0x02", "0x02" + x + "00", "0x04" + x]) expect(await check.isPublicKey(key), key).to.equal(false);
  });

  it("mulAddress is k times the point for either parity of y, and zero where ecrecover refuses", async function () {
    const { check } = await loadFixture(deployed);
    const k = 0xabcdefn;
    // the first scalars whose points have x < n and an even / an odd y
    const scalars = [2n, 3n, 4n, 5n, 6n, 7n].filter((s) => publicPoint(s).x < N);
    const even = scalars.find((s) => publicPoint(s).y % 2n === 0n)!;
    const odd = scalars.find((s) => publicPoint(s).y % 2n === 1n)!;
    for (const s of [even, odd]) {
      const p = publicPoint(s);
      expect(await check.mulAddress(p.x, p.y, k), `y ${p.y % 2n === 0n ? "even" : "odd"}`).to.equal(addressOf(publicPoint((s * k) % N)));
    }
    expect(await check.mulAddress(0n, 0n, k)).to.equal(ethers.ZeroAddress);
  });
});
