import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gcm } from "@noble/ciphers/aes.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import {
  decrypt,
  DecryptionError,
  encryptForStorage,
  EnvelopeFormatError,
  generateWorkerKeyPair,
  InvalidKeyError,
  KeyFileError,
  KeyUnwrapError,
  loadOrCreateWorkerKey,
  loadWorkerKey,
  MissingDataKeyError,
  openEnvelope,
  packPublic,
  readEnvelopeHeader,
  saveWorkerKey,
  unwrapKey,
  wrapKey,
  WRAPPED_KEY_LEN,
} from "../lib/crypto";
import * as browserAes from "../lib/crypto/aes.browser";
import { EmbeddedContentStore, getSealed, putSealed } from "../lib/storage";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const flip = (b: Uint8Array, i: number) => {
  const c = Uint8Array.from(b);
  c[i] ^= 0x01;
  return c;
};

describe("crypto: AES-256-GCM storage envelope", () => {
  it("seals with a fresh key and nonce and opens again", () => {
    const plain = bytes("model weights ".repeat(100));
    const a = encryptForStorage(plain);
    const b = encryptForStorage(plain);
    expect(a.dataKey).to.have.length(32);
    expect(a.ciphertext).to.have.length(plain.length + 6 + 12 + 16);
    expect(Buffer.compare(a.ciphertext, b.ciphertext)).to.not.equal(0);
    expect(Buffer.from(a.ciphertext).includes(Buffer.from("model weights"))).to.equal(false);
    expect(readEnvelopeHeader(a.ciphertext)).to.deep.equal({ version: 1, encrypted: true });
    expect(text(decrypt(a.ciphertext, a.dataKey))).to.equal(text(plain));
    expect(text(openEnvelope(a.ciphertext, a.dataKey))).to.equal(text(plain));
  });

  it("is standard AES-256-GCM: @noble/ciphers opens our envelopes and seals ones we open", () => {
    const plain = bytes("interop ".repeat(1000));
    const { ciphertext, dataKey } = encryptForStorage(plain);
    const header = ciphertext.subarray(0, 6);
    const nonce = ciphertext.subarray(6, 18);
    expect(text(gcm(dataKey, nonce, header).decrypt(ciphertext.subarray(18)))).to.equal(text(plain));
    const resealed = new Uint8Array([...header, ...nonce, ...gcm(dataKey, nonce, header).encrypt(bytes("from noble"))]);
    expect(text(decrypt(resealed, dataKey))).to.equal("from noble");
  });

  it("the dashboard's AES (aes.browser.ts) and the CLI's open each other's envelopes, and both refuse a flipped byte", () => {
    const { ciphertext, dataKey } = encryptForStorage(bytes("sealed by the CLI"));
    const [header, nonce] = [ciphertext.subarray(0, 6), ciphertext.subarray(6, 18)];
    expect(text(browserAes.gcmOpen(dataKey, nonce, header, ciphertext.subarray(18)))).to.equal("sealed by the CLI");
    const fromTab = new Uint8Array([...header, ...nonce, ...browserAes.gcmSeal(dataKey, nonce, header, bytes("sealed in the tab"))]);
    expect(text(openEnvelope(fromTab, dataKey))).to.equal("sealed in the tab");
    expect(() => openEnvelope(flip(fromTab, fromTab.length - 1), dataKey)).to.throw(DecryptionError);
    expect(() => browserAes.gcmOpen(dataKey, nonce, header, flip(ciphertext, ciphertext.length - 1).subarray(18))).to.throw();
  });

  it("names a wrong key, altered ciphertext, altered header, truncation", () => {
    const { ciphertext, dataKey } = encryptForStorage(bytes("secret input shard"));
    const other = encryptForStorage(bytes("x")).dataKey;
    expect(() => decrypt(ciphertext, other)).to.throw(DecryptionError, /wrong data key or altered/);
    expect(() => decrypt(flip(ciphertext, ciphertext.length - 20), dataKey)).to.throw(DecryptionError);
    expect(() => decrypt(flip(ciphertext, ciphertext.length - 1), dataKey)).to.throw(DecryptionError);
    expect(() => decrypt(flip(ciphertext, 4), dataKey)).to.throw(EnvelopeFormatError, /version/);
    expect(() => decrypt(ciphertext.subarray(0, 20), dataKey)).to.throw(DecryptionError, /truncated/);
    expect(() => decrypt(ciphertext, dataKey.subarray(0, 16))).to.throw(InvalidKeyError);
  });

  it("public envelopes skip encryption, and are refused where a key was expected", () => {
    const env = packPublic(bytes("public model"));
    expect(readEnvelopeHeader(env)).to.deep.equal({ version: 1, encrypted: false });
    expect(text(openEnvelope(env))).to.equal("public model");
    expect(() => decrypt(env, new Uint8Array(32))).to.throw(EnvelopeFormatError, /public/);
    expect(() => openEnvelope(env, new Uint8Array(32))).to.throw(EnvelopeFormatError, /public/);
    const { ciphertext } = encryptForStorage(bytes("private"));
    expect(() => openEnvelope(ciphertext)).to.throw(MissingDataKeyError);
    expect(() => openEnvelope(bytes("plain bytes, no envelope"))).to.throw(EnvelopeFormatError, /magic/);
    expect(() => openEnvelope(flip(env, 5).map((v, i) => (i === 5 ? 0x80 : v)))).to.throw(EnvelopeFormatError, /flags/);
  });
});

