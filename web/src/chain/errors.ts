/**
 * A failed wallet or contract call as one line for people: the protocol's custom error with its arguments in units
 * (the same formatter as the CLI: lib/chain/errorFormat.ts), a calm line for a declined signature, else viem's short
 * message.
 */
import { BaseError, decodeErrorResult, UserRejectedRequestError, type Hex } from "viem";
import { formatCustomError, REJECTED_TEXT } from "../../../lib/chain/errorFormat";
import { ALL_ABIS } from "../generated/abis";

export type Failure = { kind: "rejected" | "revert" | "error"; text: string };

function revertData(err: unknown): Hex | undefined {
  let e = err as { data?: unknown; raw?: unknown; cause?: unknown; error?: unknown } | undefined;
  for (let depth = 0; e && depth < 8; depth++) {
    if (typeof e.raw === "string" && e.raw.startsWith("0x")) return e.raw as Hex;
    if (typeof e.data === "string" && e.data.startsWith("0x") && e.data.length >= 10) return e.data as Hex;
    const inner = (e.data as { data?: unknown } | undefined)?.data;
    if (typeof inner === "string" && inner.startsWith("0x")) return inner as Hex;
    e = (e.cause ?? e.error) as typeof e;
  }
  return undefined;
}

/** "OblivionCore.ShardNotOpen(jobId=1, shardIndex=0)" when the revert data is one of the protocol's errors. */
export function decodeRevert(data: Hex): string | undefined {
  for (const [name, abi] of ALL_ABIS) {
    try {
      const d = decodeErrorResult({ abi, data });
      const item = d.abiItem as { inputs?: readonly { name?: string; type: string }[] };
      return formatCustomError(name, d.errorName, item.inputs ?? [], (d.args ?? []) as readonly unknown[]);
    } catch {
      // not this contract's error: try the next ABI
    }
  }
  return undefined;
}

function rejected(err: unknown): boolean {
  if (err instanceof BaseError && err.walk((e) => e instanceof UserRejectedRequestError)) return true;
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 8; depth++) {
    if (e.code === 4001) return true;
    e = e.cause as typeof e;
  }
  return false;
}

export function describeFailure(err: unknown): Failure {
  if (rejected(err)) return { kind: "rejected", text: REJECTED_TEXT };
  const data = revertData(err);
  const decoded = data && decodeRevert(data);
  if (decoded) return { kind: "revert", text: decoded };
  const text = err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message : String(err);
  return { kind: "error", text: text.split("\n")[0] };
}
