/**
 * Binds the worker to the proving stack: artifacts come from the registry's CIDs on storage (cached on disk), the
 * float model runs in onnxruntime-node, the proof in a long-lived prover thread.
 */
import type { ModelRegistry } from "../typechain-types";
import type { ContentStore } from "../lib/storage";
import type { Logger } from "../lib/util/log";
import { createOnnxSession, type OnnxSession, type Provider } from "../lib/runtime/onnx";
import { fetchArtifacts, type ProvingArtifacts } from "../lib/zk/publish";
import { proveBatch, ProverThread } from "../lib/zk/prover";
import type { ModelArtifacts } from "../lib/zk/model";
import { quantizeInput } from "../lib/zk/quantize";
import type { ComputeResult, ShardCompute } from "./compute";

interface Loaded {
  art: ProvingArtifacts;
  session: OnnxSession;
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
        const art = await fetchArtifacts(this.store, { onnxCid: v.onnxCid, circuitCid: v.circuitCid, provingKeyCid: v.provingKeyCid, circuitHash: v.circuitHash }, this.artifactsDir);
        const session = await createOnnxSession(art.files.onnx, { inputShape: art.inputShape, provider: this.provider, log: this.log });
        this.log.info("model loaded", { model: modelId, version, constraints: art.constraints, batch: art.batch, dev: art.dev ? "DEV-SETUP" : undefined });
        return { art, session };
      })();
      p.catch(() => this.models.delete(key)); // a failed load is retried on the next shard
      this.models.set(key, p);
    }
    return p;
  }

  async run(modelId: bigint, version: bigint, inputs: number[][], binding: bigint): Promise<ComputeResult> {
    const { art, session } = await this.load(modelId, version);
    const t0 = Date.now();
    // The requester committed 8-bit inputs; the float model runs on their dequantized values, which quantize back
    // to exactly the committed bytes.
    const floats = inputs.map((u) => u.map((b) => (b - art.quant.inputZeroPoint) * art.quant.inputScale));
    floats.forEach((x, i) => {
      if (quantizeInput(art.quant, x).some((b, j) => b !== inputs[i][j])) throw new Error(`input ${i} of the shard is not a byte vector of the model's input size`);
    });
    const r = await proveBatch(art as ModelArtifacts, floats, binding, { session, thread: this.thread, log: this.log });
    return {
      outputs: r.floatOutputs,
      quantizedOutputs: r.quantOutputs,
      outputCommitment: r.outputCommitment,
      inputCommitment: r.inputCommitment,
      proof: r.proofBytes,
      inferMs: Date.now() - t0 - Math.round(r.proveSeconds * 1000),
      proveMs: Math.round(r.proveSeconds * 1000),
    };
  }

  async close(): Promise<void> {
    await this.thread.close();
  }
}
