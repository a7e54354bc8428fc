/**
 * Inference sandbox: pick a model, give inputs (a .npy/.csv/.json file, or draw/upload an image for 784-input image
 * models), see the cost before signing, post with escrow from the wallet, then watch the job (JobWatch). The tab
 * quantizes and commits the inputs, generates the data keys, seals each shard package and uploads it through the
 * content server (requester/tab.ts); the keys stay in IndexedDB. Job files move in and out by export and import.
 */
import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useState } from "react";
import { decodeEventLog, parseEther, toHex } from "viem";
import { useAccount, usePublicClient } from "wagmi";
import { parseInputs } from "../../../lib/requester/inputFormats";
import { useApp } from "../app";
import { useBlock } from "../chain/block";
import { useModels } from "../chain/models";
import { dropPending, listJobs, parseJobFile, saveJob, savePending, type JobFile } from "../chain/jobStore";
import { durationText } from "../../../lib/chain/errorFormat";
import { eth } from "../format";
import { coreAbi } from "../generated/abis";
import { TxStatus } from "../wallet/TxStatus";
import { useTx } from "../wallet/useTx";
import { DrawPad } from "./DrawPad";

const JobWatch = lazy(() => import("./JobWatch"));

const wei = (s: string) => {
  try {
    return parseEther(s);
  } catch {
    return undefined;
  }
};

