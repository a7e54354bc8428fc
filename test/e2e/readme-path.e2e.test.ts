/**
 * The README's manual path, run as a new user would, on two hosts: every step a separate process started with the
 * command the README prints (`npx hardhat <task> … --network localhost`), in a fresh state directory. Host A (this
 * process's network namespace) runs the chain, the deployer, the model owner, the keeper and the requester, which
 * serves its content (`--serve 0.0.0.0:8090`); host B (a network namespace joined to A by a veth pair) runs the two
 * workers, each with its own OBLIVION_HOME, store, keys and a copy of the deployment file, reaching the chain at
 * A's address (README: "Workers on other machines"). The workers fetch the shard packages and the model from the
 * requester's server and deliver their results back. Then the requester stops following and resumes with the
 * command it printed, a follow with the wrong signer and one without the job file each fail in one line, a claim
 * whose key is never released expires on an idle node and is voided (the shard goes to the other worker; no
 * transaction of the whole run reverted), and the chain is reset under a running requester command.
 *
 * Namespaces need root (CI runs as root); without it the file skips. The fhEVM plugin's client API only accepts
 * localhost:8545, and `keeper:run` uses it when the FHE contracts are deployed: run this file in its own network
 * namespace on a shared machine,
 *   unshare -n bash -c 'ip link set lo up; npx hardhat test test/e2e/readme-path.e2e.test.ts'
 * It skips when 8545 is taken. The MNIST circuit is cached under .cache/zk (shared with the demo): a first run
 * compiles and sets it up (minutes), later runs take about three minutes.
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { devAccount } from "../../lib/devnet/devnet";
import { portIsFree, REPO_ROOT, startProcess, waitForRpc, type ManagedProcess } from "../../lib/util/processes";
import { sleep } from "../../lib/util/retry";
import { backgroundDone, startInBackground } from "../helpers/background";

const HARDHAT = path.join(REPO_ROOT, "node_modules", ".bin", "hardhat");
const PORT = 8545;
const URL_ = `http://127.0.0.1:${PORT}`;
/** Host B: a network namespace and a veth pair unique to this run; host A keeps 10.77.x.1. */
const NS_B = `oblivion-b-${process.pid}`;
const VETH = `ob${process.pid % 1_000_000}`;
const SUBNET = `10.77.${process.pid % 250}`;
const HOST_A = `${SUBNET}.1`;
const SERVE = "0.0.0.0:8090";

const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });

/** Host B joined to this namespace (host A) by a veth pair; throws when namespaces cannot be made (not root). */
function makeHostB(): void {
  ip("netns", "add", NS_B);
  ip("link", "add", `${VETH}a`, "type", "veth", "peer", "name", `${VETH}b`);
  ip("link", "set", `${VETH}b`, "netns", NS_B);
  ip("addr", "add", `${HOST_A}/24`, "dev", `${VETH}a`);
  ip("link", "set", `${VETH}a`, "up");
  ip("netns", "exec", NS_B, "ip", "link", "set", "lo", "up");
  ip("netns", "exec", NS_B, "ip", "addr", "add", `${SUBNET}.2/24`, "dev", `${VETH}b`);
  ip("netns", "exec", NS_B, "ip", "link", "set", `${VETH}b`, "up");
}

function dropHostB(): void {
  // deleting the namespace deletes the veth pair with it
  try {
    ip("netns", "del", NS_B);
  } catch {
    // never made
  }
}

interface Proc {
  p: ManagedProcess;
  out: string[];
}

// A cold cache's MNIST training and circuit (model:example, model:register) are made ahead, from the start of the run.
startInBackground("readme-example", path.join(__dirname, "prewarm-example.ts"), []);

