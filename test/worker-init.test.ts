/** Getting started: `worker:init` (key file, metadata document, config for worker:run) and the example's .npy writer. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { loadWorkerKey } from "../lib/crypto";
import { encodeNpy, parseNpyInputs } from "../lib/requester/inputs";
import { createContentStore } from "../lib/storage";
import { loadWorkerConfig } from "../worker/config";
import { initWorker } from "../worker/init";
import { resolveProvider } from "../lib/runtime/onnx";
import type { Logger } from "../lib/util/log";

describe("getting started: worker:init and the example files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oblivion-init-"));
  const store = createContentStore({}, { ...process.env, OBLIVION_STORE: "embedded", OBLIVION_STORE_DIR: path.join(dir, "ipfs") });
  after(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("creates the key file (0600), stores the metadata document, and writes a config worker:run loads", async () => {
    const out = path.join(dir, "worker.json");
    const home = path.join(dir, "home");
    const r = await initWorker({ out, name: "gpu-1", models: [1n], concurrency: 2, executionProvider: "cpu", network: "localhost", home }, store);
    expect(r.keyCreated).to.equal(true);
    // key and artifact cache under the home, never beside the config (a checkout's root in the README)
    expect(r.keyFile).to.equal(path.join(home, "workers", "worker", "key.json"));
    expect(r.artifactsDir).to.equal(path.join(home, "workers", "worker", "artifacts"));
    expect(fs.readdirSync(dir).sort()).to.deep.equal(["home", "ipfs", "worker.json"]);
    expect(fs.statSync(r.keyFile).mode & 0o777).to.equal(0o600);
    const key = loadWorkerKey(r.keyFile);
    expect(r.publicKey).to.equal("0x" + Buffer.from(key.publicKey).toString("hex"));
    const meta = JSON.parse(Buffer.from(await store.get(r.metadataCid)).toString("utf8"));
    expect(meta).to.include({ kind: "v-oblivion/worker", name: "gpu-1", encryptionPublicKey: r.publicKey, concurrency: 2 });
    const raw = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(raw).to.not.have.property("privateKey"); // the account key stays in the environment
    const cfg = loadWorkerConfig(out, { OBLIVION_PRIVATE_KEY: "0x" + "11".repeat(32) });
    expect(cfg.metadataCid).to.equal(r.metadataCid);
    expect(cfg.encryptionKeyFile).to.equal(r.keyFile);
    expect(cfg.models).to.deep.equal([1n]);
    expect(cfg.concurrency).to.equal(2);
  });

  it("refuses to overwrite a config without --force, and reuses an existing key file", async () => {
    const out = path.join(dir, "worker.json");
    await initWorker({ out, name: "w", models: [], concurrency: 1, executionProvider: "cpu", network: "localhost", home: path.join(dir, "home") }, store).then(
      () => expect.fail("overwrote"),
      (e: Error) => expect(e.message).to.match(/exists \(pass --force to overwrite it\)$/),
    );
    const again = await initWorker({ out, name: "w", models: [], concurrency: 1, executionProvider: "cpu", network: "localhost", force: true, home: path.join(dir, "home") }, store);
    expect(again.keyCreated).to.equal(false);
  });

  it("the provider a worker names in its start line is the one that runs: cuda falls back to cpu, with a warning, where it is missing", async () => {
    const warnings: string[] = [];
    const log = { info() {}, warn: (m: string) => warnings.push(m), error() {}, progress() {}, child: () => log } as unknown as Logger;
    expect(await resolveProvider("cpu", log)).to.equal("cpu");
    const used = await resolveProvider("cuda", log);
    // on a machine with CUDA it runs; elsewhere (as here) onnxruntime cannot load it and says so
    expect(used).to.equal(warnings.length === 0 ? "cuda" : "cpu");
    if (used === "cpu") expect(warnings).to.have.length(1).and.to.match(/^onnxruntime: CUDA execution provider unavailable \(.*\); falling back to cpu$/);
  });

  it("writes .npy float32 files that the input reader reads back", () => {
    const v = [[0, 0.5, 1], [0.25, 0.75, 0.125]];
    expect(parseNpyInputs(encodeNpy(v))).to.deep.equal(v);
    const bytes = encodeNpy(Array.from({ length: 3 }, () => new Array(784).fill(0.5)));
    expect((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64).to.equal(0); // header aligned as numpy writes it
  });
});
