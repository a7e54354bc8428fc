/**
 * Gas of the core's hot paths on the in-process Hardhat network, with real Groth16 proofs from the test fixture
 * circuits (3 and 4 public signals). Writes bench/results/gas.json and the table in docs/gas.md.
 * Run: npm run bench:gas
 */
import fs from "node:fs";
import path from "node:path";
import { ethers, network } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { randomBytes } from "node:crypto";
import { claimKeyed, deployEnv, ENC_KEY, keyedRelease, keylessRelease, registerAndStake, postJob, proveShard, spamJobParams, submit, WINDOW, type Env } from "../test/helpers/protocol";
import { loadOrTrainMnistMlp } from "../lib/devnet/mnist-model";
import { readOnnx } from "../lib/onnx/read";
import { floatForward, lowerGraph } from "../lib/zk/lower";
import { quantizeInput, quantizeModel } from "../lib/zk/quantize";
import { quantForward } from "../lib/zk/reference";
import { sealWithKey } from "../lib/crypto";
import { encodeJson, type ShardResult } from "../lib/requester/shard";
import { INLINE_OUTPUT_MAX, INLINE_PREFIX } from "../lib/requester/output-ref";
import { runMain } from "../test/helpers/snarkjs";

interface Row {
  operation: string;
  gas: number;
  note: string;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const r = await (await tx).wait();
  return Number(r!.gasUsed);
}

/** Output references of the demo's size and of the largest inline result, with their notes. */
function demoSizedRefs(): [string, string][] {
  const trained = loadOrTrainMnistMlp();
  const lowered = lowerGraph(readOnnx(trained.onnx));
  const q = quantizeModel(lowered, trained.data.trainX.slice(0, 256));
  const digit = trained.data.testX[0];
  const quant = quantForward(q, quantizeInput(q, digit));
  const result: ShardResult = {
    version: 1,
    jobId: "2",
    shardIndex: 5,
    outputs: [Array.from(floatForward(lowered, digit))],
    quantizedOutputs: [quant.map(String)],
    outputCommitment: (2n ** 253n + 12345n).toString(), // a field element's length
  };
  const dataKey = new Uint8Array(randomBytes(32));
  const demo = INLINE_PREFIX + Buffer.from(sealWithKey(encodeJson(result), dataKey)).toString("base64");
  const largest = INLINE_PREFIX + Buffer.from(randomBytes(INLINE_OUTPUT_MAX)).toString("base64");
  const sealedBytes = (ref: string) => Buffer.from(ref.slice(INLINE_PREFIX.length), "base64").length;
  return [
    [demo, `inline sealed result: the demo's MNIST batch-1 ShardResult (${sealedBytes(demo)} sealed bytes, ${demo.length}-character outputCid)`],
    [largest, `inline sealed result: the largest inline (${INLINE_OUTPUT_MAX} sealed bytes, ${largest.length}-character outputCid)`],
  ];
}

/** One job, a warm-up settlement, then one settlement per output reference on its later shards. */
async function outputJob(env: Env, refs: [string, string][]): Promise<Row[]> {
  const job = await postJob(env, { shards: refs.length + 1, salt: 21 });
  const settle = async (i: number, cid: string) => {
    await env.core.connect(env.worker).claim(job.jobId, i);
    const p = await proveShard(env, job, i, env.worker.address);
    const tx = await submit(env, job, i, env.worker, p, cid);
    return { gas: Number((await tx.wait())!.gasUsed), calldata: tx.data.length / 2 - 1 };
  };
  await settle(0, "bafyout");
  const out: Row[] = [];
  for (const [i, [cid, note]] of refs.entries()) {
    const { gas, calldata } = await settle(i + 1, cid);
    out.push({ operation: "submitResult (verify + pay + audit)", gas, note: `3 signals, later record of the job, ${note}; ${calldata.toLocaleString("en-US")} calldata bytes` });
  }
  return out;
}

