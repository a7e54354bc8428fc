/**
 * Binds the worker to the proving stack: artifacts come from the registry's CIDs on storage (cached on disk), the
 * float model runs in onnxruntime-node, the proof in a long-lived prover thread.
 */
import type { ModelRegistry } from "../typechain-types";
import type { ContentStore } from "../lib/storage";
import type { Logger } from "../lib/util/log";
import { createOnnxSession, type OnnxSession, type Provider } from "../lib/runtime/onnx";
import { fetchArtifacts } from "../lib/zk/bundle";
import type { ModelArtifacts } from "../lib/zk/model";
import { computeWitness, proveBatch, ProverThread } from "../lib/zk/prover";
import { quantizeInput } from "../lib/zk/quantize";
import type { ComputeResult, ModelProfile, ShardCompute } from "./compute";

interface Loaded {
  art: ModelArtifacts;
  session: OnnxSession;
  profile: ModelProfile;
}

export class ProverCompute implements ShardCompute {
  private readonly models = new Map<string, Promise<Loaded>>();
  private readonly thread = new ProverThread();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly store: ContentStore,
    private readonly artifactsDir: string,
    private readonly provider: Provider,
    private readonly log: Logger,
  ) {}

  private load(modelId: bigint, version: bigint): Promise<Loaded> {
    const key = `${modelId}:${version}`;
    let p = this.models.get(key);
    if (!p) {
      p = (async () => {
        const v = await this.registry.getVersion(modelId, version);
        const cids = { onnxCid: v.onnxCid, circuitCid: v.circuitCid, provingKeyCid: v.provingKeyCid };
        const art = await fetchArtifacts(cids, v.circuitHash, this.store, this.artifactsDir);
        const session = await createOnnxSession(art.files.onnx, { inputShape: art.inputShape, provider: this.provider, log: this.log });
        // Calibration: one witness and one whole proof of a shard of zero-point bytes (the float input 0), so that
        // the worker knows what a shard costs on this machine before it claims one.
        const zeros = Array.from({ length: art.batch }, () => new Array<number>(art.quant.inputSize).fill(art.quant.inputZeroPoint));
        let t = Date.now();
        await computeWitness(art, zeros, 1n);
        const witnessMs = Date.now() - t;
        t = Date.now();
        const floats = zeros.map((u) => u.map((b) => (b - art.quant.inputZeroPoint) * art.quant.inputScale));
        await proveBatch(art, floats, 1n, { session, thread: this.thread, requireArgmaxAgreement: false });
        const profile: ModelProfile = { batch: art.batch, inputSize: art.quant.inputSize, witnessMs, proveMs: Date.now() - t };
        this.log.info("model loaded", { model: modelId, version, constraints: art.constraints, batch: art.batch, setup: art.dev ? "DEV-SETUP" : "ceremony", calibrationWitnessMs: witnessMs, calibrationProofMs: profile.proveMs });
        return { art, session, profile };
      })();
      p.catch(() => this.models.delete(key)); // a failed load is retried on the next shard
      this.models.set(key, p);
    }
    return p;
  }

  async prepare(modelId: bigint, version: bigint): Promise<ModelProfile> {
    return (await this.load(modelId, version)).profile;
  }

  async witness(modelId: bigint, version: bigint, inputs: number[][], binding: bigint, salt: bigint): Promise<void> {
    const { art } = await this.load(modelId, version);
    await computeWitness(art, inputs, binding, salt);
  }

  async run(modelId: bigint, version: bigint, inputs: number[][], binding: bigint, salt: bigint): Promise<ComputeResult> {
    const { art, session } = await this.load(modelId, version);
    const t0 = Date.now();
    // The requester committed 8-bit inputs; the float model runs on their dequantized values, which quantize back
    // to exactly the committed bytes (checked).
    const floats = inputs.map((u) => u.map((b) => (b - art.quant.inputZeroPoint) * art.quant.inputScale));
    floats.forEach((x, i) => {
      if (quantizeInput(art.quant, x).some((b, j) => b !== inputs[i][j])) {
        throw new Error(`input ${i} of the shard is not a byte vector of the model's input size`);
      }
    });
    // A worker proves what was committed: the circuit's answer on the committed bytes is the one paid for, also on
    // a near tie where the float model's argmax differs (the result carries both; job:results marks such outputs).
    const r = await proveBatch(art, floats, binding, { session, thread: this.thread, log: this.log, requireArgmaxAgreement: false, salt });
    if (!r.argmaxAgree) this.log.warn("float and circuit argmax differ on this shard (near tie); proving the committed inputs", { model: modelId, maxDeviation: r.maxDeviation });
    const proveMs = Math.round(r.proveSeconds * 1000);
    return {
      outputs: r.floatOutputs,
      quantizedOutputs: r.quantOutputs,
      outputCommitment: r.outputCommitment,
      inputCommitment: r.inputCommitment,
      cipher: r.cipher,
      proof: r.proofBytes,
      inferMs: Math.max(0, Date.now() - t0 - proveMs),
      proveMs,
    };
  }

  async close(): Promise<void> {
    await this.thread.close();
  }
}
