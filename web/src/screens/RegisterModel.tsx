/**
 * Registering a model (or a new version of one) from the browser. The ONNX and calibration files go to the local app
 * server (the owner's machine), which compiles the circuit, runs the setup and stores the artifacts, reporting each
 * stage; then the owner's wallet signs the registry's verifier deployment and the registration itself.
 */
import { useState } from "react";
import { decodeEventLog, parseEther, type Address } from "viem";
import { useApp } from "../app";
import type { ModelRow } from "../chain/models";
import { registryAbi } from "../generated/abis";
import { TxStatus } from "../wallet/TxStatus";
import { useTx } from "../wallet/useTx";

/** What the server answers once compile, setup and upload are done (see lib/app/registration.ts). */
interface Prepared {
  /** Groth16VkVerifier.VerifyingKey with decimal strings. */
  key: { alpha: string[]; beta: string[]; gamma: string[]; delta: string[]; ic: string[] };
  spec: { onnxCid: string; circuitCid: string; provingKeyCid: string; circuitHash: `0x${string}`; proofSystem: number; layoutVersion: number; batchSize: number; numPublicSignals: number; devSetup: boolean; modelCommitment: string };
  constraints: number;
  setupSeconds: number;
  compileSeconds: number;
}
interface Progress { stage: string; lines: string[]; error?: string; result?: Prepared }

async function fileBase64(f: File): Promise<string> {
  const bytes = new Uint8Array(await f.arrayBuffer());
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

const big = (v: string[]) => v.map(BigInt);
const toKey = (k: Prepared["key"]) => ({ alpha: big(k.alpha) as [bigint, bigint], beta: big(k.beta) as [bigint, bigint, bigint, bigint], gamma: big(k.gamma) as [bigint, bigint, bigint, bigint], delta: big(k.delta) as [bigint, bigint, bigint, bigint], ic: big(k.ic) });

export function RegisterModel({ versionOf }: { versionOf?: ModelRow }) {
  const { config } = useApp();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [fee, setFee] = useState("0.001");
  const [batch, setBatch] = useState("1");
  const [onnx, setOnnx] = useState<File>();
  const [calib, setCalib] = useState<File>();
  const [progress, setProgress] = useState<Progress>();
  const [done, setDone] = useState<string>();
  const deployTx = useTx("deployGroth16Verifier");
  const registerTx = useTx(versionOf ? "publishVersion" : "registerModel");

  async function run() {
    if (!onnx) return;
    setDone(undefined);
    setProgress({ stage: "uploading files to the local server", lines: [] });
    const res = await fetch("/api/models/prepare", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ onnx: await fileBase64(onnx), calibration: calib && { name: calib.name, data: await fileBase64(calib) }, batch: Number(batch) }),
    });
    const body = (await res.json()) as { id?: string; error?: string };
    if (!res.ok || !body.id) return setProgress({ stage: "failed", lines: [], error: body.error ?? `server answered ${res.status}` });
    let p: Progress;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      p = (await (await fetch(`/api/models/prepare/${body.id}`)).json()) as Progress;
      setProgress(p);
      if (p.error || p.result) break;
    }
    if (!p.result) return;
    const r = p.result;
    const deployed = await deployTx.send({ address: config.contracts.registry, abi: registryAbi, functionName: "deployGroth16Verifier", args: [toKey(r.key)] });
    if (!deployed) return;
    let verifier: Address | undefined;
    for (const log of deployed.logs) {
      try {
        const ev = decodeEventLog({ abi: registryAbi, data: log.data, topics: log.topics });
        if (ev.eventName === "Groth16VerifierDeployed") verifier = ev.args.verifier;
      } catch {
        // another contract's event in the same receipt
      }
    }
    if (!verifier) return setProgress({ ...p, error: "the verifier deployment emitted no Groth16VerifierDeployed event" });
    const spec = { ...r.spec, verifier, modelCommitment: BigInt(r.spec.modelCommitment) };
    const receipt = versionOf
      ? await registerTx.send({ address: config.contracts.registry, abi: registryAbi, functionName: "publishVersion", args: [versionOf.id, spec] })
      : await registerTx.send({ address: config.contracts.registry, abi: registryAbi, functionName: "registerModel", args: [name, parseEther(fee), spec] });
    if (receipt) setDone(versionOf ? `version ${versionOf.versions + 1} of model ${versionOf.id} published` : `model "${name}" registered`);
  }

  if (!open) return <button className="secondary" onClick={() => setOpen(true)}>{versionOf ? "Add a version…" : "Register a model…"}</button>;
  return (
    <div className="card register">
      <h3>{versionOf ? `New version of ${versionOf.name}` : "Register a model"}</h3>
      {!versionOf && (
        <>
          <label>name <input value={name} onChange={(e) => setName(e.target.value)} /></label>
          <label>fee per inference (ETH) <input value={fee} onChange={(e) => setFee(e.target.value)} /></label>
        </>
      )}
      <label>inferences per shard <input value={batch} onChange={(e) => setBatch(e.target.value)} /></label>
      <label>ONNX model <input type="file" accept=".onnx" onChange={(e) => setOnnx(e.target.files?.[0])} /></label>
      <label>calibration inputs (.npy, .csv, .json) <input type="file" accept=".npy,.csv,.json" onChange={(e) => setCalib(e.target.files?.[0])} /></label>
      <button disabled={!onnx || (!versionOf && !name) || deployTx.busy || registerTx.busy} onClick={() => void run()}>Compile, set up and register</button>
      {progress && (
        <div className="progress">
          <p>stage: <b>{progress.stage}</b></p>
          {progress.result && <p>{progress.result.constraints} constraints · compile {progress.result.compileSeconds.toFixed(1)} s · setup {progress.result.setupSeconds.toFixed(1)} s {progress.result.spec.devSetup ? "(DEV setup)" : ""}</p>}
          <pre>{progress.lines.slice(-8).join("\n")}</pre>
          {progress.error && <p className="tx failed">{progress.error}</p>}
        </div>
      )}
      <TxStatus state={deployTx.state} />
      <TxStatus state={registerTx.state} />
      {done && <p className="tx confirmed">{done}</p>}
    </div>
  );
}
