/** A worker's standing on the core, as `worker:status` shows it: registration, stake, unbonding, pull balance. */
import type { OblivionCore } from "../../typechain-types";
import { formatEth, formatTime } from "../util/format";

export interface WorkerStatus {
  worker: string;
  registered: boolean;
  metadataCid: string;
  encryptionKey: string;
  stakeWei: bigint;
  lockedWei: bigint;
  freeWei: bigint;
  unbondingWei: bigint;
  /** Unix seconds; 0 when nothing is unbonding. */
  unbondingEnd: number;
  balanceWei: bigint;
  /** Read at this block. */
  block: number;
}

export async function workerStatus(core: OblivionCore, worker: string): Promise<WorkerStatus> {
  const block = await core.runner!.provider!.getBlockNumber();
  const [w, balance] = await Promise.all([core.getWorker(worker, { blockTag: block }), core.balanceOf(worker, { blockTag: block })]);
  const [cid, key] = w.registered ? await core.workerProfile(worker, { blockTag: block }) : ["", "0x"];
  return {
    worker,
    registered: w.registered,
    metadataCid: cid,
    encryptionKey: key,
    stakeWei: w.stake,
    lockedWei: w.locked,
    freeWei: w.stake - w.locked,
    unbondingWei: w.unbonding,
    unbondingEnd: Number(w.unbondingEnd),
    balanceWei: balance,
    block,
  };
}

/** The lines `worker:status` prints: amounts in ETH, the unbonding end in ISO 8601 with a relative hint. */
export function describeWorkerStatus(s: WorkerStatus, nowMs = Date.now()): string[] {
  if (!s.registered) {
    return [
      `${s.worker}: not a registered worker (worker:register, or worker:run registers itself); no stake`,
      `  balance ${formatEth(s.balanceWei)} (withdraw pays it out)`,
      `  as of block ${s.block}`,
    ];
  }
  const unbonding =
    s.unbondingWei > 0n
      ? `${formatEth(s.unbondingWei)}, withdrawable ${s.unbondingEnd * 1000 <= nowMs ? "now" : "from"} ${formatTime(s.unbondingEnd, nowMs)}`
      : "none";
  return [
    `${s.worker}: registered, metadata ${s.metadataCid}, encryption key ${s.encryptionKey.slice(0, 12)}…`,
    `  stake ${formatEth(s.stakeWei)} (locked as collateral ${formatEth(s.lockedWei)}, free ${formatEth(s.freeWei)})`,
    `  unbonding ${unbonding}`,
    `  balance ${formatEth(s.balanceWei)} (withdraw pays it out)`,
    `  as of block ${s.block}`,
  ];
}
