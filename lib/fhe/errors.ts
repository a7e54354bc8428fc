/**
 * The contract error behind a failed call, as one line (e.g. `JobNotGated(8)`), or undefined when the failure is not a
 * contract revert. ethers decodes custom errors of the contract it called (`revert`); a Hardhat node also names them
 * in its message.
 */
export function revertReason(e: unknown): string | undefined {
  const err = e as { revert?: { name: string; args: unknown[] }; message?: string };
  if (err?.revert?.name) return `${err.revert.name}(${err.revert.args.map(String).join(", ")})`;
  const m = /reverted with (?:custom error|reason string) '([^']+)'/.exec(err?.message ?? "");
  return m?.[1];
}
