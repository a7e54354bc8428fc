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
