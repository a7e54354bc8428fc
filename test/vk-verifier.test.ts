import { expect } from "chai";
import { expectGasBelow } from "./helpers/gas-bound";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder } from "ethers";
import { deployProtocol } from "../lib/chain/deployments";
import { verifyingKeyOf, type SnarkjsVkey } from "../lib/zk/vk-verifier";
import { buildFixture, proveFixture, proveWide, type ShardProof } from "./helpers/fixtureCircuit";
import { creationCode, deployVettedFixtureVerifier } from "./helpers/protocol";
import { releaseCurve } from "./helpers/snarkjs";

const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const coder = AbiCoder.defaultAbiCoder();
const words = (p: string): bigint[] => coder.decode(["uint256[8]"], p)[0].map((x: bigint) => x);
const pack = (w: bigint[]): string => coder.encode(["uint256[8]"], [w]);

async function setup() {
  const [owner] = await ethers.getSigners();
  const { contracts } = await deployProtocol(owner, {}, await creationCode());
  const verifier = await deployVettedFixtureVerifier(contracts.registry, owner, "fixture_public");
  const privateOne = await deployVettedFixtureVerifier(contracts.registry, owner, "fixture_private");
  const proof: ShardProof = await proveFixture("fixture_public", [5n, 6n], 4242n);
  return { owner, registry: contracts.registry, verifier, privateOne, proof };
}

/** Gas of a transaction calling verifyProof (21k base included), with a 5M gas limit. */
async function gasUsed(v: Awaited<ReturnType<typeof setup>>["verifier"], p: string, s: bigint[]) {
  const [owner] = await ethers.getSigners();
  const tx = await owner.sendTransaction({ to: await v.getAddress(), data: v.interface.encodeFunctionData("verifyProof", [p, s]), gasLimit: 5_000_000 });
  return (await tx.wait())!.gasUsed;
}

