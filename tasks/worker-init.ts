/** `worker:init`: key file, metadata document and config for `worker:run`. */
import { task, types } from "hardhat/config";
import { parseUint } from "../lib/chain/args";
import { runTask } from "../lib/chain/taskContext";
import { requireRunningChain } from "../lib/chain/signer";

task("worker:init", "Create a worker's encryption key file, store its metadata document and write a config for worker:run")
  .addParam("out", "config file to write (e.g. worker.json)")
  .addOptionalParam("keyFile", "encryption key file (default: $OBLIVION_HOME/workers/<config name>/key.json); reused when it exists")
  .addOptionalParam("name", "a name for the metadata document", "worker", types.string)
  .addOptionalParam("models", "model ids served, comma-separated (default: all)", "", types.string)
  .addOptionalParam("concurrency", "shards worked on at once", "1", types.string)
  .addOptionalParam("executionProvider", "cpu or cuda", "cpu", types.string)
  .addFlag("force", "overwrite an existing --out")
  .setAction(
    async (a: { out: string; keyFile?: string; name: string; models: string; concurrency: string; executionProvider: string; force: boolean }, hre) =>
      runTask("worker:init", async () => {
        requireRunningChain(hre);
        const { initWorker } = await import("../worker/init");
        const { createContentStore } = await import("../lib/storage");
        if (a.executionProvider !== "cpu" && a.executionProvider !== "cuda") throw new Error(`bad --execution-provider: "${a.executionProvider}" (want cpu or cuda)`);
        const models = a.models.split(",").filter((m) => m.trim() !== "").map((m) => parseUint("models", m.trim(), 1n, 2n ** 32n - 1n));
        const concurrency = Number(parseUint("concurrency", a.concurrency, 1n, 64n));
        const store = createContentStore();
        try {
          const r = await initWorker(
            {
              out: a.out, keyFile: a.keyFile, name: a.name, models, concurrency, executionProvider: a.executionProvider,
              network: hre.network.name, rpcUrl: (hre.network.config as { url?: string }).url, force: a.force,
            },
            store,
          );
          console.log(`wrote ${r.config}`);
          console.log(`encryption key ${r.keyFile} (${r.keyCreated ? "created, mode 0600" : "existing, reused"}), public key ${r.publicKey}`);
          console.log(`metadata document ${r.metadataCid} in the ${store.kind} store; artifact cache ${r.artifactsDir}`);
          console.log(`next: OBLIVION_PRIVATE_KEY=0x… npx hardhat worker:run --worker-config ${a.out} --network ${hre.network.name}`);
        } finally {
          await store.close();
        }
      }),
  );
