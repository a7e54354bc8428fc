/** A long step with a heartbeat: a line when it starts, one every `everyMs` while it runs, one when it ends. */
import type { Logger } from "./log";

export async function phase<T>(log: Logger | undefined, name: string, fn: () => Promise<T>, everyMs = 10_000): Promise<T> {
  if (!log) return fn();
  const t0 = Date.now();
  log.info(`${name}…`);
  const beat = setInterval(() => log.info(`${name}: still running`, { elapsedSeconds: Math.round((Date.now() - t0) / 1000) }), everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(beat);
  }
}
