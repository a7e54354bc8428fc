/** A long step with a heartbeat: one line every `everyMs` while it runs (the caller logs its start and end). */
import type { Logger } from "./log";

export async function phase<T>(log: Logger | undefined, name: string, fn: () => Promise<T>, everyMs = 10_000): Promise<T> {
  if (!log) return fn();
  const t0 = Date.now();
  const beat = setInterval(() => log.info(`${name}: still running`, { elapsedSeconds: Math.round((Date.now() - t0) / 1000) }), everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(beat);
  }
}
