/**
 * What a model version's setup asks its users to trust, as the registry records it (browser-safe: registry reads
 * only). DEV: one party ran the setup and knows its trapdoor. Ceremony: phase 2 with named contributors; one honest
 * contributor suffices (`model:verify-setup` checks the transcript itself). External: a key set up elsewhere.
 */
import type { ModelRegistry } from "../../typechain-types";
import { revertName } from "./errors";

/** Chain ids of local development chains (Hardhat and Anvil 31337, Ganache and geth --dev 1337). */
export const LOCAL_CHAIN_IDS: readonly bigint[] = [31337n, 1337n];
export const isLocalChain = (chainId: bigint) => LOCAL_CHAIN_IDS.includes(chainId);

const NO_PARENT = 0xffffffff;

export interface SetupInfo {
  kind: "dev" | "ceremony" | "external";
  /** Ceremony: finalized (a verifier exists). DEV and external: always true. */
  finalized: boolean;
  /** Ceremony: the contributors of the final chain (or every recorded contributor while open); else the owner. */
  contributors: string[];
  /** Ceremony: contributions recorded (all, in or out of the final chain). */
  recorded: number;
  ptauHash?: string;
}

/** What the registry's getCeremony answers, as far as the setup kind needs it. */
export interface CeremonyView {
  finalized: boolean;
  tip: number | bigint;
  ptauHash: string;
  contributions: readonly { contributor: string; parent: number | bigint }[];
}

/**
 * The setup of a version from what the registry records: `ceremony` is null when getCeremony reverts NoCeremony.
 * Addresses are kept as the reader gave them (ethers and viem both answer checksummed).
 */
export function setupOf(ver: { devSetup: boolean }, owner: string, c: CeremonyView | null): SetupInfo {
  if (ver.devSetup) return { kind: "dev", finalized: true, contributors: [owner], recorded: 0 };
  if (!c) return { kind: "external", finalized: true, contributors: [owner], recorded: 0 };
  const all = c.contributions.map((r) => r.contributor);
  if (!c.finalized) return { kind: "ceremony", finalized: false, contributors: [...new Set(all)], recorded: all.length, ptauHash: c.ptauHash };
  const chain: string[] = [];
  for (let i = Number(c.tip); i !== NO_PARENT; i = Number(c.contributions[i].parent)) chain.unshift(all[i]);
  return { kind: "ceremony", finalized: true, contributors: [...new Set(chain)], recorded: all.length, ptauHash: c.ptauHash };
}

/** The setup of (modelId, version), read from the registry. */
export async function setupInfo(registry: ModelRegistry, modelId: bigint | number, version: number, v?: { devSetup: boolean }, owner?: string): Promise<SetupInfo> {
  const ver = v ?? (await registry.getVersion(modelId, version));
  const own = owner ?? (await registry.getModel(modelId)).owner;
  if (ver.devSetup) return setupOf(ver, own, null);
  let c: CeremonyView | null;
  try {
    c = await registry.getCeremony(modelId, version);
  } catch (err) {
    if (!isNoCeremony(registry, err)) throw err;
    c = null;
  }
  return setupOf(ver, own, c);
}

/** One short label: "DEV setup (owner 0x…)", "ceremony, 3 contributors: 0x…, 0x…, 0x…", "ceremony OPEN, 2 contributions". */
export function setupLabel(s: SetupInfo): string {
  if (s.kind === "dev") return `DEV setup (single party: ${s.contributors[0]})`;
  if (s.kind === "external") return `external setup (owner ${s.contributors[0]})`;
  if (!s.finalized) return `ceremony OPEN, ${s.recorded} contribution${s.recorded === 1 ? "" : "s"} so far (no jobs until finalized)`;
  return `ceremony, ${s.contributors.length} contributor${s.contributors.length === 1 ? "" : "s"}: ${s.contributors.join(", ")}`;
}

/** Whether a registry call reverted with NoCeremony (decoded by ethers, or from the raw revert data). */
export function isNoCeremony(registry: ModelRegistry, err: unknown): boolean {
  const e = err as { revert?: { name?: string }; data?: string };
  if (e.revert?.name) return e.revert.name === "NoCeremony";
  try {
    if (e.data && registry.interface.parseError(e.data)?.name === "NoCeremony") return true;
  } catch {
    // undecodable data: not this error
  }
  // over a JSON-RPC node the revert data sits deeper in the error (revertData finds it)
  return revertName(err) === "NoCeremony";
}
