/**
 * Checks a transaction before sending it: a static call against the pending block (the next block's timestamp, which
 * on an idle automining node is the wall clock, where `latest` is stale). Duties send only what this accepts, so
 * they never send a transaction they can tell will revert.
 */
import { isTransportError } from "../util/retry";
import { describeError, revertName } from "./errors";

export type Preflight = { ok: true } | { ok: false; revert?: string; reason: string };

/** The static-call side of a typechain method (overrides last). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type StaticCallable = { staticCall(...args: any[]): Promise<unknown> };

/** `args` are the method's arguments; `overrides` (e.g. `{ value }`) get the pending block tag added. */
export async function preflight(method: StaticCallable, args: unknown[], overrides: Record<string, unknown> = {}): Promise<Preflight> {
  try {
    await method.staticCall(...args, { ...overrides, blockTag: "pending" });
    return { ok: true };
  } catch (err) {
    if (isTransportError(err)) throw err; // no verdict from the chain: the caller retries
    return { ok: false, revert: revertName(err), reason: describeError(err) };
  }
}
