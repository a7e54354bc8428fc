/**
 * The dashboard's speed figures: initial JavaScript (gzipped) against the 300 KB budget and what loads only on use,
 * the first render from the local server in Chromium (cold cache, median of 7), and the page's request rate to the
 * node while idle (one block poll a second is the budget). A hardhat node with the protocol deployed and one model
 * registered by test/helpers/protocol (real verifier). Writes bench/results/dashboard.json and prints a table.
 * Run: npm run bench:dashboard (inside `unshare -n` when another node holds the usual ports).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { startApp } from "../lib/app";
import { WEB_DIST } from "../lib/app/bundle";
import { REPO_ROOT } from "../lib/util/processes";
import { launchChromium } from "../test/helpers/browser";
import { runBench, withLocalChain } from "./local-chain";

const gz = (f: string) => zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length;
const kb = (n: number) => Math.round(n / 102.4) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  await withLocalChain("dashboard", async ({ url, store, silent, dir }) => {
    const app = await startApp({ network: "localhost", rpcUrl: url, port: 0, store, log: silent, deploymentsDir: dir });

    // Bundle: what index.html loads before the first screen, and the chunks loaded on use.
    const html = fs.readFileSync(path.join(WEB_DIST, "index.html"), "utf8");
    const initial = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => path.join(WEB_DIST, m[1]));
    const initialJs = initial.filter((f) => f.endsWith(".js")).reduce((s, f) => s + gz(f), 0);
    const initialCss = initial.filter((f) => f.endsWith(".css")).reduce((s, f) => s + gz(f), 0);
    const chunks = fs.readdirSync(path.join(WEB_DIST, "assets")).filter((f) => f.endsWith(".js") && !initial.some((i) => i.endsWith(f)));
    const lazy = chunks.map((f) => ({ file: f.replace(/-[\w-]{8}\.js$/, ""), gzipKB: kb(gz(path.join(WEB_DIST, "assets", f))) })).sort((a, b) => b.gzipKB - a.gzipKB);
    const wasm = fs.readdirSync(path.join(WEB_DIST, "fhe")).map((f) => ({ file: `fhe/${f}`, gzipKB: kb(gz(path.join(WEB_DIST, "fhe", f))) }));

    // First render and idle request rate in Chromium.
    const browser = await launchChromium();
    const renders: number[] = [];
    for (let i = 0; i < 7; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(app.url);
      await page.waitForSelector("main h2");
      renders.push(await page.evaluate(() => (globalThis as unknown as { performance: { now(): number } }).performance.now()));
      await context.close();
    }
    const context = await browser.newContext();
    const page = await context.newPage();
    let rpc = 0;
    page.on("request", (r) => void (r.url().startsWith(url) && rpc++));
    for (const screen of ["market", "history", "mesh"]) {
      await page.goto(`${app.url}#/${screen}`);
      await page.waitForSelector("main h2");
    }
    await page.waitForTimeout(2000);
    rpc = 0;
    const idleSeconds = 10;
    await page.waitForTimeout(idleSeconds * 1000);
    const rpcPerSecond = rpc / idleSeconds;
    await browser.close();
    await app.close();

    const result = {
      date: new Date().toISOString(),
      machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}`,
      initialJsGzipKB: kb(initialJs),
      initialCssGzipKB: kb(initialCss),
      budgetKB: 300,
      firstRenderMs: { median: Math.round(median(renders)), all: renders.map(Math.round) },
      idleRpcRequestsPerSecond: rpcPerSecond,
      lazyChunks: lazy,
      fheWasm: wasm,
    };
    fs.mkdirSync(path.join(REPO_ROOT, "bench", "results"), { recursive: true });
    fs.writeFileSync(path.join(REPO_ROOT, "bench", "results", "dashboard.json"), JSON.stringify(result, null, 2) + "\n");
    console.log("| figure | measured | target |\n|---|---|---|");
    console.log(`| initial JavaScript (gzip) | ${result.initialJsGzipKB} KB (+ ${result.initialCssGzipKB} KB CSS) | ≤ 300 KB |`);
    console.log(`| first render, cold cache (median of 7) | ${result.firstRenderMs.median} ms | < 1000 ms |`);
    console.log(`| requests to the node from an idle page (mesh screen, after market and history) | ${rpcPerSecond.toFixed(1)} /s | ≤ 1 poll/s |`);
    for (const c of lazy.slice(0, 6)) console.log(`| on use: ${c.file} | ${c.gzipKB} KB | |`);
    for (const w of wasm) console.log(`| on use: ${w.file} | ${w.gzipKB} KB | |`);
  });
}

runBench("bench:dashboard", main);
