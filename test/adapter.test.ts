import { expect } from "chai";
import { expectGasBelow } from "./helpers/gas-bound";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder } from "ethers";
import { deployFixtureVerifier } from "./helpers/protocol";
import { proveFixture, type ShardProof } from "./helpers/fixtureCircuit";
import { releaseCurve } from "./helpers/snarkjs";
import { deployReturning } from "./helpers/returning-code";

const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const coder = AbiCoder.defaultAbiCoder();

function words(p: string): bigint[] {
  return coder.decode(["uint256[8]"], p)[0].map((x: bigint) => x);
}
function pack(w: bigint[]): string {
  return coder.encode(["uint256[8]"], [w]);
}

/** Gas used by a transaction calling verifyProof (the 21k base included), with a 5M gas limit. */
async function gasUsed(adapter: { getAddress(): Promise<string>; interface: { encodeFunctionData(n: "verifyProof", a: [string, bigint[]]): string } }, p: string, s: bigint[]) {
  const [owner] = await ethers.getSigners();
  const tx = await owner.sendTransaction({
    to: await adapter.getAddress(),
    data: adapter.interface.encodeFunctionData("verifyProof", [p, s]),
    gasLimit: 5_000_000,
  });
  return (await tx.wait())!.gasUsed;
}

async function setup() {
  const [owner] = await ethers.getSigners();
  const adapter = await deployFixtureVerifier(owner, "fixture_public");
  const proof: ShardProof = await proveFixture("fixture_public", [5n, 6n], 4242n);
  return { owner, adapter, proof };
}

describe("Groth16VerifierAdapter", function () {
  after(releaseCurve);

  it("precomputes the selector for N signals and rejects bad construction", async function () {
    const { owner, adapter } = await loadFixture(setup);
    const sel = ethers.id("verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[3])").slice(0, 10);
    expect(await adapter.verifySelector()).to.equal(sel);
    expect(await adapter.signalCount()).to.equal(3);
    const f = await ethers.getContractFactory("Groth16VerifierAdapter", owner);
    await expect(f.deploy(owner.address, 3)).to.be.revertedWithCustomError(f, "InvalidVerifier");
    await expect(f.deploy(await adapter.groth16Verifier(), 0)).to.be.revertedWithCustomError(f, "InvalidSignalCount");
  });

  it("accepts a real proof and rejects any change to it", async function () {
    const { adapter, proof } = await loadFixture(setup);
    expect(await adapter.verifyProof(proof.proof, proof.signals)).to.equal(true);
    const s = [...proof.signals];
    s[2] += 1n;
    expect(await adapter.verifyProof(proof.proof, s)).to.equal(false);
  });

  it("rejects malformed encodings cheaply", async function () {
    const { adapter, proof } = await loadFixture(setup);
    const w = words(proof.proof);
    const cases: [string, string, bigint[]][] = [
      ["short proof", proof.proof.slice(0, -2), proof.signals],
      ["too few signals", proof.proof, proof.signals.slice(0, 2)],
      ["coordinate >= q", pack([Q, ...w.slice(1)]), proof.signals],
      ["b coordinate >= q", pack([...w.slice(0, 3), Q + 1n, ...w.slice(4)]), proof.signals],
      ["A off the curve", pack([w[0], w[1] + 1n, ...w.slice(2)]), proof.signals],
      ["C off the curve", pack([...w.slice(0, 6), w[6], w[7] + 1n]), proof.signals],
      ["signal >= r", proof.proof, [proof.signals[0], R, proof.signals[2]]],
    ];
    for (const [label, p, s] of cases) {
      expect(await adapter.verifyProof(p, s), label).to.equal(false);
      expectGasBelow(await gasUsed(adapter, p, s), label, 40_000n);
    }
  });

  it("bounds the gas of a B point the precompile rejects and of a verifier that burns gas", async function () {
    const { owner, adapter, proof } = await loadFixture(setup);
    const w = words(proof.proof);
    const badB = pack([...w.slice(0, 2), w[2], w[3] + 1n, ...w.slice(4)]);
    expect(await adapter.verifyProof(badB, proof.signals)).to.equal(false);
    const cap = await adapter.verifyGas();
    expectGasBelow(await gasUsed(adapter, badB, proof.signals), cap + 40_000n);
    const burner = await (await ethers.getContractFactory("GasBurningVerifier")).deploy();
    const wrapped = await (await ethers.getContractFactory("Groth16VerifierAdapter", owner)).deploy(await burner.getAddress(), 3);
    expect(await wrapped.verifyProof(proof.proof, proof.signals, { gasLimit: 5_000_000 })).to.equal(false);
    expectGasBelow(await gasUsed(wrapped, proof.proof, proof.signals), cap + 40_000n);
  });

  it("answers false for a verifier whose call succeeds with other than one word", async function () {
    const { owner, adapter, proof } = await loadFixture(setup);
    const f = await ethers.getContractFactory("Groth16VerifierAdapter", owner);
    // two words whose first reads as "true", and an empty answer
    for (const answer of [coder.encode(["uint256", "uint256"], [1n, 1n]), "0x"]) {
      const wrapped = await f.deploy(await deployReturning(answer), 3);
      expect(await wrapped.verifyProof(proof.proof, proof.signals), answer).to.equal(false);
    }
    expect(await adapter.verifyProof(proof.proof, proof.signals)).to.equal(true);
  });

  it("refuses to run the verifier with less gas than its cap", async function () {
    const { adapter, proof } = await loadFixture(setup);
    await expect(adapter.verifyProof(proof.proof, proof.signals, { gasLimit: 200_000 })).to.be.revertedWithCustomError(
      adapter,
      "InsufficientGasForVerification",
    );
  });
});
