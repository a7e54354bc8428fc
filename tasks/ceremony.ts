/**
 * Ceremony tasks: `model:contribute`, `model:finalize`, `model:verify-setup` (registration with `--ptau` is
 * `model:register`). Thin shells over lib/zk/ceremony-chain.ts.
 */
import { task } from "hardhat/config";
import { parseUint } from "../lib/chain/args";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { runTask, taskContext, toJson, type TaskContext } from "../lib/chain/taskContext";
import { createContentStore, type ContentStore } from "../lib/storage";
import { createLogger, type Logger } from "../lib/util/log";

/** One ceremony task's signer context, content store (closed after `body`) and logger. */
async function withStore<T>(hre: HardhatRuntimeEnvironment, source: string, from: string, body: (ctx: TaskContext, store: ContentStore, log: Logger) => Promise<T>): Promise<T> {
  const ctx = await taskContext(hre, Number(parseUint("from", from, 0n, 1000n)));
  const store = createContentStore();
  try {
    return await body(ctx, store, createLogger({ source }));
  } finally {
    await store.close();
  }
}

const versionOf = (v?: string) => (v === undefined ? undefined : Number(parseUint("modelVersion", v, 1n, 2n ** 32n - 1n)));

task("model:contribute", "Contribute to a model version's setup ceremony: verify the contributions so far, add yours, record it from your address")
  .addParam("model", "model id")
  .addOptionalParam("modelVersion", "model version (default: the latest)")
  .addOptionalParam("from", "index of the signer that contributes", "0")
  .setAction(async (a: { model: string; modelVersion?: string; from: string }, hre) =>
    runTask("model:contribute", async () => {
      const { contribute } = await import("../lib/zk/ceremony-chain");
      const modelId = parseUint("model", a.model, 1n);
      await withStore(hre, "model:contribute", a.from, async (ctx, store, log) => {
        const r = await contribute({ registry: ctx.registry, signer: ctx.signer, store, log }, modelId, versionOf(a.modelVersion));
        for (const s of r.skipped) console.log(`skipped invalid contribution ${s}`);
        console.log(`contribution #${r.index} to model ${modelId} v${r.version} by ${await ctx.signer.getAddress()}, built on #${r.parent}, in ${r.seconds.toFixed(1)} s`);
        console.log(`hash ${r.hash32}, key ${r.keyCid}; contributions close at block ${r.deadline}`);
      });
    }),
  );

task("model:finalize", "After the deadline: seal the ceremony with a block-hash beacon, pick the longest valid chain, deploy the verifier from the final key")
  .addParam("model", "model id")
  .addOptionalParam("modelVersion", "model version (default: the latest)")
  .addOptionalParam("from", "index of the signer that finalizes", "0")
  .setAction(async (a: { model: string; modelVersion?: string; from: string }, hre) =>
    runTask("model:finalize", async () => {
      const { finalize, isLocalChain } = await import("../lib/zk/ceremony-chain");
      const modelId = parseUint("model", a.model, 1n);
      await withStore(hre, "model:finalize", a.from, async (ctx, store, log) => {
        const local = isLocalChain((await ctx.signer.provider!.getNetwork()).chainId);
        // on a local development chain blocks come only with transactions: mine up to the deadline
        const mine = local ? async (n: number) => void (await hre.network.provider.send("hardhat_mine", ["0x" + n.toString(16)])) : undefined;
        const r = await finalize({ registry: ctx.registry, signer: ctx.signer, store, mine, log }, modelId, versionOf(a.modelVersion));
        if (r.mined) console.log(`local development chain: mined ${r.mined} block(s) to pass the deadline`);
        for (const s of r.skipped) console.log(`not in the final chain: ${s}`);
        console.log(`model ${modelId} v${r.version} finalized on contributions ${r.chain.map((i) => `#${i}`).join(" -> ")} + beacon of block ${r.sealedAt} (${r.beacon})`);
        console.log(`verifier ${r.verifier} (vetted, from the final key ${r.finalKeyCid}), finalization gas ${r.gasUsed}`);
      });
    }),
  );

task("model:verify-setup", "Download a model version's R1CS, ptau and keys by CID and verify its whole setup transcript offline")
  .addParam("model", "model id")
  .addOptionalParam("modelVersion", "model version (default: the latest)")
  .addOptionalParam("from", "index of the signer whose trust is reported", "0")
  .addFlag("json", "print the verdict as JSON")
  .setAction(async (a: { model: string; modelVersion?: string; from: string; json: boolean }, hre) =>
    runTask("model:verify-setup", async () => {
      const { verifySetup, trustLine, describeContributor } = await import("../lib/zk/ceremony-chain");
      const modelId = parseUint("model", a.model, 1n);
      await withStore(hre, "model:verify-setup", a.from, async (ctx, store, log) => {
        const v = await verifySetup({ registry: ctx.registry, store, log }, modelId, versionOf(a.modelVersion));
        if (a.json) console.log(toJson(v));
        else {
          if (v.ptau) console.log(`ptau ${v.ptau.hash} (2^${v.ptau.power}, ${v.ptau.contributions} phase-1 contributions): ${v.ptau.source === "published" ? "on the published Hermez list" : "verified"}`);
          for (const c of v.contributors) console.log(describeContributor(c));
          if (v.beacon) console.log(`beacon: hash of block ${v.beacon.block} (${v.beacon.hash})`);
          console.log(trustLine(v, await ctx.signer.getAddress()));
        }
        if (!v.ok && v.kind === "ceremony") throw new Error(v.error);
      });
    }),
  );
