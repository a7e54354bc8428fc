/**
 * A real reference Worker with the real proving stack (ProverCompute) over a freshly deployed protocol with a small
 * registered model (the circuit of test/zk/settle.test.ts, from the same cache), the requester's real release agent,
 * and helpers to post honest or malformed shard packages. For the G-01 and G-02 tests, which share one environment
 * (one deployment, one calibrated prover; closed after all tests): each worker sees only jobs posted after it was made.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { ethers } from "hardhat";
import { hexlify, parseEther, type Wallet } from "ethers";
import { JobBook } from "../../lib/chain/jobbook";
import { deployProtocol, type ProtocolContracts } from "../../lib/chain/deployments";
import { ShardTree } from "../../lib/chain/merkle";
import { generateWorkerKeyPair, sealWithKey } from "../../lib/crypto";
import { keyHashOf } from "../../lib/crypto/release";
import { ReleaseAgent } from "../../lib/requester/agent";
import { postPreparedJob, type ShardSecret } from "../../lib/requester/job";
import { encodeJson, type ShardPackage } from "../../lib/requester/shard";
import { createContentStore, type ContentStore } from "../../lib/storage";
import { inputCommitment, outputSalt } from "../../lib/zk/commitment";
import { uniformCalibration } from "../../lib/zk/model";
import { quantizeInput } from "../../lib/zk/quantize";
import { registerOnnxModel, type Registered } from "../../lib/zk/register";
import { sleep } from "../../lib/util/retry";
import type { ShardCompute } from "../../worker/compute";
import type { WorkerConfig } from "../../worker/config";
import { ProverCompute } from "../../worker/prover-compute";
import { Worker } from "../../worker/worker";
import { mlpOnnx } from "../zk/models";
import { capture, TEST_WORKER_CONFIG } from "./worker";

export const PRICE = parseEther("0.01");
export const COLLATERAL = parseEther("0.05");

/** How a malicious requester spoils the package it releases (its leaf and key are still the committed ones). */
export type Spoil = (pkg: ShardPackage) => ShardPackage;

