/**
 * A model version's circuit bundle (lib/zk/bundle.ts: the quantized model, batch size, verification key, …), read by
 * the `circuitCid` the registry holds through the CID-checking content client. Not cached here: each caller reads it
 * when it needs it, so every use is a fresh, verified read.
 */
import type { Address, PublicClient } from "viem";
import { registryAbi } from "../generated/abis";
import { readJson } from "./ipfs";

export interface CircuitBundle {
  cid: string;
  quant?: string;
  vkey?: string;
  meta?: {
    batch?: number;
    constraints?: number;
    /** What model:register measured on the calibration inputs (lib/zk/reference.ts DeviationReport). */
    deviation?: { samples: number; maxAbsDeviation: number; argmaxAgreement: number; onnxruntimeAgreement?: number };
  };
}

export async function readCircuitBundle(client: PublicClient, registry: Address, model: bigint, version: number): Promise<CircuitBundle> {
  const v = await client.readContract({ address: registry, abi: registryAbi, functionName: "getVersion", args: [model, version] });
  return { ...(await readJson<Omit<CircuitBundle, "cid">>(v.circuitCid)), cid: v.circuitCid };
}