describe("Groth16VkVerifier (the vetted verifier the registry deploys)", function () {
  after(releaseCurve);

  it("is built from the snarkjs key: signal count, key hash; the registry refuses malformed keys", async function () {
    const { verifier, privateOne, registry } = await loadFixture(setup);
    const vkey = (await buildFixture("fixture_public")).vkey as SnarkjsVkey;
    expect(await verifier.signalCount()).to.equal(3n);
    expect(await privateOne.signalCount()).to.equal(4n);
    const key = verifyingKeyOf(vkey);
    expect(await verifier.keyHash()).to.equal(
      ethers.keccak256(coder.encode(["tuple(uint256[2],uint256[4],uint256[4],uint256[4],uint256[])"], [[key.alpha, key.beta, key.gamma, key.delta, key.ic]])),
    );
    expect([await registry.isVettedVerifier(verifier), await registry.isVettedVerifier(privateOne)]).to.deep.equal([true, true]);
    await expect(registry.deployGroth16Verifier({ ...key, ic: key.ic.slice(0, 2) })).to.be.revertedWithCustomError(verifier, "InvalidKeyLength").withArgs(2);
    await expect(registry.deployGroth16Verifier({ ...key, beta: [Q, 0n, 0n, 0n] })).to.be.revertedWithCustomError(verifier, "InvalidKeyPoint").withArgs(100);
    expect(() => verifyingKeyOf({ ...vkey, protocol: "plonk" })).to.throw(/plonk, not groth16/);
  });

  it("the registry refuses each malformed key part: IC length, coordinates not below q, G1 points off the curve", async function () {
    const { verifier, registry } = await loadFixture(setup);
    const key = verifyingKeyOf((await buildFixture("fixture_public")).vkey as SnarkjsVkey);
    const deploy = (over: Partial<typeof key>) => registry.deployGroth16Verifier({ ...key, ...over });
    const over = 2 * (Number(await verifier.MAX_SIGNALS()) + 2); // one point more than the most signals allow
    const length = [[key.ic.slice(0, 7), 7], [Array.from({ length: over }, (_, i) => key.ic[i % key.ic.length]), over]] as const; // odd; too many points
    for (const [ic, words] of length) await expect(deploy({ ic: [...ic] }), `${words} words`).to.be.revertedWithCustomError(verifier, "InvalidKeyLength").withArgs(words);
    const [x, y] = key.alpha.map(BigInt);
    const g1 = [
      [{ alpha: [x + Q, y] }, 0], // x not below q
      [{ alpha: [x, y + Q] }, 0], // y not below q
      [{ alpha: [x, y + 1n] }, 0], // off the curve
      [{ ic: [key.ic[0], key.ic[1], key.ic[2], BigInt(key.ic[3]) + 1n, ...key.ic.slice(4)] }, 2], // IC point 1 off the curve
    ] as const;
    for (const [over, index] of g1) await expect(deploy(over as Partial<typeof key>)).to.be.revertedWithCustomError(verifier, "InvalidKeyPoint").withArgs(index);
    for (const [part, over] of [["gamma", { gamma: [key.gamma[0], Q, key.gamma[2], key.gamma[3]] }], ["delta", { delta: [key.delta[0], key.delta[1], key.delta[2], Q] }]] as const) {
      await expect(deploy(over as Partial<typeof key>), part).to.be.revertedWithCustomError(verifier, "InvalidKeyPoint").withArgs(part === "gamma" ? 101 : 103);
    }
  });

  it("accepts a real proof and rejects any change to it, malformed encodings cheaply", async function () {
    const { verifier, proof } = await loadFixture(setup);
    expect(await verifier.verifyProof(proof.proof, proof.signals)).to.equal(true);
    const w = words(proof.proof);
    const cases: [string, string, bigint[]][] = [
      ["short proof", proof.proof.slice(0, -2), proof.signals],
      ["too few signals", proof.proof, proof.signals.slice(0, 2)],
      ["coordinate >= q", pack([Q, ...w.slice(1)]), proof.signals],
      ["A off the curve", pack([w[0], w[1] + 1n, ...w.slice(2)]), proof.signals],
      ["C off the curve", pack([...w.slice(0, 6), w[6], w[7] + 1n]), proof.signals],
      ["signal >= r", proof.proof, [proof.signals[0], R, proof.signals[2]]],
    ];
    for (const [label, p, s] of cases) {
      expect(await verifier.verifyProof(p, s), label).to.equal(false);
      expectGasBelow(await gasUsed(verifier, p, s), label, 40_000n);
    }
    const changed = [...proof.signals];
    changed[2] += 1n;
    expect(await verifier.verifyProof(proof.proof, changed)).to.equal(false);
    // Groth16 is malleable ((-A, -B, C) verifies too): a proof hash is no unique id (I-01)
    const neg = pack([w[0], Q - w[1], w[2], w[3], Q - w[4], Q - w[5], w[6], w[7]]);
    expect(await verifier.verifyProof(neg, proof.signals)).to.equal(true);
  });

  it("bounds the gas of a B point the precompile rejects, and refuses to run short of its cap", async function () {
    const { verifier, proof } = await loadFixture(setup);
    const w = words(proof.proof);
    const badB = pack([...w.slice(0, 2), w[2], w[3] + 1n, ...w.slice(4)]);
    expect(await verifier.verifyProof(badB, proof.signals)).to.equal(false);
    expectGasBelow(await gasUsed(verifier, badB, proof.signals), (await verifier.PAIRING_GAS()) + 80_000n);
    await expect(verifier.verifyProof(proof.proof, proof.signals, { gasLimit: 200_000 })).to.be.revertedWithCustomError(
      verifier,
      "InsufficientGasForVerification",
    );
  });

  it("uses every IC point in its place for each key size from 1 to MAX_SIGNALS signals, as snarkjs's own verifier does", async function () {
    const { registry } = await loadFixture(setup);
    const art = await buildFixture("fixture_wide");
    const full = verifyingKeyOf(art.vkey as SnarkjsVkey);
    const max = Number(await (await ethers.getContractAt("Groth16VkVerifier", await deployVettedVerifier(registry, full))).MAX_SIGNALS());
    expect(art.signalCount).to.equal(max);
    const reference = await new ethers.ContractFactory(art.verifier.abi as never[], art.verifier.bytecode, (await ethers.getSigners())[0]).deploy();
    const snarkjsAccepts = (p: string, s: bigint[]) => {
      const w = words(p);
      return (reference as unknown as { verifyProof: (...a: unknown[]) => Promise<boolean> }).verifyProof(
        [w[0], w[1]], [[w[2], w[3]], [w[4], w[5]]], [w[6], w[7]], s,
      );
    };
    // A proof whose signals after the n-th are 0 has vk_x = IC[0] + sum of the first n signals' terms: the key cut to
    // n + 1 IC points must accept exactly the first n signals, and refuse any one of them changed.
    for (let n = 1; n <= max; n++) {
      const s = Array.from({ length: max }, (_, j) => (j === 0 ? 8n : j < n ? BigInt(1000 + 37 * j) : 0n)); // 8 + 1 = 3^2
      const { proof, signals } = await proveWide(s, 3n);
      expect(await snarkjsAccepts(proof, signals), `snarkjs, n=${n}`).to.equal(true);
      const v = await ethers.getContractAt("Groth16VkVerifier", await deployVettedVerifier(registry, { ...full, ic: full.ic.slice(0, 2 * (n + 1)) }));
      expect(await v.signalCount()).to.equal(BigInt(n));
      expect(await v.verifyProof(proof, signals.slice(0, n)), `n=${n}`).to.equal(true);
      expect(await v.verifyProof(proof, signals), `n=${n}, all ${max} signals`).to.equal(n === max);
      const changed = signals.slice(0, n);
      changed[n - 1] += 1n;
      expect(await v.verifyProof(proof, changed), `n=${n}, last signal changed`).to.equal(false);
      if (n === max) expectGasBelow(await gasUsed(v, proof, signals), `${max} signals`, 400_000n);
    }
  });
});

/** Has the registry deploy a Groth16VkVerifier for `key` and returns its address (read from the call's result). */
async function deployVettedVerifier(registry: Awaited<ReturnType<typeof setup>>["registry"], key: ReturnType<typeof verifyingKeyOf>): Promise<string> {
  const address = await registry.deployGroth16Verifier.staticCall(key);
  await (await registry.deployGroth16Verifier(key)).wait();
  return address;
}

