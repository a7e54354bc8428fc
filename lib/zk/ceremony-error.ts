/**
 * The named failures of a setup check. `code` names the failure (PtauInvalid, ContributionInvalid, ContributionSkipped,
 * ContributionOutOfOrder, ContributorMismatch, BeaconMismatch, ...); the message starts with it, so a task prints one
 * line that says which check refused what.
 */
export class CeremonyError extends Error {
  constructor(readonly code: string, detail: string) {
    super(`${code}: ${detail}`);
    this.name = "CeremonyError";
  }
}
