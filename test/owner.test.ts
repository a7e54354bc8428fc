/**
 * Every party signs with its own account: the model owner's tasks (`model:fee`, `model:deactivate`,
 * `model:reactivate`, `model:version`, `model:earnings`, `balance`, the name check of `model:register`) run with
 * `--from` of the owner, and the owner fee of a settled shard lands in the owner's own balance, not the deployer's.
 * The signing rule (lib/chain/signer.ts): a key that is given is never passed over, and a task that needs a chain
 * refuses the in-process one on the command line.
 */
import { expect } from "chai";
import hre from "hardhat";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseEther, Wallet } from "ethers";
import { readDeployment, attach } from "../lib/chain/deployments";
import { computeBinding } from "../lib/chain/binding";
import { ShardTree } from "../lib/chain/merkle";
import { planRegistration } from "../lib/chain/owner";
import { checkProcessKey, envTaskKeys, requireRunningChain, signerFor } from "../lib/chain/signer";
import { formatNumber } from "../lib/util/log";
import { REPO_ROOT } from "../lib/util/processes";
import { deployVettedFixtureVerifier, versionSpec } from "./helpers/protocol";
import { fixtureInputCommitment } from "./helpers/commitments";
import { proveFixture } from "./helpers/fixtureCircuit";
import { releaseCurve } from "./helpers/snarkjs";
import { inTaskSandbox } from "./helpers/task-sandbox";

