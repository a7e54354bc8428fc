export type { ContentStore } from "./content-store";
export { computeCid, verifyContent, parseCid, KUBO_CIDV0, KUBO_CIDV1, type ImportProfile } from "./cid";
export * from "./errors";
export { EmbeddedContentStore } from "./embedded";
export { KuboContentStore } from "./kubo";
export { PinataContentStore } from "./pinata";
export { createContentStore, resolveStorageConfig, DEFAULT_STORE_DIR, type StorageConfig, type StorageConfigInput } from "./config";
export { putSealed, getSealed, type SealedPut } from "./sealed";
