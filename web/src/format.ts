/** How the screens show amounts, addresses and times. */
import { formatEther } from "viem";
import { durationText } from "../../lib/chain/errorFormat";

/** "0.0100 ETH": fixed decimals, with the unit. */
export function eth(wei: bigint | string | undefined, decimals = 4): string {
  if (wei === undefined) return "—";
  const [whole, frac = ""] = formatEther(BigInt(wei)).split(".");
  return `${whole}.${frac.padEnd(decimals, "0").slice(0, decimals)} ETH`;
}

export const short = (a: string) => (a.length > 12 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a);

/** "in 4 min" / "expired 10 s ago" for a deadline in Unix seconds against `now`. */
export function countdown(deadline: number | bigint, now: number): string {
  const left = Number(deadline) - now;
  return left > 0 ? `${durationText(left * 1000)} left` : `expired ${durationText(-left * 1000)} ago`;
}

export function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** RFC 4180 CSV of rows with the given columns. */
export function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
  const cell = (v: unknown) => {
    const s = v === undefined || v === null ? "" : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))].join("\n") + "\n";
}