describe("crypto: ECIES key wrapping to a worker key", () => {
  it("wraps a data key to compressed and uncompressed public keys, and unwraps it", () => {
    const worker = generateWorkerKeyPair();
    expect(worker.publicKey).to.have.length(33);
    const { dataKey } = encryptForStorage(bytes("payload"));
    const wrapped = wrapKey(dataKey, worker.publicKey);
    expect(wrapped).to.have.length(WRAPPED_KEY_LEN);
    expect(Buffer.compare(unwrapKey(wrapped, worker.privateKey), dataKey)).to.equal(0);
    const uncompressed = secp256k1.getPublicKey(worker.privateKey, false);
    expect(Buffer.compare(unwrapKey(wrapKey(dataKey, uncompressed), worker.privateKey), dataKey)).to.equal(0);
  });

  it("names a wrong worker key, an altered wrapped key and invalid keys", () => {
    const worker = generateWorkerKeyPair();
    const intruder = generateWorkerKeyPair();
    const wrapped = wrapKey(new Uint8Array(32).fill(9), worker.publicKey);
    expect(() => unwrapKey(wrapped, intruder.privateKey)).to.throw(KeyUnwrapError, /another key, or altered/);
    expect(() => unwrapKey(flip(wrapped, 100), worker.privateKey)).to.throw(KeyUnwrapError);
    expect(() => unwrapKey(wrapped.subarray(1), worker.privateKey)).to.throw(KeyUnwrapError, /129 bytes/);
    expect(() => wrapKey(new Uint8Array(32), new Uint8Array(33).fill(5))).to.throw(InvalidKeyError, /public key/);
    expect(() => wrapKey(new Uint8Array(31), worker.publicKey)).to.throw(InvalidKeyError, /32 bytes/);
    expect(() => unwrapKey(wrapped, new Uint8Array(32))).to.throw(InvalidKeyError, /private key/);
  });
});

describe("crypto: worker key file", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "oblivion-key-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("is created with mode 0600 and loads back the same keys", () => {
    const file = path.join(dir, "keys", "worker-enc.json");
    const created = loadOrCreateWorkerKey(file);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const loaded = loadOrCreateWorkerKey(file);
    expect(Buffer.compare(loaded.privateKey, created.privateKey)).to.equal(0);
    expect(Buffer.compare(loaded.publicKey, created.publicKey)).to.equal(0);
    expect(() => saveWorkerKey(file, generateWorkerKeyPair())).to.throw(KeyFileError, /already exists/);
  });

  it("refuses readable-by-others, malformed, mismatched and missing key files", () => {
    const file = path.join(dir, "k.json");
    saveWorkerKey(file, generateWorkerKeyPair());
    fs.chmodSync(file, 0o644);
    expect(() => loadWorkerKey(file)).to.throw(KeyFileError, /mode 644/);
    fs.chmodSync(file, 0o600);
    const rec = JSON.parse(fs.readFileSync(file, "utf8"));
    rec.publicKey = "0x" + Buffer.from(generateWorkerKeyPair().publicKey).toString("hex");
    fs.writeFileSync(file, JSON.stringify(rec));
    expect(() => loadWorkerKey(file)).to.throw(KeyFileError, /does not belong/);
    fs.writeFileSync(file, "{not json");
    expect(() => loadWorkerKey(file)).to.throw(KeyFileError, /not JSON/);
    expect(() => loadWorkerKey(path.join(dir, "absent.json"))).to.throw(KeyFileError, /not found/);
  });
});

describe("crypto + storage: a shard's input from requester to worker", () => {
  it("encrypt, store, wrap to the worker; the worker fetches, unwraps and decrypts", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "oblivion-e2e-"));
    const store = new EmbeddedContentStore({ dir });
    const worker = generateWorkerKeyPair();
    const input = bytes(JSON.stringify([[0.1, 0.2], [0.3, 0.4]]));
    const { cid, dataKey } = await putSealed(store, input);
    const wrapped = wrapKey(dataKey!, worker.publicKey); // what releaseShardKey puts in its event
    expect(text(await getSealed(store, cid, unwrapKey(wrapped, worker.privateKey)))).to.equal(text(input));
    expect(Buffer.from(await store.get(cid)).includes(Buffer.from("0.1"))).to.equal(false);
    const pub = await putSealed(store, bytes("public model"), { public: true });
    expect(pub.dataKey).to.equal(undefined);
    expect(text(await getSealed(store, pub.cid))).to.equal("public model");
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
