/**
 * The dashboard's mesh screen end to end in a real browser: a Hardhat node in a child process, the protocol deployed through
 * lib/chain/deployments, the public fixture model with its real Groth16 verifier, the mesh server, and Debian's
 * Chromium driven by playwright-core. A shard settles with a real proof (its worker's box turns green), a stopped
 * worker's claim shows as expired past its deadline and is then slashed (red), the audit record's proof re-verifies
 * on-chain through the server, a cancelled job counts its shards as job:status does, and an on-chain training job's
 * round and its participant's training collateral show without a rounds file.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "./helpers/browser";
import { parseEther, type JsonRpcProvider, type JsonRpcSigner } from "ethers";
import { computeBinding } from "../lib/chain/binding";
import { attach, deployOrReuse, type ProtocolContracts } from "../lib/chain/deployments";
import { ShardTree } from "../lib/chain/merkle";
import { startApp } from "../lib/app";
import { createContentStore, type ContentStore } from "../lib/storage";
import { MemoryTrainingSource } from "../lib/mesh/training";
import { createLogger } from "../lib/util/log";
import { REPO_ROOT, startHardhatNode, type ManagedProcess } from "../lib/util/processes";
import { connectRpc } from "../lib/chain/connect";
import { buildFixture, proveFixture } from "./helpers/fixtureCircuit";
import { fixtureInputCommitment } from "./helpers/commitments";
import { COLLATERAL, deployVettedFixtureVerifier, ENC_KEY, FEE_PER_INFERENCE, PRICE, PUBLIC_BATCH, shardInputs, versionSpec, keylessRelease } from "./helpers/protocol";
import { releaseCurve } from "./helpers/snarkjs";
import { jobStatus } from "../lib/chain/protocol";
import { deployTraining } from "../lib/training/deploy";
import { jobParams } from "./training/fixture";
import type { TrainingJobs } from "../typechain-types";

const OUT = path.join(REPO_ROOT, "test-output");
const WINDOW = 60;

describe("mesh view in Chromium", function () {
  let node: { url: string; proc: ManagedProcess } | undefined;
  let provider: JsonRpcProvider;
  let mesh: Awaited<ReturnType<typeof startApp>> | undefined;
  let store: ContentStore;
  const failedLoads: string[] = [];
  let browser: Browser | undefined;
  let page: Page;
  let c: ProtocolContracts;
  let chainId: bigint;
  let tree: ShardTree;
  const inputs = [0, 1, 2].map((i) => shardInputs(i));
  const training = new MemoryTrainingSource();
  let signers: JsonRpcSigner[];
  let trainingJobs: TrainingJobs;

  const box = (w: JsonRpcSigner, status?: string) =>
    `.worker[data-address="${w.address.toLowerCase()}"]${status ? `[data-status="${status}"]` : ""}`;

  before(async function () {
    const art = await buildFixture("fixture_public");
    node = await startHardhatNode();
    provider = await connectRpc(node.url, 100);
    chainId = (await provider.getNetwork()).chainId;
    signers = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((i) => provider.getSigner(i)));
    const [owner, modelOwner, requester] = signers;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mesh-deploy-"));
    const { deployment } = await deployOrReuse("meshtest", owner, {}, { dir });
    c = attach(deployment, owner);
    const adapter = await deployVettedFixtureVerifier(c.registry, owner, "fixture_public");
    await (await c.registry
      .connect(modelOwner)
      .registerModel("fixture-public", FEE_PER_INFERENCE, versionSpec(await adapter.getAddress(), art.circuitHash, { batchSize: PUBLIC_BATCH }))).wait();
    for (const w of signers.slice(3, 6)) {
      await (await c.core.connect(w).registerWorker("bafyworker", ENC_KEY)).wait();
      await (await c.core.connect(w).stake({ value: parseEther("1") })).wait();
    }
    tree = new ShardTree(await Promise.all(inputs.map(fixtureInputCommitment)));
    const params = { modelId: 1n, modelVersion: 1, shardCount: 3, inputRoot: tree.root, pricePerShard: PRICE, collateral: COLLATERAL, claimWindow: WINDOW, minStake: 0n, gated: false, acceptUnvettedVerifier: false, inputCount: 0 };
    await (await c.core.connect(requester).postJob(params, { value: await c.core.jobEscrowFor(params) })).wait();

    // the core's training manager, bound before the app reads its configuration (no --training file anywhere)
    trainingJobs = await deployTraining(await c.core.getAddress(), owner);
    store = createContentStore({}, { ...process.env, OBLIVION_STORE_DIR: path.join(dir, "ipfs") });
    mesh = await startApp({ network: "meshtest", rpcUrl: node.url, port: 0, pollMs: 150, training, store, log: createLogger({ source: "mesh" }), deploymentsDir: dir });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("response", (r) => void (r.status() >= 400 && failedLoads.push(`${r.status()} ${r.url()}`)));
    page.on("console", (m) => void (m.type() === "error" && failedLoads.push(`console: ${m.text()}`)));
    await page.goto(`${mesh.url}#/mesh`);
  });

  after(async function () {
    await browser?.close();
    await mesh?.close();
    await store?.close();
    provider?.destroy();
    await node?.proc.stop();
    await releaseCurve();
  });

  it("loads the app's mesh screen without a failed request or console error (no favicon 404)", async function () {
    await page.waitForSelector(".worker", { timeout: 10_000 });
    expect(failedLoads).to.deep.equal([]);
    expect((await fetch(`${mesh!.url}favicon.ico`)).status).to.equal(204);
  });

  it("shows every worker and the job", async function () {
    for (const w of signers.slice(3, 6)) await page.waitForSelector(box(w, "idle"), { timeout: 10_000 });
    expect(await page.locator(".worker").count()).to.equal(3);
    expect(await page.locator(`${box(signers[3])} dd`).first().textContent()).to.equal("1.0000 ETH");
    await page.waitForSelector('.job[data-job="1"]');
    expect(await page.locator('.job[data-job="1"] .legend').textContent()).to.equal("0 settled · 0 claimed · 3 open");
  });

  it("turns a worker green when its shard settles with a verified proof", async function () {
    const w = signers[3];
    await (await c.core.connect(w).claim(1, 0)).wait();
    await page.waitForSelector(box(w, "working"));
    expect(await page.locator(box(w)).textContent()).to.contain("job 1 · shard 0");
    const binding = computeBinding({ chainId, core: await c.core.getAddress(), jobId: 1n, shardIndex: 0n, worker: w.address });
    const p = await proveFixture("fixture_public", inputs[0], binding);
    await (await c.core.connect(w).submitResult(1, 0, p.inputCommitment, tree.proof(0), p.outputCommitment, [], "bafyout", p.proof)).wait();
    await page.waitForSelector(box(w, "verified"));
    expect(await page.locator(box(w)).textContent()).to.contain("1 / 0");
    await page.waitForSelector('[data-record="1"]');
  });

  it("turns a worker red when its expired claim is slashed", async function () {
    const [w, keeper] = [signers[4], signers[6]];
    await (await c.core.connect(w).claim(1, 1)).wait();
    // With its key released, an expired claim is slashed (without a release it would only be voided).
    await (await c.core.connect(signers[2]).releaseShardKey(1, 1, await keylessRelease(c.core, 1, 1, "0x01"))).wait();
    await page.waitForSelector(box(w, "working"));
    await provider.send("evm_increaseTime", [WINDOW + 1]);
    await provider.send("evm_mine", []);
    // a stopped worker is not WORKING for ever: past its deadline its claim shows as expired until someone calls it in
    await page.waitForSelector(box(w, "expired"));
    await (await c.core.connect(keeper).reclaimExpired(1, 1)).wait();
    await page.waitForSelector(box(w, "slashed"));
    expect(await page.locator(box(w)).textContent()).to.contain("0 / 1");
  });

  it("re-verifies the audit record's proof on-chain", async function () {
    await page.click('[data-verify="1"]');
    await page.waitForSelector('[data-result="1"].valid', { timeout: 20_000 });
    expect(await page.locator('[data-result="1"]').textContent()).to.equal("valid proof, hash matches");
    const missing = await fetch(`${mesh!.url}api/audit/99/verify`, { method: "POST" });
    expect(missing.status).to.equal(404);
    expect(((await missing.json()) as { error: string }).error).to.equal("record 99 does not exist");
    const bad = await fetch(`${mesh!.url}api/audit/x1/verify`, { method: "POST" });
    expect(bad.status).to.equal(400);
  });

  it("shows a running job and training rounds, and saves a screenshot", async function () {
    await (await c.core.connect(signers[5]).claim(1, 2)).wait();
    training.push({ jobId: "1", round: 1, accuracy: 0.874, epsilon: 0.42, delta: 1e-5 });
    training.push({ jobId: "1", round: 2, accuracy: 0.913, epsilon: 0.61, delta: 1e-5 });
    await page.waitForSelector(box(signers[5], "working"));
    await page.waitForSelector("#training-section:not([hidden]) tbody tr:nth-child(2)");
    expect(await page.locator('.job[data-job="1"] .legend').textContent()).to.equal("1 settled · 1 claimed · 1 open");
    expect(await page.locator("#training tbody tr").nth(1).textContent()).to.contain("91.30 %");
    fs.mkdirSync(OUT, { recursive: true });
    const file = path.join(OUT, "mesh.png");
    await page.screenshot({ path: file, fullPage: true });
    expect(fs.statSync(file).size).to.be.greaterThan(10_000);
  });

  it("counts a cancelled job's shards as job:status does, with the model's name", async function () {
    const requester = signers[2];
    const params = { modelId: 1n, modelVersion: 1, shardCount: 3, inputRoot: tree.root, pricePerShard: PRICE, collateral: COLLATERAL, claimWindow: WINDOW, minStake: 0n, gated: false, acceptUnvettedVerifier: false, inputCount: 0 };
    await (await c.core.connect(requester).postJob(params, { value: await c.core.jobEscrowFor(params) })).wait();
    const jobId = await c.core.jobCount();
    await (await c.core.connect(signers[3]).claim(jobId, 0)).wait();
    await (await c.core.connect(requester).cancelJob(jobId)).wait();
    const s = await jobStatus(c.core, jobId);
    const refunded = s.shardCount - s.settledShards - s.openClaims - s.forfeitedShards;
    expect([s.cancelled, s.openClaims, refunded]).to.deep.equal([true, 1, 2]);
    await page.waitForSelector(`.job[data-job="${jobId}"] .legend:text-is("${s.settledShards} settled · ${s.openClaims} claimed · ${refunded} refunded")`);
    expect(await page.locator(`.job[data-job="${jobId}"] .title`).textContent()).to.contain("fixture-public v1").and.to.contain("cancelled");
  });

  it("shows an on-chain training job's rounds and a participant's training collateral, without a rounds file", async function () {
    const [requester, aggregator, w] = [signers[2], signers[6], signers[4]];
    const p = jobParams(aggregator.address, { collateral: parseEther("0.1"), rewardPerUpdate: parseEther("0.01"), aggregatorFee: parseEther("0.01") });
    await (await trainingJobs.connect(requester).postJob(p, { value: await trainingJobs.escrowFor(p) })).wait();
    const jobId = await trainingJobs.jobCount();
    await (await trainingJobs.connect(w).join(jobId, 0)).wait(); // rounds count from 0
    const row = `#training tbody tr[data-round="${jobId}:0"]`;
    await page.waitForSelector(`${row}[data-source="chain"]`);
    expect(await page.locator(`${row} td`).allTextContents()).to.deep.equal([String(jobId), "0", "0", "—", "open"]);
    // locked collateral beside no current claim says what holds it
    await page.waitForSelector(`${box(w)} dd:text("(training 0.1000 ETH)")`);
  });
});
