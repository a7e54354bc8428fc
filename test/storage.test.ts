import { expect } from "chai";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import {
  CidMismatchError,
  computeCid,
  ContentNotFoundError,
  createContentStore,
  EmbeddedContentStore,
  InvalidCidError,
  KUBO_CIDV0,
  KUBO_CIDV1,
  KuboContentStore,
  PinataContentStore,
  resolveStorageConfig,
  StorageBackendError,
  StorageConfigError,
  type ContentStore,
} from "../lib/storage";
import { deterministicBytes } from "./helpers/deterministic-bytes";
import { startFakeKubo, type FakeKubo } from "./helpers/fake-kubo";
import { startFakePinata, type FakePinata } from "./helpers/fake-pinata";
import { blockPath, corruptBlock } from "./helpers/storage-faults";

const run = promisify(execFile);
const utf8 = (s: string) => new TextEncoder().encode(s);

async function rejectsWith<T extends Error>(p: Promise<unknown>, type: new (...a: never[]) => T): Promise<T> {
  try {
    await p;
  } catch (err) {
    expect(err, (err as Error).message).to.be.instanceOf(type);
    return err as T;
  }
  throw new Error(`expected ${type.name}, but the call succeeded`);
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "oblivion-store-"));
}

/** All block files of an embedded store directory. */
function blockFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith(".data")) out.push(path.join(d, e.name));
    }
  };
  walk(dir);
  return out;
}

