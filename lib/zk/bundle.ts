/**
 * Circuit artifacts in the content store: the ONNX graph, the proving key (zkey) and a circuit bundle (JSON: the
 * artifact metadata, the quantized model, the circom source, the R1CS the key was made from and the witness
 * generator wasm, both base64). A worker fetches them by the CIDs in the registry, recomputes the circuit hash from
 * the source and the R1CS (lib/zk/circuit.ts circuitHashOf), and gets a local artifacts directory.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { keccak256 } from "ethers";
import type { ContentStore } from "../storage";
import { circuitHashOf, sourceHash } from "./circuit";
import { loadModelArtifacts, type ModelArtifacts } from "./model";
import type { QuantModel } from "./quantize";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

export interface ArtifactCids {
  onnxCid: string;
  circuitCid: string;
  provingKeyCid: string;
}

interface CircuitBundle {
  meta: Omit<ModelArtifacts, "quant" | "files" | "dir">;
  quant: string;
  circom: string;
  /** The R1CS (base64) the proving key was made from; the circuit hash covers it. */
  r1cs: string;
  wasm: string;
  vkey: string;
  verifier: string;
}

/** Stores the ONNX graph, the circuit bundle and (unless `withKey` is false: a ceremony supplies it) the proving key. */
export async function uploadArtifacts(art: ModelArtifacts, store: ContentStore, withKey = true): Promise<ArtifactCids> {
  const { quant: _q, files, dir: _d, ...meta } = art;
  void _q;
  void _d;
  const bundle: CircuitBundle = {
    meta,
    quant: fs.readFileSync(files.quant, "utf8"),
    circom: fs.readFileSync(files.circuit, "utf8"),
    r1cs: fs.readFileSync(files.r1cs).toString("base64"),
    wasm: fs.readFileSync(files.wasm).toString("base64"),
    vkey: fs.readFileSync(files.vkey, "utf8"),
    verifier: fs.readFileSync(files.verifier, "utf8"),
  };
  const [onnxCid, circuitCid, provingKeyCid] = await Promise.all([
    store.put(fs.readFileSync(files.onnx)),
    store.put(new TextEncoder().encode(JSON.stringify(bundle))),
    withKey ? store.put(fs.readFileSync(files.zkey)) : "",
  ]);
  return { onnxCid, circuitCid, provingKeyCid };
}

/** What a registered version commits to as outputs: its output head and spline approximations (from the circuit bundle). */
export async function committedOutputs(store: ContentStore, circuitCid: string): Promise<Pick<QuantModel, "head" | "approximations">> {
  const bundle = JSON.parse(new TextDecoder().decode(await store.get(circuitCid))) as CircuitBundle;
  const q = JSON.parse(bundle.quant) as QuantModel;
  return { head: q.head, approximations: q.approximations };
}

/**
 * Fetches a registered version's artifacts into `<cacheRoot>/<hash>-<key>-fetched` (reused when already there). The
 * directory is named by the proving key too: a DEV and a ceremony version of one circuit have different keys, and the
 * verification key is exported from the fetched proving key.
 */
export async function fetchArtifacts(cids: ArtifactCids, circuitHash: string, store: ContentStore, cacheRoot = path.join(".cache", "zk")): Promise<ModelArtifacts> {
  const keyTag = crypto.createHash("sha256").update(cids.provingKeyCid).digest("hex").slice(0, 8);
  const dir = path.join(cacheRoot, `${circuitHash.slice(2, 18)}-${keyTag}-fetched`);
  if (fs.existsSync(path.join(dir, "artifacts.json"))) {
    const cached = loadModelArtifacts(dir);
    if (cached.circuitHash === circuitHash) return cached;
  }
  const bundle = JSON.parse(new TextDecoder().decode(await store.get(cids.circuitCid))) as CircuitBundle;
  if (bundle.meta.circuitHash !== circuitHash) {
    throw new Error(`circuit bundle ${cids.circuitCid} has circuit hash ${bundle.meta.circuitHash}, the registry says ${circuitHash}`);
  }
  // The hash is recomputed from what was downloaded, not taken from the bundle's word.
  if (typeof bundle.r1cs !== "string") throw new Error(`circuit bundle ${cids.circuitCid} has no R1CS: registered before circuit hashes covered it; re-register the model`);
  const r1cs = Buffer.from(bundle.r1cs, "base64");
  const src = sourceHash(bundle.circom, { batch: bundle.meta.batch, privateWeights: bundle.meta.privateWeights });
  const recomputed = circuitHashOf(src, r1cs);
  if (recomputed !== circuitHash || src !== bundle.meta.sourceHash || keccak256(r1cs) !== bundle.meta.r1csHash) {
    throw new Error(`circuit bundle ${cids.circuitCid}: its source and R1CS hash to ${recomputed}, the registry says ${circuitHash}`);
  }
  // Written into a private directory and renamed into place, so workers sharing the cache never read half a file.
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  fs.mkdirSync(path.join(tmp, "model_js"), { recursive: true });
  const name = {
    onnx: "model.onnx", circuit: "model.circom", r1cs: "model.r1cs", wasm: path.join("model_js", "model.wasm"), zkey: "model.zkey",
    vkey: "vkey.json", verifier: "Groth16Verifier.sol", quant: "quant.json",
  };
  const at = (root: string) => Object.fromEntries(Object.entries(name).map(([k, f]) => [k, path.join(root, f)])) as ModelArtifacts["files"];
  const files = at(dir);
  const t = at(tmp);
  fs.writeFileSync(t.onnx, await store.get(cids.onnxCid));
  fs.writeFileSync(t.zkey, await store.get(cids.provingKeyCid));
  fs.writeFileSync(t.quant, bundle.quant);
  fs.writeFileSync(t.circuit, bundle.circom);
  fs.writeFileSync(t.r1cs, r1cs);
  fs.writeFileSync(t.wasm, Buffer.from(bundle.wasm, "base64"));
  fs.writeFileSync(t.vkey, JSON.stringify(await snarkjs.zKey.exportVerificationKey(t.zkey)));
  fs.writeFileSync(t.verifier, bundle.verifier);
  fs.writeFileSync(path.join(tmp, "artifacts.json"), JSON.stringify({ ...bundle.meta, dir, files }, null, 1));
  try {
    fs.renameSync(tmp, dir);
  } catch (err) {
    // Another process put the same artifacts in place first: keep theirs.
    if (!fs.existsSync(path.join(dir, "artifacts.json"))) throw err;
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return loadModelArtifacts(dir);
}
