/**
 * The worker's inspection of a key release (F-01, G-01, G-02), done before any compute and before the chain's
 * inspection end (claimWindow / 4 after the release): open the key, fetch and decrypt the package, check it is the
 * committed input for this shard, that its inputs have the model's shape with every value a byte, and that the
 * witness can be computed (a dry run without the proof). After that, nothing of the requester's making can stop
 * the proof. Each failure says which exit the core offers: "prove" (a keyed release whose key is not the committed
 * one: proveBadRelease, paid) or "leave" (what the core cannot check: leaveClaim, no slash). Every step runs against
 * `deadlineMs`: a step still running then is abandoned and the claim left.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { ReleaseView } from "../lib/chain/jobbook";
import { LEAF_ENCODING } from "../lib/chain/merkle";
import { openEnvelope, unwrapKey } from "../lib/crypto";
import { unmaskDataKey, type ClaimContext } from "../lib/crypto/release";
import { decodeRelease, decodeShardPackage, type ShardPackage } from "../lib/requester/shard";
import { describeError } from "../lib/chain/errors";
import type { ContentStore } from "../lib/storage";
import { inputCommitment, outputSalt } from "../lib/zk/commitment";

export type Inspection =
  | { ok: true; pkg: ShardPackage; dataKey?: Uint8Array }
  | { ok: false; exit: "prove" | "leave"; reason: string };

export interface InspectArgs {
  release: ReleaseView;
  /** The claim's one-time secret, for a keyed claim. */
  oneTimeSecret?: bigint;
  ctx: ClaimContext;
  inputRoot: string;
  encryptionPrivateKey: Uint8Array;
  /** Fetches the package (with the caller's retries); throws when it is unavailable; stops when `signal` aborts. */
  fetch: (cid: string, signal: AbortSignal) => Promise<Uint8Array>;
  /** The model's shape: inferences per shard and bytes per inference. */
  shape: { batch: number; inputSize: number };
  /** The witness dry run (no proof) under the shard's output salt; throws naming why the inputs cannot be proven. */
  witness: (inputs: number[][], salt: bigint) => Promise<void>;
  /** Wall-clock ms by which inspection must be over: the chain's inspection end minus the margin to mine a leave. */
  deadlineMs: number;
}

const ZERO32 = "0x" + "00".repeat(32);
const leave = (reason: string): Inspection => ({ ok: false, exit: "leave", reason });

/** Why `inputs` cannot be this model's shard (one line), or undefined when they can: shape, then every value a byte. */
export function shapeProblem(inputs: unknown, shape: { batch: number; inputSize: number }): string | undefined {
  if (!Array.isArray(inputs)) return "inputs are not a list";
  if (inputs.length !== shape.batch) return `${inputs.length} input vectors, the model takes ${shape.batch} per shard`;
  for (const [i, v] of inputs.entries()) {
    if (!Array.isArray(v)) return `input ${i} is not a list`;
    if (v.length !== shape.inputSize) return `input ${i} has ${v.length} values, the model takes ${shape.inputSize}`;
    const j = v.findIndex((b) => typeof b !== "number" || !Number.isInteger(b) || b < 0 || b > 255);
    if (j >= 0) return `input ${i} value ${j} is ${JSON.stringify(v[j])}, not a byte of the calibrated range [0, 255]`;
  }
  return undefined;
}

/** Thrown when the inspection deadline passes while a step is running. */
class DeadlineError extends Error {}

