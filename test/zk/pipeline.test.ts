import { expect } from "chai";
import { ethers } from "hardhat";
import { AbiCoder, keccak256 } from "ethers";
import { buildModelArtifacts, type ModelArtifacts } from "../../lib/zk/model";
import { proveBatch, ProverThread, type ProveResult } from "../../lib/zk/prover";
import { compileVerifier, decodeProof, deployVerifier } from "../../lib/zk/verifier";
import { FIELD_R } from "../../lib/zk/commitment";
import { uniformCalibration } from "../../lib/zk/model";
import { prewarmTestPtau, testPtau } from "../helpers/ptau";
import { cnnOnnx, mlpOnnx } from "./models";
import fs from "node:fs";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

const QUANT = { rangeBits: 24, activationBits: 12 };
const binding = (core: string, jobId: number, shard: number, worker: string) =>
  BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "address", "uint256", "uint256", "address"], [31337, core, jobId, shard, worker]))) % FIELD_R;

describe("zk: build, dev setup, prove, verify on-chain", function () {
  let thread: ProverThread;
  const built: { verifier: Awaited<ReturnType<typeof deployVerifier>>; res: ProveResult }[] = [];
  before(() => (thread = new ProverThread()));
  after(async () => thread.close());

  for (const [name, onnx, inSize, batch, privateWeights] of [
    ["MLP 8-6-3, public weights, batch 2", mlpOnnx(7, [8, 6, 3]), 8, 2, false],
    ["CNN conv/maxpool/avgpool/gemm, private weights", cnnOnnx(11), 36, 1, true],
  ] as const) {
    describe(name, function () {
      let art: ModelArtifacts;
      let res: ProveResult;
      let verifier: Awaited<ReturnType<typeof deployVerifier>>;

      before(async function () {
        const calibration = uniformCalibration(inSize, 32, 5);
        art = await buildModelArtifacts(onnx, { batch, calibration, privateWeights, quant: QUANT });
        const [s] = await ethers.getSigners();
        verifier = await deployVerifier(compileVerifier(fs.readFileSync(art.files.verifier, "utf8")), s);
        res = await proveBatch(art, calibration.slice(0, batch), binding(verifier.address, 1, 0, s.address), { thread });
        built.push({ verifier, res });
      });

      it("is a flagged development setup under the EIP-170 limit", () => {
        expect(art.dev).to.equal(true);
        expect(art.setupMethod).to.equal("dev");
        expect(verifier.codeSize).to.be.lessThan(24_576);
      });

      it("agrees with the float model and verifies with snarkjs", async () => {
        expect(res.argmaxAgree).to.equal(true);
        expect(res.maxDeviation).to.be.lessThan(0.05);
        const vk = JSON.parse(fs.readFileSync(art.files.vkey, "utf8"));
        expect(await snarkjs.groth16.verify(vk, res.publicSignals.map(String), res.proof)).to.equal(true);
      });

      it("verifies on-chain and rejects tampering", async () => {
        const p = decodeProof(res.proofBytes);
        const sig = res.publicSignals;
        expect(sig.length).to.equal((privateWeights ? 4 : 3) + art.cipherWords); // layout 2: the output cipher words
        if (privateWeights) expect(sig[2].toString()).to.equal(art.modelCommitment);
        expect(await verifier.contract.verifyProof(p.a, p.b, p.c, sig)).to.equal(true);
        const tamperedC: [bigint, bigint] = [p.c[0], (p.c[1] + 1n) % FIELD_R];
        const withSignal = (i: number, v: bigint) => sig.map((x, j) => (j === i ? v : x));
        for (let i = 0; i + 1 < sig.length; i++) expect(await verifier.contract.verifyProof(p.a, p.b, p.c, withSignal(i, sig[i] + 1n))).to.equal(false);
        // Swapped binding (another worker).
        const [, other] = await ethers.getSigners();
        expect(await verifier.contract.verifyProof(p.a, p.b, p.c, withSignal(sig.length - 1, binding(verifier.address, 1, 0, other.address)))).to.equal(false);
        // A tampered proof point (off the curve) is rejected (the raw verifier returns false or reverts).
        let rejected = false;
        try {
          rejected = !(await verifier.contract.verifyProof(p.a, p.b, tamperedC, sig));
        } catch {
          rejected = true;
        }
        expect(rejected).to.equal(true);
      });
    });
  }

  describe("across models", function () {
    it("rejects a proof on another model's verifier", async () => {
      expect(built.length).to.equal(2);
      const [mlp, cnn] = built;
      // The CNN (private weights) has a model commitment, the MLP none: each proof gets the other's layout (layout 2:
      // its own commitments and binding, the other model's commitment and cipher words).
      const [m, c] = [mlp.res.publicSignals, cnn.res.publicSignals];
      const p = decodeProof(mlp.res.proofBytes);
      expect(await cnn.verifier.contract.verifyProof(p.a, p.b, p.c, [m[0], m[1], ...c.slice(2, -1), m[m.length - 1]])).to.equal(false);
      const q = decodeProof(cnn.res.proofBytes);
      expect(await mlp.verifier.contract.verifyProof(q.a, q.b, q.c, [c[0], c[1], ...m.slice(2, -1), c[c.length - 1]])).to.equal(false);
    });
  });
});

prewarmTestPtau(12);

describe("zk: ceremony setup path (public ptau -> the ceremony's initial key)", function () {
  it("makes the initial key from a prepared powers-of-tau file (zkey new; proofs verify, but only a ceremony's final key is registered)", async () => {
    // the ceremony tests' multi-party 2^12 ptau (made once per cache): layout 2's cipher outgrew a 2^10 one
    const ptau = await testPtau();
    const calibration = uniformCalibration(3, 8, 9);
    const art = await buildModelArtifacts(mlpOnnx(9, [3, 2]), { calibration, ptau, quant: { rangeBits: 16, activationBits: 10 } });
    expect(art.dev).to.equal(false);
    expect(art.setupMethod).to.equal("ceremony");
    const thread = new ProverThread();
    const res = await proveBatch(art, calibration.slice(0, 1), 99n, { thread });
    await thread.close();
    const vk = JSON.parse(fs.readFileSync(art.files.vkey, "utf8"));
    expect(await snarkjs.groth16.verify(vk, res.publicSignals.map(String), res.proof)).to.equal(true);
  });

  it("names a missing ptau file", async () => {
    let err: Error | null = null;
    try {
      await buildModelArtifacts(mlpOnnx(10, [3, 2]), { calibration: uniformCalibration(3, 4), ptau: "/nonexistent.ptau", quant: { rangeBits: 16, activationBits: 10 } });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).to.match(/powers-of-tau file not found: \/nonexistent.ptau/);
  });
});
