/**
 * Why a job's open shards go unclaimed, from what the chain shows: the job's terms, every registered worker's free
 * stake and published terms (lib/chain/worker-terms.ts), and claims left after the key release. `job:status` and
 * the followers print these reasons; the reference worker logs the same ones for the jobs it skips.
 */
import type { OblivionCore } from "../../typechain-types";
import type { JobView } from "../chain/jobbook";
import { readTerms } from "../chain/worker-terms";
import { formatEth } from "../util/format";

/** The reference worker's default cap on collateral, as a multiple of the shard's price (worker/config.ts). */
export const DEFAULT_MAX_COLLATERAL_MULTIPLE = 10n;

export interface StallReport {
  /** Reasons, most decisive first; empty when the chain shows none (workers may be offline). */
  reasons: string[];
  workers: number;
}

interface Terms {
  modelId: bigint;
  pricePerShard: bigint;
  collateral: bigint;
  minStake: bigint;
  gated: boolean;
  unvettedVerifier: boolean;
}

/**
 * Reasons the job's open shards are not claimed. `job` (from a JobBook) adds what only events show: claims left after
 * the key release, i.e. workers that could not reach or open the content.
 */
export async function whyUnclaimed(core: OblivionCore, jobId: bigint, job?: Pick<JobView, "leftAfterRelease">, fromBlock = 0): Promise<StallReport> {
  const t: Terms = await core.getJob(jobId);
  const reasons: string[] = [];
  if (job && job.leftAfterRelease > 0) {
    reasons.push(`content unreachable: workers left ${job.leftAfterRelease} claim${job.leftAfterRelease === 1 ? "" : "s"} after the key release (they could not fetch or open the shard package; serve it where they can reach it: --serve 0.0.0.0:8090 or --content-url)`);
  }
  const registered = await core.queryFilter(core.filters.WorkerRegistered(), fromBlock);
  const latest = new Map<string, string>();
  for (const e of registered) latest.set(e.args.worker.toLowerCase(), e.args.metadataCid);
  const workers = await Promise.all([...latest].map(async ([addr, meta]) => ({ addr, w: await core.getWorker(addr), terms: readTerms(meta) })));
  if (workers.length === 0) return { reasons: [...reasons, "no worker is registered on this core"], workers: 0 };

  const capOf = (x: (typeof workers)[number]) => (x.terms ? BigInt(x.terms.maxCollateralMultiple) : DEFAULT_MAX_COLLATERAL_MULTIPLE);
  const serving = workers.filter((x) => !x.terms || x.terms.models.length === 0 || x.terms.models.includes(t.modelId.toString()));
  if (serving.length === 0) reasons.push(`no worker serves model ${t.modelId} (by the terms the ${workers.length} registered workers publish)`);
  const underCap = serving.filter((x) => t.collateral <= t.pricePerShard * capOf(x));
  if (serving.length && underCap.length === 0) {
    const highest = serving.map(capOf).reduce((a, b) => (a > b ? a : b));
    reasons.push(
      `collateral ${formatEth(t.collateral)} is above what workers accept: ${t.pricePerShard === 0n ? "the price is 0" : `${Number((Number(t.collateral) / Number(t.pricePerShard)).toPrecision(3))}x the price of ${formatEth(t.pricePerShard)}`}, ` +
        `the highest cap among them is ${highest}x (maxCollateralMultiple, ${DEFAULT_MAX_COLLATERAL_MULTIPLE}x by default); lower --collateral or raise --price`,
    );
  }
  const priced = underCap.filter((x) => !x.terms || t.pricePerShard >= BigInt(x.terms.minPriceWei));
  if (underCap.length && priced.length === 0) {
    const lowest = underCap.map((x) => BigInt(x.terms!.minPriceWei)).reduce((a, b) => (a < b ? a : b));
    reasons.push(`price ${formatEth(t.pricePerShard)} per shard is below every worker's minimum (lowest ${formatEth(lowest)})`);
  }
  const vetting = priced.filter((x) => !t.unvettedVerifier || x.terms?.acceptUnvetted);
  if (priced.length && vetting.length === 0) reasons.push("the job uses an unvetted verifier, which workers refuse unless configured with acceptUnvettedVerifiers");
  const staked = vetting.filter((x) => x.w.stake - x.w.locked >= t.collateral && x.w.stake >= t.minStake);
  if (vetting.length && staked.length === 0) {
    reasons.push(`no worker that would take it has ${formatEth(t.collateral > t.minStake ? t.collateral : t.minStake)} of free stake (collateral ${formatEth(t.collateral)}, min stake ${formatEth(t.minStake)})`);
  }
  if (t.gated && staked.length) reasons.push("gated: only workers whose encrypted reputation reaches the job's minimum may claim (the gate decides per worker)");
  return { reasons, workers: workers.length };
}
