import type { Signer } from "ethers";
import type { PrivacyGateway } from "../../typechain-types";
import { relayEligibilityDecryption, type RelayedEligibility } from "./eligibility";
import type { Fhevm } from "./types";

/** One relayed request: which (job, worker) and what the verified decryption said. */
export interface KeeperRelay extends RelayedEligibility {
  jobId: bigint;
  worker: string;
}

/**
 * Keeper duty: finds eligibility requests since `fromBlock` that still await their decryption and relays each one
 * (public decryption + submit with proof). Requests already resolved, or replaced by a newer request that is itself
 * resolved, are skipped. Returns what was relayed, in request order.
 */
export async function relayPendingEligibility(
  fhevm: Fhevm,
  gateway: PrivacyGateway,
  submitter: Signer,
  fromBlock: number
): Promise<KeeperRelay[]> {
  const events = await gateway.queryFilter(gateway.filters.EligibilityRequested(), fromBlock);
  const seen = new Set<string>();
  const done: KeeperRelay[] = [];
  for (const e of events) {
    const { jobId, worker } = e.args;
    const key = `${jobId}:${worker.toLowerCase()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!(await gateway.isPending(jobId, worker))) continue;
    done.push({ jobId, worker, ...(await relayEligibilityDecryption(fhevm, gateway, submitter, jobId, worker)) });
  }
  return done;
}
