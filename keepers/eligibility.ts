/**
 * Keeper duty for the FHE privacy gateway: relays every pending eligibility request (public decryption of the
 * encrypted boolean, then `submitEligibility` with its KMS proof) so that workers of gated jobs get their answer.
 */
import type { Signer } from "ethers";
import type { PrivacyGateway } from "../typechain-types";
import { relayPendingEligibility } from "../lib/fhe/keeper";
import type { Fhevm } from "../lib/fhe/types";
import type { Logger } from "../lib/util/log";
import type { KeeperDuty } from "./keeper";

export class EligibilityRelayDuty implements KeeperDuty {
  readonly name = "eligibility";
  readonly stats = { relayed: 0, eligible: 0 };

  /** @param fromBlock first block to look for EligibilityRequested events (the gateway's deployment) */
  constructor(
    private readonly fhevm: Fhevm,
    private readonly gateway: PrivacyGateway,
    private readonly signer: Signer,
    private readonly log: Logger,
    private readonly fromBlock = 0,
  ) {}

  async run(): Promise<number> {
    const relayed = await relayPendingEligibility(this.fhevm, this.gateway, this.signer, this.fromBlock);
    for (const r of relayed) {
      this.stats.relayed++;
      if (r.eligible) this.stats.eligible++;
      this.log.info("relayed eligibility decryption", { job: r.jobId, worker: r.worker, eligible: r.eligible, tx: r.txHash });
    }
    return relayed.length;
  }
}
