/** The registry's models with their latest version, and what the core's events say each has settled and earned. */
import { useQuery } from "@tanstack/react-query";
import { BaseError, ContractFunctionRevertedError, getAbiItem, type Address, type PublicClient } from "viem";
import { setupOf, type CeremonyView, type SetupInfo } from "../../../lib/chain/setupKind";
import { usePublicClient } from "wagmi";
import { useApp } from "../app";
import { coreAbi, registryAbi } from "../generated/abis";
import { useBlock } from "./block";
import { useLogs } from "./useLogs";

export interface ModelRow {
  id: bigint;
  name: string;
  owner: Address;
  active: boolean;
  fee: bigint;
  versions: number;
  latest?: { verifier: Address; vetted: boolean; devSetup: boolean; batchSize: number; numPublicSignals: number; circuitHash: string; onnxCid: string; provingKeyCid: string; circuitCid: string; setup: SetupInfo };
  settled: number;
  earned: bigint;
  jobs: number;
}

export const JOB_POSTED = getAbiItem({ abi: coreAbi, name: "JobPosted" });
export const SHARD_SETTLED = getAbiItem({ abi: coreAbi, name: "ShardSettled" });

/** jobId → modelId, from JobPosted. */
export function useJobModels() {
  const { config } = useApp();
  const { logs } = useLogs("jobs", config.contracts.core, [JOB_POSTED]);
  const map = new Map<bigint, { modelId: bigint; requester: Address; shardCount: number; escrow: bigint; block: bigint }>();
  for (const l of logs) map.set(l.args.jobId, { modelId: l.args.modelId, requester: l.args.requester, shardCount: l.args.shardCount, escrow: l.args.escrow, block: l.blockNumber });
  return map;
}

/** The version's ceremony as the registry records it; null when it has none (getCeremony reverts NoCeremony). */
async function ceremonyOf(client: PublicClient, registry: Address, id: bigint, version: number): Promise<CeremonyView | null> {
  try {
    return await client.readContract({ address: registry, abi: registryAbi, functionName: "getCeremony", args: [id, version] });
  } catch (err) {
    const revert = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    if (revert instanceof ContractFunctionRevertedError && revert.data?.errorName === "NoCeremony") return null;
    throw err;
  }
}

export function useModels() {
  const client = usePublicClient();
  const { config } = useApp();
  const { block } = useBlock();
  const jobs = useJobModels();
  const { logs: settled } = useLogs("settled", config.contracts.core, [SHARD_SETTLED]);
  const registry = config.contracts.registry;
  const q = useQuery({
    queryKey: ["models", registry, block.toString()],
    enabled: !!client && block > 0n,
    placeholderData: (prev) => prev,
    queryFn: async () => {
      const count = await client!.readContract({ address: registry, abi: registryAbi, functionName: "modelCount" });
      const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
      return Promise.all(
        ids.map(async (id) => {
          const m = await client!.readContract({ address: registry, abi: registryAbi, functionName: "getModel", args: [id] });
          const v = m.versionCount > 0 ? await client!.readContract({ address: registry, abi: registryAbi, functionName: "getVersion", args: [id, m.versionCount] }) : undefined;
          const setup = v && setupOf(v, m.owner, v.devSetup ? null : await ceremonyOf(client!, registry, id, m.versionCount));
          return { id, name: m.name, owner: m.owner, active: m.active, fee: m.feePerInference, versions: m.versionCount, latest: v && setup && { ...v, setup } };
        }),
      );
    },
  });
  const stats = new Map<bigint, { settled: number; earned: bigint; jobs: Set<bigint> }>();
  for (const l of settled) {
    const modelId = jobs.get(l.args.jobId)?.modelId;
    if (modelId === undefined) continue;
    const s = stats.get(modelId) ?? { settled: 0, earned: 0n, jobs: new Set() };
    s.settled++;
    s.earned += l.args.ownerFee;
    s.jobs.add(l.args.jobId);
    stats.set(modelId, s);
  }
  const rows: ModelRow[] = (q.data ?? []).map((m) => ({ ...m, settled: stats.get(m.id)?.settled ?? 0, earned: stats.get(m.id)?.earned ?? 0n, jobs: [...jobs.values()].filter((j) => j.modelId === m.id).length }));
  return { rows, loading: q.isLoading, error: q.error };
}
