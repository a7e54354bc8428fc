/**
 * What the dashboard benches stand on: a hardhat node in a child process with the protocol deployed into a temporary
 * deployments folder, a content store there and a silent logger; everything is stopped and removed after the bench.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { JsonRpcProvider, JsonRpcSigner } from "ethers";
import { connectRpc } from "../lib/chain/connect";
import { deployOrReuse, type Deployment } from "../lib/chain/deployments";
import { createContentStore, type ContentStore } from "../lib/storage";
import { createLogger, type Logger } from "../lib/util/log";
import { startHardhatNode } from "../lib/util/processes";

export interface LocalChain {
  url: string;
  provider: JsonRpcProvider;
  owner: JsonRpcSigner;
  deployment: Deployment;
  /** The deployments folder (network "localhost"). */
  dir: string;
  store: ContentStore;
  silent: Logger;
}

export async function withLocalChain(name: string, fn: (c: LocalChain) => Promise<void>): Promise<void> {
  const node = await startHardhatNode();
  const provider = await connectRpc(node.url, 100);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
  const store = createContentStore({}, { ...process.env, OBLIVION_STORE_DIR: path.join(dir, "ipfs") });
  const silent = createLogger({ source: "bench", out: { write: () => true } as unknown as NodeJS.WritableStream });
  try {
    const owner = await provider.getSigner(0);
    const { deployment } = await deployOrReuse("localhost", owner, {}, { dir });
    await fn({ url: node.url, provider, owner, deployment, dir, store, silent });
  } finally {
    await store.close();
    provider.destroy();
    await node.proc.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a bench to its end: exit code 0, or its error in one line and exit code 1. */
export function runBench(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(`${name} failed: ${(err as Error).message.split("\n")[0].slice(0, 400)}`);
      process.exit(1);
    },
  );
}