async function main() {
  const env = await deployEnv();
  await registerAndStake(env, env.worker);
  await registerAndStake(env, env.worker2);
  const rows: Row[] = [];

  const oneTimeKey = async (i: number): Promise<[bigint, bigint]> => {
    const { publicPoint } = await import("../lib/crypto/release");
    const p = publicPoint(BigInt(1000 + i));
    return [p.x, p.y];
  };
  const postGas = async (o: Parameters<typeof postJob>[1]) => {
    const job = await postJob(env, o);
    const [ev] = await env.core.queryFilter(env.core.filters.JobPosted(job.jobId));
    return { job, gas: Number((await ethers.provider.getTransactionReceipt(ev.transactionHash))!.gasUsed) };
  };
  const first = await postGas({ shards: 4, salt: 3 });
  rows.push({ operation: "postJob", gas: first.gas, note: "first job ever (job counter 0 -> 1)" });
  const { job: small, gas: smallGas } = await postGas({ shards: 4 });
  rows.push({ operation: "postJob", gas: smallGas, note: "4 shards" });
  const { job: big, gas: bigGas } = await postGas({ shards: 4096, salt: 1 });
  rows.push({ operation: "postJob", gas: bigGas, note: "4,096 shards (one Merkle root: same cost)" });

  rows.push({ operation: "claim", gas: await gasOf(env.core.connect(env.worker).claim(small.jobId, 0)), note: "first claim of the job" });
  rows.push({ operation: "claim", gas: await gasOf(env.core.connect(env.worker).claim(small.jobId, 1)), note: "later claim" });
  const payload = "0x" + "ab".repeat(97);
  rows.push({ operation: "releaseShardKey", gas: await gasOf(env.core.connect(env.requester).releaseShardKey(small.jobId, 1, await keylessRelease(env.core, small.jobId, 1, payload))), note: "97-byte wrapped key; marks the key released, restarts the window" });
  // Keyed claims and releases (F-01): the one-time key, the committed key leaf, the stored digest.
  const dataKeys = Array.from({ length: 4 }, () => new Uint8Array(randomBytes(32)));
  const keyed = await postJob(env, { shards: 4, salt: 5, dataKeys });
  rows.push({ operation: "claimWithKey", gas: await gasOf(env.core.connect(env.worker).claimWithKey(keyed.jobId, 0, ...(await oneTimeKey(0)))), note: "first claim of the shard (one-time key slot 0 -> address)" });
  rows.push({ operation: "releaseShardKey", gas: await gasOf(env.core.connect(env.requester).releaseShardKey(keyed.jobId, 0, await keyedRelease(env, keyed, 0, dataKeys[0], payload))), note: "keyed: key-leaf proof (3 steps), ephemeral point check, digest stored" });
  const tBad = await claimKeyed(env, keyed, 1, env.worker2);
  const bad = await keyedRelease(env, keyed, 1, new Uint8Array(randomBytes(32)), payload);
  await env.core.connect(env.requester).releaseShardKey(keyed.jobId, 1, bad);
  rows.push({ operation: "proveBadRelease", gas: await gasOf(env.core.connect(env.worker2).proveBadRelease(keyed.jobId, 1, tBad, bad.keyHash, bad.ephemeralX, bad.ephemeralY, bad.maskedKey)), note: "two ecrecover scalar multiplications; forfeits the shard, pays the worker" });
  await env.core.connect(env.worker2).claim(keyed.jobId, 2);
  rows.push({ operation: "leaveClaim", gas: await gasOf(env.core.connect(env.worker2).leaveClaim(keyed.jobId, 2)), note: "before a release: collateral unlocked, shard reopened" });
  await env.core.connect(env.worker2).claim(small.jobId, 2);
  await env.core.connect(env.worker2).claim(small.jobId, 3);

  const p0 = await proveShard(env, small, 0, env.worker.address);
  const verifyTx = await env.owner.sendTransaction({
    to: await env.verifiers.fixture_public.getAddress(),
    data: env.verifiers.fixture_public.interface.encodeFunctionData("verifyProof", [p0.proof, p0.signals]),
  });
  rows.push({ operation: "Groth16VkVerifier.verifyProof", gas: Number((await verifyTx.wait())!.gasUsed), note: "3 signals, called alone in a transaction" });
  rows.push({ operation: "submitResult (verify + pay + audit)", gas: await gasOf(submit(env, small, 0, env.worker, p0)), note: "3 signals, 4-shard tree, first settlement ever (audit counters 0 -> 1)" });
  await env.core.connect(env.worker2).claim(big.jobId, 4000);
  const pBig = await proveShard(env, big, 4000, env.worker2.address);
  rows.push({ operation: "submitResult (verify + pay + audit)", gas: await gasOf(submit(env, big, 4000, env.worker2, pBig)), note: "3 signals, 4,096-shard tree (12-step Merkle proof)" });
  const p3 = await proveShard(env, small, 3, env.worker2.address);
  rows.push({ operation: "submitResult (verify + pay + audit)", gas: await gasOf(submit(env, small, 3, env.worker2, p3)), note: "3 signals, second record of the job (balances warm)" });
  const pKeyed = await proveShard(env, keyed, 0, env.worker.address);
  rows.push({ operation: "submitResult (verify + pay + audit)", gas: await gasOf(submit(env, keyed, 0, env.worker, pKeyed)), note: "3 signals, keyed claim (released, digest stored), 8-leaf tree (3-step Merkle proof), job's first record" });
  const priv = await postJob(env, { fixture: "fixture_private", shards: 2, salt: 2 });
  await env.core.connect(env.worker).claim(priv.jobId, 0);
  const pPriv = await proveShard(env, priv, 0, env.worker.address);
  rows.push({ operation: "submitResult (verify + pay + audit)", gas: await gasOf(submit(env, priv, 0, env.worker, pPriv)), note: "4 signals (private-weight model)" });

  // G-07: the sealed result inline in outputCid ("inline:" + base64), against a short CID, on later shards of one job
  // (warm balances). The demo's result is the MNIST MLP's batch-1 ShardResult, sealed under a data key as the worker does.
  const outputs = await outputJob(env, [["bafyout", "7-character CID"], ...demoSizedRefs()]);
  rows.push(...outputs);

  await time.increase(WINDOW + 1);
  rows.push({ operation: "reclaimExpired", gas: await gasOf(env.core.connect(env.keeper).reclaimExpired(small.jobId, 1)), note: "slash + reopen, no hook" });
  rows.push({ operation: "reclaimExpired", gas: await gasOf(env.core.connect(env.keeper).reclaimExpired(small.jobId, 2)), note: "void (key never released) + reopen" });
  rows.push({ operation: "withdraw", gas: await gasOf(env.core.connect(env.worker).withdraw()), note: "pull balance to an EOA" });
  rows.push({ operation: "cancelJob", gas: await gasOf(env.core.connect(env.requester).cancelJob(big.jobId)), note: "" });

  // G-05: a failing reputation hook at the owner's maximum hook gas. The core keeps 4 bytes and a length of its revert.
  const hook = await (await ethers.getContractFactory("RevertBombHook", env.owner)).deploy();
  await env.core.connect(env.owner).setReputationHook(await hook.getAddress());
  await env.core.connect(env.owner).setHookGasLimit(2_000_000);
  const hooked = await postJob(env, { shards: 8, salt: 9 });
  const settleWith = async (i: number, bytes: number, burn: boolean, note: string) => {
    await hook.set(bytes, burn);
    await env.core.connect(env.worker).claim(hooked.jobId, i);
    const p = await proveShard(env, hooked, i, env.worker.address);
    rows.push({ operation: "submitResult (verify + pay + audit)", gas: await gasOf(submit(env, hooked, i, env.worker, p)), note });
  };
  // The job's first record (the burner) pays the first-record premium; the 4-byte and the 900 kB hooks are later
  // records of the same job, so their difference is the bomb's own memory (paid inside the hook's gas) and the copy.
  await settleWith(0, 0, true, "hook at 2M gas burns all its gas (pending for replay)");
  await settleWith(1, 4, false, "hook at 2M gas reverts with a 4-byte error (pending for replay)");
  await settleWith(2, 900_000, false, "hook at 2M gas reverts with 900 kB (G-05's revert bomb; 4 bytes and the length kept)");
  const [plain, bomb] = rows.slice(-2);
  const words = Math.ceil(900_000 / 32);
  const hookMemory = 3 * words + Math.floor((words * words) / 512) - 3; // the EVM's memory cost, above one word
  bomb.note += `; ${(bomb.gas - plain.gas).toLocaleString("en-US")} above the 4-byte hook, of which ${hookMemory.toLocaleString("en-US")} is the bomb's own memory inside its 2M: ${(bomb.gas - plain.gas - hookMemory).toLocaleString("en-US")} for the core`;
  await hook.set(900_000, false);
  await env.core.connect(env.worker2).claim(hooked.jobId, 3);
  await env.core.connect(env.requester).releaseShardKey(hooked.jobId, 3, await keylessRelease(env.core, hooked.jobId, 3));
  await time.increase(WINDOW + 1);
  rows.push({ operation: "reclaimExpired", gas: await gasOf(env.core.connect(env.keeper).reclaimExpired(hooked.jobId, 3)), note: "slash + reopen, hook at 2M gas reverts with 900 kB" });

  // G-06: checker() (an eth_call: Gelato runs it off-chain) behind 100 spam jobs of 1,000,000 shards, each with one open
  // 30-day zero-collateral claim, with one expired claim behind them.
  const spammerAccount = env.others[0];
  const spamParams = await spamJobParams(env, spammerAccount, 1_000_000, 30 * 86_400);
  const spammer = await (await ethers.getContractFactory("ClaimSpammer", spammerAccount)).deploy();
  await spammer.register(env.core, ENC_KEY);
  for (let i = 0; i < 100; i += 10) await spammer.spam(env.core, spamParams, 10, 999_999, { value: 10 * 1_000_000 });
  const victim = await postJob(env, { shards: 4, salt: 11 });
  await env.core.connect(env.worker).claim(victim.jobId, 0);
  await env.core.connect(env.requester).releaseShardKey(victim.jobId, 0, await keylessRelease(env.core, victim.jobId, 0));
  await time.increase(WINDOW + 1);
  const [found] = await env.core.checker();
  if (!found) throw new Error("checker() missed the expired claim behind the spam jobs");
  rows.push({ operation: "checker() (eth_call)", gas: Number(await env.core.checker.estimateGas()), note: "100 spam jobs of 1,000,000 shards with one open 30-day claim each, one expired claim behind them (G-06; found)" });

  const out = {
    network: network.name,
    solc: "0.8.28, optimizer 200 runs, evm cancun (OblivionCore through the IR pipeline)",
    note: "gasUsed of the transaction (21k base included) unless stated otherwise",
    generatedAt: new Date().toISOString(),
    rows,
  };
  const root = path.resolve(__dirname, "..");
  // The figures before issue 11's fixes (bench/results/gas-before.json, commit 7c7f5da), matched by operation and note.
  const before: Row[] = JSON.parse(fs.readFileSync(path.join(root, "bench", "results", "gas-before.json"), "utf8")).rows;
  const beforeOf = (r: Row) => before.find((b) => b.operation === r.operation && b.note === r.note)?.gas;
  const fmt = (n: number | undefined) => (n === undefined ? "" : n.toLocaleString("en-US"));
  fs.mkdirSync(path.join(root, "bench", "results"), { recursive: true });
  fs.writeFileSync(path.join(root, "bench", "results", "gas.json"), JSON.stringify(out, null, 2) + "\n");
  const md = [
    "# Gas",
    "",
    "Measured by `npm run bench:gas` (bench/gas.ts) on the in-process Hardhat network with real Groth16 proofs from the",
    "test fixture circuits; solc 0.8.28, optimizer 200 runs (OblivionCore through the IR pipeline). Figures are the",
    "transaction's gasUsed (21k base included) unless the note says otherwise. Before: the same row at commit 7c7f5da,",
    "before issue 11's fixes (bench/results/gas-before.json). Raw data: bench/results/gas.json.",
    "",
    "| Operation | Gas | Before | Note |",
    "|---|---:|---:|---|",
    ...rows.map((r) => `| ${r.operation} | ${fmt(r.gas)} | ${fmt(beforeOf(r))} | ${r.note} |`),
    "",
    ...fs.readFileSync(path.join(root, "bench", "gas-notes.md"), "utf8").split("\n"),
  ].join("\n");
  fs.writeFileSync(path.join(root, "docs", "gas.md"), md);
  console.table(rows);
}

runMain(main);
