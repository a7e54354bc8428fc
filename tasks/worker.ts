/** Worker and account tasks: `worker:register`, `worker:status`, `stake`, `unstake`, `withdraw`, `balance`. */
import { task, types } from "hardhat/config";
import { parseAddress, parseAmount, parseHexBytes, parseNonEmpty, parseUint } from "../lib/chain/args";
import { registerWorker, requestUnstake, stake, withdraw, withdrawStake } from "../lib/chain/protocol";
import { runTask, taskContext, toJson } from "../lib/chain/taskContext";
import { describeWorkerStatus, workerStatus } from "../lib/chain/worker-status";
import { accountBalance, describeBalance } from "../lib/chain/balance";
import { formatEth, formatTime } from "../lib/util/format";

const FROM = "index of the signer to use";

task("worker:register", "Register (or update) the signer as a worker")
  .addParam("cid", "content id of the worker's metadata")
  .addParam("key", "secp256k1 encryption public key, 0x hex (33 or 65 bytes)")
  .addOptionalParam("from", FROM, "0", types.string)
  .setAction(async (a: { cid: string; key: string; from: string }, hre) =>
    runTask("worker:register", async () => {
      const cid = parseNonEmpty("cid", a.cid);
      const key = parseHexBytes("key", a.key, [33, 65]);
      const ctx = await taskContext(hre, a.from);
      const r = await registerWorker(ctx.core, cid, key);
      console.log(`registered ${await ctx.signer.getAddress()} (tx ${r.hash})`);
    }),
  );

task("worker:status", "Show a worker's registration, stake (locked and free), unbonding and pull balance")
  .addOptionalParam("worker", "worker address (default: the signer's)")
  .addOptionalParam("from", FROM, "0", types.string)
  .addFlag("json", "print JSON (amounts in wei, as decimal strings)")
  .setAction(async (a: { worker?: string; from: string; json: boolean }, hre) =>
    runTask("worker:status", async () => {
      const ctx = await taskContext(hre, a.from);
      const who = a.worker === undefined ? await ctx.signer.getAddress() : parseAddress("worker", a.worker);
      const s = await workerStatus(ctx.core, who);
      if (a.json) return console.log(toJson(s));
      for (const line of describeWorkerStatus(s)) console.log(line);
    }),
  );

task("stake", "Add native tokens to the signer's worker stake")
  .addParam("amount", "amount in ether")
  .addOptionalParam("from", FROM, "0", types.string)
  .setAction(async (a: { amount: string; from: string }, hre) =>
    runTask("stake", async () => {
      const amount = parseAmount("amount", a.amount);
      const ctx = await taskContext(hre, a.from);
      await stake(ctx.core, amount);
      const w = await ctx.core.getWorker(await ctx.signer.getAddress());
      console.log(`staked ${formatEth(amount)}; total stake ${formatEth(w.stake)}, locked ${formatEth(w.locked)}`);
    }),
  );

task("unstake", "Move free stake into unbonding (withdraw it with `withdraw --stake` after the period)")
  .addParam("amount", "amount in ether")
  .addOptionalParam("from", FROM, "0", types.string)
  .setAction(async (a: { amount: string; from: string }, hre) =>
    runTask("unstake", async () => {
      const amount = parseAmount("amount", a.amount);
      const ctx = await taskContext(hre, a.from);
      await requestUnstake(ctx.core, amount);
      const w = await ctx.core.getWorker(await ctx.signer.getAddress());
      console.log(`unbonding ${formatEth(w.unbonding)}, withdrawable from ${formatTime(w.unbondingEnd)}`);
    }),
  );

task("withdraw", "Withdraw the signer's pull balance (or, with --stake, its unbonded stake)")
  .addFlag("stake", "withdraw unbonded stake instead of the pull balance")
  .addOptionalParam("from", FROM, "0", types.string)
  .setAction(async (a: { stake: boolean; from: string }, hre) =>
    runTask("withdraw", async () => {
      const ctx = await taskContext(hre, a.from);
      const me = await ctx.signer.getAddress();
      const amount = a.stake ? (await ctx.core.getWorker(me)).unbonding : await ctx.core.balanceOf(me);
      await (a.stake ? withdrawStake(ctx.core) : withdraw(ctx.core));
      console.log(`withdrew ${formatEth(amount)} ${a.stake ? "of unbonded stake" : "of balance"} to ${me}`);
    }),
  );

task("balance", "Show any account's withdrawable core balance (earnings, fees, refunds), its wallet and its stake")
  .addOptionalParam("account", "address (default: the signer's)")
  .addOptionalParam("from", FROM, "0", types.string)
  .addFlag("json", "print JSON (amounts in wei, as decimal strings)")
  .setAction(async (a: { account?: string; from: string; json: boolean }, hre) =>
    runTask("balance", async () => {
      const ctx = await taskContext(hre, a.from);
      const who = a.account === undefined ? await ctx.signer.getAddress() : parseAddress("account", a.account);
      const b = await accountBalance(ctx.core, who);
      if (a.json) return console.log(toJson(b));
      for (const line of describeBalance(b)) console.log(line);
    }),
  );
