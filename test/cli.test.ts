/**
 * The command line as a user on a headless Linux box meets it (CI=true, no display: where Hardhat prints stacks):
 * every expected failure is one line on stderr and exit code 1; a deployment whose chain was reset says so in one
 * line and what to run; `deploy` refuses to replace a live deployment unless --fresh; long-running processes say
 * when the RPC goes and comes back, and end in one line when the chain is reset under them.
 */
import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, startHardhatNode, REPO_ROOT } from "../lib/util/processes";
import { sleep } from "../lib/util/retry";
import { inTurns } from "./helpers/in-turns";
import { startTcpProxy, type TcpProxy } from "./helpers/tcp-proxy";

const HARDHAT = path.join(REPO_ROOT, "node_modules", ".bin", "hardhat");
// Hardhat's dev accounts 2 and 3 (the mnemonic every `hardhat node` funds).
const KEY2 = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const KEY3 = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A headless CI-like environment: Hardhat would print stack traces here. */
function ciEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "true", ...extra };
  for (const k of ["DISPLAY", "WAYLAND_DISPLAY", "HARDHAT_NETWORK"]) delete env[k];
  for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
  return env;
}

function hh(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Result> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(HARDHAT, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`hardhat ${args.join(" ")} did not end in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Exit code 1 and exactly one line on stderr, `Error: …`, matching `re`; no stack, no "unexpected error". */
function expectOneLine(r: Result, re: RegExp, what: string): void {
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  expect(r.code, `${what}: exit code (stderr: ${r.stderr})`).to.equal(1);
  expect(lines, `${what}: one stderr line, got:\n${r.stderr}`).to.have.length(1);
  expect(lines[0]).to.match(/^Error: /);
  expect(lines[0], what).to.match(re);
  expect(r.stderr + r.stdout).not.to.match(/An unexpected error occurred|\n\s+at /);
}

/**
 * When a line was written: the time of day its logger stamped on it (lib/util/log.ts, UTC to the millisecond), else
 * when it arrived. A loaded machine may deliver lines late; what the test asks is when the process wrote them.
 */
function producedAt(line: string, received: number): number {
  const m = /^(\d\d):(\d\d):(\d\d)\.(\d{3}) /.exec(line);
  if (!m) return received;
  const d = new Date(received);
  const t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), +m[1], +m[2], +m[3], +m[4]);
  return t > received + 43_200_000 ? t - 86_400_000 : t; // written just before midnight, read just after
}

/** A long-running task; each stdout line is kept with the time it was written (`producedAt`). */
function longRunning(args: string[], env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(HARDHAT, args, { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const out: { t: number; line: string }[] = [];
  let stderr = "";
  let buf = "";
  child.stdout!.on("data", (d) => {
    buf += d;
    const parts = buf.split("\n");
    buf = parts.pop()!;
    for (const line of parts) out.push({ t: producedAt(line, Date.now()), line });
  });
  child.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  const waitFor = async (re: RegExp, timeoutMs: number, after = 0) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = out.find((o) => o.t >= after && re.test(o.line));
      if (hit) return hit;
      if (Date.now() > until || child.exitCode !== null) {
        throw new Error(`${args[0]}: no line matching ${re} in ${timeoutMs} ms:\n${out.map((o) => o.line).join("\n")}\n${stderr}`);
      }
      await sleep(100);
    }
  };
  return { child, out, stderr: () => stderr, exited, waitFor, kill: () => child.exitCode === null && child.kill("SIGKILL") };
}

describe("command line: one-line failures and chain identity", function () {
  let home: string;
  before(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "vob-cli-"));
  });
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  it("bad arguments, config errors and an unreachable RPC: one stderr line and exit 1 on a headless terminal", async function () {
    const deployments = path.join(home, "none");
    fs.mkdirSync(deployments);
    const dead = `http://127.0.0.1:${await freePort()}`; // nothing listens there
    const env = ciEnv({ DEPLOYMENTS_DIR: deployments, OBLIVION_HOME: home, LOCAL_RPC_URL: dead, OBLIVION_PRIVATE_KEY: undefined });
    const cases: [string[], RegExp][] = [
      [["job:status", "--bogus", "1", "--network", "localhost"], /Unrecognized param --bogus/],
      [["job:status", "--network", "localhost"], /'--job' parameter of task 'job:status' expects a value/],
      [["job:sttus", "--job", "1"], /Unrecognized task 'job:sttus'/],
      [["job:status", "--job", "1", "--network", "nowhere"], /unknown network "nowhere"/],
      [["keeper:run", "--interval", "soon", "--network", "localhost"], /Invalid value soon for argument interval/],
      [["job:status", "--job", "x", "--network", "localhost"], /^Error: job:status: bad --job: "x" is not a whole number$/],
      [["job:status", "--job", "1", "--network", "localhost"], /^Error: job:status: no deployment for network "localhost"/],
      [["deploy", "--network", "localhost"], /^Error: deploy: Cannot connect to the network localhost: is its node running/],
      [["worker:run", "--network", "localhost"], /^Error: worker:run: /],
      [["keeper:run", "--network", "localhost"], /^Error: keeper:run: keeper key missing or malformed/],
      [["keeper:run", "--key", "0x1234", "--network", "localhost"], /^Error: keeper:run: keeper key missing or malformed/],
      [["dp:epsilon", "--samples", "x", "--batch", "1", "--sigma", "1", "--epochs", "1", "--delta", "1e-5"], /^Error: dp:epsilon: bad --samples: "x" is not a number$/],
      [["dp:budget", "--samples", "10", "--batch", "100", "--sigma", "1", "--local-epochs", "1", "--delta", "1e-5", "--epsilon", "1"], /^Error: dp:budget: bad --batch: /],
      [["store:get", "--cid", "bafy", "--out", path.join(home, "x"), "--key", "0x12"], /^Error: store:get: bad --key/],
      [["mesh", "--poll", "10", "--network", "localhost"], /^Error: mesh: bad --poll/],
      [["fhe:deploy", "--layout", "sideways", "--network", "localhost"], /^Error: fhe:deploy: /],
      [["train:status", "--job", "x", "--network", "localhost"], /^Error: train:status: /],
    ];
    // three at a time: each is a Hardhat start (ts-node) on a shared machine
    const results = await inTurns(cases, 3, ([a]) => hh(a, env));
    cases.forEach(([a, re], i) => expectOneLine(results[i], re, a.join(" ")));

    // with a worker key, worker:run gets as far as the RPC: one line within a few seconds, not a minute of silence
    // (the keeper too; and --show-stack-traces still gives Hardhat's full report): the three at once
    fs.writeFileSync(path.join(deployments, "localhost.json"), JSON.stringify({ network: "localhost", chainId: "31337", contracts: { OblivionCore: { address: "0x" + "11".repeat(20) } } }));
    const [down, keeperDown, traced] = await Promise.all([
      hh(["worker:run", "--network", "localhost"], { ...env, OBLIVION_PRIVATE_KEY: KEY2 }),
      hh(["keeper:run", "--network", "localhost"], { ...env, OBLIVION_PRIVATE_KEY: KEY3 }),
      hh(["job:status", "--job", "x", "--network", "localhost", "--show-stack-traces"], env),
    ]);
    expect(down.ms, "worker:run gives up on a dead RPC within seconds").to.be.below(60_000);
    expectOneLine(down, new RegExp(`^Error: worker:run: RPC ${dead} is unreachable \\(ECONNREFUSED for \\d+ s\\)`), "worker:run, RPC down");
    expectOneLine(keeperDown, new RegExp(`^Error: keeper:run: RPC ${dead} is unreachable`), "keeper:run, RPC down");
    expect(traced.code).to.equal(1);
    expect(traced.stderr.split("\n").length).to.be.greaterThan(3);
  });

  it("chain identity: deploy refuses to replace a live deployment unless --fresh; a reset chain is one line everywhere, also under running processes", async function () {
    const deployments = path.join(home, "deployments");
    let node = await startHardhatNode();
    let proxy: TcpProxy | undefined;
    const procs: ReturnType<typeof longRunning>[] = [];
    try {
      proxy = await startTcpProxy(node.port);
      const env = ciEnv({ DEPLOYMENTS_DIR: deployments, OBLIVION_HOME: path.join(home, "state"), LOCAL_RPC_URL: proxy.url, OBLIVION_POLL_MS: "300" });
      const net = ["--network", "localhost"];
      const file = path.join(deployments, "localhost.json");

      const first = await hh(["deploy", ...net], env);
      expect(first.code, first.stderr).to.equal(0);
      const d1 = JSON.parse(fs.readFileSync(file, "utf8"));
      expect(d1.chainId).to.equal("31337");
      expect(d1.block.number).to.be.a("number");
      expect(d1.block.hash).to.match(/^0x[0-9a-f]{64}$/);

      // the README's fhe:deploy line, as printed: the core comes from the deployment file
      const fhe = await hh(["fhe:deploy", "--layout", "local", ...net], env);
      expect(fhe.code, fhe.stderr).to.equal(0);
      expect(fhe.stdout).to.contain(`core ${d1.contracts.OblivionCore.address} now uses gate`);
      fs.writeFileSync(path.join(deployments, "localhost.training.json"), JSON.stringify({ network: "localhost", core: d1.contracts.OblivionCore.address }));

      // different options on a live deployment: refused, nothing changes
      const refused = await hh(["deploy", "--unbonding", "120", ...net], env);
      expectOneLine(refused, /deploy: localhost\.json records a live deployment that differs \(unbondingPeriod 3600, asked 120\).*pass --fresh/, "deploy --unbonding 120");
      expect(JSON.parse(fs.readFileSync(file, "utf8"))).to.deep.equal(d1);

      // --fresh: a new deployment; the old file and the files bound to its core are moved aside, and it says so
      const fresh = await hh(["deploy", "--unbonding", "120", "--fresh", ...net], env);
      expect(fresh.code, fresh.stderr).to.equal(0);
      for (const name of ["localhost", "localhost.fhe", "localhost.training"]) {
        expect(fresh.stdout).to.match(new RegExp(`moved ${name.replace(".", "\\.")}\\.json aside to ${name.replace(".", "\\.")}\\.\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\dZ\\.json`));
      }
      expect(fresh.stdout).to.match(/run fhe:deploy again/);
      const d2 = JSON.parse(fs.readFileSync(file, "utf8"));
      expect(d2.config.unbondingPeriod).to.equal(120);
      expect(d2.contracts.OblivionCore.address).not.to.equal(d1.contracts.OblivionCore.address);
      const aside = fs.readdirSync(deployments).filter((f) => /^localhost\.\d{4}-.*\.json$/.test(f));
      expect(aside).to.have.length(1);
      expect(JSON.parse(fs.readFileSync(path.join(deployments, aside[0]), "utf8"))).to.deep.equal(d1);
      expect(fs.existsSync(path.join(deployments, "localhost.fhe.json"))).to.equal(false);

      // long-running processes on the live chain
      const worker = longRunning(["worker:run", ...net], { ...env, OBLIVION_PRIVATE_KEY: KEY2 });
      const keeper = longRunning(["keeper:run", ...net], { ...env, OBLIVION_PRIVATE_KEY: KEY3 });
      const mesh = longRunning(["mesh", "--port", "0", "--poll", "300", ...net], env);
      procs.push(worker, keeper, mesh);
      await Promise.all([worker.waitFor(/worker started/, 180_000), keeper.waitFor(/keeper started/, 180_000), mesh.waitFor(/mesh view of localhost/, 180_000)]);

      // the RPC goes away: one line within a few seconds each, nothing more while it is down
      await proxy.cut();
      const lost = Date.now();
      const lines = await Promise.all(procs.map((p) => p.waitFor(/RPC unreachable/, 15_000, lost)));
      for (const l of lines) expect(l.t - lost, l.line).to.be.below(6_000);
      await sleep(6_000);
      for (const p of procs) {
        const during = p.out.filter((o) => o.t >= lost).map((o) => o.line);
        expect(during, during.join("\n")).to.have.length(1);
      }
      // ... and comes back: one line saying so
      await proxy.restore();
      const back = Date.now();
      await Promise.all(procs.map((p) => p.waitFor(/RPC back: .* answered again after \d+ s/, 40_000, back)));

      // the chain is reset under them (a new node behind the same URL): each ends with one line, exit code 1
      const old = node;
      await proxy.cut();
      await old.proc.stop();
      node = await startHardhatNode();
      proxy.retarget(node.port);
      await proxy.restore();
      for (const [p, name] of [[worker, "worker:run"], [keeper, "keeper:run"], [mesh, "mesh"]] as const) {
        expect(await Promise.race([p.exited, sleep(90_000).then(() => "timeout")]), `${name} exit`).to.equal(1);
        const errLines = p.stderr().split("\n").filter((l) => l.trim());
        expect(errLines, `${name} stderr:\n${p.stderr()}`).to.have.length(1);
        expect(errLines[0]).to.match(new RegExp(`^Error: ${name}: the deployment in localhost\\.json is gone: .*run \`npx hardhat deploy --network localhost\``));
      }

      // tasks and processes started against the reset chain: the same line, never a decode error
      const [list, w] = await Promise.all([hh(["model:list", ...net], env), hh(["worker:run", ...net], { ...env, OBLIVION_PRIVATE_KEY: KEY2 })]);
      expectOneLine(list, /^Error: model:list: the deployment in localhost\.json is gone: (chain 31337 has no block \d+ any more|block \d+ of chain 31337 is not the one it was deployed in) .*run `npx hardhat deploy --network localhost`/, "model:list after a reset");
      expectOneLine(w, /^Error: worker:run: the deployment in localhost\.json is gone/, "worker:run after a reset");


      // deploy on the reset chain: says the old one is gone, moves it aside, deploys
      const again = await hh(["deploy", ...net], env);
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.match(/the previous deployment on localhost is gone: .*\nmoved localhost\.json aside to localhost\.\d{4}-/);

      // an insufficient-funds failure names the amounts in ETH
      const broke = await hh(["stake", "--amount", "1000000", "--from", "2", ...net], env);
      expectOneLine(broke, /^Error: stake: insufficient funds: the transaction may cost up to 1000000\.\d+ ETH \(gas \+ value\) but the sender holds 10000\.0 ETH$/, "stake beyond the balance");
    } finally {
      for (const p of procs) p.kill();
      await proxy?.close();
      await node.proc.stop();
    }
  });
});
