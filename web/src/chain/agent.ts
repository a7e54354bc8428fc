/**
 * The release agent in the tab: while the page is open, every live claim on one of the connected requester's jobs
 * (a job file in IndexedDB) gets its shard key released to exactly that claim. The tab builds the release itself
 * (lib/requester/release.ts, as the CLI's agent does): the data key never leaves the page except masked to the
 * claim's one-time key on-chain; the wallet signs releaseShardKey after a simulation passes. A claim that
 * has expired, or already has its release, is left alone. It runs on every screen (ReleaseAgentHost wraps the app)
 * as soon as this browser holds a job file of the deployment, so the requester's return to any screen resumes it.
 * Closing the tab stops it: workers then leave without a slash, and the job resumes when the requester comes back.
 */
import { createContext, createElement, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { getAbiItem, type Address, type Hex, type PublicClient } from "viem";
import { useAccount, usePublicClient, useWalletClient } from "wagmi";
import { useApp } from "../app";
import { coreAbi } from "../generated/abis";
import { useBlock } from "./block";
import { describeFailure } from "./errors";
import { dropPending, JOBS_CHANGED, listJobs, listPending, PENDING_TTL_MS, saveJob, type JobFile } from "./jobStore";
import type { AppConfig } from "../config";
import type { AnyEventLog } from "./logs";
import { useLogs } from "./useLogs";

/** A claim and every event that ends it or serves it: the agent reads no shard to know which claims still wait. */
const EVENTS = (["ShardClaimed", "ShardKeyReleased", "ClaimLeft", "BadReleaseProven", "ShardSettled", "ClaimSlashed", "ClaimVoided"] as const).map((name) => getAbiItem({ abi: coreAbi, name }));

export interface AgentEvent {
  at: number;
  text: string;
  ok: boolean;
}

export function useReleaseAgent(enabled: boolean) {
  const { config } = useApp();
  const { address, chainId } = useAccount();
  const client = usePublicClient();
  const { data: wallet } = useWalletClient();
  const { block, time } = useBlock();
  const logs = useLogs("claim-events", enabled ? config.contracts.core : undefined, EVENTS).logs as unknown as AnyEventLog[];
  /** Each job's requester, read once. */
  const requesters = useRef(new Map<string, string>());
  const [events, setEvents] = useState<AgentEvent[]>([]);
  const done = useRef(new Set<string>());
  const busy = useRef(false);
  // A trigger that arrives while a pass runs is not dropped: the pass ends by running again. On an idle chain (every
  // worker waiting for its key) no new block would come to retry it.
  const again = useRef(false);
  const [rerun, setRerun] = useState(0);
  // A job file saved (imported, posted, recovered from a pending post) is served at once, not at the next block.
  useEffect(() => {
    const bump = () => setRerun((n) => n + 1);
    addEventListener(JOBS_CHANGED, bump);
    return () => removeEventListener(JOBS_CHANGED, bump);
  }, []);

  useEffect(() => {
    if (!enabled || !client || !wallet || !address || chainId !== config.chainId) return;
    if (busy.current) {
      again.current = true;
      return;
    }
    busy.current = true;
    again.current = false;
    const note = (text: string, ok = true) => setEvents((e) => [{ at: Date.now(), text, ok }, ...e].slice(0, 50));
    (async () => {
      const files = (await listJobs()).filter((f) => f.chainId === String(config.chainId) && f.core.toLowerCase() === config.contracts.core.toLowerCase());
      const byJob = new Map<string, JobFile>(files.map((f) => [f.jobId, f]));
      // The last event of each shard of my jobs: a claim waits for its key while it is that shard's last event.
      const last = new Map<string, AnyEventLog>();
      for (const l of logs) if (byJob.has(l.args.jobId.toString())) last.set(`${l.args.jobId}:${l.args.shardIndex}`, l);
      for (const l of last.values()) {
        if (l.eventName !== "ShardClaimed") continue;
        const file = byJob.get(l.args.jobId.toString())!;
        const key = `${l.args.jobId}:${l.args.shardIndex}:${l.args.claimNonce}`;
        if (done.current.has(key)) continue;
        const job = l.args.jobId.toString();
        const jobKey = `${config.contracts.core}:${job}`;
        if (!requesters.current.has(jobKey)) requesters.current.set(jobKey, (await client.readContract({ address: config.contracts.core, abi: coreAbi, functionName: "jobRequester", args: [l.args.jobId] })).toLowerCase());
        if (requesters.current.get(jobKey) !== address.toLowerCase()) continue;
        // Only a claim still live by the later of the wall clock and the chain's time (a release is its own event).
        if (Number(l.args.deadline) <= Math.max(time, Date.now() / 1000)) {
          done.current.add(key);
          continue;
        }
        // The events say it waits; the shard itself decides (a release by the CLI's agent may be in a block not read yet).
        const s = await client.readContract({ address: config.contracts.core, abi: coreAbi, functionName: "getShard", args: [l.args.jobId, l.args.shardIndex] });
        if (s.status !== 1 || s.claimNonce !== Number(l.args.claimNonce) || s.keyReleased) {
          done.current.add(key);
          continue;
        }
        const claim = {
          jobId: l.args.jobId,
          shardIndex: Number(l.args.shardIndex),
          claimant: l.args.worker as string,
          claimNonce: BigInt(l.args.claimNonce),
          ...(l.args.oneTimeKeyX ? { oneTimeKey: { x: l.args.oneTimeKeyX, y: l.args.oneTimeKeyY } } : {}),
        };
        try {
          const { releaseInTab } = await import("../requester/tab");
          let r;
          try {
            r = await releaseInTab(client, config, claim, file);
          } catch (err) {
            // G-03: a claimant whose registered key is no curve point can never be served: skipped for good
            if ((err as Error).name !== "InvalidKeyError") throw err;
            done.current.add(key);
            note(`shard ${claim.shardIndex} of job ${claim.jobId}: claim cannot be served: the worker's registered encryption key is not a secp256k1 point`, false);
            continue;
          }
          const release = {
            claimant: r.claimant as Hex,
            claimNonce: Number(r.claimNonce),
            keyHash: r.keyHash as Hex,
            keyProof: r.keyProof as Hex[],
            ephemeralX: r.ephemeralX,
            ephemeralY: r.ephemeralY,
            maskedKey: r.maskedKey as Hex,
            payload: r.payload as Hex,
          };
          const { request } = await client.simulateContract({ address: config.contracts.core, abi: coreAbi, functionName: "releaseShardKey", args: [l.args.jobId, l.args.shardIndex, release], account: address });
          const hash = await wallet.writeContract(request);
          await client.waitForTransactionReceipt({ hash, pollingInterval: 1000, timeout: 120_000 });
          done.current.add(key);
          note(`released shard ${claim.shardIndex} of job ${claim.jobId} to ${claim.claimant.slice(0, 8)}…`);
        } catch (err) {
          const f = describeFailure(err);
          // A declined signature or a lost race is not retried this block; the next block tries again if still live.
          note(`shard ${claim.shardIndex} of job ${claim.jobId}: ${f.text}`, false);
          if (f.kind === "revert") done.current.add(key);
        }
      }
    })().finally(() => {
      busy.current = false;
      if (again.current) setRerun((n) => n + 1);
    });
  }, [enabled, block, logs.length, address, chainId, !!client, !!wallet, rerun]); // eslint-disable-line react-hooks/exhaustive-deps

  return events;
}

const AgentEvents = createContext<AgentEvent[]>([]);

/** What the release agent did in this tab (newest first), for the job screen. */
export const useAgentEvents = () => useContext(AgentEvents);

/**
 * Jobs this browser prepared whose post it never saw land (the tab closed while the post was pending): each one
 * found on-chain (JobPosted by this requester with the same input root) becomes a job file; the rest stay pending
 * for a day.
 */
async function adoptPending(client: PublicClient, config: AppConfig, requester: Address): Promise<void> {
  const mine = (await listPending()).filter((p) => p.chainId === String(config.chainId) && p.core.toLowerCase() === config.contracts.core.toLowerCase() && p.requester.toLowerCase() === requester.toLowerCase());
  if (!mine.length) return;
  const posted = await client.getContractEvents({ address: config.contracts.core, abi: coreAbi, eventName: "JobPosted", args: { requester }, fromBlock: BigInt(config.fromBlock) });
  for (const { requester: _r, inputRoot, at, ...p } of mine) {
    const ev = posted.find((e) => e.args.inputRoot?.toLowerCase() === inputRoot.toLowerCase());
    if (!ev) {
      if (Date.now() - at > PENDING_TTL_MS) await dropPending(inputRoot);
      continue;
    }
    await saveJob({ ...p, jobId: ev.args.jobId!.toString(), posted: { block: Number(ev.blockNumber), blockHash: ev.blockHash, tx: ev.transactionHash } });
    await dropPending(inputRoot);
  }
}

/** Runs the release agent for the whole app while this browser holds a job file of the deployment. */
export function ReleaseAgentHost({ children }: { children: ReactNode }) {
  const { config } = useApp();
  const { address } = useAccount();
  const client = usePublicClient();
  const [hasJobs, setHasJobs] = useState(false);
  const [adoptError, setAdoptError] = useState<string>();
  useEffect(() => {
    if (client && address) adoptPending(client, config, address).catch((err: Error) => setAdoptError(`a job posted from this browser could not be recovered yet: ${err.message.split("\n")[0]}`));
  }, [client, address, config]);
  useEffect(() => {
    const check = () =>
      listJobs().then(
        (all) => setHasJobs(all.some((f) => f.chainId === String(config.chainId) && f.core.toLowerCase() === config.contracts.core.toLowerCase())),
        () => setHasJobs(false), // no IndexedDB (a private window may refuse it): no job files here
      );
    void check();
    addEventListener(JOBS_CHANGED, check);
    return () => removeEventListener(JOBS_CHANGED, check);
  }, [config]);
  const events = useReleaseAgent(hasJobs);
  return createElement(AgentEvents.Provider, { value: adoptError ? [{ at: 0, text: adoptError, ok: false }, ...events] : events }, children);
}
