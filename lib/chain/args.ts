/** Parsing of task arguments; every failure is one line naming the argument. */
import { isAddress, isHexString, parseEther } from "ethers";
import fs from "node:fs";
import { FIELD_ORDER } from "./binding";

export class ArgumentError extends Error {
  constructor(arg: string, problem: string) {
    super(`bad --${arg}: ${problem}`);
    this.name = "ArgumentError";
  }
}

/** A native-token amount in ether units ("0.5"), to wei. */
export function parseAmount(arg: string, value: string | undefined, { allowZero = false } = {}): bigint {
  if (value === undefined || value === "") throw new ArgumentError(arg, "missing (an amount in ether, e.g. 0.5)");
  let wei: bigint;
  try {
    wei = parseEther(value);
  } catch {
    throw new ArgumentError(arg, `"${value}" is not an amount in ether`);
  }
  if (wei < 0n) throw new ArgumentError(arg, "must not be negative");
  if (wei === 0n && !allowZero) throw new ArgumentError(arg, "must be greater than zero");
  return wei;
}

/** A non-negative integer within [min, max]. */
export function parseUint(arg: string, value: string | undefined, min = 0n, max = 2n ** 256n - 1n): bigint {
  if (value === undefined || !/^\d+$/.test(value)) throw new ArgumentError(arg, `"${value ?? ""}" is not a whole number`);
  const n = BigInt(value);
  if (n < min || n > max) throw new ArgumentError(arg, `${n} is outside ${min}..${max}`);
  return n;
}

export function parseAddress(arg: string, value: string | undefined): string {
  if (!value || !isAddress(value)) throw new ArgumentError(arg, `"${value ?? ""}" is not an address`);
  return value;
}

/** Hex bytes of one of the given lengths. */
/** A comma-separated list of addresses (at least one, no repeats). */
export function parseAddressList(arg: string, value: string | undefined): string[] {
  const parts = (value ?? "").split(",").map((v) => v.trim()).filter((v) => v.length > 0);
  if (parts.length === 0) throw new ArgumentError(arg, "give at least one address, comma-separated");
  const out = parts.map((v) => parseAddress(arg, v));
  if (new Set(out.map((a) => a.toLowerCase())).size !== out.length) throw new ArgumentError(arg, "an address is listed twice");
  return out;
}

export function parseHexBytes(arg: string, value: string | undefined, lengths: number[]): string {
  if (!value || !isHexString(value)) throw new ArgumentError(arg, `"${value ?? ""}" is not 0x-prefixed hex`);
  const len = (value.length - 2) / 2;
  if (!lengths.includes(len)) throw new ArgumentError(arg, `${len} bytes, expected ${lengths.join(" or ")}`);
  return value;
}

export function parseNonEmpty(arg: string, value: string | undefined): string {
  if (!value || !value.trim()) throw new ArgumentError(arg, "must not be empty");
  return value;
}

/**
 * Reads per-shard input commitments from a JSON file: either an array or {"inputCommitments": [...]}, each a decimal
 * or 0x string (or number) below the BN254 field order.
 */
export function readCommitmentsFile(arg: string, file: string | undefined): bigint[] {
  if (!file) throw new ArgumentError(arg, "missing (a JSON file of per-shard input commitments)");
  if (!fs.existsSync(file)) throw new ArgumentError(arg, `${file} does not exist`);
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    throw new ArgumentError(arg, `${file} is not valid JSON`);
  }
  const list = Array.isArray(data) ? data : (data as { inputCommitments?: unknown })?.inputCommitments;
  if (!Array.isArray(list) || list.length === 0) {
    throw new ArgumentError(arg, `${file} must hold a non-empty array or {"inputCommitments": [...]}`);
  }
  return list.map((v, i) => {
    let c: bigint;
    try {
      if (typeof v !== "string" && typeof v !== "number") throw new Error();
      c = BigInt(v);
    } catch {
      throw new ArgumentError(arg, `commitment ${i} (${JSON.stringify(v)}) is not an integer`);
    }
    if (c < 0n || c >= FIELD_ORDER) throw new ArgumentError(arg, `commitment ${i} is not below the BN254 field order`);
    return c;
  });
}
