/** On-chain training jobs and their rounds, from TrainingJobs' events (no hand-written rounds file). */
import { getAbiItem } from "viem";
import { useApp } from "../app";
import { useLogs } from "./useLogs";
import type { AnyEventLog } from "./logs";
import { trainingAbi } from "../generated/abis";

const NAMES = ["TrainingJobPosted", "DpParamsRecorded", "RoundOpened", "Joined", "UpdateSubmitted", "UpdateAccepted", "UpdateRejected", "RoundClosed", "RoundSettled", "RoundExpired", "ParticipantSlashed"] as const;
const EVENTS = NAMES.map((name) => getAbiItem({ abi: trainingAbi, name }));

export interface RoundView {
  round: number;
  submitDeadline?: number;
  joined: number;
  submitted: number;
  accepted: number;
  rejected: number;
  rewards: bigint;
  closed: boolean;
  settled: boolean;
  expired: boolean;
  modelCid?: string;
}
export interface TrainingJobView {
  jobId: bigint;
  requester: string;
  maxRounds: number;
  /** Privacy budget ε of the whole job and ε per round (basic composition over rounds; lib/privacy/accountant.ts is tighter). */
  epsilon?: number;
  delta?: number;
  rounds: RoundView[];
  rewards: bigint;
  slashed: number;
}

export function useTrainingJobs(): { jobs: TrainingJobView[]; available: boolean } {
  const { config } = useApp();
  const logs = useLogs("training", config.contracts.training, EVENTS).logs as unknown as AnyEventLog[];
  const jobs = new Map<bigint, TrainingJobView>();
  const job = (id: bigint) => {
    let j = jobs.get(id);
    if (!j) jobs.set(id, (j = { jobId: id, requester: "", maxRounds: 0, rounds: [], rewards: 0n, slashed: 0 }));
    return j;
  };
  const round = (j: TrainingJobView, r: number) => {
    let v = j.rounds.find((x) => x.round === r);
    if (!v) j.rounds.push((v = { round: r, joined: 0, submitted: 0, accepted: 0, rejected: 0, rewards: 0n, closed: false, settled: false, expired: false }));
    return v;
  };
  for (const l of logs) {
    const a = l.args;
    const j = job(a.jobId as bigint);
    switch (l.eventName) {
      case "TrainingJobPosted":
        j.requester = String(a.requester ?? "");
        break;
      case "DpParamsRecorded": {
        const dp = a.dp as { epsilonMicro: bigint; deltaPico: bigint };
        j.epsilon = Number(dp.epsilonMicro) / 1e6;
        j.delta = Number(dp.deltaPico) / 1e12;
        j.maxRounds = Number(a.maxRounds);
        break;
      }
      case "RoundOpened":
        round(j, a.round).submitDeadline = Number(a.submitDeadline);
        break;
      case "Joined":
        round(j, a.round).joined++;
        break;
      case "UpdateSubmitted":
        round(j, a.round).submitted++;
        break;
      case "UpdateAccepted": {
        const r = round(j, a.round);
        r.accepted++;
        r.rewards += a.reward as bigint;
        j.rewards += a.reward as bigint;
        break;
      }
      case "UpdateRejected":
        round(j, a.round).rejected++;
        break;
      case "RoundClosed": {
        const r = round(j, a.round);
        r.closed = true;
        r.modelCid = a.nextModelCid;
        break;
      }
      case "RoundSettled":
        round(j, a.round).settled = true;
        break;
      case "RoundExpired":
        round(j, a.round).expired = true;
        break;
      case "ParticipantSlashed":
        j.slashed++;
        break;
    }
  }
  for (const j of jobs.values()) j.rounds.sort((x, y) => x.round - y.round);
  return { jobs: [...jobs.values()].sort((x, y) => (x.jobId < y.jobId ? 1 : -1)), available: !!config.contracts.training };
}
