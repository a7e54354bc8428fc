/**
 * Worker-side proving: run the float model with onnxruntime-node (the answer the requester gets), compute the
 * quantized outputs, check they agree with the float ones (same argmax; maximum deviation reported), and prove in
 * a child process (snarkjs cannot run in a worker thread). Returns the core's calldata: the proof bytes, the
 * commitments and the output cipher words, and the public signals (layout v2, IProofVerifier).
 */
import fs from "node:fs";
import path from "node:path";
import { fork, type ChildProcess } from "node:child_process";
import { createOnnxSession, type OnnxSession, type Provider } from "../runtime/onnx";
import type { Logger } from "../util/log";
import { encryptOutputs, FIELD_R, inputCommitment, modelWeights, outputCommitment } from "./commitment";
import { emitWitness } from "./emit";
import { modelTag, type ModelArtifacts } from "./model";
import { argmax, dequantizeOutput, quantizeInput } from "./quantize";
import { quantForward } from "./reference";
import { applyHead, predictedClass } from "./head";
import { encodeProof, type Groth16Proof } from "./verifier";

export interface ProveResult {
  /** The ONNX model's outputs (onnxruntime; after its head, if any). */
  floatOutputs: number[][];
  /** The committed outputs, dequantized (the logits before a head). */
  circuitOutputs: number[][];
  quantOutputs: bigint[][];
  maxDeviation: number;
  argmaxAgree: boolean;
  inputBytes: number[][];
  inputCommitment: bigint;
  outputCommitment: bigint;
  /** The output cipher words (public signals; what submitResult carries and ShardSettled emits). */
  cipher: bigint[];
  proof: Groth16Proof;
  /** Layout v2: [outputCommitment, inputCommitment, (modelCommitment), cipher[W], binding]. */
  publicSignals: bigint[];
  proofBytes: string;
  proveSeconds: number;
}

export interface ThreadProof {
  proof: Groth16Proof;
  publicSignals: string[];
  seconds: number;
  /** CPU time of the prover process (all threads) for this proof. */
  cpuSeconds: number;
  /** Peak resident memory of the prover process so far. */
  maxRssMB: number;
}

/** A prover child process holding a warm snarkjs; prove() may be called repeatedly; close() stops it by PID. */
export class ProverThread {
  // A bare Node process (execArgv []): no inherited --require hooks of Hardhat or ts-node, so it stays small.
  private child: ChildProcess = fork(path.join(__dirname, "proveWorker.js"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"], execArgv: [], serialization: "advanced" });
  private next = 0;
  private pending = new Map<number, { resolve: (v: ThreadProof) => void; reject: (e: Error) => void }>();

  constructor() {
    this.child.on("message", (m: ThreadProof & { id: number; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(`prover process: ${m.error}`));
      else p.resolve(m);
    });
    this.child.on("exit", (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`prover process exited with code ${code}`));
      this.pending.clear();
    });
  }

  /** Proves from a circom witness input (the circuit's wasm computes the witness in the prover process). */
  prove(input: Record<string, unknown>, wasm: string, zkey: string): Promise<ThreadProof> {
    return this.send({ input, wasm, zkey });
  }

  /** Proves from a finished witness (.wtns bytes), as emitted circuits do. */
  proveWitness(wtns: Uint8Array, wasm: string, zkey: string): Promise<ThreadProof> {
    return this.send({ wtns, wasm, zkey });
  }

  private send(msg: Record<string, unknown>): Promise<ThreadProof> {
    const id = this.next++;
    return new Promise<ThreadProof>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, ...msg });
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once("exit", r));
    // The channel may already be closed (the prover exited and its exit event is still queued): disconnecting
    // again throws "IPC channel is already disconnected".
    if (this.child.connected) this.child.disconnect();
    const t = setTimeout(() => this.child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  }
}

export interface ProveOptions {
  provider?: Provider;
  session?: OnnxSession;
  thread?: ProverThread;
  /** Refuse to prove when the quantized argmax differs from the float argmax (default true). */
  requireArgmaxAgreement?: boolean;
  /** The shard's output salt (lib/zk/commitment.ts outputSalt; default 0, a public package). */
  salt?: bigint;
  log?: Logger;
}

/** Witness input for a batch of committed bytes. */
export function witnessInput(art: ModelArtifacts, bytes: number[][], binding: bigint, salt = 0n): Record<string, unknown> {
  const input: Record<string, unknown> = { binding: (((binding % FIELD_R) + FIELD_R) % FIELD_R).toString(), x: bytes };
  if (art.privateWeights) input.weights = modelWeights(art.quant).map((v) => (((v % FIELD_R) + FIELD_R) % FIELD_R).toString());
  input.salt = salt.toString();
  return input;
}

/**
 * Proves committed input bytes for `binding` with `art`'s circuit: emitted circuits get their witness from
 * lib/zk/emit.ts (with the reference outputs), circom ones from their wasm. Seconds include the witness.
 */