describe("e2e: the README's manual path, as separate processes", function () {
  this.timeout(1_800_000);
  const home = path.join(REPO_ROOT, ".oblivion", "test-readme", String(process.pid));
  const ex = path.join(home, "example");
  const env: NodeJS.ProcessEnv = { ...process.env, OBLIVION_HOME: home, DEPLOYMENTS_DIR: path.join(home, "deployments"), LOCAL_RPC_URL: URL_ };
  delete env.HARDHAT_NETWORK;
  const procs: Proc[] = [];
  let node: Proc;
  let provider: JsonRpcProvider;

  /** `npx hardhat <args>` as a long-running process (on host B with `onB`); its lines are kept. */
  const start = (args: string[], extra: Record<string, string> = {}, onB = false): Proc => {
    const p = onB ? startProcess("ip", ["netns", "exec", NS_B, HARDHAT, ...args], { env: { ...env, ...extra } }) : startProcess(HARDHAT, args, { env: { ...env, ...extra } });
    const out: string[] = [];
    for (const s of [p.child.stdout, p.child.stderr]) s?.on("data", (d: Buffer) => out.push(...d.toString().split("\n").filter(Boolean)));
    const proc = { p, out };
    procs.push(proc);
    return proc;
  };
  /** `npx hardhat <args>` to completion: exit code, stdout, stderr. */
  const cli = (args: string[], extra: Record<string, string> = {}, onB = false): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const c = onB ? spawn("ip", ["netns", "exec", NS_B, HARDHAT, ...args], { cwd: REPO_ROOT, env: { ...env, ...extra } }) : spawn(HARDHAT, args, { cwd: REPO_ROOT, env: { ...env, ...extra } });
      let stdout = "";
      let stderr = "";
      c.stdout.on("data", (d) => (stdout += d));
      c.stderr.on("data", (d) => (stderr += d));
      c.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
  const ok = async (args: string[], extra: Record<string, string> = {}, onB = false) => {
    const r = await cli(args, extra, onB);
    if (r.code !== 0) throw new Error(`npx hardhat ${args.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  const waitFor = async (cond: () => boolean | Promise<boolean>, ms: number, what: string) => {
    const until = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${procs.flatMap((p) => p.out.slice(-15)).join("\n")}`);
      await sleep(300);
    }
  };
  const key = (i: number) => ({ OBLIVION_PRIVATE_KEY: devAccount(i).privateKey });
  /**
   * A worker's machine: its own home (store, keys, artifacts), the deployment file copied from host A (as a worker
   * elsewhere downloads it), and host A's chain as its `localhost` network.
   */
  const hostB = (name: string): Record<string, string> => {
    const h = path.join(home, "hostB", name);
    const deployments = path.join(h, "deployments");
    fs.mkdirSync(deployments, { recursive: true });
    fs.cpSync(path.join(home, "deployments"), deployments, { recursive: true });
    // OBLIVION_GATEWAYS: where the model owner serves its models (store:serve on host A), for the measurement
    // before a worker's first claim of the model
    return { OBLIVION_HOME: h, DEPLOYMENTS_DIR: deployments, LOCAL_RPC_URL: `http://${HOST_A}:${PORT}`, OBLIVION_GATEWAYS: `http://${HOST_A}:8080` };
  };
  // Workers leave a claim without a key after 10 s (default 60 s) so that the scenarios fit in minutes.
  const workerEnv = (name: string, i: number) => ({ ...hostB(name), ...key(i), OBLIVION_RELEASE_TIMEOUT_MS: "10000", OBLIVION_POLL_MS: "300", OBLIVION_CONTENT_BACKOFF_MS: "5000", OBLIVION_JSON: "true" });
  let hostBMade = false;
  const workers: Proc[] = [];
  const lines = (p: Proc, msg: string) => p.out.filter((l) => l.includes(`"msg":"${msg}"`));

  before(async function () {
    if (!(await portIsFree(PORT))) {
      console.log(`    (skipped: port ${PORT} is taken; run this file inside \`unshare -n\`, see its header)`);
      this.skip();
    }
    try {
      makeHostB();
      hostBMade = true;
    } catch (err) {
      dropHostB();
      console.log(`    (skipped: no second host: ${(err as Error).message.split("\n")[0]}; network namespaces need root)`);
      this.skip();
    }
    fs.rmSync(home, { recursive: true, force: true });
    fs.mkdirSync(home, { recursive: true });
    await backgroundDone("readme-example");
    node = start(["node", "--hostname", "0.0.0.0"]); // npx hardhat node --hostname 0.0.0.0: workers on host B reach it
    await waitForRpc(URL_);
    provider = new JsonRpcProvider(URL_, undefined, { staticNetwork: true, pollingInterval: 200 });
  });

  after(async () => {
    provider?.destroy();
    await Promise.all(procs.map((p) => p.p.stop()));
    fs.mkdirSync(path.join(REPO_ROOT, "test-output"), { recursive: true });
    fs.writeFileSync(path.join(REPO_ROOT, "test-output", "readme-path.log"), procs.map((p) => p.out.join("\n")).join("\n----\n"));
    if (hostBMade) dropHostB();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("deploy, fhe:deploy, model:example, model:register, worker:init + worker:run x2, keeper:run, job:post --follow, job:results", async () => {
    expect(await ok(["deploy", "--network", "localhost"])).to.match(/OblivionCore\s+0x/);
    // The README's command, as printed: the core comes from the deployment file (issue 12, point 3).
    const fhe = await cli(["fhe:deploy", "--layout", "local", "--network", "localhost"]);
    expect(fhe.code, fhe.stderr).to.equal(0);

    const example = await ok(["model:example", "--out", ex]);
    expect(example).to.match(/inputs\s+.*inputs\.npy/);
    for (const f of ["mnist.onnx", "calibration.json", "inputs.npy", "inputs.csv", "inputs.json", "labels.json"]) expect(fs.existsSync(path.join(ex, f)), f).to.equal(true);
    const reg = await ok(["model:register", "--onnx", path.join(ex, "mnist.onnx"), "--name", "mnist", "--fee", "0.001", "--calibration", path.join(ex, "calibration.json"), "--from", "4", "--network", "localhost"]);
    expect(reg).to.match(/model id 1 version 1/);
    // the model owner serves its store (the model's artifacts) to workers on other machines
    const served = start(["store:serve", "--host", "0.0.0.0", "--port", "8080"]);
    await waitFor(() => served.out.some((l) => /serving .* at http:\/\/0\.0\.0\.0:8080/.test(l)), 60_000, "store:serve");

    // the workers on host B: worker:init and worker:run there, each in its own home
    for (const [i, acct] of [[1, 2], [2, 3]]) {
      const cfgFile = path.join(home, "hostB", `w${i}`, `worker${i}.json`);
      const init = await ok(["worker:init", "--out", cfgFile, "--network", "localhost"], hostB(`w${i}`), true);
      expect(init).to.match(/metadata document baf/);
      const cfg = JSON.parse(fs.readFileSync(cfgFile, "utf8"));
      expect(cfg).to.not.have.property("privateKey");
      expect(fs.statSync(cfg.encryptionKeyFile).mode & 0o777).to.equal(0o600);
      workers.push(start(["worker:run", "--worker-config", cfgFile, "--network", "localhost"], workerEnv(`w${i}`, acct), true));
    }
    start(["keeper:run", "--network", "localhost"], key(5));

    // Refused posts write nothing: no package in the store, no job file (issue 12, points 11 and 14).
    const files = (d: string): number => (fs.existsSync(d) ? fs.readdirSync(d, { recursive: true }).length : 0);
    const stored = files(path.join(home, "ipfs"));
    const broke = await cli(["job:post", "--inputs", path.join(ex, "inputs.npy"), "--model", "1", "--price", "20000", "--collateral", "0.1", "--from", "1", "--network", "localhost"]);
    expect(broke.code).to.equal(1);
    expect(broke.stderr).to.match(/job:post: insufficient funds: 0x[0-9a-fA-F]{40} has [\d.]+ ETH, the job needs 160000\.\d+ ETH escrow plus gas/);
    const hot = path.join(home, "hot.json");
    const img = JSON.parse(fs.readFileSync(path.join(ex, "inputs.json"), "utf8"))[0] as number[];
    fs.writeFileSync(hot, JSON.stringify([img, img.map((v, i) => (i === 300 ? 5.0 : v))]));
    const outside = await cli(["job:post", "--inputs", hot, "--model", "1", "--price", "0.01", "--collateral", "0.1", "--from", "1", "--network", "localhost"]);
    expect(outside.code).to.equal(1);
    expect(outside.stderr).to.match(/job:post: input 1 has 5 at position 300, outside the calibration range \[0, 1\] \(1 value in all\); pass --clamp/);
    expect(files(path.join(home, "ipfs"))).to.equal(stored);
    expect(files(path.join(home, "jobs"))).to.equal(0);

    const posted = await cli(["job:post", "--inputs", path.join(ex, "inputs.npy"), "--model", "1", "--price", "0.01", "--collateral", "0.1", "--from", "1", "--follow", "--serve", SERVE, "--network", "localhost"]);
    expect(posted.code, posted.stderr + posted.stdout).to.equal(0);
    expect(posted.stdout).to.match(/posted job 1: 8 shards of 1 \(8 inputs\)/);
    expect(posted.stdout).to.include(`http://${HOST_A}:8090`); // the endpoint published to the workers
    expect(posted.stdout).to.match(/job 1: settled 8\/8/);
    expect(posted.stdout).to.match(/job 1: 8\/8 shards settled and checked/);
    const results = await ok(["job:results", "--job", "1", "--labels", path.join(ex, "labels.json"), "--from", "1", "--network", "localhost"]);
    expect(results).to.match(/job 1: 8\/8 shards settled and checked/);
    const [, correct] = results.match(/accuracy against --labels: (\d+)\/8/)!;
    expect(Number(correct)).to.be.at.least(7);
    // Both workers, on the other host, took part: the package came from the requester's server and the model from the owner's store:serve (their
    // own stores started empty), and their results went back to it (job:results above read them from host A's store).
    for (const w of workers) {
      expect(lines(w, "settled").length).to.be.greaterThan(0);
      expect(lines(w, "could not deliver the result to the requester")).to.have.length(0);
    }
    // The owner fees went to the model's owner (account 4), not the deployer.
    const earnings = await ok(["model:earnings", "--from", "4", "--network", "localhost"]);
    expect(earnings).to.match(/^#1 mnist active: earned 0\.008 ETH on 8 settled shards of 1 job,/m);
    expect(earnings).to.match(/withdrawable balance 0\.008 ETH/);
  });

  it("a requester that stops following: workers leave the claims without a slash and move on; job:follow finishes the job after a restart", async () => {
    const inputs = path.join(home, "four.json");
    fs.writeFileSync(inputs, JSON.stringify(JSON.parse(fs.readFileSync(path.join(ex, "inputs.json"), "utf8")).slice(0, 4)));
    const follower = start(["job:post", "--inputs", inputs, "--model", "1", "--price", "0.01", "--collateral", "0.1", "--window", "120", "--from", "1", "--follow", "--serve", SERVE, "--network", "localhost"]);
    await waitFor(() => follower.out.some((l) => /posted job 2/.test(l)), 60_000, "job 2 posted");
    await follower.p.stop(); // the requester's machine goes away before any claim
    // (a claim that got its key in the moment before the stop finds the content gone: the worker leaves it too, and
    // backs off that job for OBLIVION_CONTENT_BACKOFF_MS)
    // stopped on purpose: the hint names every argument the command had
    const hint = follower.out.map((l) => /resume with: (npx hardhat job:follow .*)$/.exec(l)?.[1]).find(Boolean);
    expect(hint, follower.out.join("\n")).to.equal(`npx hardhat job:follow --job 2 --from 1 --serve ${SERVE} --network localhost`);
    const left = () => workers.reduce((n, w) => n + lines(w, "left the claim without a slash").length, 0);
    // Each worker (concurrency 1) leaves a claim that got no key within 10 s (leaveClaim: collateral unlocked at
    // once, no slash) and claims another; a claim left before any release does not bar the worker from the shard.
    await waitFor(() => left() >= 4, 120_000, "four claims left");
    // Nothing reports what did not happen: the wrong signer, and a machine without the job file, each one line, exit 1.
    const oneLine = (r: { code: number | null; stderr: string }, re: RegExp) => {
      expect(r.code, r.stderr).to.equal(1);
      const err = r.stderr.split("\n").filter((l) => l.trim());
      expect(err, r.stderr).to.have.length(1);
      expect(err[0]).to.match(re);
    };
    oneLine(await cli(["job:follow", "--job", "2", "--network", "localhost"]), /^Error: job:follow: job 2 was posted by 0x[0-9a-fA-F]{40}, not by the signer --from 0 \(0x/);
    oneLine(await cli(["job:follow", "--job", "2", "--from", "1", "--network", "localhost"], { OBLIVION_HOME: path.join(home, "elsewhere") }), /^Error: job:follow: no local secrets for job 2: .* is missing/);
    const early = await cli(["job:results", "--job", "2", "--from", "1", "--network", "localhost"]);
    expect(early.stdout).to.match(/job 2: 0 settled shards checked; 4 of 4 not settled yet/);
    oneLine(early, /^Error: job:results: job 2 is not finished: 4 of 4 shards not settled \(pass --partial to accept that\)/);
    const r = await cli(hint!.split(" ").slice(2)); // the printed command, as printed
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/job 2: 4\/4 shards settled and checked/);
  });

  it("a claim whose key is never released expires on an idle node, is voided, and the other worker settles the shard; no transaction reverted", async () => {
    const inputs = path.join(home, "two.json");
    fs.writeFileSync(inputs, JSON.stringify(JSON.parse(fs.readFileSync(path.join(ex, "inputs.json"), "utf8")).slice(4, 6)));
    // A worker that crashes after claiming is played by a staller (it claims and never works or leaves). The two
    // honest workers are stopped while it takes its claim, then started again.
    await Promise.all(workers.map((w) => w.p.stop()));
    const cfg3 = path.join(home, "hostB", "w3", "worker3.json");
    await ok(["worker:init", "--out", cfg3, "--network", "localhost"], hostB("w3"), true);
    const staller = start(["worker:run", "--worker-config", cfg3, "--network", "localhost"], { ...workerEnv("w3", 6), OBLIVION_MISBEHAVE: "stall" }, true);
    const post = await ok(["job:post", "--inputs", inputs, "--model", "1", "--price", "0.01", "--collateral", "0.1", "--window", "60", "--from", "1", "--network", "localhost"]);
    expect(post).to.match(/posted job 3: 2 shards/);
    const core = JSON.parse(fs.readFileSync(path.join(home, "deployments", "localhost.json"), "utf8")).contracts.OblivionCore.address as string;
    const iface = new (await import("ethers")).Interface((await import("../../typechain-types")).OblivionCore__factory.abi);
    const events = async (name: string) =>
      (await provider.getLogs({ address: core, fromBlock: 0, topics: [iface.getEvent(name)!.topicHash] })).map((l) => iface.parseLog(l)!).filter((p) => p.args.jobId === 3n);
    await waitFor(async () => (await events("ShardClaimed")).length >= 1, 120_000, "the staller's claim on job 3");
    const stalled = (await events("ShardClaimed"))[0].args;
    for (const [i, acct] of [[1, 2], [2, 3]]) {
      workers[i - 1] = start(["worker:run", "--worker-config", path.join(home, "hostB", `w${i}`, `worker${i}.json`), "--network", "localhost"], workerEnv(`w${i}`, acct), true);
    }
    // No key ever comes: the node goes idle, the keeper voids the staller's claim by the wall clock.
    await waitFor(async () => (await events("ClaimVoided")).some((e) => e.args.shardIndex === stalled.shardIndex), 300_000, "the staller's claim voided");
    await staller.p.stop();
    const following = cli(["job:follow", "--job", "3", "--from", "1", "--serve", SERVE, "--network", "localhost"]);
    const r = await following;
    const by = (await events("ShardClaimed")).filter((c) => c.args.shardIndex === stalled.shardIndex).map((c) => c.args.worker);
    expect(new Set(by).size, "the voided shard claimed again by another worker").to.be.at.least(2);
    expect(r.code, r.stderr + r.stdout).to.equal(0);
    expect(r.stdout).to.match(/job 3: 2\/2 shards settled and checked/);
    expect(r.stdout).to.not.match(/would revert/);
    // Every transaction of the whole run, counted from the blocks: none that could have been told to revert did.
    // Two parties may both pass the static call of a claim (or a reclaim) on the same shard and send at the same
    // moment: the later one loses the race (the other's call on that shard succeeded in an earlier block). How many
    // such races happen depends on the machine's load; what the reference software guarantees is that a party never
    // loses twice to the same winning call (it does not retry a shard someone else took). Nothing else may revert:
    // no release, no submission, no post.
    const latest = await provider.getBlockNumber();
    let sent = 0;
    const losses = new Set<string>(); // job:shard@winning block:loser
    const wins = new Map<string, { block: number; from: string }[]>(); // job:shard -> successful claim / reclaim
    for (let b = 1; b <= latest; b++) {
      const block = await provider.getBlock(b, true);
      for (const tx of block!.prefetchedTransactions) {
        const rc = await provider.getTransactionReceipt(tx.hash);
        sent++;
        const call = tx.to?.toLowerCase() === core.toLowerCase() ? iface.parseTransaction({ data: tx.data }) : null;
        const racy = call?.name === "claim" || call?.name === "claimWithKey" || call?.name === "reclaimExpired";
        const k = racy ? `${call!.args[0]}:${call!.args[1]}` : "";
        if (rc!.status === 1) {
          if (racy) wins.set(k, [...(wins.get(k) ?? []), { block: b, from: tx.from.toLowerCase() }]);
          continue;
        }
        const winner = (wins.get(k) ?? []).filter((w) => w.block < b && w.from !== tx.from.toLowerCase()).at(-1);
        expect(racy && winner, `tx ${tx.hash} (${call?.name ?? "?"}) in block ${b} reverted`).to.be.ok;
        const loss = `${k}@${winner!.block}:${tx.from.toLowerCase()}`;
        expect(losses.has(loss), `${tx.from} lost twice to the ${call!.name} of block ${winner!.block} on shard ${k}`).to.equal(false);
        losses.add(loss);
      }
    }
    expect(sent).to.be.greaterThan(40);
  });

  it("job:cancel credits the unclaimed shards' escrow; a second cancel is refused before anything is sent", async () => {
    // The workers are stopped first so that nobody claims the job's shards meanwhile.
    await Promise.all(workers.map((w) => w.p.stop()));
    const inputs = path.join(home, "cancel.json");
    fs.writeFileSync(inputs, JSON.stringify(JSON.parse(fs.readFileSync(path.join(ex, "inputs.json"), "utf8")).slice(6, 8)));
    expect(await ok(["job:post", "--inputs", inputs, "--model", "1", "--price", "0.01", "--collateral", "0.1", "--from", "1", "--network", "localhost"])).to.match(/posted job 4: 2 shards/);
    const cancelled = await ok(["job:cancel", "--job", "4", "--from", "1", "--network", "localhost"]);
    expect(cancelled).to.match(/^cancelled job 4: 0\.022 ETH credited to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 .*0 settled, 0 claims still open/m);
    const before = await provider.getBlockNumber();
    const again = await cli(["job:cancel", "--job", "4", "--from", "1", "--network", "localhost"]);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/job:cancel: OblivionCore\.JobIsCancelled\(jobId=4\)/);
    expect(await provider.getBlockNumber()).to.equal(before);
  });

  it("a chain reset under the requester: one line naming it, no decode error", async () => {
    await node.p.stop();
    node = start(["node", "--hostname", "0.0.0.0"]);
    await waitForRpc(URL_);
    const r = await cli(["job:follow", "--job", "1", "--from", "1", "--network", "localhost"]);
    expect(r.code).to.equal(1);
    const err = r.stderr.split("\n").filter((l) => l.trim() && !/^\s+at /.test(l));
    expect(err[0]).to.match(/^Error: job:follow: the deployment in localhost\.json is gone: .*; run `npx hardhat deploy --network localhost`/);
    expect(err.length, r.stderr).to.equal(1);
    expect(r.stderr + r.stdout).to.not.match(/could not decode/);
  });
});
