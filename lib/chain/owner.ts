/**
 * A model owner's side of the marketplace: which of its models carry a name, the checks before publishing, the fee,
 * deactivation and reactivation, and what each model has earned. Browser-safe (ethers and the generated contract
 * types only): the `model:*` tasks and the dashboard call the same functions.
 */
import type { Signer } from "ethers";
import type { ModelRegistry, OblivionCore } from "../../typechain-types";
import { formatEther } from "ethers";
import { formatEth } from "../util/format";
import { ownerFeesInEscrow } from "./ownerEscrow";
import { mined } from "./protocol";

const lc = (a: string) => a.toLowerCase();

export interface OwnedModel {
  modelId: bigint;
  name: string;
  active: boolean;
  feePerInference: bigint;
  versionCount: number;
}

/** The models `owner` registered, in id order. */
export async function modelsOwnedBy(registry: ModelRegistry, owner: string): Promise<OwnedModel[]> {
  const count = Number(await registry.modelCount());
  const models = await Promise.all(Array.from({ length: count }, (_, i) => registry.getModel(i + 1)));
  return models.flatMap((m, i) =>
    lc(m.owner) === lc(owner)
      ? [{ modelId: BigInt(i + 1), name: m.name, active: m.active, feePerInference: m.feePerInference, versionCount: Number(m.versionCount) }]
      : [],
  );
}

/** What `model:register` does with a name: register a new model, or publish a version of the owner's model. */
export type NamePlan = { action: "register"; sameName: bigint[] } | { action: "publish"; modelId: bigint };

/**
 * Registering a name its owner already uses is refused unless the owner says what it means: `newVersion` publishes
 * a version of that model (it must be the only active one with the name, and a `fee` given must be its current one:
 * a version does not change the fee), `force` registers a second model anyway.
 */
export async function planRegistration(
  registry: ModelRegistry,
  owner: string,
  name: string,
  { newVersion = false, force = false, fee }: { newVersion?: boolean; force?: boolean; fee?: bigint } = {},
): Promise<NamePlan> {
  if (newVersion && force) throw new Error("--new-version and --force exclude each other (a version of the model, or a second model)");
  const same = (await modelsOwnedBy(registry, owner)).filter((m) => m.name === name);
  if (!newVersion) {
    if (same.length === 0 || force) return { action: "register", sameName: same.map((m) => m.modelId) };
    const ids = same.map((m) => `#${m.modelId}`).join(", ");
    throw new Error(`${owner} already owns a model named "${name}" (${ids}): pass --new-version to publish a version of it, or --force to register a second model`);
  }
  const active = same.filter((m) => m.active);
  if (same.length === 0) throw new Error(`--new-version: ${owner} owns no model named "${name}" (leave --new-version out to register it)`);
  if (active.length !== 1) {
    const ids = (active.length ? active : same).map((m) => `#${m.modelId}`).join(", ");
    const why = active.length ? "more than one active model has that name" : "none of them is active (model:reactivate first)";
    throw new Error(`--new-version: ${why} (${ids}); use model:version --model <id>`);
  }
  const m = active[0];
  if (fee !== undefined && fee !== m.feePerInference) {
    throw new Error(`--new-version keeps model ${m.modelId}'s fee of ${formatEth(m.feePerInference)} per inference, not the ${formatEth(fee)} given: pass --fee ${formatEther(m.feePerInference)}, and change the fee with model:fee`);
  }
  return { action: "publish", modelId: m.modelId };
}

/**
 * Checks before the minutes of compile and setup a new version costs: the model exists, `owner` owns it, and it is
 * active (the registry would refuse the publication otherwise).
 */
export async function checkCanPublish(registry: ModelRegistry, modelId: bigint, owner: string): Promise<OwnedModel> {
  const m = await registry.getModel(modelId); // reverts ModelNotFound
  if (lc(m.owner) !== lc(owner)) throw new Error(`model ${modelId} is owned by ${m.owner}, not the signer ${owner} (pass --from, or PRIVATE_KEY, of its owner)`);
  if (!m.active) throw new Error(`model ${modelId} is deactivated: model:reactivate --model ${modelId} first`);
  return { modelId, name: m.name, active: m.active, feePerInference: m.feePerInference, versionCount: Number(m.versionCount) };
}

/** Sets the fee per inference for jobs posted from now on (posted jobs keep theirs). */
export function setModelFee(registry: ModelRegistry, signer: Signer, modelId: bigint, feePerInference: bigint) {
  return mined(registry.connect(signer).setFee(modelId, feePerInference));
}

/** No new jobs on the model until `reactivateModel`; posted jobs still settle and pay the owner. */
export function deactivateModel(registry: ModelRegistry, signer: Signer, modelId: bigint) {
  return mined(registry.connect(signer).deactivate(modelId));
}

export function reactivateModel(registry: ModelRegistry, signer: Signer, modelId: bigint) {
  return mined(registry.connect(signer).reactivate(modelId));
}

export interface ModelEarnings {
  modelId: bigint;
  name: string;
  owner: string;
  active: boolean;
  feePerInference: bigint;
  jobs: number;
  settledShards: number;
  /** Owner fees credited by settlements of the model's jobs (part of the owner's core balance until withdrawn). */
  earnedWei: bigint;
  /** Owner fees still in escrow: shards of live jobs neither settled nor forfeited. */
  escrowedWei: bigint;
}

/**
 * What one model has earned its owner, from the core's events since `fromBlock` (the deployment's block): the owner
 * fees of every settled shard of its jobs, and the owner fees of live jobs still in escrow.
 */
export async function modelEarnings(core: OblivionCore, registry: ModelRegistry, modelId: bigint, fromBlock = 0): Promise<ModelEarnings> {
  const m = await registry.getModel(modelId);
  const posted = await core.queryFilter(core.filters.JobPosted(undefined, undefined, modelId), fromBlock);
  const jobIds = new Set(posted.map((e) => e.args.jobId));
  let earnedWei = 0n;
  let settledShards = 0;
  if (jobIds.size > 0) {
    for (const e of await core.queryFilter(core.filters.ShardSettled(), fromBlock)) {
      if (!jobIds.has(e.args.jobId)) continue;
      earnedWei += e.args.ownerFee;
      settledShards++;
    }
  }
  let escrowedWei = 0n;
  for (const jobId of jobIds) {
    escrowedWei += ownerFeesInEscrow(await core.getJob(jobId));
  }
  return { modelId, name: m.name, owner: m.owner, active: m.active, feePerInference: m.feePerInference, jobs: jobIds.size, settledShards, earnedWei, escrowedWei };
}

export interface OwnerEarnings {
  owner: string;
  /** The owner's whole withdrawable core balance (owner fees and anything else it was credited). */
  balanceWei: bigint;
  models: ModelEarnings[];
}

/** Earnings of every model `owner` registered (or only `modelId`), with its withdrawable balance. */
export async function ownerEarnings(core: OblivionCore, registry: ModelRegistry, owner: string, fromBlock = 0, modelId?: bigint): Promise<OwnerEarnings> {
  const ids = modelId !== undefined ? [modelId] : (await modelsOwnedBy(registry, owner)).map((m) => m.modelId);
  const models = [];
  for (const id of ids) models.push(await modelEarnings(core, registry, id, fromBlock));
  return { owner, balanceWei: await core.balanceOf(owner), models };
}