export interface ProverEnv {
  c: ProtocolContracts;
  store: ContentStore;
  model: Registered;
  requester: Awaited<ReturnType<typeof ethers.getSigners>>[number];
  agent: ReleaseAgent;
  jobsDir: string;
  /** What the shared prover logged (model loads with their calibration times). */
  proverRecords: { msg: string; [k: string]: unknown }[];
  /** Shard inputs (committed bytes) of an honest shard: batch x input size. */
  honestInputs(seed: number): number[][];
  /** Posts a one-shard keyed job whose package is `spoil`ed (and stored through `mutate`); returns its id and CID. */
  post(opts?: { spoil?: Spoil; mutate?: (sealed: Uint8Array) => Uint8Array; commit?: number[][]; claimWindow?: number }): Promise<{ jobId: bigint; packageCid: string }>;
  /**
   * A worker for signer `i` with the shared real prover; `store` overrides what it reads from, `wrap` what it computes
   * with (a prover that fails, for example).
   */
  worker(i: number, over?: Partial<WorkerConfig>, store?: ContentStore, wrap?: (c: ShardCompute) => ShardCompute): Promise<{ worker: Worker; records: { msg: string; [k: string]: unknown }[]; runs: () => number }>;
  /** Ticks the agent and the worker until `done`, or throws after timeoutMs. */
  drive(worker: Worker, done: () => Promise<boolean>, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

let shared: Promise<ProverEnv> | undefined;

/** The shared environment, made on first use. */
export function proverEnv(): Promise<ProverEnv> {
  return (shared ??= makeProverEnv());
}

after(async () => {
  if (shared) await (await shared).close();
});

async function makeProverEnv(): Promise<ProverEnv> {
  const signers = await ethers.getSigners();
  const [owner, modelOwner, requester] = signers;
  const { contracts: c } = await deployProtocol(owner, { treasury: owner.address, unbondingPeriod: 3600 });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "prover-env-"));
  const store = createContentStore({ kind: "embedded", embedded: { dir: path.join(tmp, "store") } });
  // The same model and options as test/zk/settle.test.ts: its circuit comes from the same cache.
  const model = await registerOnnxModel(
    { onnx: mlpOnnx(7, [8, 6, 3]), name: "mlp-8-6-3", feePerInference: parseEther("0.001"), batch: 2, calibration: uniformCalibration(8, 32, 5), quant: { rangeBits: 24, activationBits: 12 } },
    c.registry.connect(modelOwner), modelOwner, store,
  );
  const jobsDir = path.join(tmp, "jobs");
  const book = new JobBook(c.core, ethers.provider);
  const agent = new ReleaseAgent(c.core, requester, book, capture().log, jobsDir);
  const proverLog = capture();
  const prover = new ProverCompute(c.registry, store, path.join(tmp, "artifacts"), "cpu", proverLog.log);
  const q = model.artifacts.quant;
  const honestInputs = (seed: number) => uniformCalibration(8, 2, seed).map((x) => quantizeInput(q, x));
  let nextSeed = 100;
  return {
    c, store, model, requester, agent, jobsDir, honestInputs, proverRecords: proverLog.records,
    async post({ spoil = (p: ShardPackage) => p, mutate = (b: Uint8Array) => b, commit, claimWindow = 600 } = {}) {
      const inputs = honestInputs(nextSeed++);
      const key = new Uint8Array(randomBytes(32));
      const pkg0: ShardPackage = { version: 1, shardIndex: 0, inputs, inputCommitment: "", merkleProof: [] };
      const spoiled = spoil(pkg0);
      // The requester commits what it can hash: the spoiled inputs where they are bytes, else `commit` (honest bytes).
      let commitment: bigint;
      try {
        commitment = await inputCommitment(commit ?? spoiled.inputs, outputSalt(key));
      } catch {
        commitment = await inputCommitment(inputs, outputSalt(key));
      }
      const tree = new ShardTree([commitment], [keyHashOf(key)]);
      const pkg = { ...spoiled, inputCommitment: commitment.toString(), merkleProof: tree.proof(0) };
      const packageCid = await store.put(mutate(sealWithKey(encodeJson(pkg), key)));
      const secret: ShardSecret = { packageCid, inputCommitment: commitment.toString(), dataKey: hexlify(key), keyHash: keyHashOf(key), keyProof: tree.keyProof(0) };
      const { jobId } = await postPreparedJob(c.core, requester, { tree, shards: [secret] }, {
        modelId: model.modelId, modelVersion: model.version, pricePerShard: PRICE, collateral: COLLATERAL,
        claimWindow, minStake: 0n, gated: false, acceptUnvettedVerifier: false,
      }, jobsDir);
      return { jobId, packageCid };
    },
    async worker(i, over = {}, readFrom = store, wrap = (x: ShardCompute) => x) {
      const { log, records } = capture();
      let n = 0;
      const compute: ShardCompute = wrap({
        prepare: (m, v) => prover.prepare(m, v),
        witness: (m, v, x, b, s) => prover.witness(m, v, x, b, s),
        run: (m, v, x, b, s) => (n++, prover.run(m, v, x, b, s)),
        close: () => Promise.resolve(), // the shared prover is closed with the environment
      });
      const worker = new Worker({ ...TEST_WORKER_CONFIG, releaseTimeoutMs: 60_000, fetchTimeoutMs: 3_000, txMarginMs: 3_000, ...over }, {
        wallet: signers[i] as unknown as Wallet,
        contracts: c,
        store: readFrom,
        compute,
        encryption: generateWorkerKeyPair(),
        log,
        fromBlock: await ethers.provider.getBlockNumber(),
      });
      return { worker, records, runs: () => n };
    },
    async drive(worker, done, timeoutMs = 120_000) {
      const until = Date.now() + timeoutMs;
      while (!(await done())) {
        if (Date.now() > until) throw new Error("timed out driving the worker and the release agent");
        await book.sync();
        await agent.tick();
        await worker.tick();
        await sleep(100);
      }
    },
    async close() {
      await prover.close();
      await store.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