export async function inspectRelease(a: InspectArgs): Promise<Inspection> {
  const ac = new AbortController();
  const left = a.deadlineMs - Date.now();
  if (left <= 0) return leave("no inspection time left before the chain's inspection end");
  const timer = setTimeout(() => ac.abort(new DeadlineError(`inspection deadline passed`)), left);
  const expired = new Promise<never>((_, reject) => ac.signal.addEventListener("abort", () => reject(ac.signal.reason), { once: true }));
  expired.catch(() => undefined);
  /** Runs one step against the deadline: the step's own promise is dropped (and told by `signal`) when time is up. */
  const within = <T>(what: string, p: Promise<T>): Promise<T> =>
    Promise.race([p, expired]).catch((err) => {
      throw err instanceof DeadlineError ? new Error(`${what} did not finish before the inspection deadline`) : err;
    });
  try {
    return await inspect(a, ac.signal, within);
  } finally {
    clearTimeout(timer);
  }
}

async function inspect(a: InspectArgs, signal: AbortSignal, within: <T>(what: string, p: Promise<T>) => Promise<T>): Promise<Inspection> {
  let dataKey: Uint8Array | undefined;
  let packageCid: string;
  try {
    const p = decodeRelease(a.release.payload);
    packageCid = p.packageCid;
    if (a.oneTimeSecret !== undefined && a.release.keyHash !== ZERO32) {
      const opened = unmaskDataKey(a.release, a.oneTimeSecret, a.ctx);
      if (!opened.matches) return { ok: false, exit: "prove", reason: "released key does not hash to the committed key hash" };
      dataKey = opened.dataKey;
    } else if (p.wrappedKey.length) {
      dataKey = unwrapKey(p.wrappedKey, a.encryptionPrivateKey);
    }
  } catch (err) {
    return leave(`release cannot be opened: ${describeError(err)}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await within(`fetching shard package ${packageCid}`, a.fetch(packageCid, signal));
  } catch (err) {
    return leave(`shard package ${packageCid} is unavailable: ${describeError(err)}`);
  }
  let pkg: ShardPackage;
  try {
    pkg = decodeShardPackage(openEnvelope(bytes, dataKey));
  } catch (err) {
    return leave(`shard package does not open with the released key: ${describeError(err)}`);
  }
  if (pkg.shardIndex !== Number(a.ctx.shardIndex)) return leave(`shard package is for shard ${pkg.shardIndex}`);
  let committed: bigint;
  try {
    committed = BigInt(pkg.inputCommitment);
  } catch {
    return leave("shard package's input commitment is not a number");
  }
  if (!Array.isArray(pkg.merkleProof) || !StandardMerkleTree.verify(a.inputRoot, LEAF_ENCODING, [a.ctx.shardIndex, committed], pkg.merkleProof)) {
    return leave("shard package's input commitment is not under the job's input root");
  }
  const problem = shapeProblem(pkg.inputs, a.shape);
  if (problem) return leave(`shard package's inputs cannot be proven: ${problem}`);
  let actual: bigint;
  try {
    actual = await within("committing the inputs", inputCommitment(pkg.inputs, outputSalt(dataKey)));
  } catch (err) {
    return leave(`shard package's inputs cannot be committed: ${describeError(err)}`);
  }
  if (actual !== committed) return leave(`shard package's inputs hash to ${actual}, not the committed ${committed}`);
  try {
    await within("the witness dry run", a.witness(pkg.inputs, outputSalt(dataKey)));
  } catch (err) {
    return leave(`shard package's witness cannot be computed: ${describeError(err)}`);
  }
  return { ok: true, pkg, dataKey };
}

/** One storage read, given up after `timeoutMs` or when `signal` aborts; either aborts the backend's request too. */
export function boundedRead(store: ContentStore, cid: string, timeoutMs: number, signal: AbortSignal, endpoints: readonly string[] = []): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(signal.reason);
    };
    const read = new AbortController();
    const t = setTimeout(() => {
      done();
      const err = new Error(`storage read of ${cid} timed out after ${timeoutMs} ms`);
      read.abort(err);
      reject(err);
    }, timeoutMs);
    signal.addEventListener("abort", onAbort, { once: true });
    store.get(cid, { signal: AbortSignal.any([signal, read.signal]), endpoints }).then(
      (v) => (done(), resolve(v)),
      (e) => (done(), reject(e)),
    );
  });
}
