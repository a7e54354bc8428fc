/**
 * My models (the connected owner's): register one from an ONNX and a calibration file (compile and setup run on
 * the local server, the owner's machine; the owner's wallet signs the verifier deployment and the registration),
 * add a version, change the fee, deactivate and reactivate, each model's earnings (earned by settlements, still in
 * escrow on live jobs) and withdraw the fees the core holds for the owner.
 */
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { parseEther, type Address } from "viem";
import { useAccount, usePublicClient } from "wagmi";
import { useApp } from "../app";
import { useBlock } from "../chain/block";
import { useJobModels, useModels, type ModelRow } from "../chain/models";
import { ownerFeesInEscrow } from "../../../lib/chain/ownerEscrow";
import { eth } from "../format";
import { coreAbi, registryAbi } from "../generated/abis";
import { TxButton } from "../wallet/TxButton";
import { useTx } from "../wallet/useTx";
import { RegisterModel } from "./RegisterModel";

export default function Models() {
  const { address } = useAccount();
  const { rows } = useModels();
  const mine = rows.filter((m) => address && m.owner.toLowerCase() === address.toLowerCase());
  return (
    <section>
      <h2>Model management</h2>
      {!address && <p>Connect the owner's wallet to manage its models.</p>}
      {address && <Earnings owner={address} />}
      {address && !mine.length && <p>This account owns no model yet.</p>}
      {mine.map((m) => <OwnedModel key={m.id.toString()} m={m} />)}
      {address && <RegisterModel />}
    </section>
  );
}

function Earnings({ owner }: { owner: Address }) {
  const { config } = useApp();
  const client = usePublicClient();
  const { block } = useBlock();
  const { data: balance } = useQuery({
    queryKey: ["balance", owner, block.toString()],
    enabled: !!client && block > 0n,
    placeholderData: (p) => p,
    queryFn: () => client!.readContract({ address: config.contracts.core, abi: coreAbi, functionName: "balanceOf", args: [owner] }),
  });
  const tx = useTx("withdraw");
  return (
    <div className="card" id="earnings">
      <h3>Withdrawable: fees held for you by the core</h3>
      <p className="big" id="withdrawable">{eth(balance)}</p>
      <TxButton id="withdraw" tx={tx} disabled={!balance} request={() => ({ address: config.contracts.core, abi: coreAbi, functionName: "withdraw" })}>
        Withdraw
      </TxButton>
    </div>
  );
}

/** Owner fees of the model's live jobs, still in escrow (lib/chain/owner.ts `modelEarnings` counts them the same way). */
function useInEscrow(modelId: bigint) {
  const { config } = useApp();
  const client = usePublicClient();
  const { block } = useBlock();
  const jobs = [...useJobModels()].filter(([, j]) => j.modelId === modelId).map(([id]) => id);
  return useQuery({
    queryKey: ["owner-escrow", modelId.toString(), jobs.length, block.toString()],
    enabled: !!client && block > 0n,
    placeholderData: (p) => p,
    queryFn: async () => {
      const all = await Promise.all(jobs.map((id) => client!.readContract({ address: config.contracts.core, abi: coreAbi, functionName: "getJob", args: [id] })));
      return all.reduce((sum, j) => sum + ownerFeesInEscrow(j), 0n);
    },
  }).data;
}

function OwnedModel({ m }: { m: ModelRow }) {
  const { config } = useApp();
  const [fee, setFee] = useState("");
  const feeTx = useTx("setFee");
  const offTx = useTx("deactivate");
  const onTx = useTx("reactivate");
  const inEscrow = useInEscrow(m.id);
  let feeWei: bigint | undefined;
  try {
    feeWei = fee ? parseEther(fee) : undefined;
  } catch {
    feeWei = undefined;
  }
  return (
    <article className="card" data-owned={m.id.toString()}>
      <h3>#{m.id.toString()} {m.name} {!m.active && <span className="badge red">deactivated</span>}</h3>
      <p>fee {eth(m.fee, 6)} per inference · {m.versions} versions · {m.jobs} jobs · {m.settled} shards settled</p>
      <p>
        earned <b data-earned={m.id.toString()}>{eth(m.earned, 6)}</b> · in escrow on live jobs <b data-in-escrow={m.id.toString()}>{eth(inEscrow, 6)}</b>
      </p>
      <div className="row">
        <input placeholder="new fee in ETH" value={fee} onChange={(e) => setFee(e.target.value)} className="fee-input" />
        <TxButton tx={feeTx} disabled={feeWei === undefined} request={() => feeWei === undefined ? undefined : { address: config.contracts.registry, abi: registryAbi, functionName: "setFee", args: [m.id, feeWei] }}>
          Change fee
        </TxButton>
        {/* both stay mounted (the block that flips `active` can come before the receipt): the last action's line stays */}
        <TxButton id={`deactivate-${m.id}`} hidden={!m.active} tx={offTx} request={() => (onTx.reset(), { address: config.contracts.registry, abi: registryAbi, functionName: "deactivate", args: [m.id] })}>
          Deactivate
        </TxButton>
        <TxButton id={`reactivate-${m.id}`} hidden={m.active} tx={onTx} request={() => (offTx.reset(), { address: config.contracts.registry, abi: registryAbi, functionName: "reactivate", args: [m.id] })}>
          Reactivate
        </TxButton>
      </div>
      <RegisterModel versionOf={m} />
    </article>
  );
}