export async function proveBytes(thread: ProverThread, art: ModelArtifacts, bytes: number[][], binding: bigint, outputs?: bigint[][], salt = 0n): Promise<ThreadProof> {
  if (art.compiler !== "emit") return thread.prove(witnessInput(art, bytes, binding, salt), art.files.wasm, art.files.zkey);
  const t0 = Date.now();
  const wtns = await emitWitness(art.quant, art.files.wasm, bytes, binding, outputs ?? bytes.map((b) => quantForward(art.quant, b)), salt);
  const witnessSeconds = (Date.now() - t0) / 1000;
  const r = await thread.proveWitness(wtns, art.files.wasm, art.files.zkey);
  return { ...r, seconds: r.seconds + witnessSeconds };
}

/**
 * The witness of committed input bytes for `binding`, without a proof (a worker's dry run before it commits to a
 * shard): emitted circuits through lib/zk/emit.ts, circom ones through their wasm. Throws where the prover would.
 */
export async function computeWitness(art: ModelArtifacts, bytes: number[][], binding: bigint, salt = 0n): Promise<Uint8Array> {
  if (bytes.length !== art.batch) throw new Error(`${modelTag(art)}: batch of ${bytes.length} inputs, the circuit takes exactly ${art.batch}`);
  if (art.compiler === "emit") return emitWitness(art.quant, art.files.wasm, bytes, binding, bytes.map((b) => quantForward(art.quant, b)), salt);
  const wc = await circomCalculator(art.files.wasm);
  return wc.calculateWTNSBin(unstringifyBigInts(witnessInput(art, bytes, binding, salt)), 0);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { WitnessCalculatorBuilder } = require("circom_runtime");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unstringifyBigInts } = require("ffjavascript").utils;
const circomCalculators = new Map<string, Promise<{ calculateWTNSBin(input: unknown, sanityCheck: number): Promise<Uint8Array> }>>();
function circomCalculator(wasm: string) {
  let c = circomCalculators.get(wasm);
  if (!c) circomCalculators.set(wasm, (c = WitnessCalculatorBuilder(fs.readFileSync(wasm))));
  return c!;
}

/** Runs, checks and proves one batch of float inputs (exactly `art.batch` vectors) for `binding`. */
export async function proveBatch(art: ModelArtifacts, inputs: ArrayLike<number>[], binding: bigint, opts: ProveOptions = {}): Promise<ProveResult> {
  if (inputs.length !== art.batch) throw new Error(`${modelTag(art)}: batch of ${inputs.length} inputs, the circuit takes exactly ${art.batch}`);
  const session = opts.session ?? (await createOnnxSession(art.files.onnx, { inputShape: art.inputShape, provider: opts.provider, log: opts.log }));
  const floatOutputs = (await session.run(inputs)).map((o) => Array.from(o));
  const inputBytes = inputs.map((x) => quantizeInput(art.quant, x));
  const quantOutputs = inputBytes.map((b) => quantForward(art.quant, b));
  const circuitOutputs = quantOutputs.map((o) => dequantizeOutput(art.quant, o));
  let maxDeviation = 0;
  let argmaxAgree = true;
  floatOutputs.forEach((f, i) => {
    // a Softmax / LogSoftmax / ArgMax head is applied to the committed logits before comparing (lib/zk/head.ts)
    const c = applyHead(art.quant.head, circuitOutputs[i]);
    f.forEach((v, j) => (maxDeviation = Math.max(maxDeviation, Math.abs(v - c[j]))));
    if (predictedClass(art.quant.head, f) !== argmax(circuitOutputs[i])) argmaxAgree = false;
  });
  if (!argmaxAgree && opts.requireArgmaxAgreement !== false) {
    throw new Error(
      `${modelTag(art)}: quantized outputs disagree with the float model (argmax differs; max deviation ${maxDeviation}); ` +
        `a near tie: pass --allow-disagreement to prove the circuit's answer anyway`,
    );
  }
  const salt = opts.salt ?? 0n;
  const [inC, outC, cipher] = await Promise.all([inputCommitment(inputBytes, salt), outputCommitment(quantOutputs, art.quant.rangeBits), encryptOutputs(quantOutputs, art.quant.rangeBits, salt)]);
  const thread = opts.thread ?? new ProverThread();
  try {
    const r = await proveBytes(thread, art, inputBytes, binding, quantOutputs, salt);
    const publicSignals = r.publicSignals.map((s) => BigInt(s));
    const proven = publicSignals.slice(publicSignals.length - 1 - cipher.length, publicSignals.length - 1);
    if (publicSignals[0] !== outC || publicSignals[1] !== inC || proven.join() !== cipher.join()) throw new Error(`${modelTag(art)}: circuit commitments differ from the reference implementation`);
    opts.log?.info(`${modelTag(art)}: proved`, { seconds: r.seconds, maxDeviation });
    return { floatOutputs, circuitOutputs, quantOutputs, maxDeviation, argmaxAgree, inputBytes, inputCommitment: inC, outputCommitment: outC, cipher, proof: r.proof, publicSignals, proofBytes: encodeProof(r.proof), proveSeconds: r.seconds };
  } finally {
    if (!opts.thread) await thread.close();
  }
}
