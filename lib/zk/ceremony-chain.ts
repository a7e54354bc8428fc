/**
 * A model version's phase-2 ceremony on-chain: registration with the owner's contribution, contributions from any
 * address, sealing (the beacon block), finalization on the longest valid chain, and the check anyone can run
 * (`verifySetup`) over the files the registry names by CID. The ceremony's rules are in docs/zk.md.
 */
import fs from "node:fs";
import path from "node:path";
import { AbiCoder, getAddress, keccak256, type Signer } from "ethers";
import type { ModelRegistry } from "../../typechain-types";
import type { ContentStore } from "../storage";
import type { Logger } from "../util/log";
import { uploadArtifacts, type ArtifactCids } from "./bundle";
import { CeremonyError } from "./ceremony-error";
import {
  beaconKey, chainOf, contributeKey, initialKey, keyContributions, matchChain, NO_PARENT, sha256File, verifyKey,
  type ContributionRecord, type KeyContribution,
} from "./ceremony";
import { buildModelArtifacts, modelTag, type ModelArtifacts } from "./model";
import { checkPtau, hash32, blake2bFile, type PtauInfo } from "./ptau";
import type { BuildRequest } from "./register";
import { verifyingKeyOf, type SnarkjsVkey } from "./vk-verifier";
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

import { isNoCeremony } from "../chain/setupKind";
export { isLocalChain } from "../chain/setupKind";

/** Default ceremony length in blocks after registration. */
export const DEFAULT_CEREMONY_BLOCKS = 40;

export interface OnchainCeremony {
  r1csHash: string;
  ptauHash: string;
  deadline: number;
  sealedAt: number;
  tip: number;
  finalized: boolean;
  beacon: string;
  finalHash: string;
  r1csCid: string;
  ptauCid: string;
  finalKeyCid: string;
  contributions: ContributionRecord[];
}

/** The ceremony of a version, or null for a version without one (DEV or an external setup). */
export async function readCeremony(registry: ModelRegistry, modelId: bigint, version: number): Promise<OnchainCeremony | null> {
  let c;
  try {
    c = await registry.getCeremony(modelId, version);
  } catch (err) {
    if (isNoCeremony(registry, err)) return null;
    throw err;
  }
  return {
    r1csHash: c.r1csHash, ptauHash: c.ptauHash, deadline: Number(c.deadline), sealedAt: Number(c.sealedAt), tip: Number(c.tip), finalized: c.finalized,
    beacon: c.beacon, finalHash: c.finalHash, r1csCid: c.r1csCid, ptauCid: c.ptauCid, finalKeyCid: c.finalKeyCid,
    contributions: c.contributions.map((r, index) => ({
      index, contributor: getAddress(r.contributor), parent: Number(r.parent), depth: Number(r.depth), contributionHash: r.contributionHash, keyCid: r.keyCid,
    })),
  };
}

/** Downloads a CID once into `<cacheDir>/files/`, checked by the store. */
export async function fetchFile(store: ContentStore, cid: string, cacheDir: string): Promise<string> {
  const file = path.join(cacheDir, "files", cid.replace(/[^A-Za-z0-9]/g, "_"));
  if (fs.existsSync(file)) return file;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, await store.get(cid));
  fs.renameSync(tmp, file);
  return file;
}

interface CeremonyFiles {
  r1cs: string;
  ptau: string;
  init: string;
  ptauInfo: PtauInfo;
}

/** The ceremony's R1CS and ptau by CID, checked against the recorded hashes, and the initial key made from them. */
async function ceremonyFiles(c: OnchainCeremony, store: ContentStore, cacheDir: string, log?: Logger): Promise<CeremonyFiles> {
  const r1cs = await fetchFile(store, c.r1csCid, cacheDir);
  if (sha256File(r1cs).toLowerCase() !== c.r1csHash.toLowerCase()) throw new CeremonyError("R1csMismatch", `R1CS ${c.r1csCid} has sha256 ${sha256File(r1cs)}, the registry records ${c.r1csHash}`);
  const ptau = await fetchFile(store, c.ptauCid, cacheDir);
  const ptauInfo = await checkPtau(ptau, { log });
  if (ptauInfo.hash32.toLowerCase() !== c.ptauHash.toLowerCase()) throw new CeremonyError("PtauMismatch", `ptau ${c.ptauCid} hashes to ${ptauInfo.hash32}, the registry records ${c.ptauHash}`);
  const init = await initialKey(r1cs, ptau, cacheDir);
  return { r1cs, ptau, init: init.file, ptauInfo };
}

