/**
 * A worker's encryption keypair (secp256k1), kept in a JSON key file readable by its owner only (mode 0600).
 * The compressed 33-byte public key is what the worker registers on-chain as bytes.
 */
import fs from "node:fs";
import path from "node:path";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { KeyFileError } from "./errors";
import { checkPrivateKey } from "./keywrap";

export interface WorkerKeyPair {
  privateKey: Uint8Array;
  /** Compressed SEC1 encoding, 33 bytes. */
  publicKey: Uint8Array;
}

const hex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s.replace(/^0x/, ""), "hex"));

export function generateWorkerKeyPair(): WorkerKeyPair {
  const privateKey = secp256k1.utils.randomSecretKey();
  return { privateKey, publicKey: secp256k1.getPublicKey(privateKey, true) };
}

export function keyPairFromPrivate(privateKey: Uint8Array): WorkerKeyPair {
  checkPrivateKey(privateKey);
  return { privateKey, publicKey: secp256k1.getPublicKey(privateKey, true) };
}

/** Writes the key file with mode 0600 (created so from the start, then renamed into place). Refuses to overwrite. */
export function saveWorkerKey(file: string, key: WorkerKeyPair): void {
  if (fs.existsSync(file)) throw new KeyFileError(`key file ${file} already exists; refusing to overwrite it`);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const body = JSON.stringify({ version: 1, curve: "secp256k1", privateKey: hex(key.privateKey), publicKey: hex(key.publicKey) }, null, 2);
  fs.writeFileSync(tmp, body + "\n", { mode: 0o600, flag: "wx" });
  fs.renameSync(tmp, file);
}

/** Reads a key file; refuses one that group or others can read, or whose public key does not match its private key. */
export function loadWorkerKey(file: string): WorkerKeyPair {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new KeyFileError(`key file ${file} not found`);
  }
  if ((stat.mode & 0o077) !== 0) {
    throw new KeyFileError(`key file ${file} has mode ${(stat.mode & 0o777).toString(8)}; it must be 600 (chmod 600 ${file})`);
  }
  let parsed: { curve?: string; privateKey?: string; publicKey?: string };
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new KeyFileError(`key file ${file} is not JSON: ${(err as Error).message}`);
  }
  if (parsed.curve !== "secp256k1" || typeof parsed.privateKey !== "string") {
    throw new KeyFileError(`key file ${file} holds no secp256k1 private key`);
  }
  const pair = keyPairFromPrivate(unhex(parsed.privateKey));
  if (parsed.publicKey !== undefined && parsed.publicKey !== hex(pair.publicKey)) {
    throw new KeyFileError(`key file ${file}: public key does not belong to the private key`);
  }
  return pair;
}

/** Loads the key file, creating it with a fresh keypair on first use. */
export function loadOrCreateWorkerKey(file: string): WorkerKeyPair {
  if (fs.existsSync(file)) return loadWorkerKey(file);
  const key = generateWorkerKeyPair();
  saveWorkerKey(file, key);
  return key;
}
