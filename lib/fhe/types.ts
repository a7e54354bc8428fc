// The fhEVM runtime that the Hardhat plugin attaches as `hre.fhevm` (mock under `hardhat test`/`hardhat node`,
// the Zama relayer on a real fhEVM network). Library functions take it as a parameter so they do not depend on hre.
export type { HardhatFhevmRuntimeEnvironment as Fhevm } from "@fhevm/hardhat-plugin";

/** The largest value an euint32 holds; scores and minimum scores are euint32. */
export const MAX_UINT32 = 0xffff_ffffn;

/** A handle of all zeros: the value was never written (FHE operations read it as an encrypted zero). */
export const ZERO_HANDLE = "0x" + "00".repeat(32);

/** Parses a minimum score given by a user; throws a one-line error naming the problem. */
export function parseScore(value: string | number | bigint, what = "score"): bigint {
  const text = String(value).trim();
  if (!/^\d+$/.test(text)) throw new Error(`${what} must be a non-negative integer, got "${text}"`);
  const n = BigInt(text);
  if (n > MAX_UINT32) throw new Error(`${what} ${n} exceeds the euint32 maximum ${MAX_UINT32}`);
  return n;
}
