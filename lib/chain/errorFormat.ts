/**
 * How a decoded custom error reads, shared by the CLI (lib/chain/errors.ts, ethers) and the dashboard (web/, viem):
 * "OblivionCore.InsufficientFreeStake(available=0.1 ETH, needed=0.2 ETH)". Amounts in ETH with their unit, times in
 * ISO 8601 with a relative hint. No imports, so that the browser bundle takes it as it is.
 */

/** Parameters of custom errors that are times (Unix seconds) or native-token amounts (wei). */
const TIME_PARAM = /(deadline|end|cutoff|until|timestamp)$/i;
const AMOUNT_PARAM = /stake|collateral|amount|escrow|balance|price|bounty|locked|requested|available|needed|wei$/i;
/** expected/sent are amounts in these errors only (elsewhere they count signals or mask bits). */
const AMOUNT_ERRORS = /Escrow|Payment/;

/** "0.01 ETH" for 10^16 wei, "1.0 ETH" for 10^18 (as ethers' formatEther words it). */
export function ethText(wei: bigint | string | number): string {
  const w = BigInt(wei);
  const neg = w < 0n;
  const a = neg ? -w : w;
  const frac = (a % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${a / 10n ** 18n}.${frac || "0"} ETH`;
}

/** "5 min", "2 h 5 min", "40 s", "300 ms", "3 d" for a duration in milliseconds (sign ignored). */
export function durationText(ms: number): string {
  if (Math.abs(ms) < 1000) return `${Math.round(Math.abs(ms))} ms`;
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.round(h / 24)} d`;
}

/** "2026-12-01T10:00:00Z (in 5 min)" or "… (3 min ago)" for a Unix time in seconds. */
export function timeText(unixSeconds: bigint | number, nowMs = Date.now()): string {
  const ms = Number(unixSeconds) * 1000;
  const iso = new Date(ms).toISOString().replace(/\.000Z$/, "Z");
  const delta = ms - nowMs;
  const hint = Math.abs(delta) < 1000 ? "now" : delta > 0 ? `in ${durationText(delta)}` : `${durationText(delta)} ago`;
  return `${iso} (${hint})`;
}

/** One argument of a decoded custom error as a person reads it. */
export function formatErrorArg(error: string, param: { name?: string; type: string }, value: unknown): string {
  const name = param.name ?? "";
  if (typeof value === "bigint" && param.type.startsWith("uint")) {
    if (TIME_PARAM.test(name)) return timeText(value);
    if (AMOUNT_PARAM.test(name) || (AMOUNT_ERRORS.test(error) && /^(expected|sent)$/.test(name))) return ethText(value);
  }
  return String(value);
}

/** "Contract.Error(a=1, b=0.1 ETH)" from a decoded error's name, parameters and values. */
export function formatCustomError(contract: string, error: string, params: readonly { name?: string; type: string }[], values: readonly unknown[]): string {
  const args = params.map((p, i) => `${p.name ?? i}=${formatErrorArg(error, p, values[i])}`).join(", ");
  return `${contract}.${error}(${args})`;
}

/** What a user sees when the wallet refused to sign (EIP-1193 code 4001): no alarm, nothing happened. */
export const REJECTED_TEXT = "You declined the signature in your wallet: nothing was sent.";