/** Verifies the key of record `tip` and that its history is exactly the recorded chain ending at `tip`. */
async function checkChainKey(c: OnchainCeremony, tip: number, files: CeremonyFiles, store: ContentStore, cacheDir: string): Promise<{ key: string; contribs: KeyContribution[] }> {
  const r = c.contributions[tip];
  const key = await fetchFile(store, r.keyCid, cacheDir);
  await verifyKey(files.init, files.ptau, key, `contribution #${tip} by ${r.contributor}`);
  const contribs = await keyContributions(key);
  matchChain(contribs, chainOf(c.contributions, tip).map((i) => c.contributions[i]));
  return { key, contribs };
}

/**
 * The deepest contribution whose whole chain is valid (ties: the earliest recorded); invalid ones are reported through
 * `onInvalid` and skipped. Throws NoValidContribution when none is valid.
 */
export async function longestValidTip(
  c: OnchainCeremony, files: CeremonyFiles, store: ContentStore, cacheDir: string, onInvalid: (r: ContributionRecord, e: Error) => void = () => undefined,
): Promise<{ tip: number; key: string }> {
  const order = [...c.contributions].sort((a, b) => b.depth - a.depth || a.index - b.index);
  for (const r of order) {
    try {
      return { tip: r.index, key: (await checkChainKey(c, r.index, files, store, cacheDir)).key };
    } catch (err) {
      if (!(err instanceof CeremonyError)) throw err;
      onInvalid(r, err);
    }
  }
  throw new CeremonyError("NoValidContribution", "no recorded contribution verifies");
}

export interface CeremonyRegistered {
  modelId: bigint;
  version: number;
  artifacts: ModelArtifacts;
  cids: ArtifactCids & { r1csCid: string; ptauCid: string; firstKeyCid: string };
  ptau: PtauInfo;
  deadline: number;
  firstContribution: string;
}

/** A ceremony version: a new model (name and fee) or the next version of `modelId`. */
export type CeremonyRequest = BuildRequest & { ptau: string; deadlineBlocks?: number } & ({ modelId: bigint; name?: string; feePerInference?: bigint } | { modelId?: undefined; name: string; feePerInference: bigint });

/**
 * `model:register --ptau` / `model:version --ptau`: checks the ptau, builds the circuit and its initial key, makes the
 * owner's contribution, stores R1CS, ptau and key by CID and registers the model (or publishes the version) with its
 * ceremony open for `deadlineBlocks` blocks.
 */
