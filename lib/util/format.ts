/** How amounts and times are shown to people: ETH with its unit, ISO 8601 UTC with a relative hint. */
import { formatEther } from "ethers";

/** "0.01 ETH" for 10^16 wei. */
export function formatEth(wei: bigint | string | number): string {
  return `${formatEther(BigInt(wei))} ETH`;
}

/** "5 min", "2 h 5 min", "40 s", "300 ms", "3 d" for a duration in milliseconds (sign ignored). */
export function formatDuration(ms: number): string {
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
export function formatTime(unixSeconds: bigint | number, nowMs = Date.now()): string {
  const ms = Number(unixSeconds) * 1000;
  const iso = new Date(ms).toISOString().replace(/\.000Z$/, "Z");
  const delta = ms - nowMs;
  const hint = Math.abs(delta) < 1000 ? "now" : delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(delta)} ago`;
  return `${iso} (${hint})`;
}
