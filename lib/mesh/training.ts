/**
 * Where the mesh view gets training rounds from. Pluggable: anything with `rounds()`; the training module can hand
 * the server its own source. `jsonFileTrainingSource` reads a JSON array of rounds that a training run keeps
 * rewriting (the `--training` option of the mesh task).
 */
import fs from "node:fs";
import type { TrainingRound } from "./types";

export interface TrainingSource {
  /** The rounds to show, oldest first. */
  rounds(): Promise<TrainingRound[]>;
}

/** Checks one round as read from outside; throws a one-line error naming the bad field. */
export function checkRound(r: unknown, where: string): TrainingRound {
  const o = r as Record<string, unknown>;
  if (!o || typeof o !== "object") throw new Error(`${where}: a training round must be an object`);
  const num = (k: string) => typeof o[k] === "number" && Number.isFinite(o[k] as number);
  if (!num("round") || !Number.isInteger(o.round)) throw new Error(`${where}: "round" must be an integer`);
  if (!num("accuracy") || (o.accuracy as number) < 0 || (o.accuracy as number) > 1) throw new Error(`${where}: "accuracy" must be a number in [0, 1]`);
  if (!num("epsilon") || (o.epsilon as number) < 0) throw new Error(`${where}: "epsilon" must be a non-negative number`);
  if (o.delta !== undefined && !num("delta")) throw new Error(`${where}: "delta" must be a number`);
  if (o.jobId !== undefined && typeof o.jobId !== "string") throw new Error(`${where}: "jobId" must be a string`);
  return { round: o.round as number, accuracy: o.accuracy as number, epsilon: o.epsilon as number, delta: o.delta as number | undefined, jobId: o.jobId as string | undefined };
}

/** Rounds held in memory; a training loop in the same process pushes to it. */
export class MemoryTrainingSource implements TrainingSource {
  private readonly list: TrainingRound[] = [];
  push(r: TrainingRound): void {
    this.list.push(checkRound(r, "training round"));
  }
  async rounds(): Promise<TrainingRound[]> {
    return [...this.list];
  }
}

/** A JSON file holding an array of rounds; a missing file means no rounds yet. Re-read when its mtime changes. */
export function jsonFileTrainingSource(file: string): TrainingSource {
  let mtime = -1;
  let cached: TrainingRound[] = [];
  return {
    async rounds() {
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw err;
      }
      if (st.mtimeMs !== mtime) {
        const data = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
        if (!Array.isArray(data)) throw new Error(`${file}: training rounds must be a JSON array`);
        cached = data.map((r, i) => checkRound(r, `${file} [${i}]`));
        mtime = st.mtimeMs;
      }
      return cached;
    },
  };
}
