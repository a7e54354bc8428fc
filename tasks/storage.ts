import fs from "node:fs";
import { task } from "hardhat/config";
import { runTask } from "../lib/chain/taskContext";

// Library code is imported inside the actions: loading it at config time would slow every Hardhat command.

task("store:put", "Seals a file (encrypted unless --public) into the configured content store; prints CID and data key")
  .addParam("file", "file to store")
  .addFlag("public", "store unencrypted (public models)")
  .setAction(async (args: { file: string; public: boolean }) =>
    runTask("store:put", async () => {
      const { createContentStore, putSealed } = await import("../lib/storage");
      if (!fs.existsSync(args.file)) throw new Error(`bad --file: ${args.file} not found`);
      const store = createContentStore();
      const { cid, dataKey } = await putSealed(store, fs.readFileSync(args.file), { public: args.public });
      await store.close();
      console.log(`cid ${cid}`);
      if (dataKey) console.log(`dataKey 0x${Buffer.from(dataKey).toString("hex")}`);
    }),
  );

task("store:get", "Fetches a CID from the configured content store (verified), opens its envelope, writes the plaintext")
  .addParam("cid", "content id")
  .addParam("out", "output file")
  .addOptionalParam("key", "data key (0x hex) for encrypted content")
  .setAction(async (args: { cid: string; out: string; key?: string }) =>
    runTask("store:get", async () => {
      const { createContentStore, getSealed } = await import("../lib/storage");
      if (args.key !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(args.key)) throw new Error("bad --key: must be 32 bytes of 0x-prefixed hex");
      const key = args.key ? new Uint8Array(Buffer.from(args.key.slice(2), "hex")) : undefined;
      const store = createContentStore();
      const plain = await getSealed(store, args.cid, key);
      await store.close();
      fs.writeFileSync(args.out, plain);
      console.log(`wrote ${plain.length} bytes to ${args.out}`);
    }),
  );

task("store:serve", "Serves the embedded content store over HTTP (Kubo RPC subset and trustless gateway) until stopped")
  .addOptionalParam("host", "address to bind (0.0.0.0: every interface, for workers on other machines)", "127.0.0.1")
  .addOptionalParam("port", "port (0: any free one)", "8090")
  .addOptionalParam("maxUpload", "largest upload accepted, in bytes (default 128 MiB)")
  .setAction(async (args: { host: string; port: string; maxUpload?: string }) =>
    runTask("store:serve", async () => {
      const { parseUint } = await import("../lib/chain/args");
      const { EmbeddedContentStore, resolveStorageConfig } = await import("../lib/storage");
      const { startContentServer } = await import("../lib/storage/server");
      const cfg = resolveStorageConfig();
      if (cfg.kind !== "embedded") throw new Error(`store:serve serves the embedded store; OBLIVION_STORE is ${cfg.kind}`);
      const store = new EmbeddedContentStore({ dir: cfg.embedded.dir, profile: cfg.profile });
      const server = await startContentServer({
        store,
        host: args.host,
        port: Number(parseUint("port", args.port, 0n, 65_535n)),
        uploadToken: process.env.OBLIVION_SERVE_TOKEN || undefined,
        maxUploadBytes: args.maxUpload === undefined ? undefined : Number(parseUint("maxUpload", args.maxUpload, 1n, 2n ** 40n)),
      });
      console.log(`serving ${cfg.embedded.dir} at ${server.url}`);
      console.log(`upload token ${server.uploadToken}${process.env.OBLIVION_SERVE_TOKEN ? " (OBLIVION_SERVE_TOKEN)" : " (random; set OBLIVION_SERVE_TOKEN to keep one)"}`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await server.close();
      await store.close();
      console.log("stopped");
    }),
  );
