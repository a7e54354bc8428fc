/**
 * The dashboard in Chromium against a real local market: one FHE devnet (hardhat node + protocol + confidential
 * reputation), the tiny e2e model registered with its real verifier, two worker processes, the app server, and a
 * wallet injected into the page (test/helpers/browser.ts) that forwards to the node's unlocked accounts.
 *   - a requester posts a job from the sandbox; the workers settle it; every shard shows its proof verified and the
 *     predicted classes match the float model's labels; the tab made, sealed and released every data key: no key
 *     ever reaches the app server (every byte the page sends it passes a recording proxy);
 *   - a job file made by job:post is imported, and a job whose post landed after its tab closed is recovered from
 *     the keys kept before the post; after a reload the tab releases their keys to the workers from another screen;
 *     `job:results`'s library reads the browser's exported job file;
 *   - the model owner withdraws its fees; a new worker registers and stakes; a worker decrypts its own reputation
 *     in the page and another account is refused;
 *   - the history exports one record per settlement;
 *   - a declined signature, a wrong network with a working switch, and a revert shown with its decoded error.
 * Run inside a network namespace (the FHE devnet's node listens on 127.0.0.1:8545).
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import type { Browser, Route } from "playwright-core";
import { formatEther, parseEther } from "ethers";
import { startApp } from "../lib/app";
import { postInputsJob, readJobFile, readOwnJob, type JobFile } from "../lib/requester/job";
import { checkedResults } from "../lib/requester/report";
import { decodeRelease } from "../lib/requester/shard";
import { modelEarnings } from "../lib/chain/owner";
import { generateWorkerKeyPair } from "../lib/crypto/worker-key";
import { createOnnxSession } from "../lib/runtime/onnx";
import { createLogger } from "../lib/util/log";
import { REPO_ROOT } from "../lib/util/processes";
import { launchChromium, walletPage, type WalletPage } from "./helpers/browser";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy";
import { SIZES, startMesh, type Mesh } from "./e2e/harness";
import { mlpOnnx, rng } from "./zk/models";
import { registerOnnxModel } from "../lib/zk/register";
import { prepareShards, quantizeShards } from "../lib/requester/prepare";
import { proveBatch } from "../lib/zk/prover";

const OUT = path.join(REPO_ROOT, "test-output", "dashboard");
/** The page's document inside page.waitForFunction (this file compiles without the DOM library). */
type PageDoc = { querySelector(s: string): { textContent: string | null; getAttribute(a: string): string | null } | null; querySelectorAll(s: string): { length: number } };
const INPUTS = 4;
/** Inputs of the job posted from the CLI and imported into the page (one shard each). */
const CLI_INPUTS = 2;
/** Inputs of the job the page recovers from its pending keys (a tab closed while the post was pending). */
const PENDING_INPUTS = 1;
/** A trained zoo model (sklearn digits, 8×8) and held-out digits with distinct labels (7, 9, 4, 0, 2). */
const ZOO = path.join(__dirname, "fixtures", "onnx-zoo");
const DIGITS = [0, 1, 2, 4, 5];
/** The core's shard-count limit: the largest job a requester may post. */
const MAX_SHARDS = 1_000_000;