describe("storage: CIDs equal Kubo's", () => {
  // Expected values come from Kubo's own tests (test/cli/add_test.go, cid_profiles_test.go) over its deterministic data.
  it("single-block files, CIDv0 and CIDv1", async () => {
    expect(await computeCid(utf8("hello world\n"), KUBO_CIDV0)).to.equal("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
    expect(await computeCid(utf8("hello world"), KUBO_CIDV0)).to.equal("Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD");
    expect(await computeCid(utf8("hello world"), KUBO_CIDV1)).to.equal("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e");
    expect(await computeCid(utf8("hello world"), { ...KUBO_CIDV1, rawLeaves: false })).to.equal(
      "bafybeihykld7uyxzogax6vgyvag42y7464eywpf55gxi5qpoisibh3c5wa",
    );
  });

  it("multi-chunk files: 174 leaves in one layer, 175 rebalanced into two", async () => {
    const full = deterministicBytes(44_800 * 1024, "v0-seed");
    expect(await computeCid(full.subarray(0, 44_544 * 1024), KUBO_CIDV0)).to.equal("QmUbBALi174SnogsUzLpYbD4xPiBSFANF4iztWCsHbMKh2");
    expect(await computeCid(full, KUBO_CIDV0)).to.equal("QmepeWtdmS1hHXx1oZXsPUv6bMrfRRKfZcoPPU4eEfjnbf");
  });

  it("two-chunk files with CIDv1 raw leaves and with CIDv0 (js-ipfs-unixfs parity vectors)", async () => {
    const v1 = deterministicBytes(1_048_577, "chunk-v1-seed");
    expect(await computeCid(v1, { ...KUBO_CIDV1, chunkSize: 1_048_576, maxLinks: 1024 })).to.equal(
      "bafybeigmix7t42i6jacydtquhet7srwvgpizfg7gjbq7627d35mjomtu64",
    );
    expect(await computeCid(deterministicBytes(262_145, "chunk-v0-seed"), KUBO_CIDV0)).to.equal(
      "QmYyLxtzZyW22zpoVAtKANLRHpDjZtNeDjQdJrcQNWoRkJ",
    );
  });
});

describe("storage: embedded store", () => {
  let dir: string;
  let store: EmbeddedContentStore;
  beforeEach(() => {
    dir = tmpDir();
    store = new EmbeddedContentStore({ dir });
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("puts and gets a multi-chunk file under its Kubo CID", async () => {
    const bytes = deterministicBytes(900_000, "embedded");
    const cid = await store.put(bytes);
    expect(cid).to.equal(await computeCid(bytes, KUBO_CIDV1));
    expect(cid).to.match(/^bafybei/);
    expect(blockFiles(dir)).to.have.length(5); // 4 raw leaves + 1 root
    expect(Buffer.compare(await store.get(cid), bytes)).to.equal(0);
    expect(await store.has(cid)).to.equal(true);
    await store.pin(cid);
  });

  it("stores with CIDv0 when configured, giving Kubo's CID", async () => {
    const v0 = new EmbeddedContentStore({ dir, profile: KUBO_CIDV0 });
    const cid = await v0.put(deterministicBytes(262_145, "chunk-v0-seed"));
    expect(cid).to.equal("QmYyLxtzZyW22zpoVAtKANLRHpDjZtNeDjQdJrcQNWoRkJ");
    expect((await v0.get(cid)).length).to.equal(262_145);
  });

  it("names a missing CID and a malformed one", async () => {
    const absent = await computeCid(utf8("never stored"));
    await rejectsWith(store.get(absent), ContentNotFoundError);
    expect(await store.has(absent)).to.equal(false);
    await rejectsWith(store.pin(absent), ContentNotFoundError);
    await rejectsWith(store.get("not-a-cid"), InvalidCidError);
  });

  it("rejects a leaf block corrupted on disk (CID check)", async () => {
    const bytes = deterministicBytes(600_000, "corrupt-leaf");
    const cid = await store.put(bytes);
    const leaf = blockFiles(dir).find((f) => fs.statSync(f).size === 262_144)!;
    const data = fs.readFileSync(leaf);
    data[1000] ^= 0x40;
    fs.writeFileSync(leaf, data);
    const err = await rejectsWith(store.get(cid), CidMismatchError);
    expect(err.expected).to.equal(cid);
  });

  it("rejects a root node corrupted on disk and a single-block file flipped on disk", async () => {
    const cid = await store.put(deterministicBytes(300_000, "corrupt-root"));
    corruptBlock(dir, cid, -3);
    await rejectsWith(store.get(cid), CidMismatchError);

    const small = await store.put(utf8("tiny"));
    corruptBlock(dir, small);
    expect(fs.readFileSync(blockPath(dir, small)).toString()).to.equal("tinx");
    await rejectsWith(store.get(small), CidMismatchError);
  });

  it("is shared safely by concurrent processes", async function () {
    this.timeout(60_000);
    const writer = path.join(__dirname, "helpers", "store-writer.ts");
    const results = await Promise.all(
      [0, 1, 2].map((i) => run(process.execPath, ["-r", "ts-node/register/transpile-only", writer, dir, String(i)])),
    );
    const out = results.map((r) => JSON.parse(r.stdout) as { shared: string; own: string });
    expect(new Set(out.map((o) => o.shared)).size).to.equal(1);
    expect(new Set(out.map((o) => o.own)).size).to.equal(3);
    for (const o of out) expect((await store.get(o.own)).length).to.equal(600_000);
    expect(fs.readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith(".tmp"))).to.deep.equal([]);
  });
});

describe("storage: Kubo adapter against a fake Kubo RPC server", () => {
  let kubo: FakeKubo;
  let store: ContentStore;
  beforeEach(async () => {
    kubo = await startFakeKubo();
    store = new KuboContentStore({ url: kubo.url, timeoutMs: 5_000 });
  });
  afterEach(async () => {
    await store.close();
    await kubo.close();
  });

  it("adds with Kubo's CIDv1 options, cats back verified, pins", async () => {
    const bytes = deterministicBytes(700_000, "kubo");
    const cid = await store.put(bytes);
    expect(cid).to.equal(await computeCid(bytes, KUBO_CIDV1));
    const add = kubo.requests.find((r) => r.startsWith("POST /api/v0/add"))!;
    expect(add).to.contain("cid-version=1").and.to.contain("raw-leaves=true").and.to.contain("chunker=size-262144");
    expect(Buffer.compare(await store.get(cid), bytes)).to.equal(0);
    expect(await store.has(cid)).to.equal(true);
    kubo.pins.clear();
    expect(await store.has(cid)).to.equal(false);
    await store.pin(cid);
    expect(kubo.pins.has(cid)).to.equal(true);
  });

  it("rejects bytes the node alters, and names missing content", async () => {
    const cid = await store.put(utf8("payload"));
    kubo.lie = true;
    await rejectsWith(store.get(cid), CidMismatchError);
    const absent = await computeCid(utf8("absent"));
    await rejectsWith(store.get(absent), ContentNotFoundError);
    await rejectsWith(store.pin(absent), ContentNotFoundError);
  });

  it("follows the configured profile, refuses a node whose CIDs differ, names a node that is down", async () => {
    const cidV0 = new KuboContentStore({ url: kubo.url, profile: KUBO_CIDV0 });
    expect(await cidV0.put(utf8("hello world\n"))).to.equal("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
    kubo.forceProfile = KUBO_CIDV0; // a node that ignores the options and answers CIDv0
    const err = await rejectsWith(store.put(utf8("hello world")), CidMismatchError);
    expect(err.actual).to.equal("Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD");
    await kubo.close();
    await rejectsWith(cidV0.put(utf8("down")), StorageBackendError);
  });
});

describe("storage: Pinata adapter against a fake Pinata API and gateway", () => {
  let pinata: FakePinata;
  let store: PinataContentStore;
  beforeEach(async () => {
    pinata = await startFakePinata();
    store = new PinataContentStore(pinata.options());
  });
  afterEach(async () => {
    await store.close();
    await pinata.close();
  });

  it("uploads, reads through the gateway verified, lists and pins by CID", async () => {
    const bytes = deterministicBytes(400_000, "pinata");
    const cid = await store.put(bytes);
    expect(cid).to.equal(await computeCid(bytes, KUBO_CIDV1));
    expect(pinata.requests).to.include("POST /v3/files");
    expect(Buffer.compare(await store.get(cid), bytes)).to.equal(0);
    expect(await store.has(cid)).to.equal(true);
    const other = await computeCid(utf8("elsewhere"));
    expect(await store.has(other)).to.equal(false);
    await store.pin(other);
    expect(pinata.pinnedByCid.has(other)).to.equal(true);
  });

  it("rejects gateway bytes that do not match, names 404 and bad credentials", async () => {
    const cid = await store.put(utf8("pinned payload"));
    pinata.lie = true;
    await rejectsWith(store.get(cid), CidMismatchError);
    await rejectsWith(store.get(await computeCid(utf8("nope"))), ContentNotFoundError);
    const bad = new PinataContentStore({ ...pinata.options(), jwt: "wrong" });
    const err = await rejectsWith(bad.put(utf8("x")), StorageBackendError);
    expect(err.message).to.match(/upload failed/);
  });
});

describe("storage: configuration", () => {
  it("defaults to the embedded store in OBLIVION_STORE_DIR", async () => {
    const dir = tmpDir();
    const store = createContentStore({}, { OBLIVION_STORE_DIR: dir });
    expect(store).to.be.instanceOf(EmbeddedContentStore);
    expect((store as EmbeddedContentStore).dir).to.equal(dir);
    const cid = await store.put(utf8("configured"));
    expect(new TextDecoder().decode(await store.get(cid))).to.equal("configured");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("picks Kubo or Pinata from env or config, config winning", () => {
    expect(createContentStore({}, { OBLIVION_STORE: "kubo" })).to.be.instanceOf(KuboContentStore);
    expect(resolveStorageConfig({}, { OBLIVION_STORE: "kubo", OBLIVION_KUBO_URL: "http://10.0.0.1:5001" }).kubo.url).to.equal(
      "http://10.0.0.1:5001",
    );
    const env = { OBLIVION_STORE: "kubo", PINATA_JWT: "j", PINATA_GATEWAY_URL: "https://gw.example" };
    expect(createContentStore({ kind: "pinata" }, env)).to.be.instanceOf(PinataContentStore);
  });

  it("names bad configurations", () => {
    expect(() => resolveStorageConfig({}, { OBLIVION_STORE: "s3" })).to.throw(StorageConfigError, /unknown store kind "s3"/);
    expect(() => resolveStorageConfig({ kind: "pinata" }, {})).to.throw(StorageConfigError, /PINATA_JWT/);
    expect(() => resolveStorageConfig({ kind: "pinata" }, { PINATA_JWT: "j" })).to.throw(StorageConfigError, /gateway URL/);
    expect(() => resolveStorageConfig({ profile: { ...KUBO_CIDV0, rawLeaves: true } }, {})).to.throw(StorageConfigError, /raw leaves/);
    expect(() => resolveStorageConfig({ profile: { ...KUBO_CIDV1, chunkSize: 0 } }, {})).to.throw(StorageConfigError, /chunkSize/);
  });
});
