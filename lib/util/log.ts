/**
 * One line per event: `HH:MM:SS.mmm [source] message key=value …`, or one JSON object per line in --json mode.
 * A progress bar is drawn on stderr only when stderr is a terminal and JSON mode is off.
 * Fields named `…Wei` are amounts: shown in ETH with the unit in text (`earned="0.01 ETH"`), kept in wei in JSON.
 */
import { formatEth } from "./format";
export type Fields = Record<string, string | number | bigint | boolean | undefined | null>;

export interface Logger {
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  progress(label: string, done: number, total: number): void;
  child(source: string): Logger;
}

export interface LoggerOptions {
  source: string;
  json?: boolean;
  out?: NodeJS.WritableStream;
  tty?: boolean;
}

/**
 * A fractional number as text: 3 fixed decimals (`seconds=3.994`), or 3 significant digits in exponent form below
 * 0.01 (`maxDeviation=4.30e-3`), never the shortest round-trip form (`3.9939999999999998`). JSON keeps full precision.
 */
export function formatNumber(v: number): string {
  if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 0.01 ? v.toFixed(3) : v.toExponential(2);
}

function fmt(v: Fields[string]): string {
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return formatNumber(v);
  const s = String(v);
  return /\s/.test(s) ? JSON.stringify(s) : s;
}

/** An amount field: named `…Wei`, holding an integer. */
function isWei(key: string, v: Fields[string]): boolean {
  return key.endsWith("Wei") && key.length > 3 && (typeof v === "bigint" || (typeof v === "string" && /^\d+$/.test(v)) || Number.isInteger(v));
}

export function createLogger(opts: LoggerOptions): Logger {
  const out = opts.out ?? process.stdout;
  const tty = opts.tty ?? (!opts.json && process.stderr.isTTY === true);
  let barDrawn = false;
  const clearBar = () => {
    if (barDrawn) process.stderr.write("\r\x1b[K");
    barDrawn = false;
  };
  const write = (level: string, msg: string, fields: Fields = {}) => {
    clearBar();
    if (opts.json) {
      const rec: Record<string, unknown> = { t: new Date().toISOString(), level, source: opts.source, msg };
      for (const [k, v] of Object.entries(fields)) if (v !== undefined) rec[k] = typeof v === "bigint" ? v.toString() : v;
      out.write(JSON.stringify(rec) + "\n");
      return;
    }
    const kv = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => (isWei(k, v) ? `${k.slice(0, -3)}=${fmt(formatEth(v as bigint | string | number))}` : `${k}=${fmt(v)}`))
      .join(" ");
    const lvl = level === "info" ? "" : `${level.toUpperCase()} `;
    out.write(`${new Date().toISOString().slice(11, 23)} [${opts.source}] ${lvl}${msg}${kv ? " " + kv : ""}\n`);
  };
  return {
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    progress(label, done, total) {
      if (!tty || total <= 0) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      process.stderr.write(`\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`);
      barDrawn = done < total;
      if (!barDrawn) process.stderr.write("\n");
    },
    child: (source) => createLogger({ ...opts, source: `${opts.source}/${source}` }),
  };
}