describe("dashboard in Chromium", function () {
  this.timeout(240_000);
  let mesh: Mesh;
  let app: Awaited<ReturnType<typeof startApp>>;
  let browser: Browser;
  let w: WalletPage;
  /** Every byte the page sent the app server (through a recording proxy): no data key may ever be in it. */
  let proxy: TcpProxy;
  const sent: Buffer[] = [];
  /** The browser job's file, as the page exported it. */
  let exported: JobFile;
  const problems: string[] = [];
  const addr = (i: number) => mesh.d.accounts[i].address;
  const shot = async (name: string) => {
    fs.mkdirSync(OUT, { recursive: true });
    await w.page.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
  };
  const go = async (screen: string) => {
    await w.page.click(`nav a[data-screen="${screen}"]`);
    await w.page.waitForSelector(`main#screen-${screen}`);
  };

  /** No data key of `file`, as hex (either case), base64 or raw bytes, is in anything the page sent the app server. */
  const expectNoKeySent = (file: JobFile) => {
    const all = Buffer.concat(sent);
    const lower = all.toString("latin1").toLowerCase();
    expect(all.length).to.be.greaterThan(0);
    for (const s of file.shards) {
      const key = Buffer.from(s.dataKey!.slice(2), "hex");
      expect(key.length).to.equal(32);
      expect(lower.includes(key.toString("hex")), "data key as hex").to.equal(false);
      expect(all.includes(key.toString("base64")) || all.includes(key.toString("base64url")), "data key as base64").to.equal(false);
      expect(all.includes(key), "data key as bytes").to.equal(false);
    }
  };

  /** Lazy chunks of the in-page re-verification (snarkjs, the verifier), as the page requests them. */
  const lazyLoaded: string[] = [];

  before(async function () {
    mesh = await startMesh({ fhe: true });
    mesh.startWorker(2);
    mesh.startWorker(3);
    app = await startApp({ network: "localhost", rpcUrl: mesh.d.url, port: 0, pollMs: 300, store: mesh.store, serve: "127.0.0.1:0", zkCacheRoot: path.join(REPO_ROOT, ".cache", "zk-e2e"), log: createLogger({ source: "app", out: { write: () => true } as unknown as NodeJS.WritableStream }), deploymentsDir: mesh.d.deploymentsDir });
    browser = await launchChromium();
    w = await walletPage(browser, mesh.d.url, addr(6), (l) => problems.push(l));
    w.page.on("request", (r) => void (/\/assets\/(reverify|browser\.esm)-/.test(r.url()) && lazyLoaded.push(r.url())));
    proxy = await startTcpProxy(Number(new URL(app.url).port), (c) => void sent.push(Buffer.from(c)));
    await w.page.goto(`${proxy.url}/`);
    await w.page.waitForSelector('.model[data-model="1"]', { timeout: 20_000 });
    // A wallet that already authorizes the page reconnects by itself (as MetaMask does); else the connect menu.
    await w.page.waitForSelector("#connect, [data-account]");
    if (await w.page.locator("#connect").count()) {
      await w.page.click("#connect");
      await w.page.click('[data-connector="Test Wallet"]');
    }
    await w.page.waitForSelector(`[data-account="${addr(6).toLowerCase()}"]`);
  });

  afterEach(async function () {
    // A failed step says what the page showed: every transaction line on screen.
    if (this.currentTest?.state === "failed" && w) {
      console.log("tx lines on screen:", await w.page.locator("[data-tx]").allTextContents(), problems);
      await shot(`failed-${this.currentTest.title.slice(0, 20).replace(/\W+/g, "-")}`);
    }
  });

  after(async function () {
    await browser?.close();
    await proxy?.close();
    await app?.close();
    await mesh?.stop();
  });

  it("shows the marketplace from the chain, without a failed request or console error", async function () {
    expect(await w.page.locator('.model[data-model="1"] h3').textContent()).to.contain("e2e-mlp");
    expect(await w.page.locator('.model[data-model="1"] .fee').textContent()).to.equal("0.000100 ETH");
    expect(await w.page.locator('.model[data-model="1"] .setup').textContent()).to.contain("DEV");
    expect(await w.page.locator('.model[data-model="1"] .setup [data-setup="dev"]').getAttribute("title")).to.contain((await mesh.d.contracts.registry.getModel(1)).owner);
    // the registration report, read from the version's circuit bundle by CID on request: what model:register measured
    await w.page.click('.model[data-model="1"] [data-report]');
    const report = await w.page.locator('.model[data-model="1"] .registration .report').textContent({ timeout: 30_000 });
    expect(report).to.match(/^[\d,]+ constraints · circuit = float model on \d+\.\d\d % of \d+ calibration inputs · = onnxruntime on \d+\.\d\d % · max output deviation /);
    expect(problems).to.deep.equal([]);
  });

  it("posts a job from the sandbox; worker processes settle every shard with a verified proof; the predicted classes match the labels", async function () {
    const r = rng(11); // the harness's calibration inputs: inside the model's quantization range
    const inputs = Array.from({ length: 32 }, () => Array.from({ length: SIZES[0] }, r)).slice(0, INPUTS);
    const session = await createOnnxSession(mlpOnnx(5, SIZES), { inputShape: [SIZES[0]] });
    const labels = (await session.run(inputs)).map((o) => o.indexOf(Math.max(...o)));
    await go("sandbox");
    await w.page.selectOption("#sandbox-model", "1");
    await w.page.setInputFiles("#sandbox-inputs", { name: "inputs.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(inputs)) });
    // shards × (price + fee × batch): 4 × (0.01 + 0.0001), as jobEscrowFor answers it
    await w.page.waitForSelector('#escrow b:text-is("0.040400 ETH")');
    await shot("sandbox");
    await w.page.click("#sandbox-post");
    await w.page.waitForSelector('[data-tx="confirmed"]', { timeout: 60_000 });
    await w.page.waitForSelector(".shard[data-state]");
    await w.page.waitForFunction((n) => (globalThis as unknown as { document: PageDoc }).document.querySelectorAll('.shard[data-state="settled"] .verified').length === n, INPUTS, { timeout: 150_000 });
    await w.page.click("#fetch-results");
    await w.page.waitForSelector(`#results tr[data-input="${INPUTS - 1}"]`);
    const predicted = await w.page.locator("#results .predicted").allTextContents();
    expect(predicted.map(Number)).to.deep.equal(labels);
    await shot("sandbox-job");
    // re-verification: on-chain through the server, and in the page with snarkjs against the version's key, read by
    // CID with every block checked; snarkjs and the verifier load only now
    expect(lazyLoaded).to.deep.equal([]);
    const corrupt = async (route: Route) => {
      const res = await route.fetch();
      const body = Buffer.from(await res.body());
      body[body.length - 1] ^= 1;
      await route.fulfill({ response: res, body });
    };
    await w.page.route("**/ipfs/**", corrupt);
    await w.page.click('[data-shard-verify]');
    await w.page.waitForSelector("[data-shard-result] [data-verdict=browser]", { timeout: 60_000 });
    expect(await w.page.locator("[data-shard-result] [data-verdict=browser]").first().textContent()).to.match(/^in this browser: content from \/ipfs does not match CID \w+ \(recomputed \w+\): rejected$/);
    expect(await w.page.locator("[data-shard-result] [data-verdict=chain]").first().textContent()).to.equal("on-chain: valid proof, hash matches");
    await w.page.unroute("**/ipfs/**", corrupt);
    await w.page.click('[data-shard-verify]');
    await w.page.waitForSelector("[data-shard-result].valid", { timeout: 60_000 });
    expect(await w.page.locator("[data-shard-result].valid [data-verdict=browser]").first().textContent()).to.equal("in this browser (snarkjs): valid proof, hash matches");
    expect(lazyLoaded.some((u) => /\/assets\/reverify-/.test(u))).to.equal(true);
    const download = w.page.waitForEvent("download");
    await w.page.click("#export-job");
    const file = (exported = JSON.parse(fs.readFileSync(await (await download).path(), "utf8")) as JobFile);
    expect(file.shards.every((s) => /^0x[0-9a-f]{64}$/.test(s.dataKey ?? ""))).to.equal(true);
    // the tab quantized, committed, sealed, uploaded, released and read back: no data key ever reached the server
    expectNoKeySent(file);
    expect(Buffer.concat(sent).includes("POST /api/v0/add?cid-version=1"), "packages uploaded through the content server's add").to.equal(true);
    expect((await fetch(`${app.url}api/jobs/prepare`, { method: "POST", body: "{}" })).status).to.equal(404);
    // the packages are on the content server behind the app server (Kubo RPC and trustless gateway routes)
    const cid = file.shards[0].packageCid;
    // `app --serve`: every release the tab built names the published content server, which serves the package
    const releases = await mesh.d.contracts.core.queryFilter(mesh.d.contracts.core.filters.ShardKeyReleased(BigInt(file.jobId)));
    expect(app.contentEndpoints).to.have.length(1);
    expect(releases.map((e) => decodeRelease(e.args.payload).endpoints)).to.deep.equal(releases.map(() => app.contentEndpoints));
    expect((await fetch(`${app.contentEndpoints[0]}/ipfs/${cid}?format=raw`)).status).to.equal(200);
    const cat = await fetch(`${app.url}api/v0/cat?arg=${cid}`, { method: "POST" });
    expect(Buffer.from(await cat.arrayBuffer())).to.deep.equal(Buffer.from(await mesh.store.get(cid)));
    expect((await fetch(`${app.url}ipfs/${cid}?format=raw`)).status).to.equal(200);
    // another site's page may not upload through it (the token stays on the server)
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array([1, 2, 3])]));
    expect((await fetch(`${app.url}api/v0/add`, { method: "POST", body: form, headers: { origin: "http://evil.example" } })).status).to.equal(403);
  });

  it("imports a job file made by job:post and recovers a job whose post landed after its tab closed: after a reload, on another screen, the tab releases their keys to the workers' claims and reads the results; the CLI follows a browser job's exported file", async function () {
    const r = rng(12);
    const inputs = Array.from({ length: 32 }, () => Array.from({ length: SIZES[0] }, r)).slice(0, CLI_INPUTS + PENDING_INPUTS);
    const session = await createOnnxSession(mlpOnnx(5, SIZES), { inputShape: [SIZES[0]] });
    const labels = (await session.run(inputs)).map((o) => o.indexOf(Math.max(...o)));
    const jobsDir = fs.mkdtempSync(path.join(OUT, "..", "dashboard-jobs-"));
    const requester = mesh.d.accounts[6];
    const { core, registry, audit } = mesh.d.contracts;
    // the requester's own CLI path (job:post's library function), with the same wallet account as the page
    const post = (vectors: number[][]) => postInputsJob({
      core, registry, requester, store: mesh.store, modelId: BigInt(mesh.model.modelId), modelVersion: 0n, vectors, encrypt: true, jobsDir, clamp: true,
      terms: { pricePerShard: parseEther("0.01"), collateral: parseEther("0.05"), claimWindow: 600, minStake: 0n, gated: false, acceptUnvettedVerifier: false },
    });
    const posted = await post(inputs.slice(0, CLI_INPUTS));
    const landed = await post(inputs.slice(CLI_INPUTS));
    const chainId = String((await mesh.d.provider.getNetwork()).chainId);
    const cliFile = readJobFile(chainId, await core.getAddress(), posted.jobId, jobsDir);
    await w.page.setInputFiles("#job-import", { name: path.basename(posted.file), mimeType: "application/json", buffer: fs.readFileSync(posted.file) });
    await w.page.waitForSelector(`#job-${posted.jobId}`);
    // the other job's keys as a tab leaves them that closed while its post was pending: IndexedDB "pending", by input root
    const { jobId: _id, posted: _at, ...prepared } = readJobFile(chainId, await core.getAddress(), landed.jobId, jobsDir);
    const pending = { ...prepared, requester: addr(6), inputRoot: (await core.getJob(landed.jobId)).inputRoot, at: Date.now() };
    await w.page.evaluate(`new Promise((resolve, reject) => {
      const open = indexedDB.open("oblivion", 2);
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction("pending", "readwrite");
        tx.objectStore("pending").put(${JSON.stringify(pending)}, ${JSON.stringify(pending.inputRoot)});
        tx.oncomplete = () => (open.result.close(), resolve(true));
        tx.onerror = () => reject(tx.error);
      };
    })`);
    // the requester leaves and comes back on another screen: the agent resumes from IndexedDB on any screen
    await w.page.reload();
    await w.page.waitForSelector("#connect, [data-account]");
    if (await w.page.locator("#connect").count()) {
      await w.page.click("#connect");
      await w.page.click('[data-connector="Test Wallet"]');
    }
    await w.page.waitForSelector(`[data-account="${addr(6).toLowerCase()}"]`);
    await go("market");
    for (const [job, n] of [[posted.jobId, CLI_INPUTS], [landed.jobId, PENDING_INPUTS]] as const) {
      for (const until = Date.now() + 240_000; (await core.getJob(job)).settledShards < n; ) {
        if (Date.now() > until) throw new Error(`job ${job} not settled by the tab's releases`);
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(await core.queryFilter(core.filters.ShardKeyReleased(job))).to.have.length(n);
    }
    await go("sandbox");
    await w.page.waitForSelector(`[data-watch="${landed.jobId}"]`); // the recovered job is one of "my jobs" now
    await w.page.click(`[data-watch="${posted.jobId}"]`);
    const card = `#job-${posted.jobId}`;
    await w.page.waitForFunction(([sel, n]) => (globalThis as unknown as { document: PageDoc }).document.querySelectorAll(sel as string).length === n, [`${card} .shard[data-state="settled"] .verified`, CLI_INPUTS] as const, { timeout: 30_000 });
    await w.page.click(`${card} #fetch-results`);
    await w.page.waitForSelector(`${card} #results tr[data-input="${CLI_INPUTS - 1}"]`);
    expect((await w.page.locator(`${card} #results .predicted`).allTextContents()).map(Number)).to.deep.equal(labels.slice(0, CLI_INPUTS));
    expectNoKeySent(cliFile);
    expectNoKeySent(readJobFile(chainId, await core.getAddress(), landed.jobId, jobsDir));
    // the other way: the browser job's exported file, in the CLI's jobs folder, is what job:follow and job:results take
    fs.writeFileSync(path.join(jobsDir, `${exported.chainId}-${exported.core.toLowerCase()}-${exported.jobId}.json`), JSON.stringify(exported));
    const followed = await readOwnJob(core, requester, BigInt(exported.jobId), "6", jobsDir);
    const report = await checkedResults({ core, audit, registry, store: mesh.store }, followed);
    expect(report.rows.length).to.equal(exported.shards.length);
    expect(report.unreadable).to.deep.equal([]);
    expect(report.lines[0]).to.equal(`job ${exported.jobId}: ${exported.shards.length}/${exported.shards.length} shards settled and checked`);
    fs.rmSync(jobsDir, { recursive: true, force: true });
  });

  it("lets the model owner withdraw its fees", async function () {
    const owner = addr(0);
    const held = await mesh.d.contracts.core.balanceOf(owner);
    // the owner's fees (0.0001 per inference of both jobs) and, as the devnet's deployer is also its treasury, the protocol's fee
    expect(held >= parseEther("0.0001") * BigInt(INPUTS + CLI_INPUTS + PENDING_INPUTS)).to.equal(true);
    await w.use(owner);
    await go("models");
    await w.page.waitForFunction((t) => (globalThis as unknown as { document: PageDoc }).document.querySelector("#withdrawable")?.textContent === t, `${Number(formatEther(held)).toFixed(4)} ETH`);
    await w.page.click("#withdraw");
    await w.page.waitForSelector('[data-txbutton="withdraw"] [data-tx="confirmed"]', { timeout: 30_000 });
    expect(await mesh.d.contracts.core.balanceOf(owner)).to.equal(0n);
  });

  it("shows each model's earnings as model:earnings counts them, and deactivates and reactivates the model", async function () {
    const { core, registry } = mesh.d.contracts;
    const e = await modelEarnings(core, registry, 1n);
    expect(e.earnedWei).to.equal(parseEther("0.0001") * BigInt(INPUTS + CLI_INPUTS + PENDING_INPUTS));
    const six = (wei: bigint) => `${Number(formatEther(wei)).toFixed(6)} ETH`;
    await w.page.waitForSelector(`[data-earned="1"]:text-is("${six(e.earnedWei)}")`);
    await w.page.waitForSelector(`[data-in-escrow="1"]:text-is("${six(e.escrowedWei)}")`);
    await w.page.click("#deactivate-1");
    await w.page.waitForSelector('[data-txbutton="deactivate-1"] [data-tx="confirmed"]', { timeout: 30_000 });
    expect((await registry.getModel(1)).active).to.equal(false);
    await w.page.waitForSelector('[data-owned="1"] .badge:text("deactivated")');
    await w.page.click("#reactivate-1");
    await w.page.waitForSelector('[data-txbutton="reactivate-1"] [data-tx="confirmed"]', { timeout: 30_000 });
    expect((await registry.getModel(1)).active).to.equal(true);
    await w.page.waitForSelector("#deactivate-1");
  });

  it("registers a model from an uploaded ONNX and calibration file: compiled and set up on the local server, signed by the owner's wallet", async function () {
    // The harness's model and calibration: the circuit and setup it cached this run are reused (registered again
    // as a second model: compile, setup and upload run through the same library either way).
    const r = rng(11);
    await w.page.click('button:text("Register a model…")');
    await w.page.fill('.register label:has-text("name") input', "browser-mlp");
    await w.page.fill('.register label:has-text("fee per inference") input', "0.0002");
    await w.page.setInputFiles('.register label:has-text("ONNX model") input', { name: "model.onnx", mimeType: "application/octet-stream", buffer: Buffer.from(mlpOnnx(5, SIZES)) });
    await w.page.setInputFiles('.register label:has-text("calibration") input', { name: "calibration.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(Array.from({ length: 32 }, () => Array.from({ length: SIZES[0] }, r)))) });
    await w.page.click('.register button:text("Compile, set up and register")');
    await w.page.waitForSelector('.register .tx.confirmed:text("registered")', { timeout: 90_000 });
    const m = await mesh.d.contracts.registry.getModel(2);
    expect([m.name, m.owner, m.feePerInference]).to.deep.equal(["browser-mlp", addr(0), parseEther("0.0002")]);
    expect((await mesh.d.contracts.registry.getVersion(2, 1)).vetted).to.equal(true);
    await w.page.waitForSelector('[data-owned="2"]');
    await shot("models");
  });

  it("registers and stakes a new worker from the worker hub, with its earnings per job from events", async function () {
    const worker = addr(7);
    await w.use(worker);
    await go("workers");
    await w.page.waitForSelector('#registered:text("no")');
    const key = "0x" + Buffer.from(generateWorkerKeyPair().publicKey).toString("hex");
    await w.page.fill('#stake input[placeholder^="encryption public key"]', key);
    await w.page.fill('#stake input[placeholder="metadata CID"]', "bafyworkerfromthebrowser");
    await w.page.click("#register-worker");
    await w.page.waitForSelector('[data-txbutton="register-worker"] [data-tx="confirmed"]', { timeout: 30_000 }).catch(() => undefined);
    await w.page.waitForSelector('#registered:text("yes")');
    await w.page.fill("#stake-input", "1.5");
    await w.page.click("#stake-button");
    await w.page.waitForSelector('[data-txbutton="stake-button"] [data-tx="confirmed"]', { timeout: 30_000 });
    await w.page.waitForSelector('#stake-amount:text("1.5000 ETH")');
    expect((await mesh.d.contracts.core.getWorker(worker)).stake).to.equal(parseEther("1.5"));
    // a worker process that settled shards sees them per job
    await w.use(addr(2));
    await w.page.waitForSelector("#earnings-per-job tr[data-job]");
  });

  it("decrypts a worker's own reputation in the page, and refuses another account", async function () {
    const worker = addr(2);
    const settledBy = (await mesh.d.contracts.core.queryFilter(mesh.d.contracts.core.filters.ShardSettled(undefined, undefined, worker))).length;
    expect(settledBy).to.be.greaterThan(0);
    await w.page.fill("#reputation-of", worker);
    await w.page.click("#decrypt");
    await w.page.waitForSelector("#reputation-result, #reputation-error", { timeout: 60_000 });
    // allTextContents does not wait (textContent would wait 30 s for an error line that is not there): none is shown
    expect(await w.page.locator("#reputation-error").allTextContents()).to.deep.equal([]);
    expect(Number(await w.page.locator("#rep-successes").textContent())).to.equal(settledBy);
    expect(await w.page.locator("#rep-failures").textContent()).to.equal("0");
    await shot("workers");
    // the new worker asks for worker 2's reputation: the ACL refuses
    await w.use(addr(7));
    await w.page.fill("#reputation-of", worker);
    await w.page.click("#decrypt");
    await w.page.waitForSelector("#reputation-error", { timeout: 60_000 });
    expect(await w.page.locator("#reputation-error").textContent()).to.match(/^Refused: the ACL lets only/);
    await w.page.fill("#reputation-of", addr(7));
  });

  it("shows a revert with its decoded custom error and arguments in units, before anything is signed", async function () {
    await w.use(addr(7));
    await w.page.fill("#unstake-input", "5");
    await w.page.click("#unstake-button");
    await w.page.waitForSelector('[data-txbutton="unstake-button"] [data-tx="reverted"]');
    expect(await w.page.locator('[data-txbutton="unstake-button"] [data-tx="reverted"]').textContent()).to.equal(
      "Reverted: OblivionCore.InsufficientFreeStake(available=1.5 ETH, needed=5.0 ETH)",
    );
  });

  it("answers a declined signature with a calm line and sends nothing", async function () {
    const before = await mesh.d.provider.getTransactionCount(addr(7));
    await w.rejectNext();
    await w.page.fill("#stake-input", "0.1");
    await w.page.click("#stake-button");
    await w.page.waitForSelector('[data-txbutton="stake-button"] [data-tx="rejected"]');
    expect(await w.page.locator('[data-txbutton="stake-button"] [data-tx="rejected"]').textContent()).to.equal("You declined the signature in your wallet: nothing was sent.");
    expect(await mesh.d.provider.getTransactionCount(addr(7))).to.equal(before);
  });

  it("prompts on a wrong network and switches back", async function () {
    await w.chain("0x1");
    await w.page.waitForSelector("#wrong-network");
    expect(await w.page.locator("#wrong-network").textContent()).to.contain("Your wallet is on chain 1");
    await w.page.click("#stake-button");
    await w.page.waitForSelector('[data-txbutton="stake-button"] [data-tx="failed"]');
    await shot("wrong-network");
    await w.page.click("#switch-network");
    await w.page.waitForSelector("#wrong-network", { state: "detached" });
  });

  it("exports the verifiable history with one record per settlement", async function () {
    await go("history");
    const settled = await mesh.d.contracts.core.queryFilter(mesh.d.contracts.core.filters.ShardSettled());
    await w.page.waitForFunction((n) => (globalThis as unknown as { document: PageDoc }).document.querySelector("#history")?.getAttribute("data-rows") === String(n), settled.length);
    const download = w.page.waitForEvent("download");
    await w.page.click("#export-json");
    const rows = JSON.parse(fs.readFileSync(await (await download).path(), "utf8")) as { job: string; shard: number; tx: string }[];
    expect(rows.length).to.equal(settled.length);
    expect(new Set(rows.map((r) => r.tx))).to.deep.equal(new Set(settled.map((e) => e.transactionHash)));
    const csv = w.page.waitForEvent("download");
    await w.page.click("#export-csv");
    expect(fs.readFileSync(await (await csv).path(), "utf8").trim().split("\n").length).to.equal(settled.length + 1);
    await w.page.click(`[data-verify="${rows[0].job === "0" ? 1 : 1}"]`);
    await w.page.waitForSelector('[data-result="1"].valid', { timeout: 60_000 });
    expect(await w.page.locator('[data-result="1"] [data-verdict=chain]').textContent()).to.equal("on-chain: valid proof, hash matches");
    expect(await w.page.locator('[data-result="1"] [data-verdict=browser]').textContent()).to.equal("in this browser (snarkjs): valid proof, hash matches");
    await shot("history");
  });

  it("renders the training and mesh screens from the chain, and the marketplace's counts after settlement", async function () {
    await go("mesh");
    await w.page.waitForSelector(`.worker[data-address="${addr(2).toLowerCase()}"]`);
    await shot("mesh");
    await go("training");
    await shot("training");
    await go("market");
    await w.page.waitForSelector(`.model[data-model="1"] .settled:text("${INPUTS + CLI_INPUTS + PENDING_INPUTS} in ${INPUTS + CLI_INPUTS + PENDING_INPUTS} shards · 3 jobs")`);
    await shot("marketplace");
    expect(problems.filter((p) => !p.includes("4001") && !/rejected/i.test(p))).to.deep.equal([]);
  });

  it("classifies held-out digits with a trained model from the sandbox: the predicted classes are the digits' labels", async function () {
    const digits = JSON.parse(fs.readFileSync(path.join(ZOO, "digits.json"), "utf8")) as { calibration: number[][]; heldout: number[][]; heldoutLabels: number[] };
    const labels = DIGITS.map((i) => digits.heldoutLabels[i]);
    expect(new Set(labels).size).to.equal(DIGITS.length);
    const onnx = new Uint8Array(fs.readFileSync(path.join(ZOO, "mlp_o13.onnx")));
    const reg = await registerOnnxModel({ onnx, name: "digits-mlp", feePerInference: parseEther("0.0001"), calibration: digits.calibration, cacheRoot: path.join(REPO_ROOT, ".cache", "zk") }, mesh.d.contracts.registry, mesh.d.accounts[0], mesh.store);
    await w.use(addr(6));
    await go("sandbox");
    await w.page.waitForSelector(`#sandbox-model option[value="${reg.modelId}"]`, { state: "attached" });
    await w.page.selectOption("#sandbox-model", reg.modelId.toString());
    await w.page.setInputFiles("#sandbox-inputs", { name: "digits.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(DIGITS.map((i) => digits.heldout[i]))) });
    await w.page.waitForSelector(`#input-count:text("${DIGITS.length} inputs")`);
    await w.page.waitForSelector("#sandbox-post:not([disabled])");
    await w.page.click("#sandbox-post");
    await w.page.waitForSelector('[data-tx="confirmed"]', { timeout: 60_000 });
    const jobId = (await mesh.d.contracts.core.jobCount()).toString();
    await w.page.waitForSelector(`[data-watch="${jobId}"]`);
    await w.page.waitForFunction((n) => (globalThis as unknown as { document: PageDoc }).document.querySelectorAll('.shard[data-state="settled"] .verified').length === n, DIGITS.length, { timeout: 120_000 });
    await w.page.click("#fetch-results");
    await w.page.waitForSelector(`#results tr[data-input="${DIGITS.length - 1}"]`);
    const predicted = (await w.page.locator("#results .predicted").allTextContents()).map(Number);
    expect(predicted).to.deep.equal(labels);
  });

  it("watches a 1,000,000-shard job (MAX_SHARDS) with a claimed and a settled shard: rows for those two only, no shard read per block, a small heap", async function () {
    const { core, registry } = mesh.d.contracts;
    const requester = mesh.d.accounts[6];
    const [w8, w9] = [mesh.d.accounts[8], mesh.d.accounts[9]];
    await w.use(addr(6));
    // a zero-fee copy of the e2e model (same verifier and circuit): a million shards at 1 wei cost 1,000,000 wei. The
    // collateral (1,000 wei, above 10x the price) keeps the running worker processes off the job.
    const v = await registry.getVersion(mesh.model.modelId, mesh.model.version);
    await (await registry.connect(mesh.d.accounts[0]).registerModel("free-e2e", 0, { onnxCid: v.onnxCid, circuitCid: v.circuitCid, provingKeyCid: v.provingKeyCid, circuitHash: v.circuitHash, verifier: v.verifier, proofSystem: v.proofSystem, layoutVersion: v.layoutVersion, batchSize: v.batchSize, numPublicSignals: v.numPublicSignals, devSetup: v.devSetup, modelCommitment: v.modelCommitment })).wait();
    const modelId = await registry.modelCount();
    // two real public shards; the core checks each leaf under the root, not the tree's size
    const q = await quantizeShards(mesh.model.artifacts.quant, 1, Array.from({ length: 2 }, () => Array.from({ length: SIZES[0] }, rng(13))), { clamp: true });
    const prepared = await prepareShards(mesh.store, q.batches, false);
    const params = { modelId, modelVersion: 1, shardCount: MAX_SHARDS, inputRoot: prepared.tree.root, pricePerShard: 1n, collateral: 1000n, claimWindow: 600, minStake: 0n, gated: false, acceptUnvettedVerifier: true, inputCount: 0 };
    const rc = (await (await core.connect(requester).postJob(params, { value: await core.jobEscrowFor(params) })).wait())!;
    const jobId = await core.jobCount();
    for (const x of [w8, w9]) {
      await (await core.connect(x).registerWorker("bafyhugejobworker", generateWorkerKeyPair().publicKey)).wait();
      await (await core.connect(x).stake({ value: parseEther("0.1") })).wait();
    }
    await (await core.connect(w8).claim(jobId, 0)).wait();
    await (await core.connect(w9).claim(jobId, 1)).wait();

    // shard 0's real proof for its worker (lib/zk's prover on its own thread), made while the page works
    const art = mesh.model.artifacts;
    const proving = proveBatch(art, q.batches[0].map((u) => u.map((b) => (b - art.quant.inputZeroPoint) * art.quant.inputScale)), await core.bindingOf(jobId, 0, w8.address), { requireArgmaxAgreement: false });
    proving.catch(() => undefined); // awaited below
    const card = `#job-${jobId}`;
    const session = await w.page.context().newCDPSession(w.page);
    const heap = async () => (await session.send("HeapProfiler.collectGarbage"), (await session.send("Runtime.getHeapUsage")).usedSize);
    // the requester imports the job file: the screen shows the job, and the tab releases both claims' keys
    const chainId = String((await mesh.d.provider.getNetwork()).chainId);
    const file: JobFile = { chainId, core: (await core.getAddress()).toLowerCase(), jobId: jobId.toString(), modelId: modelId.toString(), modelVersion: 1, shards: prepared.shards, posted: { block: rc.blockNumber, blockHash: rc.blockHash, tx: rc.hash } };
    await go("sandbox");
    const heapBefore = await heap();
    const t0 = Date.now();
    await w.page.setInputFiles("#job-import", { name: "huge.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(file)) });
    await w.page.waitForSelector(`${card} #shard-counts[data-with-events="2"]`, { timeout: 30_000 });
    const renderMs = Date.now() - t0;
    for (const until = Date.now() + 60_000; (await core.queryFilter(core.filters.ShardKeyReleased(jobId))).length < 2; ) {
      if (Date.now() > until) throw new Error("the tab did not release the two claims");
      await new Promise((r) => setTimeout(r, 300));
    }
    const r = await proving;
    await (await core.connect(w8).submitResult(jobId, 0, prepared.shards[0].inputCommitment, prepared.tree.proof(0), r.outputCommitment, r.cipher, "", r.proofBytes)).wait();
    await w.page.waitForSelector(`${card} .shard[data-shard="0"][data-state="settled"] .verified [data-shard-verify]`, { timeout: 30_000 });
    await w.page.waitForSelector(`${card} .shard[data-shard="1"][data-state="claimed"]:has-text("key released")`, { timeout: 30_000 });
    await w.page.waitForSelector(`${card} p:has-text("1/${MAX_SHARDS} settled")`); // getJob read again on the settlement
    const counts = w.page.locator(`${card} #shard-counts`);
    expect(await counts.getAttribute("data-open")).to.equal(String(MAX_SHARDS - 2));
    expect(await counts.getAttribute("data-untouched")).to.equal(String(MAX_SHARDS - 2));
    expect(await w.page.locator(`${card} .shard[data-shard]`).count()).to.equal(2);
    const [whole, frac = ""] = formatEther(await core.jobEscrow(jobId)).split(".");
    expect(await w.page.locator(`${card} #escrow-left`).textContent()).to.equal(`${whole}.${frac.padEnd(6, "0").slice(0, 6)} ETH`);
    await shot("huge-job");

    // what the page asks the node per block, counted at the RPC: a few new blocks, the page left to catch up on each
    const getShard = core.interface.getFunction("getShard")!.selector;
    const calls: { method: string; selector?: string }[] = [];
    const count = (req: import("playwright-core").Request) => {
      if (!req.url().startsWith(mesh.d.url) || req.method() !== "POST") return;
      const body = req.postDataJSON() as { method: string; params?: { data?: string; input?: string }[] } | { method: string; params?: { data?: string; input?: string }[] }[];
      for (const c of Array.isArray(body) ? body : [body]) calls.push({ method: c.method, selector: (c.params?.[0]?.data ?? c.params?.[0]?.input)?.slice(0, 10) });
    };
    await new Promise((r) => setTimeout(r, 1_000));
    w.page.on("request", count);
    const BLOCKS = 3;
    for (let i = 0; i < BLOCKS; i++) {
      await mesh.d.provider.send("evm_mine", []);
      await new Promise((r) => setTimeout(r, 1_200)); // the page polls the block once a second
    }
    w.page.off("request", count);
    const names = new Map<string, string>();
    for (const c of [core, registry, mesh.d.contracts.audit]) c.interface.forEachFunction((f) => names.set(f.selector, f.name));
    const per = (pred: (c: (typeof calls)[number]) => boolean) => calls.filter(pred).length / BLOCKS;
    const read = (fn: string) => (c: (typeof calls)[number]) => c.method === "eth_call" && names.get(c.selector!) === fn;
    const heapAfter = await heap();
    const mib = (n: number) => (n / 2 ** 20).toFixed(1);
    console.log(`      1,000,000-shard job: screen rendered in ${renderMs} ms; per block: ${per(() => true).toFixed(1)} RPC calls (${per((c) => c.method === "eth_call").toFixed(1)} eth_call: ${per(read("getShard"))} getShard, ${per(read("getJob")) + per(read("jobEscrow"))} getJob/jobEscrow; ${per((c) => c.method === "eth_getLogs").toFixed(1)} eth_getLogs); JS heap ${mib(heapBefore)} MiB before the screen, ${mib(heapAfter)} MiB with it`);
    // no read per shard; the job's counters are read again only when one of its events lands (none did here); the
    // rest is the screen's fixed cost (the block, the wallet's balance, the model list, one log query per cache)
    expect(per(read("getShard"))).to.equal(0);
    expect(per(read("getJob")) + per(read("jobEscrow"))).to.equal(0);
    expect(per((c) => c.method === "eth_getLogs")).to.be.at.most(8);
    expect(heapAfter - heapBefore).to.be.below(16 * 2 ** 20);
    // the job is cancelled from the screen: the untouched shards' escrow comes back
    await w.page.click(`${card} #cancel-job`);
    await w.page.waitForSelector(`${card} [data-txbutton="cancel-job"] [data-tx="confirmed"]`, { timeout: 30_000 });
    expect((await core.getJob(jobId)).cancelled).to.equal(true);
  });
});