export async function registerCeremonyModel(req: CeremonyRequest, registry: ModelRegistry, signer: Signer, store: ContentStore): Promise<CeremonyRegistered> {
  const ptau = await checkPtau(req.ptau, { log: req.log });
  req.log?.info(`ptau ${ptau.hash32.slice(0, 18)} accepted (${ptau.source === "published" ? "on the published Hermez list" : "verified: contribution chain and powers"})`, { power: ptau.power, contributions: ptau.contributions });
  const art = await buildModelArtifacts(req.onnx, req);
  const tag = modelTag(art);
  const owner = await signer.getAddress();
  const first = await contributeKey(art.files.zkey, path.join(art.dir, `contribution-0-${owner}.zkey`), owner);
  req.log?.info(`${tag}: owner's contribution made`, { hash: first.hash32, seconds: first.seconds });
  const base = await uploadArtifacts(art, store, false);
  const [r1csCid, ptauCid, firstKeyCid] = await Promise.all([
    store.put(fs.readFileSync(art.files.r1cs)), store.put(fs.readFileSync(req.ptau)), store.put(fs.readFileSync(path.join(art.dir, `contribution-0-${owner}.zkey`))),
  ]);
  const deadline = (await signer.provider!.getBlockNumber()) + (req.deadlineBlocks ?? DEFAULT_CEREMONY_BLOCKS);
  const spec = {
    ...base, provingKeyCid: "", circuitHash: art.circuitHash, verifier: "0x0000000000000000000000000000000000000000", proofSystem: 1, layoutVersion: art.layoutVersion,
    batchSize: art.batch, numPublicSignals: art.publicSignals, devSetup: false, modelCommitment: art.modelCommitment ? BigInt(art.modelCommitment) : 0n,
  };
  const ceremony = { r1csHash: sha256File(art.files.r1cs), ptauHash: ptau.hash32, r1csCid, ptauCid, deadline, firstContribution: first.hash32, firstKeyCid };
  const tx = req.modelId === undefined
    ? await registry.connect(signer).registerCeremonyModel(req.name, req.feePerInference, spec, ceremony)
    : await registry.connect(signer).publishCeremonyVersion(req.modelId, spec, ceremony);
  const receipt = await tx.wait();
  let at: { modelId: bigint; version: number } | null = null;
  for (const l of receipt?.logs ?? []) {
    const p = registry.interface.parseLog(l);
    if (p?.name === "VersionPublished") at = { modelId: p.args.modelId as bigint, version: Number(p.args.version) };
  }
  if (at === null) throw new Error(`${tx.hash} emitted no VersionPublished event`);
  return { ...at, artifacts: art, cids: { ...base, r1csCid, ptauCid, firstKeyCid }, ptau, deadline, firstContribution: first.hash32 };
}

export interface CeremonyCtx {
  registry: ModelRegistry;
  signer: Signer;
  store: ContentStore;
  cacheDir?: string;
  log?: Logger;
}

const cacheOf = (ctx: { cacheDir?: string }) => ctx.cacheDir ?? path.join(".cache", "ceremony");

async function latestVersion(registry: ModelRegistry, modelId: bigint, version?: number): Promise<number> {
  return version ?? Number((await registry.getModel(modelId)).versionCount);
}

async function requireCeremony(registry: ModelRegistry, modelId: bigint, version: number): Promise<OnchainCeremony> {
  const c = await readCeremony(registry, modelId, version);
  if (!c) throw new CeremonyError("NoCeremony", `model ${modelId} v${version} has no ceremony (a DEV or externally set-up version)`);
  return c;
}

/**
 * `model:contribute`: verifies the contributions so far, builds on the longest valid chain, stores the new key and
 * records it from the signer's address.
 */
export async function contribute(ctx: CeremonyCtx, modelId: bigint, versionArg?: number, entropy?: string) {
  const version = await latestVersion(ctx.registry, modelId, versionArg);
  const c = await requireCeremony(ctx.registry, modelId, version);
  const block = await ctx.signer.provider!.getBlockNumber();
  if (block >= c.deadline) throw new CeremonyError("CeremonyClosed", `model ${modelId} v${version}: contributions closed at block ${c.deadline} (now ${block})`);
  const cacheDir = cacheOf(ctx);
  const files = await ceremonyFiles(c, ctx.store, cacheDir, ctx.log);
  const skipped: string[] = [];
  const parent = await longestValidTip(c, files, ctx.store, cacheDir, (r, e) => skipped.push(`#${r.index} by ${r.contributor}: ${e.message}`));
  for (const s of skipped) ctx.log?.warn(`not building on ${s}`);
  const me = await ctx.signer.getAddress();
  const out = path.join(cacheDir, "contributions", `${modelId}-${version}-${parent.tip}-${me}.zkey`);
  const mine = await contributeKey(parent.key, out, me, entropy);
  const keyCid = await ctx.store.put(fs.readFileSync(out));
  const tx = await ctx.registry.connect(ctx.signer).contribute(modelId, version, parent.tip, mine.hash32, keyCid);
  await tx.wait();
  const after = await requireCeremony(ctx.registry, modelId, version);
  const index = after.contributions.findIndex((r) => r.contributionHash.toLowerCase() === mine.hash32.toLowerCase());
  rememberOwnContribution(cacheDir, mine.hash32, me);
  return { version, index, parent: parent.tip, hash: mine.hash, hash32: mine.hash32, keyCid, seconds: mine.seconds, skipped, deadline: c.deadline, tx: tx.hash };
}

