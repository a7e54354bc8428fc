/**
 * Worker hub (the connected account as a GPU owner): register and stake, unstake and withdraw after unbonding, the
 * claims it holds with countdowns to their deadlines, earnings per job and slashes from the core's events only, and
 * its encrypted reputation decrypted in this tab (EIP-712 user decryption; loaded on demand).
 */
import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useMemo, useState } from "react";
import { getAbiItem, isHex, pad, parseEther, type Address, type Hex } from "viem";
import { useAccount, usePublicClient } from "wagmi";
import { useApp } from "../app";
import { useBlock, useNow } from "../chain/block";
import { useLogs } from "../chain/useLogs";
import type { AnyEventLog } from "../chain/logs";
import { countdown, eth } from "../format";
import { coreAbi } from "../generated/abis";
import { TxButton } from "../wallet/TxButton";
import { useTx } from "../wallet/useTx";

const Reputation = lazy(() => import("./Reputation"));
/** Every core event that starts or ends a claim; each names its claimant as its third indexed argument. */
const EVENTS = (["ShardClaimed", "ShardSettled", "ClaimSlashed", "ClaimVoided", "ClaimLeft", "BadReleaseProven"] as const).map((name) => getAbiItem({ abi: coreAbi, name }));

export default function Workers() {
  const { address } = useAccount();
  if (!address) return <section><h2>Worker hub</h2><p>Connect the worker's wallet.</p></section>;
  return (
    <section>
      <h2>Worker hub</h2>
      <Stake me={address} />
      <Claims me={address} />
      <Suspense fallback={<p>Loading the fhEVM client…</p>}>
        <Reputation me={address} />
      </Suspense>
    </section>
  );
}

function Stake({ me }: { me: Address }) {
  const { config } = useApp();
  const client = usePublicClient();
  const { block, time } = useBlock();
  const now = useNow();
  const core = config.contracts.core;
  const { data } = useQuery({
    queryKey: ["worker", me, block.toString()],
    enabled: !!client && block > 0n,
    placeholderData: (p) => p,
    queryFn: async () => ({
      w: await client!.readContract({ address: core, abi: coreAbi, functionName: "getWorker", args: [me] }),
      balance: await client!.readContract({ address: core, abi: coreAbi, functionName: "balanceOf", args: [me] }),
    }),
  });
  const [amount, setAmount] = useState("1");
  const [unstake, setUnstake] = useState("");
  const [key, setKey] = useState("");
  const [cid, setCid] = useState("");
  const regTx = useTx("registerWorker");
  const stakeTx = useTx("stake");
  const unstakeTx = useTx("requestUnstake");
  const withdrawStakeTx = useTx("withdrawStake");
  const withdrawTx = useTx("withdraw");
  const w = data?.w;
  const wei = (s: string) => {
    try {
      return s ? parseEther(s) : undefined;
    } catch {
      return undefined;
    }
  };
  // Unbonding ends by chain time; the later of the wall clock and the latest block's time decides.
  const chainNow = Math.max(now, time);
  return (
    <div className="card" id="stake">
      <h3>Stake</h3>
      <dl>
        <dt>registered</dt><dd id="registered">{w ? (w.registered ? "yes" : "no") : "—"}</dd>
        <dt>stake</dt><dd id="stake-amount">{eth(w?.stake)}</dd>
        <dt>locked as collateral</dt><dd>{eth(w?.locked)}</dd>
        <dt>unbonding</dt><dd>{eth(w?.unbonding)}{w && w.unbonding > 0n ? ` · ${countdown(w.unbondingEnd, chainNow)}` : ""}</dd>
        <dt>earnings to withdraw</dt><dd id="worker-balance">{eth(data?.balance)}</dd>
      </dl>
      {w && !w.registered && (
        <div className="row">
          <input placeholder="encryption public key (0x…, from worker:init)" value={key} onChange={(e) => setKey(e.target.value)} />
          <input placeholder="metadata CID" value={cid} onChange={(e) => setCid(e.target.value)} />
          <TxButton id="register-worker" tx={regTx} disabled={!isHex(key) || !cid} request={() => ({ address: core, abi: coreAbi, functionName: "registerWorker", args: [cid, key as `0x${string}`] })}>Register</TxButton>
        </div>
      )}
      <div className="row">
        <input id="stake-input" placeholder="ETH" value={amount} onChange={(e) => setAmount(e.target.value)} />
        <TxButton id="stake-button" tx={stakeTx} disabled={!wei(amount)} request={() => ({ address: core, abi: coreAbi, functionName: "stake", value: wei(amount) })}>Stake</TxButton>
      </div>
      <div className="row">
        <input id="unstake-input" placeholder="ETH to unstake" value={unstake} onChange={(e) => setUnstake(e.target.value)} />
        <TxButton id="unstake-button" tx={unstakeTx} disabled={!wei(unstake)} request={() => ({ address: core, abi: coreAbi, functionName: "requestUnstake", args: [wei(unstake)!] })}>Request unstake</TxButton>
        <TxButton id="withdraw-stake" tx={withdrawStakeTx} disabled={!w?.unbonding} request={() => ({ address: core, abi: coreAbi, functionName: "withdrawStake" })}>Withdraw unbonded</TxButton>
        <TxButton id="withdraw-earnings" tx={withdrawTx} disabled={!data?.balance} request={() => ({ address: core, abi: coreAbi, functionName: "withdraw" })}>Withdraw earnings</TxButton>
      </div>
    </div>
  );
}

