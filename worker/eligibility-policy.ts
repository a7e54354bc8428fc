/**
 * Which gated jobs the worker answers. Every eligibility answer is public and tells one bit about the worker's
 * encrypted score against the job's encrypted minimum (rounded by the gateway to its score step), so a requester who
 * posts gated jobs with chosen thresholds learns the score's step by binary search if the worker answers them all
 * (docs/fhe.md). The policy bounds that: it answers only requesters it is allowed to (an allow list, a deny list),
 * at most `maxPerRequester` gated jobs of one requester per window and at most `maxPerWindow` in all (a spy with many
 * addresses meets the global limit). A refusal only costs the worker the job: it never claims it.
 *
 * Config keys (worker config file, or the OBLIVION_* variables below), documented in the README worker table:
 *   eligibilityRequesters        allow list of requester addresses, comma-separated; empty answers any requester
 *   eligibilityDenyRequesters    requesters never answered
 *   eligibilityMaxPerRequester   answers per requester per window (default 3)
 *   eligibilityMaxPerWindow      answers in all per window (default 12)
 *   eligibilityWindowSeconds     the window (default 86400, one day)
 */
import { getAddress, isAddress } from "ethers";

export interface EligibilityPolicyConfig {
  /** Requesters answered; empty: any requester not denied. */
  allow: string[];
  /** Requesters never answered. */
  deny: string[];
  maxPerRequester: number;
  maxPerWindow: number;
  windowSeconds: number;
}

/** Defaults as raw config values (merged into the worker's DEFAULTS). */
export const ELIGIBILITY_DEFAULTS = {
  eligibilityRequesters: [] as string[],
  eligibilityDenyRequesters: [] as string[],
  eligibilityMaxPerRequester: 3,
  eligibilityMaxPerWindow: 12,
  eligibilityWindowSeconds: 86_400,
};

/** Environment variables of the policy's keys (merged into the worker's ENV table). */
export const ELIGIBILITY_ENV = {
  OBLIVION_ELIGIBILITY_REQUESTERS: "eligibilityRequesters",
  OBLIVION_ELIGIBILITY_DENY_REQUESTERS: "eligibilityDenyRequesters",
  OBLIVION_ELIGIBILITY_MAX_PER_REQUESTER: "eligibilityMaxPerRequester",
  OBLIVION_ELIGIBILITY_MAX_PER_WINDOW: "eligibilityMaxPerWindow",
  OBLIVION_ELIGIBILITY_WINDOW_SECONDS: "eligibilityWindowSeconds",
} as const;

/** Parses the policy's keys; `fail(field, problem)` throws the worker config's one-line error. */
export function parseEligibilityPolicy(
  raw: Record<string, unknown>,
  fail: (field: string, problem: string) => never,
): EligibilityPolicyConfig {
  const addresses = (field: keyof typeof ELIGIBILITY_DEFAULTS): string[] => {
    const v = raw[field];
    const list = typeof v === "string" ? v.split(",").map((s) => s.trim()).filter(Boolean) : v;
    if (!Array.isArray(list)) return fail(field, "must be a list of addresses");
    return list.map((a) => {
      if (typeof a !== "string" || !isAddress(a)) return fail(field, `holds ${JSON.stringify(a)}, not an address`);
      return getAddress(a);
    });
  };
  const count = (field: keyof typeof ELIGIBILITY_DEFAULTS, min: number, max: number): number => {
    const v = raw[field];
    const n = typeof v === "string" ? Number(v) : v;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
      return fail(field, `must be a whole number in [${min}, ${max}], got ${JSON.stringify(v)}`);
    }
    return n;
  };
  return {
    allow: addresses("eligibilityRequesters"),
    deny: addresses("eligibilityDenyRequesters"),
    maxPerRequester: count("eligibilityMaxPerRequester", 0, 1_000_000),
    maxPerWindow: count("eligibilityMaxPerWindow", 0, 1_000_000),
    windowSeconds: count("eligibilityWindowSeconds", 1, 365 * 86_400),
  };
}

/** Why the policy refuses to answer a gated job, or undefined when it may. */
export type EligibilityRefusal = "requester not allowed" | "requester denied" | "requester limit" | "window limit";

/**
 * The policy with its memory of answers given (in this process; a restarted worker starts its windows afresh, which
 * at most doubles one window's answers).
 */
export class EligibilityPolicy {
  private answers: { requester: string; at: number }[] = [];

  constructor(private readonly cfg: EligibilityPolicyConfig) {}

  /** Whether a gated job of `requester` may be answered now (unix seconds); does not record anything. */
  refusal(requester: string, now: number): EligibilityRefusal | undefined {
    const who = getAddress(requester);
    if (this.cfg.deny.includes(who)) return "requester denied";
    if (this.cfg.allow.length > 0 && !this.cfg.allow.includes(who)) return "requester not allowed";
    this.answers = this.answers.filter((a) => a.at > now - this.cfg.windowSeconds);
    if (this.answers.length >= this.cfg.maxPerWindow) return "window limit";
    if (this.answers.filter((a) => a.requester === who).length >= this.cfg.maxPerRequester) return "requester limit";
    return undefined;
  }

  /** Records that a gated job of `requester` was answered at `now`. */
  record(requester: string, now: number): void {
    this.answers.push({ requester: getAddress(requester), at: now });
  }
}
