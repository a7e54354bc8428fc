/** Runs the dashboard server until SIGINT/SIGTERM (or a reset chain), printing its URL: the `app` and `mesh` tasks. */
import { createContentStore } from "../storage";
import { createLogger } from "../util/log";
import type { TrainingSource } from "../mesh/training";
import { startApp } from "./index";

export interface ServeOptions {
  network: string;
  rpcUrl?: string;
  port: number;
  pollMs: number;
  training?: TrainingSource;
  /** Appended to the printed URL (the mesh task prints #/mesh). */
  route?: string;
  /** What the printed line calls it ("dashboard", "mesh view"). */
  label: string;
  /** `--serve` host:port and `--content-url` endpoints (lib/app/index.ts AppOptions). */
  serve?: string;
  contentUrls?: string[];
}

export async function serveApp(o: ServeOptions): Promise<void> {
  if (!Number.isInteger(o.pollMs) || o.pollMs < 50) throw new Error(`bad --poll: must be at least 50 ms, got ${o.pollMs}`);
  const log = createLogger({ source: "app" });
  const store = createContentStore();
  // A reset chain ends the server with one line (exit 1): its jobs and workers are gone with the deployment.
  let gone: Error | undefined;
  let stop = () => {};
  try {
    const app = await startApp({
      network: o.network,
      rpcUrl: o.rpcUrl,
      port: o.port,
      pollMs: o.pollMs,
      training: o.training,
      serve: o.serve,
      contentUrls: o.contentUrls,
      store,
      log,
      onGone: (err) => {
        gone = err;
        stop();
      },
    });
    console.log(`${o.label} of ${o.network}: ${app.url}${o.route ?? ""}`);
    if (app.contentEndpoints.length) console.log(`your content is published to workers at ${app.contentEndpoints.join(", ")}`);
    await new Promise<void>((resolve) => {
      stop = resolve;
      if (gone) resolve();
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await app.close();
  } finally {
    await store.close();
  }
  if (gone) throw gone;
  log.info(`${o.label} stopped`);
}
