/** Model owner tasks: `model:fee`, `model:deactivate`, `model:reactivate`, `model:earnings` (lib/chain/owner.ts). */
import { task, types } from "hardhat/config";
import { parseAddress, parseAmount, parseUint } from "../lib/chain/args";
import { deactivateModel, ownerEarnings, reactivateModel, setModelFee } from "../lib/chain/owner";
import { runTask, taskContext, toJson } from "../lib/chain/taskContext";
import { formatEth } from "../lib/util/format";

const FROM = "index of the owner's signer";

task("model:fee", "Model owner: set the fee per inference for jobs posted from now on (posted jobs keep theirs)")
  .addParam("model", "model id")
  .addParam("fee", "owner fee per inference, in ETH (0 allowed)")
  .addOptionalParam("from", FROM, "0", types.string)
  .setAction(async (a: { model: string; fee: string; from: string }, hre) =>
    runTask("model:fee", async () => {
      const modelId = parseUint("model", a.model, 1n);
      const fee = parseAmount("fee", a.fee, { allowZero: true });
      const ctx = await taskContext(hre, a.from);
      const r = await setModelFee(ctx.registry, ctx.signer, modelId, fee);
      console.log(`model ${modelId}: fee ${formatEth(fee)} per inference for new jobs (tx ${r.hash})`);
    }),
  );

task("model:deactivate", "Model owner: stop new jobs on a model (posted jobs still settle; model:reactivate undoes it)")
  .addParam("model", "model id")
  .addOptionalParam("from", FROM, "0", types.string)
  .setAction(async (a: { model: string; from: string }, hre) =>
    runTask("model:deactivate", async () => {
      const modelId = parseUint("model", a.model, 1n);
      const ctx = await taskContext(hre, a.from);
      const r = await deactivateModel(ctx.registry, ctx.signer, modelId);
      console.log(`model ${modelId}: deactivated, no new jobs (tx ${r.hash})`);
    }),
  );

task("model:reactivate", "Model owner: accept new jobs on a deactivated model again")
  .addParam("model", "model id")
  .addOptionalParam("from", FROM, "0", types.string)
  .setAction(async (a: { model: string; from: string }, hre) =>
    runTask("model:reactivate", async () => {
      const modelId = parseUint("model", a.model, 1n);
      const ctx = await taskContext(hre, a.from);
      const r = await reactivateModel(ctx.registry, ctx.signer, modelId);
      console.log(`model ${modelId}: active again (tx ${r.hash})`);
    }),
  );

task("model:earnings", "Model owner: owner fees earned per model (settled, still in escrow) and the withdrawable balance")
  .addOptionalParam("owner", "owner address (default: the signer's)")
  .addOptionalParam("model", "only this model id")
  .addOptionalParam("from", FROM, "0", types.string)
  .addFlag("json", "print JSON (amounts in wei, as decimal strings)")
  .setAction(async (a: { owner?: string; model?: string; from: string; json: boolean }, hre) =>
    runTask("model:earnings", async () => {
      const modelId = a.model === undefined ? undefined : parseUint("model", a.model, 1n);
      const ctx = await taskContext(hre, a.from);
      const owner = a.owner === undefined ? await ctx.signer.getAddress() : parseAddress("owner", a.owner);
      const e = await ownerEarnings(ctx.core, ctx.registry, owner, ctx.deployment.block?.number ?? 0, modelId);
      if (a.json) return console.log(toJson(e));
      if (e.models.length === 0) console.log(`${owner} owns no model`);
      for (const m of e.models) {
        const state = m.active ? "active" : "inactive";
        const other = m.owner.toLowerCase() === owner.toLowerCase() ? "" : ` (owned by ${m.owner})`;
        console.log(`#${m.modelId} ${m.name} ${state}${other}: earned ${formatEth(m.earnedWei)} on ${m.settledShards} settled shard${m.settledShards === 1 ? "" : "s"} of ${m.jobs} job${m.jobs === 1 ? "" : "s"}, ${formatEth(m.escrowedWei)} more in escrow; fee ${formatEth(m.feePerInference)} per inference`);
      }
      console.log(`${owner}: withdrawable balance ${formatEth(e.balanceWei)} (withdraw --from pays it out)`);
    }),
  );
