export * from "./errors";
export { encryptForStorage, sealWithKey, packPublic, decrypt, openEnvelope, readEnvelopeHeader, DATA_KEY_LEN, type EnvelopeHeader } from "./envelope";
export { wrapKey, unwrapKey, WRAPPED_KEY_LEN } from "./keywrap";
export {
  generateWorkerKeyPair,
  keyPairFromPrivate,
  saveWorkerKey,
  loadWorkerKey,
  loadOrCreateWorkerKey,
  type WorkerKeyPair,
} from "./worker-key";