/**
 * The claims this worker holds now and its earnings, from its own events only (asked of the node by its address topic):
 * a claim is held while its last event of this worker is ShardClaimed. No read per claim or per shard.
 */
function Claims({ me }: { me: Address }) {
  const { config } = useApp();
  const now = useNow();
  const logs = useLogs(`worker-events:${me.toLowerCase()}`, config.contracts.core, EVENTS, { topics: [null, null, pad(me.toLowerCase() as Hex)] }).logs as unknown as AnyEventLog[];
  const mine = useMemo(() => logs.filter((l) => String(l.args.worker).toLowerCase() === me.toLowerCase()), [logs, me]);
  const live = useMemo(() => {
    const last = new Map<string, AnyEventLog>();
    for (const l of mine) last.set(`${l.args.jobId}:${l.args.shardIndex}`, l);
    return [...last.values()].filter((l) => l.eventName === "ShardClaimed").map((l) => ({ job: l.args.jobId as bigint, shard: l.args.shardIndex as bigint, deadline: Number(l.args.deadline) }));
  }, [mine]);
  const perJob = new Map<string, { settled: number; pay: bigint; slashed: number; lost: bigint }>();
  for (const l of mine) {
    const j = l.args.jobId.toString();
    const e = perJob.get(j) ?? { settled: 0, pay: 0n, slashed: 0, lost: 0n };
    if (l.eventName === "ShardSettled") {
      e.settled++;
      e.pay += l.args.workerPay as bigint;
    }
    if (l.eventName === "ClaimSlashed") {
      const a = l.args as { toRequester: bigint; toCaller: bigint; toTreasury: bigint };
      e.slashed++;
      e.lost += a.toRequester + a.toCaller + a.toTreasury;
    }
    if (l.eventName === "ShardSettled" || l.eventName === "ClaimSlashed") perJob.set(j, e);
  }
  return (
    <>
      <div className="card" id="claims">
        <h3>Current claims</h3>
        {!live?.length && <p>No claim held now.</p>}
        <ul>
          {live?.map((c) => (
            <li key={`${c.job}:${c.shard}`} data-claim={`${c.job}:${c.shard}`}>
              job {c.job.toString()} · shard {c.shard.toString()} · <span className={c.deadline - now < 30 ? "warn" : ""}>{countdown(c.deadline, now)}</span>
            </li>
          ))}
        </ul>
      </div>
      <div className="card" id="earnings-per-job">
        <h3>Earnings per job (from events)</h3>
        <table>
          <thead><tr><th>job</th><th>settled shards</th><th>earned</th><th>slashed claims</th><th>collateral lost</th></tr></thead>
          <tbody>
            {[...perJob.entries()].map(([j, e]) => (
              <tr key={j} data-job={j}><td>{j}</td><td>{e.settled}</td><td>{eth(e.pay, 6)}</td><td>{e.slashed}</td><td>{eth(e.lost, 6)}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
