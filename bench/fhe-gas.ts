// Gas (and HCU, the fhEVM's homomorphic complexity units) of every FHE-related call, measured against the plugin's
// mock, which runs the real fhEVM host contracts (ACL, executor, KMS verifier) symbolically, as a host chain does.
// Run: `npm run bench:fhe-gas` (= `hardhat test bench/fhe-gas.ts`: the plugin sets its mock up only under `hardhat
// test` or `hardhat node`, and its CLI mode insists on a node at port 8545, which a shared machine cannot promise).
// Writes bench/results/fhe-gas.json; docs/fhe.md carries the table.
import fs from "node:fs";
import path from "node:path";
import type { Outcome } from "../lib/fhe/relay";
import { REPO_ROOT } from "../lib/util/processes";

type Row = { call: string; gas: number; hcu: number | null };

async function measure(): Promise<void> {
  const { ethers, fhevm } = await import("hardhat");
  const { requestEligibility } = await import("../lib/fhe/eligibility");
  const { setEncryptedMinScore } = await import("../lib/fhe/threshold");
  const { rateShard } = await import("../lib/fhe/rating");
  const relay = await import("../lib/fhe/relay");
  const t = await import("../typechain-types");
  const [owner, requester, alice, r1, r2, keeper] = await ethers.getSigners();
  const rows: Row[] = [];
  const record = async (call: string, hash: string) => {
    const receipt = (await ethers.provider.getTransactionReceipt(hash))!;
    rows.push({ call, gas: Number(receipt.gasUsed), hcu: fhevm.computeTransactionHCU(receipt).globalHCU });
  };
  const deployed = async <C extends { deploymentTransaction(): { hash: string } | null }>(name: string, c: C) => {
    const receipt = (await ethers.provider.getTransactionReceipt(c.deploymentTransaction()!.hash))!;
    rows.push({ call: `deploy ${name}`, gas: Number(receipt.gasUsed), hcu: null });
    return c;
  };

  const { DEFAULT_REPUTATION_PARAMS: params, deployFheChain, deployLocalFhe, wireCore } = await import("../lib/fhe/deploy");
  // A stranger's shard at the test defaults (price 0.01 ETH, fee 2.5 %): the full 10 points.
  const value = { requester: requester.address, modelOwner: owner.address, protocolFee: 250_000_000_000_000n, collateral: 0n };
  const directory = await new t.TestJobDirectory__factory(owner).deploy(); // core stand-in: updater and directory
  const gatewayAt = ethers.getCreateAddress({ from: owner.address, nonce: (await owner.getNonce()) + 1 });
  const reputation = await deployed(
    "ConfidentialReputation",
    await new t.ConfidentialReputation__factory(owner).deploy(directory, gatewayAt, params.pointPrice)
  );
  const gateway = await deployed(
    "PrivacyGateway",
    await new t.PrivacyGateway__factory(owner).deploy(reputation, directory, params.scoreStep)
  );

  const settle = (w: string, shard: bigint) => directory.settle(reputation, w, 1n, shard, value);
  const slash = (w: string, shard: bigint) => directory.slash(reputation, w, 1n, shard, value);
  await record("onSettled (first outcome of a worker)", (await settle(alice.address, 0n)).hash);
  await record("onSettled", (await settle(alice.address, 1n)).hash);
  await record("onSlashed", (await slash(alice.address, 2n)).hash);
  await record("onSlashed (first outcome of a worker)", (await slash(r1.address, 3n)).hash);
  await record(
    "onSettled self-dealt (worker = requester: not counted)",
    (await directory.settle(reputation, requester, 1n, 9n, value)).hash
  );

  await (await settle(alice.address, 4n)).wait(); // score 10, at the minimum below
  await (await directory.connect(requester).post(1n)).wait();
  await record(
    "setMinScore (euint32 input + proof, rounded to the step)",
    await setEncryptedMinScore(fhevm, gateway, requester, 1n, 10)
  );
  await requestEligibility(gateway, alice, 1n);
  await record("requestEligibility", (await ethers.provider.getBlock("latest"))!.transactions[0]);
  const decrypted = await fhevm.publicDecrypt([await gateway.resultHandleOf(1n, alice.address)]);
  const submit = await gateway
    .connect(keeper)
    .submitEligibility(1n, alice, decrypted.abiEncodedClearValues, decrypted.decryptionProof);
  await record("submitEligibility (FHE.checkSignatures)", submit.hash);
  await record("rate (euint8 input, clamp to the shard's cap, add)", await rateShard(fhevm, reputation, requester, 1n, 0n, 4));

  const { chainId } = await ethers.provider.getNetwork();
  const quorum = [r1.address, r2.address];
  const sourceCore = await directory.getAddress();
  const split = await deployFheChain(owner, { chainId, core: sourceCore }, { relayers: quorum, threshold: 2 }, owner.address);
  rows.push({
    call: "deploy ReputationRelayReceiver",
    gas: Number((await ethers.provider.getTransactionReceipt(split.receiver.deploymentTransaction()!.hash))!.gasUsed),
    hcu: null,
  });
  const o: Outcome = {
    sourceTx: ethers.id("tx"),
    logIndex: 0n,
    kind: relay.SETTLED,
    worker: alice.address,
    jobId: 1n,
    shardIndex: 0n,
    ...value,
  };
  const osigs = await relay.signOutcome([r1, r2], split.receiver, o);
  await record("relayOutcome settled (2-of-2 signatures)", await relay.submitOutcome(split.receiver, keeper, o, osigs));
  const jsigs = await relay.signJobRequester([r1, r2], split.receiver, 1n, requester.address);
  await record(
    "relayJobRequester (2-of-2)",
    await relay.submitJobRequester(split.receiver, keeper, 1n, requester.address, jsigs)
  );
  await setEncryptedMinScore(fhevm, split.gateway, requester, 1n, 10);
  await requestEligibility(split.gateway, alice, 1n);
  const yes = await fhevm.publicDecrypt([await split.gateway.resultHandleOf(1n, alice.address)]);
  await (await split.gateway.submitEligibility(1n, alice, yes.abiEncodedClearValues, yes.decryptionProof)).wait();
  const gate = await deployed(
    "RelayedEligibilityGate",
    await new t.RelayedEligibilityGate__factory(owner).deploy(chainId, split.gateway, owner, quorum, 2)
  );
  const signed = await relay.signEligibility([r1, r2], gate, split.gateway, sourceCore, 1n, alice.address);
  await record("relayEligibility (2-of-2, settlement chain)", await relay.submitEligibility(gate, keeper, signed));

  // Settlement through the real core with ConfidentialReputation as its hook, as in the demo, beside the same
  // settlement with no hook (docs/gas.md: what the demo's average per settlement is made of).
  const p = await import("../test/helpers/protocol");
  const env = await p.deployEnv();
  await p.registerAndStake(env, env.worker);
  const job = await p.postJob(env, { shards: 4 });
  const settleShard = async (i: number) => {
    await (await env.core.connect(env.worker).claim(job.jobId, i)).wait();
    return (await p.submit(env, job, i, env.worker, await p.proveShard(env, job, i, env.worker.address))).hash;
  };
  await settleShard(0); // the job's first record and the worker's first balance, before the comparison
  await record("OblivionCore.submitResult, no reputation hook (3 signals, later record of the job)", await settleShard(1));
  const core = await env.core.getAddress();
  const fhe = await deployLocalFhe(env.owner, core);
  await wireCore(env.owner, core, await fhe.gateway.getAddress(), await fhe.reputation.getAddress());
  await record("OblivionCore.submitResult, ConfidentialReputation hook: the worker's first outcome", await settleShard(2));
  await record("OblivionCore.submitResult, ConfidentialReputation hook: a later outcome", await settleShard(3));

  const out = path.join(REPO_ROOT, "bench", "results", "fhe-gas.json");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const meta = { network: "hardhat node + @fhevm/hardhat-plugin 0.4.2 mock", solc: "0.8.28, optimizer 200 runs" };
  fs.writeFileSync(out, JSON.stringify({ ...meta, rows }, null, 2) + "\n");
  console.log("| call | gas | HCU |\n|---|---:|---:|");
  for (const r of rows) console.log(`| ${r.call} | ${r.gas.toLocaleString("en-US")} | ${r.hcu ?? "-"} |`);
}

describe("bench: gas of the FHE calls (fhEVM mock)", function () {
  after(async () => (await import("../test/helpers/snarkjs")).releaseCurve());
  it("measures and writes bench/results/fhe-gas.json", measure);
});
