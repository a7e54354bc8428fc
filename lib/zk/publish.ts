/**
 * Model artifacts on content-addressed storage. A registered version names three CIDs:
 *   onnxCid        the ONNX graph (the float model workers run)
 *   circuitCid     the circuit bundle: a JSON manifest with the quantization, batch, signal count and the CID of
 *                  the witness generator (wasm)
 *   provingKeyCid  the Groth16 proving key (zkey)
 * Marketplace models are public, so their envelopes are unencrypted.
 */
import fs from "node:fs";
import path from "node:path";
import { openEnvelope, packPublic } from "../crypto";
import type { ContentStore } from "../storage";
import type { ModelArtifacts } from "./model";
import { parseQuant, serializeQuant } from "./quantize";

export interface CircuitBundle {
  version: 1;
  circuitHash: string;
  batch: number;
  privateWeights: boolean;
  dev: boolean;
  inputShape: number[];
  outputSize: number;
  publicSignals: number;
  constraints: number;
  modelCommitment?: string;
  wasmCid: string;
  /** serializeQuant() of the quantized model. */
  quant: string;
}

export interface PublishedCids {
  onnxCid: string;
  circuitCid: string;
  provingKeyCid: string;
}

/** What a worker needs to run and prove a registered version. */
export type ProvingArtifacts = Pick<
  ModelArtifacts,
  "dir" | "circuitHash" | "batch" | "privateWeights" | "dev" | "inputShape" | "outputSize" | "publicSignals" | "constraints" | "modelCommitment" | "quant"
> & { files: Pick<ModelArtifacts["files"], "onnx" | "wasm" | "zkey"> };

const put = (store: ContentStore, file: string) => store.put(packPublic(new Uint8Array(fs.readFileSync(file))));

/** Uploads a built model's artifacts; returns the CIDs for the registry. */
export async function publishArtifacts(store: ContentStore, art: ModelArtifacts): Promise<PublishedCids> {
  const onnxCid = await put(store, art.files.onnx);
  const wasmCid = await put(store, art.files.wasm);
  const provingKeyCid = await put(store, art.files.zkey);
  const bundle: CircuitBundle = {
    version: 1,
    circuitHash: art.circuitHash,
    batch: art.batch,
    privateWeights: art.privateWeights,
    dev: art.dev,
    inputShape: art.inputShape,
    outputSize: art.outputSize,
    publicSignals: art.publicSignals,
    constraints: art.constraints,
    modelCommitment: art.modelCommitment,
    wasmCid,
    quant: serializeQuant(art.quant),
  };
  const circuitCid = await store.put(packPublic(new TextEncoder().encode(JSON.stringify(bundle))));
  return { onnxCid, circuitCid, provingKeyCid };
}

/** Reads a circuit bundle (small: what a requester needs to quantize and commit inputs) and checks its hash. */
export async function fetchCircuitBundle(store: ContentStore, circuitCid: string, circuitHash: string): Promise<CircuitBundle> {
  const bundle = JSON.parse(new TextDecoder().decode(openEnvelope(await store.get(circuitCid)))) as CircuitBundle;
  if (bundle.version !== 1) throw new Error(`circuit bundle ${circuitCid} has unsupported version ${bundle.version}`);
  if (bundle.circuitHash.toLowerCase() !== circuitHash.toLowerCase()) {
    throw new Error(`circuit bundle ${circuitCid} is for circuit ${bundle.circuitHash}, the registry names ${circuitHash}`);
  }
  return bundle;
}

/**
 * Downloads (or reuses from `cacheDir`) what a worker needs to prove for a registered version, checking the
 * bundle's circuit hash against the registry's.
 */
export async function fetchArtifacts(
  store: ContentStore,
  v: PublishedCids & { circuitHash: string },
  cacheDir: string,
): Promise<ProvingArtifacts> {
  const bundle = await fetchCircuitBundle(store, v.circuitCid, v.circuitHash);
  const dir = path.join(cacheDir, bundle.circuitHash.slice(2, 18));
  fs.mkdirSync(dir, { recursive: true });
  const files = { onnx: path.join(dir, "model.onnx"), wasm: path.join(dir, "model.wasm"), zkey: path.join(dir, "model.zkey") };
  const fetchTo = async (cid: string, file: string) => {
    const marker = `${file}.cid`;
    if (fs.existsSync(file) && fs.existsSync(marker) && fs.readFileSync(marker, "utf8") === cid) return;
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, openEnvelope(await store.get(cid)));
    fs.renameSync(tmp, file);
    fs.writeFileSync(marker, cid);
  };
  await fetchTo(v.onnxCid, files.onnx);
  await fetchTo(bundle.wasmCid, files.wasm);
  await fetchTo(v.provingKeyCid, files.zkey);
  const { wasmCid: _w, quant, version: _v, ...meta } = bundle;
  void _w;
  void _v;
  return { ...meta, dir, quant: parseQuant(quant), files };
}