async function taskError(name: string, args: Record<string, unknown>): Promise<string> {
  try {
    await hre.run(name, args);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${name} did not fail`);
}

// Hardhat's public development accounts 0 and 3.
const KEY0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const KEY3 = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";

describe("model owners and signers", function () {
  after(releaseCurve);

  it("the owner's tasks sign with --from; the owner fee of a settled shard lands in the owner's own balance", async function () {
    await inTaskSandbox("vob-owner-", async (dir, log) => {
      const signers = await hre.ethers.getSigners();
      const [deployer, requester, worker, , owner] = signers;
      await hre.run("deploy", { unbonding: "60" }); // deployer = protocol owner = treasury (account 0)
      const { registry, core } = attach(readDeployment("hardhat"), deployer);
      const verifier = await deployVettedFixtureVerifier(registry, deployer, "fixture_public");
      const FEE = parseEther("0.001");
      await registry.connect(owner).registerModel("fixture", FEE, versionSpec(await verifier.getAddress(), hre.ethers.ZeroHash, { batchSize: 2 }));

      // a name the owner already uses needs --new-version or --force; another owner's name is free
      await planRegistration(registry, owner.address, "fixture").then(
        () => expect.fail("registered a second model of the same name silently"),
        (e: Error) => expect(e.message).to.equal(`${owner.address} already owns a model named "fixture" (#1): pass --new-version to publish a version of it, or --force to register a second model`),
      );
      expect(await planRegistration(registry, owner.address, "fixture", { newVersion: true, fee: FEE })).to.deep.equal({ action: "publish", modelId: 1n });
      await planRegistration(registry, owner.address, "fixture", { newVersion: true, fee: 2n * FEE }).then(
        () => expect.fail("a fee given with --new-version was ignored"),
        (e: Error) => expect(e.message).to.equal("--new-version keeps model 1's fee of 0.001 ETH per inference, not the 0.002 ETH given: pass --fee 0.001, and change the fee with model:fee"),
      );
      expect(await planRegistration(registry, owner.address, "fixture", { force: true })).to.deep.equal({ action: "register", sameName: [1n] });
      expect(await planRegistration(registry, deployer.address, "fixture")).to.deep.equal({ action: "register", sameName: [] });
      await planRegistration(registry, owner.address, "other", { newVersion: true }).then(
        () => expect.fail("published to a model that does not exist"),
        (e: Error) => expect(e.message).to.match(/--new-version: .* owns no model named "other"/),
      );

      // one shard of a batch-2 job: requester 1 posts, worker 2 settles with a real proof
      const x: [bigint, bigint] = [3n, 11n];
      const tree = new ShardTree([await fixtureInputCommitment(x)]);
      const params = { modelId: 1n, modelVersion: 1, shardCount: 1, inputRoot: tree.root, pricePerShard: parseEther("0.01"), collateral: 0n, claimWindow: 600, minStake: 0n, gated: false, acceptUnvettedVerifier: false, inputCount: 0 };
      await core.connect(requester).postJob(params, { value: await core.jobEscrowFor(params) });
      await core.connect(worker).registerWorker("bafyw", "0x02" + "ab".repeat(32));
      await core.connect(worker).claim(1, 0);
      const binding = computeBinding({ chainId: 31337n, core: await core.getAddress(), jobId: 1n, shardIndex: 0n, worker: worker.address });
      const p = await proveFixture("fixture_public", x, binding);
      await core.connect(worker).submitResult(1, 0, p.inputCommitment, tree.proof(0), p.outputCommitment, [], "bafyout", p.proof);
      const ownerFee = 2n * FEE;
      const protocolFee = (parseEther("0.01") * 250n) / 10_000n;
      expect(await core.balanceOf(owner.address)).to.equal(ownerFee);
      expect(await core.balanceOf(deployer.address)).to.equal(protocolFee);

      log.length = 0;
      await hre.run("model:earnings", { from: "4", json: false });
      expect(log[0]).to.equal("#1 fixture active: earned 0.002 ETH on 1 settled shard of 1 job, 0.0 ETH more in escrow; fee 0.001 ETH per inference");
      expect(log[1]).to.equal(`${owner.address}: withdrawable balance 0.002 ETH (withdraw --from pays it out)`);
      await hre.run("model:earnings", { from: "4", json: true });
      expect(JSON.parse(log.pop()!).models[0]).to.include({ modelId: "1", earnedWei: ownerFee.toString(), settledShards: 1, jobs: 1 });
      await hre.run("balance", { from: "4", json: false });
      expect(log.slice(-2)[0]).to.match(new RegExp(`^${owner.address}: withdrawable 0\\.002 ETH on the core \\(withdraw pays it out\\), wallet \\d`));
      await hre.run("balance", { account: deployer.address, from: "4", json: true });
      expect(JSON.parse(log.pop()!).withdrawableWei).to.equal(protocolFee.toString());
      // worker:status of a non-worker says what it has, not only "not registered"
      await hre.run("worker:status", { from: "4", json: false });
      expect(log.slice(-3)).to.deep.include(`  balance 0.002 ETH (withdraw pays it out)`);
      expect(log.slice(-3)[0]).to.equal(`${owner.address}: not a registered worker (worker:register, or worker:run registers itself); no stake`);

      // only the owner changes the fee or the model's state, each a named revert otherwise
      expect(await taskError("model:fee", { model: "1", fee: "0.002", from: "0" })).to.match(/^model:fee: ModelRegistry\.NotModelOwner\(modelId=1, caller=0x/);
      await hre.run("model:fee", { model: "1", fee: "0.002", from: "4" });
      expect((await registry.getModel(1)).feePerInference).to.equal(parseEther("0.002"));
      await hre.run("model:deactivate", { model: "1", from: "4" });
      expect(log.pop()).to.match(/^model 1: deactivated, no new jobs \(tx 0x/);
      expect(await taskError("model:fee", { model: "1", fee: "0.003", from: "4" })).to.match(/ModelRegistry\.ModelNotActive\(modelId=1\)/);
      const onnx = path.join(dir, "m.onnx");
      fs.writeFileSync(onnx, "not read: the owner check comes before the build");
      expect(await taskError("model:version", { model: "1", onnx, batch: "1", privateWeights: false, from: "4" })).to.equal("model:version: model 1 is deactivated: model:reactivate --model 1 first");
      expect(await taskError("model:reactivate", { model: "1", from: "0" })).to.match(/NotModelOwner/);
      await hre.run("model:reactivate", { model: "1", from: "4" });
      expect((await registry.getModel(1)).active).to.equal(true);
      expect(await taskError("model:reactivate", { model: "1", from: "4" })).to.match(/ModelRegistry\.ModelAlreadyActive\(modelId=1\)/);
      expect(await taskError("model:version", { model: "1", onnx, batch: "1", privateWeights: false, from: "0" })).to.equal(
        `model:version: model 1 is owned by ${owner.address}, not the signer ${deployer.address} (pass --from, or PRIVATE_KEY, of its owner)`,
      );

      await hre.run("withdraw", { stake: false, from: "4" });
      expect(log.pop()).to.equal(`withdrew 0.002 ETH of balance to ${owner.address}`);
    });
  });

  it("a key that is given is used or refused, never passed over", async function () {
    const a0 = new Wallet(KEY0).address;
    const a3 = new Wallet(KEY3).address;
    const node = [a0, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", a3].map((address) => ({ address }));
    const fake = (accounts: { address: string }[]) => ({ network: { name: "localhost" }, ethers: { getSigners: async () => accounts } }) as unknown as typeof hre;
    const fails = (p: Promise<unknown>) => p.then(() => "signed", (e: Error) => e.message);
    // PRIVATE_KEY is the network's accounts (hardhat.config.ts), localhost too
    expect(envTaskKeys({ PRIVATE_KEY: `${KEY0}, ${KEY3}` }).keys).to.deep.equal([KEY0, KEY3]);
    const configFile = require.resolve("../hardhat.config");
    const saved = { PRIVATE_KEY: process.env.PRIVATE_KEY, HARDHAT_SKIP_TASKS: process.env.HARDHAT_SKIP_TASKS };
    Object.assign(process.env, { PRIVATE_KEY: KEY3, HARDHAT_SKIP_TASKS: "1" });
    delete require.cache[configFile];
    try {
      const networks = (require(configFile) as { default: { networks: Record<string, { accounts?: unknown }> } }).default.networks;
      for (const n of ["localhost", "shardeum", "shardeumTestnet"]) expect(networks[n].accounts, n).to.deep.equal([KEY3]);
    } finally {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
      delete require.cache[configFile];
    }
    expect(envTaskKeys({ PRIVATE_KEY: `${KEY0},0x11` }).problem).to.equal("entry 1 of PRIVATE_KEY is not 0x followed by 64 hex digits");
    const keyed = fake([{ address: a3 }]);
    expect((await signerFor(keyed, undefined, { PRIVATE_KEY: KEY3 })).address).to.equal(a3);
    expect(await fails(signerFor(keyed, "1", { PRIVATE_KEY: KEY3 }))).to.equal(
      "bad --from: 1, but PRIVATE_KEY holds 1 key (--from 0, or omit it); to sign as node account 1, unset PRIVATE_KEY",
    );
    expect(await fails(signerFor(fake(node), "0", { PRIVATE_KEY: KEY3 }))).to.match(/^PRIVATE_KEY is set but network localhost does not sign with it/);
    expect(await fails(signerFor(fake(node), "0", { PRIVATE_KEY: "0x1111" }))).to.match(/^PRIVATE_KEY is not 0x followed by 64 hex digits; unset it/);
    // OBLIVION_PRIVATE_KEY (worker:run's) set for another account than the task's signer: refused, not ignored
    expect(await fails(signerFor(fake(node), "1", { OBLIVION_PRIVATE_KEY: KEY3 }))).to.equal(
      `OBLIVION_PRIVATE_KEY is set (account ${a3}) but this task would sign as ${node[1].address} (--from 1): tasks sign with PRIVATE_KEY=0x… or --from; set one of them for that account, or unset OBLIVION_PRIVATE_KEY`,
    );
    expect((await signerFor(fake(node), "3", { OBLIVION_PRIVATE_KEY: KEY3 })).address).to.equal(a3);
    expect((await signerFor(fake(node), undefined, { OBLIVION_PRIVATE_KEY: KEY3 })).address).to.equal(a0); // a task without --from only reads
    expect(await fails(signerFor(fake(node), "9", {}))).to.equal("bad --from: no account 9 on network localhost (4 available)");
    // worker:run and keeper:run sign with their own key: a PRIVATE_KEY for another account is refused too
    expect(() => checkProcessKey(KEY3, "worker:run", { PRIVATE_KEY: KEY0 })).to.throw(`PRIVATE_KEY is set for another account than ${a3}, the key worker:run signs with: unset PRIVATE_KEY for this command`);
    expect(() => checkProcessKey(KEY3, "worker:run", { PRIVATE_KEY: KEY3 })).not.to.throw();
    expect(() => checkProcessKey(KEY3, "keeper:run", {})).not.to.throw();
    // the in-process chain: refused when the command line names a task, allowed under `hardhat test` and scripts
    const inProcess = { network: { name: "hardhat" } };
    expect(() => requireRunningChain(inProcess, "job:post")).to.throw(/^--network hardhat is an in-process chain .* start `npx hardhat node` .* pass --network localhost$/);
    for (const entry of ["test", "run", undefined]) expect(() => requireRunningChain(inProcess, entry)).not.to.throw();
    expect(() => requireRunningChain({ network: { name: "localhost" } }, "job:post")).not.to.throw();
  });

  it("on the command line: a forgotten --network is one line and exit 1; PRIVATE_KEY is localhost's account", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vob-signer-cli-"));
    // a deployment file is all these need: both fail before any RPC call
    fs.writeFileSync(path.join(dir, "localhost.json"), JSON.stringify({ network: "localhost", chainId: "31337", contracts: { OblivionCore: { address: "0x" + "11".repeat(20) } } }));
    const hh = (args: string[], extra: Record<string, string>) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const env: NodeJS.ProcessEnv = { ...process.env, CI: "true", DEPLOYMENTS_DIR: dir, LOCAL_RPC_URL: "http://127.0.0.1:9", ...extra };
        for (const k of ["HARDHAT_NETWORK", "PRIVATE_KEY", "OBLIVION_PRIVATE_KEY"]) if (!(k in extra)) delete env[k];
        const child = spawn(path.join(REPO_ROOT, "node_modules", ".bin", "hardhat"), args, { cwd: REPO_ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.on("exit", (code) => resolve({ code, stderr }));
      });
    try {
      const [forgot, keyed] = await Promise.all([
        hh(["job:status", "--job", "1"], {}),
        hh(["balance", "--from", "1", "--network", "localhost"], { PRIVATE_KEY: KEY3 }),
      ]);
      expect(forgot.code).to.equal(1);
      expect(forgot.stderr.trim().split("\n")).to.deep.equal([
        "Error: job:status: --network hardhat is an in-process chain that is gone when this command exits: start `npx hardhat node` in another terminal and pass --network localhost",
      ]);
      expect(keyed.code).to.equal(1);
      expect(keyed.stderr.trim().split("\n")).to.deep.equal([
        "Error: balance: bad --from: 1, but PRIVATE_KEY holds 1 key (--from 0, or omit it); to sign as node account 1, unset PRIVATE_KEY",
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("log fields print fractional numbers with fixed decimals", () => {
    expect(formatNumber(3.9939999999999998)).to.equal("3.994");
    expect(formatNumber(0.0043)).to.equal("4.30e-3");
    expect(formatNumber(12)).to.equal("12");
  });
});
