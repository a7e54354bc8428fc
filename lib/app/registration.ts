/**
 * Model registration prepared on the owner's machine for the dashboard: compile and set up the ONNX model
 * (lib/zk/model.ts), store the artifacts, and hand back the verifying key and the version spec; the owner's wallet
 * then signs deployGroth16Verifier and registerModel/publishVersion in the browser. One run at a time; each run's
 * stage and log lines are polled by the page.
 */
import fs from "node:fs";
import { parseInputs } from "../requester/inputFormats";
import type { ContentStore } from "../storage";
import { createLogger } from "../util/log";
import { uploadArtifacts } from "../zk/bundle";
import { buildModelArtifacts } from "../zk/model";
import { PROOF_SYSTEM_GROTH16 } from "../zk/register";
import { verifyingKeyOf, type SnarkjsVkey } from "../zk/vk-verifier";
import { HttpError } from "./http";

export interface PrepareRequest {
  onnx: string;
  calibration?: { name: string; data: string };
  batch?: number;
}

interface Run {
  stage: string;
  lines: string[];
  error?: string;
  result?: unknown;
}

/** The largest ONNX or calibration upload taken (base64 inflates by 4/3). */
export const MAX_MODEL_BYTES = 64 * 1024 * 1024;

export class RegistrationRuns {
  private readonly runs = new Map<string, Run>();
  private next = 1;
  private busy = false;

  constructor(
    private readonly store: ContentStore,
    /** Where compiled circuits and setups are cached (lib/zk/model.ts; default .cache/zk). */
    private readonly cacheRoot?: string,
  ) {}

  start(req: PrepareRequest): string {
    if (this.busy) throw new HttpError(409, "a model is being compiled already: wait for it to finish");
    if (typeof req.onnx !== "string" || !req.onnx) throw new HttpError(400, "onnx (base64) is required");
    const batch = req.batch ?? 1;
    if (!Number.isInteger(batch) || batch < 1 || batch > 64) throw new HttpError(400, `batch must be an integer in 1..64, got ${req.batch}`);
    const onnx = new Uint8Array(Buffer.from(req.onnx, "base64"));
    let calibration: number[][] | undefined;
    try {
      calibration = req.calibration ? parseInputs(req.calibration.name, new Uint8Array(Buffer.from(req.calibration.data, "base64"))) : undefined;
    } catch (err) {
      throw new HttpError(400, (err as Error).message);
    }
    const id = String(this.next++);
    const run: Run = { stage: "compiling the circuit", lines: [] };
    this.runs.set(id, run);
    this.busy = true;
    const log = createLogger({ source: "register", tty: false, out: { write: (line: string) => run.lines.push(line.trimEnd()) > 0 } as NodeJS.WritableStream });
    (async () => {
      const art = await buildModelArtifacts(onnx, { batch, calibration, log, cacheRoot: this.cacheRoot });
      run.stage = "storing the artifacts";
      const cids = await uploadArtifacts(art, this.store);
      const vkey = JSON.parse(fs.readFileSync(art.files.vkey, "utf8")) as SnarkjsVkey;
      const k = verifyingKeyOf(vkey);
      const dec = (v: unknown): unknown => (Array.isArray(v) ? v.map(dec) : String(v));
      run.result = {
        key: { alpha: dec(k.alpha), beta: dec(k.beta), gamma: dec(k.gamma), delta: dec(k.delta), ic: dec(k.ic) },
        spec: {
          ...cids,
          circuitHash: art.circuitHash,
          proofSystem: PROOF_SYSTEM_GROTH16,
          layoutVersion: art.layoutVersion,
          batchSize: art.batch,
          numPublicSignals: art.publicSignals,
          devSetup: art.dev,
          modelCommitment: art.modelCommitment ?? "0",
        },
        constraints: art.constraints,
        compileSeconds: art.compileSeconds,
        setupSeconds: art.setupSeconds,
      };
      run.stage = "ready to sign";
    })()
      .catch((err: Error) => {
        run.error = err.message.split("\n")[0];
        run.stage = "failed";
      })
      .finally(() => (this.busy = false));
    return id;
  }

  get(id: string): Run {
    const run = this.runs.get(id);
    if (!run) throw new HttpError(404, `no registration run ${id}`);
    return run;
  }
}
