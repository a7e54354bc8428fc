import { ethers } from "hardhat";

/**
 * Runtime code that answers every call with `data`: CODECOPY the bytes after its 14-byte prologue, then RETURN them.
 * For a stand-in contract set with `hardhat_setCode` (a registry or a verifier answering what no real one does).
 */
export function returningCode(data: string): string {
  const n = ethers.dataLength(data).toString(16).padStart(4, "0");
  return ethers.concat([`0x61${n}600e600039` + `61${n}6000f3`, data]);
}

/** Puts a contract answering every call with `data` at a fresh address; returns the address. */
export async function deployReturning(data: string): Promise<string> {
  const at = ethers.Wallet.createRandom().address;
  await ethers.provider.send("hardhat_setCode", [at, returningCode(data)]);
  return at;
}