type OwnContributions = Record<string, string[]>;

/** The contribution hashes `model:contribute` made here for `address`, whoever ended up recording them. */
export function readOwnContributions(address: string, cacheDir = path.join(".cache", "ceremony")): string[] {
  const f = path.join(cacheDir, "mine.json");
  const all: OwnContributions = fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")) : {};
  return all[getAddress(address)] ?? [];
}

/** A contributor's own contribution hashes, so its tools recognise them even if a copier recorded them first. */
function rememberOwnContribution(cacheDir: string, hash: string, address: string) {
  const f = path.join(cacheDir, "mine.json");
  const all: OwnContributions = fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")) : {};
  const list = (all[getAddress(address)] ??= []);
  if (!list.includes(hash)) list.push(hash);
  fs.mkdirSync(cacheDir, { recursive: true });
  fs.writeFileSync(f, JSON.stringify(all));
}

/**
 * `model:finalize`: seals the ceremony after its deadline (on a local development chain `mine` first mines up to it),
 * finds the longest valid chain, applies the beacon and has the registry deploy the verifier from the final key.
 */
export async function finalize(ctx: CeremonyCtx & { mine?: (blocks: number) => Promise<void> }, modelId: bigint, versionArg?: number) {
  const version = await latestVersion(ctx.registry, modelId, versionArg);
  let c = await requireCeremony(ctx.registry, modelId, version);
  if (c.finalized) throw new CeremonyError("CeremonyAlreadyFinalized", `model ${modelId} v${version} was finalized on contribution #${c.tip}`);
  let mined = 0;
  if (c.sealedAt === 0) {
    const block = await ctx.signer.provider!.getBlockNumber();
    // sealCeremony's transaction lands in block + 1 and takes blockhash(block) as the beacon: block > deadline
    if (block <= c.deadline) {
      if (!ctx.mine) throw new CeremonyError("CeremonyStillOpen", `model ${modelId} v${version}: contributions are open until block ${c.deadline} (now ${block})`);
      mined = c.deadline - block + 1;
      await ctx.mine(mined);
    }
    await (await ctx.registry.connect(ctx.signer).sealCeremony(modelId, version)).wait();
    c = await requireCeremony(ctx.registry, modelId, version);
  }
  const cacheDir = cacheOf(ctx);
  const files = await ceremonyFiles(c, ctx.store, cacheDir, ctx.log);
  const skipped: string[] = [];
  const tip = await longestValidTip(c, files, ctx.store, cacheDir, (r, e) => skipped.push(`#${r.index} by ${r.contributor}: ${e.message}`));
  const out = path.join(cacheDir, "final", `${modelId}-${version}-${tip.tip}.zkey`);
  const b = await beaconKey(tip.key, out, c.beacon, c.sealedAt);
  const finalKeyCid = await ctx.store.put(fs.readFileSync(out));
  const vkey = (await snarkjs.zKey.exportVerificationKey(out)) as SnarkjsVkey;
  const tx = await ctx.registry.connect(ctx.signer).finalizeCeremony(modelId, version, tip.tip, b.hash32, finalKeyCid, verifyingKeyOf(vkey));
  const receipt = await tx.wait();
  const verifier = (await ctx.registry.getVersion(modelId, version)).verifier;
  return { version, tip: tip.tip, chain: chainOf(c.contributions, tip.tip), skipped, beacon: c.beacon, sealedAt: c.sealedAt, finalHash: b.hash32, finalKeyCid, verifier, gasUsed: receipt!.gasUsed, mined };
}

export type SetupKind = "dev" | "ceremony" | "external";

