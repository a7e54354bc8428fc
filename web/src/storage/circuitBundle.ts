/**
 * A model version's circuit bundle (lib/zk/bundle.ts: the quantized model, batch size, verification key, …), read by
 * the `circuitCid` the registry holds through the CID-checking content client, once per version per page.
 */
import type { Address, PublicClient } from "viem";
import { registryAbi } from "../generated/abis";
import { readJson } from "./ipfs";

export interface CircuitBundle {
  cid: string;
  quant?: string;
  vkey?: string;
  meta?: { batch?: number };
}

const bundles = new Map<string, Promise<CircuitBundle>>();

export function circuitBundleOf(client: PublicClient, registry: Address, model: bigint, version: number): Promise<CircuitBundle> {
  const k = `${registry}:${model}:${version}`;
  if (!bundles.has(k)) {
    const p = (async () => {
      const v = await client.readContract({ address: registry, abi: registryAbi, functionName: "getVersion", args: [model, version] });
      return { ...(await readJson<Omit<CircuitBundle, "cid">>(v.circuitCid)), cid: v.circuitCid };
    })();
    p.catch(() => bundles.delete(k));
    bundles.set(k, p);
  }
  return bundles.get(k)!;
}
