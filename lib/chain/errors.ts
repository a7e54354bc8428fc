/** Names the custom error behind a failed call or transaction, so callers can tell a lost race from a real fault. */
import type { Interface } from "ethers";

function findData(err: unknown, depth = 0): string | undefined {
  if (!err || typeof err !== "object" || depth > 5) return undefined;
  const e = err as Record<string, unknown>;
  if (typeof e.data === "string" && e.data.startsWith("0x") && e.data.length >= 10) return e.data;
  for (const k of ["error", "info", "cause"]) {
    const d = findData(e[k], depth + 1);
    if (d) return d;
  }
  return undefined;
}

/** The custom error's name (e.g. "ShardNotOpen"), or undefined when the failure carries no decodable revert data. */
export function revertName(err: unknown, iface: Interface): string | undefined {
  const named = (err as { revert?: { name?: string } })?.revert?.name;
  if (named) return named;
  const data = findData(err);
  if (!data) return undefined;
  try {
    return iface.parseError(data)?.name;
  } catch {
    return undefined; // revert data from another contract's ABI: nothing to name
  }
}

/** One line for logs: the revert name when there is one, else the error's first line. */
export function describeError(err: unknown, iface?: Interface): string {
  const name = iface ? revertName(err, iface) : undefined;
  if (name) return name;
  const msg = (err as Error)?.message ?? String(err);
  return msg.split("\n")[0].slice(0, 200);
}