export interface ContributorVerdict {
  index: number;
  contributor: string;
  parent: number;
  /** The on-chain contribution hash (first 32 bytes of snarkjs's). */
  hash: string;
  inFinalChain: boolean;
  verdict: string;
}

export interface SetupVerdict {
  modelId: string;
  version: number;
  kind: SetupKind;
  ok: boolean;
  /** The error that refused the setup (a named CeremonyError line). */
  error?: string;
  /** Whom a user of this version must trust: one of them honest (ceremony), or this party (DEV/external). */
  trusted: string[];
  contributors: ContributorVerdict[];
  ptau?: { hash: string; source: string; power: number; contributions: number };
  beacon?: { block: number; hash: string };
  finalHash?: string;
}

/** keccak256(abi.encode(key)), as Groth16VkVerifier.keyHash. */
export function keyHashOf(vkey: SnarkjsVkey): string {
  const k = verifyingKeyOf(vkey);
  return keccak256(AbiCoder.defaultAbiCoder().encode(["tuple(uint256[2],uint256[4],uint256[4],uint256[4],uint256[])"], [[k.alpha, k.beta, k.gamma, k.delta, k.ic]]));
}

/**
 * `model:verify-setup`: downloads the R1CS, the ptau and every key by CID and checks the whole transcript offline:
 * ptau (published hash or verified), R1CS hash, the final key from the initial key (every contribution's proof and the
 * delta chain), the key's history against the recorded chain (order, no skip, no unrecorded step, each contribution
 * named by the address that recorded it), the beacon from the sealed block, the on-chain verifier's key, and that no
 * valid longer chain was passed over. Never throws a CeremonyError: a refusal is `ok: false` with the error line.
 */
export async function verifySetup(ctx: { registry: ModelRegistry; store: ContentStore; cacheDir?: string; log?: Logger; verifierKeyHash?: (addr: string) => Promise<string> }, modelId: bigint, versionArg?: number): Promise<SetupVerdict> {
  const version = await latestVersion(ctx.registry, modelId, versionArg);
  const [m, v] = await Promise.all([ctx.registry.getModel(modelId), ctx.registry.getVersion(modelId, version)]);
  const c = await readCeremony(ctx.registry, modelId, version);
  const base = { modelId: modelId.toString(), version };
  if (!c) {
    return { ...base, kind: v.devSetup ? "dev" : "external", ok: true, trusted: [getAddress(m.owner)], contributors: [] };
  }
  const contributors: ContributorVerdict[] = c.contributions.map((r) => ({ index: r.index, contributor: r.contributor, parent: r.parent, hash: r.contributionHash, inFinalChain: false, verdict: "not checked" }));
  const verdict: SetupVerdict = { ...base, kind: "ceremony", ok: false, trusted: [], contributors, finalHash: c.finalHash, beacon: c.sealedAt ? { block: c.sealedAt, hash: c.beacon } : undefined };
  if (!c.finalized) return { ...verdict, error: `CeremonyNotFinalized: contributions ${c.contributions.length}, deadline block ${c.deadline}` };
  const cacheDir = cacheOf(ctx);
  const cacheFile = path.join(cacheDir, "verdicts", `${(await ctx.registry.getAddress()).toLowerCase()}-${modelId}-${version}-${c.finalHash.slice(2, 18)}.json`);
  if (fs.existsSync(cacheFile)) return JSON.parse(fs.readFileSync(cacheFile, "utf8")) as SetupVerdict;
  const chain = chainOf(c.contributions, c.tip);
  try {
    const files = await ceremonyFiles(c, ctx.store, cacheDir, ctx.log);
    verdict.ptau = { hash: files.ptauInfo.hash32, source: files.ptauInfo.source, power: files.ptauInfo.power, contributions: files.ptauInfo.contributions };
    const finalKey = await fetchFile(ctx.store, c.finalKeyCid, cacheDir);
    await verifyKey(files.init, files.ptau, finalKey, "final key");
    const contribs = await keyContributions(finalKey);
    const last = contribs[contribs.length - 1];
    if (!last || last.type !== 1) throw new CeremonyError("BeaconMismatch", "the final key does not end with a beacon step");
    if ((last.beaconHash ?? "").toLowerCase() !== c.beacon.slice(2).toLowerCase()) throw new CeremonyError("BeaconMismatch", `the final key's beacon is ${last.beaconHash}, the sealed block ${c.sealedAt} has hash ${c.beacon}`);
    if (last.hash32.toLowerCase() !== c.finalHash.toLowerCase()) throw new CeremonyError("BeaconMismatch", `the final key's beacon step hashes to ${last.hash32}, the registry records ${c.finalHash}`);
    matchChain(contribs.slice(0, -1), chain.map((i) => c.contributions[i]));
    const vkey = (await snarkjs.zKey.exportVerificationKey(finalKey)) as SnarkjsVkey;
    const onchain = await (ctx.verifierKeyHash ?? defaultKeyHash(ctx.registry))(v.verifier);
    if (onchain.toLowerCase() !== keyHashOf(vkey).toLowerCase()) throw new CeremonyError("VerifierKeyMismatch", `the version's verifier ${v.verifier} was not built from the final key`);
    for (const i of chain) Object.assign(contributors[i], { inFinalChain: true, verdict: "valid, in the final chain" });
    const tipDepth = c.contributions[c.tip].depth;
    for (const r of c.contributions.filter((x) => !chain.includes(x.index))) {
      if (r.depth <= tipDepth) {
        contributors[r.index].verdict = "not in the final chain (a chain at least as long was finalized)";
        continue;
      }
      try {
        await checkChainKey(c, r.index, files, ctx.store, cacheDir);
      } catch (err) {
        if (!(err instanceof CeremonyError)) throw err;
        contributors[r.index].verdict = `not in the final chain: ${err.message}`;
        continue;
      }
      throw new CeremonyError("FinalizerSkippedValidChain", `contribution #${r.index} by ${r.contributor} ends a longer valid chain than the finalized one (#${c.tip})`);
    }
    verdict.ok = true;
    verdict.trusted = [...new Set(chain.map((i) => c.contributions[i].contributor))];
  } catch (err) {
    if (!(err instanceof CeremonyError)) throw err;
    verdict.error = err.message;
    for (const i of chain) if (contributors[i].verdict === "not checked") contributors[i].verdict = "in the named chain, which was refused";
  }
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
  fs.writeFileSync(cacheFile, JSON.stringify(verdict));
  return verdict;
}

