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

export function download(name: string, type: string, text: string | string[]): void {
  const url = URL.createObjectURL(new Blob(Array.isArray(text) ? text : [text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** `download` of a file built from many parts, yielding to the page every 16 ms: 10,000 rows never block it. */
export async function downloadParts(name: string, type: string, parts: Iterable<string>): Promise<void> {
  const out: string[] = [];
  let slice = performance.now();
  for (const p of parts) {
    out.push(p);
    if (performance.now() - slice > 16) {
      await new Promise((r) => setTimeout(r, 0));
      slice = performance.now();
    }
  }
  download(name, type, out);
}

const cell = (v: unknown) => {
  const s = v === undefined || v === null ? "" : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** RFC 4180 CSV of rows with the given columns, one line (with its end) at a time, the header first. */
export function* csvLines(columns: string[], rows: Record<string, unknown>[]): Generator<string> {
  yield columns.join(",") + "\n";
  for (const r of rows) yield columns.map((c) => cell(r[c])).join(",") + "\n";
}

/** RFC 4180 CSV of rows with the given columns. */
export function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
  return [...csvLines(columns, rows)].join("");
}

/** The text of JSON.stringify(rows, null, 2), one element at a time. */
export function* jsonLines(rows: unknown[]): Generator<string> {
  if (!rows.length) {
    yield "[]";
    return;
  }
  for (let i = 0; i < rows.length; i++) yield (i ? ",\n  " : "[\n  ") + JSON.stringify(rows[i], null, 2).replace(/\n/g, "\n  ");
  yield "\n]";
}