export default function Sandbox() {
  const { config } = useApp();
  const { address } = useAccount();
  const client = usePublicClient();
  const { block } = useBlock();
  const { rows: models } = useModels();
  const fromHash = new URLSearchParams(location.hash.split("?")[1] ?? "").get("model");
  const [modelId, setModelId] = useState(fromHash ?? "");
  const [inputs, setInputs] = useState<number[][]>([]);
  const [inputError, setInputError] = useState<string>();
  const [price, setPrice] = useState("0.01");
  const [collateral, setCollateral] = useState("0.05");
  const [windowS, setWindowS] = useState("600");
  const [stage, setStage] = useState<string>();
  const [jobs, setJobs] = useState<JobFile[]>([]);
  const [watching, setWatching] = useState<string>();
  const post = useTx("postJob");
  const refresh = () => listJobs().then((all) => setJobs(all.filter((j) => j.chainId === String(config.chainId) && j.core.toLowerCase() === config.contracts.core.toLowerCase())));
  useEffect(() => void refresh(), []); // eslint-disable-line react-hooks/exhaustive-deps

  const model = models.find((m) => m.id.toString() === modelId) ?? (models.length === 1 ? models[0] : undefined);
  const batch = model?.latest?.batchSize || 1;
  const shards = Math.ceil(inputs.length / batch);
  const params = model && {
    modelId: model.id,
    modelVersion: model.versions,
    shardCount: shards,
    inputRoot: toHex(1n, { size: 32 }),
    pricePerShard: wei(price) ?? 0n,
    collateral: wei(collateral) ?? 0n,
    claimWindow: Number(windowS),
    minStake: 0n,
    gated: false,
    acceptUnvettedVerifier: false,
    // Real inferences: the last shard's padding rows carry no owner fee (IOblivionCore.JobParams.inputCount).
    inputCount: inputs.length,
  };
  const { data: escrow } = useQuery({
    queryKey: ["escrow", modelId, shards, price, block.toString()],
    enabled: !!client && !!params && shards > 0 && !!wei(price),
    queryFn: () => client!.readContract({ address: config.contracts.core, abi: coreAbi, functionName: "jobEscrowFor", args: [params!] }),
  });
  const ownerFees = model ? model.fee * BigInt(inputs.length) : 0n;

  async function submit() {
    if (!model || !params || !address) return;
    setStage("preparing shards in this tab…");
    let prepared: Awaited<ReturnType<typeof import("../requester/tab").prepareInTab>>;
    try {
      const { prepareInTab } = await import("../requester/tab");
      prepared = await prepareInTab(client!, config, model.id, model.versions, inputs, setStage);
    } catch (err) {
      setStage(undefined);
      return setInputError(`preparation failed: ${(err as Error).message.split("\n")[0]}`);
    }
    setStage(undefined);
    // The keys are kept before the post is signed: a tab closed while it is pending finds the job when it comes back.
    const pending = { chainId: String(config.chainId), core: config.contracts.core, modelId: model.id.toString(), modelVersion: model.versions, shards: prepared.shards, inputCount: prepared.inputCount, requester: address, inputRoot: prepared.inputRoot, at: Date.now() };
    await savePending(pending);
    const receipt = await post.send({ address: config.contracts.core, abi: coreAbi, functionName: "postJob", args: [{ ...params, shardCount: prepared.shardCount, inputRoot: prepared.inputRoot, inputCount: prepared.inputCount }], value: escrow });
    if (!receipt) return; // the pending keys stay: a dropped post may still land (adoptPending finds it)
    let jobId: bigint | undefined;
    for (const log of receipt.logs) {
      try {
        const ev = decodeEventLog({ abi: coreAbi, data: log.data, topics: log.topics });
        if (ev.eventName === "JobPosted") jobId = ev.args.jobId;
      } catch {
        // not a core event
      }
    }
    if (jobId === undefined) return setStage("postJob emitted no JobPosted event");
    const block = await client!.getBlock({ blockNumber: receipt.blockNumber });
    const file: JobFile = {
      chainId: String(config.chainId),
      core: config.contracts.core,
      jobId: jobId.toString(),
      modelId: model.id.toString(),
      modelVersion: model.versions,
      shards: prepared.shards,
      inputCount: prepared.inputCount,
      posted: { block: Number(receipt.blockNumber), blockHash: block.hash!, tx: receipt.transactionHash },
    };
    await saveJob(file);
    await dropPending(prepared.inputRoot);
    await refresh();
    setWatching(file.jobId);
  }

  return (
    <section>
      <h2>Inference sandbox</h2>
      <p className="lead">Real-time sharded inference: post a job, watch the mesh shard and process it with cryptographic proof.</p>
      <div className="card">
        <label>
          model{" "}
          <select id="sandbox-model" value={model?.id.toString() ?? ""} onChange={(e) => setModelId(e.target.value)}>
            <option value="">choose…</option>
            {models.filter((m) => m.active).map((m) => <option key={m.id.toString()} value={m.id.toString()}>#{m.id.toString()} {m.name} (fee {eth(m.fee, 6)})</option>)}
          </select>
        </label>
        <label>
          inputs (.npy, .csv, .json){" "}
          <input
            id="sandbox-inputs"
            type="file"
            accept=".npy,.csv,.json"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (!f) return;
              try {
                setInputs(parseInputs(f.name, new Uint8Array(await f.arrayBuffer())));
                setInputError(undefined);
              } catch (err) {
                setInputError((err as Error).message);
              }
            }}
          />
        </label>
        {model && inputs.length === 0 && <p className="hint">or draw one input below (image models of 28×28 = 784 inputs)</p>}
        <DrawPad onChange={(v) => setInputs([v])} />
        {inputError && <p className="tx failed">{inputError}</p>}
        <p id="input-count">{inputs.length} inputs → {shards} shards of {batch}</p>
        <div className="row">
          <label>price per shard (ETH) <input id="sandbox-price" value={price} onChange={(e) => setPrice(e.target.value)} /></label>
          <label>collateral per claim (ETH) <input value={collateral} onChange={(e) => setCollateral(e.target.value)} /></label>
          <label>claim window (s) <input value={windowS} onChange={(e) => setWindowS(e.target.value)} /></label>
        </div>
        {model && shards > 0 && (
          <dl id="cost">
            <dt>workers' pay</dt><dd>{shards} shards × {eth(wei(price), 6)} = {eth((wei(price) ?? 0n) * BigInt(shards), 6)} (the protocol's fee comes out of it)</dd>
            <dt>owner fees</dt><dd>{shards * batch} inferences × {eth(model.fee, 6)} = {eth(ownerFees, 6)}</dd>
            <dt>escrow to sign</dt><dd id="escrow"><b>{eth(escrow, 6)}</b> (refunded for shards never settled, if you cancel)</dd>
            <dt>collateral terms</dt><dd>each worker locks {eth(wei(collateral), 4)} per claim, lost if it stalls past the window</dd>
            <dt>claim window</dt><dd>{durationText(Number(windowS) * 1000)} per claim</dd>
          </dl>
        )}
        <button id="sandbox-post" disabled={!address || !model || !shards || escrow === undefined || post.busy || !!stage} onClick={() => void submit()}>Post job with escrow</button>
        {stage && <p className="tx pending">{stage}</p>}
        <TxStatus state={post.state} />
      </div>
      <div className="card">
        <h3>My jobs in this browser</h3>
        <div className="row">
          {jobs.map((j) => <button key={j.jobId} className={watching === j.jobId ? "" : "secondary"} data-watch={j.jobId} onClick={() => setWatching(j.jobId)}>job {j.jobId}</button>)}
          <label>
            import a job file{" "}
            <input
              type="file"
              accept=".json"
              id="job-import"
              onChange={async (e) => {
                const f = e.target.files?.[0];
                if (!f) return;
                try {
                  const file = parseJobFile(await f.text());
                  await saveJob(file);
                  await refresh();
                  setWatching(file.jobId);
                } catch (err) {
                  setInputError((err as Error).message);
                }
              }}
            />
          </label>
        </div>
      </div>
      {watching && jobs.find((j) => j.jobId === watching) && (
        <Suspense fallback={<p>Loading…</p>}>
          <JobWatch key={watching} file={jobs.find((j) => j.jobId === watching)!} />
        </Suspense>
      )}
    </section>
  );
}