function defaultKeyHash(registry: ModelRegistry) {
  return async (addr: string) => {
    const { Groth16VkVerifier__factory } = await import("../../typechain-types");
    return Groth16VkVerifier__factory.connect(addr, registry.runner).keyHash();
  };
}

/** One line: whom `user` trusts when it uses this version (`ownContributions`: hashes its own tools made). */
export function trustLine(v: SetupVerdict, user: string, ownContributions: string[] = readOwnContributions(user)): string {
  const tag = `model ${v.modelId} v${v.version}`;
  if (v.kind === "dev") return `${tag} is a DEV setup: you trust its owner ${v.trusted[0]}, who could forge any proof`;
  if (v.kind === "external") return `${tag} has an external setup: you trust its owner ${v.trusted[0]}`;
  if (!v.ok) return `${tag}: setup REFUSED: ${v.error}`;
  const me = getAddress(user);
  const own = new Set(ownContributions.map((h) => h.toLowerCase()));
  if (v.contributors.some((c) => c.inFinalChain && (c.contributor === me || own.has(c.hash.toLowerCase())))) {
    return `${tag}: you contributed to its ceremony: you need to trust no one for this version`;
  }
  return `${tag}: ceremony with ${v.trusted.length} contributor${v.trusted.length === 1 ? "" : "s"}: you trust that one of ${v.trusted.join(", ")} was honest`;
}

export { NO_PARENT, blake2bFile, hash32 };

/** One line per contributor: index, address, what it built on, verdict. */
export const describeContributor = (c: ContributorVerdict) =>
  `#${c.index} ${c.contributor} on ${c.parent === NO_PARENT ? "the initial key" : `#${c.parent}`}: ${c.verdict}`;
