/**
 * Shared test setup: the protocol deployed through lib/chain/deployments, both fixture circuits' real verifiers (vetted
 * Groth16VkVerifiers the registry deployed from their verification keys) registered as models, and helpers to post
 * jobs on fixture inputs and prove shards.
 */
import { ethers, artifacts } from "hardhat";
import { ContractFactory, keccak256, parseEther, type Signer } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { artifactCreationCode, deployProtocol, type ProtocolContracts } from "../../lib/chain/deployments";
import { computeBinding } from "../../lib/chain/binding";
import { ShardTree } from "../../lib/chain/merkle";
import { keyHashOf, maskDataKey, oneTimeSecret, publicPoint, type ClaimContext } from "../../lib/crypto/release";
import type { Groth16VerifierAdapter, Groth16VkVerifier, ModelRegistry } from "../../typechain-types";
import { deployVettedVerifier, type SnarkjsVkey } from "../../lib/zk/vk-verifier";
import type { IModelRegistry } from "../../typechain-types/contracts/ModelRegistry";
import type { IOblivionCore } from "../../typechain-types/contracts/OblivionCore";
import { buildFixture, proveFixture, FIXTURE_WEIGHT, type FixtureName, type ShardProof } from "./fixtureCircuit";
import { fixtureInputCommitment, fixtureModelCommitment } from "./commitments";

export const FEE_PER_INFERENCE = parseEther("0.001");
export const PUBLIC_BATCH = 4;
export const PRICE = parseEther("0.01");
export const COLLATERAL = parseEther("0.05");
export const WINDOW = 600;
export const ENC_KEY = "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"; // the secp256k1 generator, compressed (a valid public key)

export interface Env extends ProtocolContracts {
  owner: HardhatEthersSigner;
  treasury: HardhatEthersSigner;
  requester: HardhatEthersSigner;
  worker: HardhatEthersSigner;
  worker2: HardhatEthersSigner;
  keeper: HardhatEthersSigner;
  modelOwner: HardhatEthersSigner;
  others: HardhatEthersSigner[];
  /** The vetted verifier (registry-deployed Groth16VkVerifier) of each fixture. */
  verifiers: Record<FixtureName, Groth16VkVerifier>;
  /** Model ids: 1 = fixture_public (batch 4), 2 = fixture_private (batch 0, model commitment). */
  models: Record<FixtureName, bigint>;
  circuitHash: Record<FixtureName, string>;
}

/**
 * Creation code from Hardhat's artifacts, not the typechain factories: under solidity-coverage the artifacts hold the
 * instrumented build, which is what must run for coverage to count.
 */
export function creationCode() {
  return artifactCreationCode(artifacts);
}

/** Has the registry deploy the vetted Groth16VkVerifier for a fixture's verification key. */
export async function deployVettedFixtureVerifier(
  registry: ModelRegistry,
  signer: Signer,
  name: FixtureName,
): Promise<Groth16VkVerifier> {
  const art = await buildFixture(name);
  const address = await deployVettedVerifier(registry, signer, art.vkey as SnarkjsVkey);
  return (await ethers.getContractAt("Groth16VkVerifier", address, signer)) as unknown as Groth16VkVerifier;
}

/** Deploys a fixture's snarkjs verifier and the adapter over it (an unvetted verifier for the registry). */
export async function deployFixtureVerifier(signer: Signer, name: FixtureName): Promise<Groth16VerifierAdapter> {
  const art = await buildFixture(name);
  const raw = await new ContractFactory(art.verifier.abi as never[], art.verifier.bytecode, signer).deploy();
  await raw.waitForDeployment();
  const factory = await ethers.getContractFactory("Groth16VerifierAdapter", signer);
  const adapter = await factory.deploy(await raw.getAddress(), art.signalCount);
  await adapter.waitForDeployment();
  return adapter as unknown as Groth16VerifierAdapter;
}

export function versionSpec(
  verifier: string,
  circuitHash: string,
  over: Partial<IModelRegistry.VersionSpecStruct> = {},
): IModelRegistry.VersionSpecStruct {
  return {
    onnxCid: "bafyonnx",
    circuitCid: "bafycircuit",
    provingKeyCid: "bafyzkey",
    circuitHash,
    verifier,
    proofSystem: 1,
    layoutVersion: 1,
    batchSize: 0,
    numPublicSignals: 3,
    devSetup: true,
    modelCommitment: 0n,
    ...over,
  };
}

/** The creation code of a contract from Hardhat's artifacts (instrumented under coverage), e.g. a collateral manager. */
export async function artifactBytecode(name: string): Promise<string> {
  return (await artifacts.readArtifact(name)).bytecode;
}

/**
 * Full environment; use with loadFixture. The core pins TrainingJobs as its only collateral manager unless
 * `managerCodeHash` says otherwise (F-13).
 */
export async function deployEnv(managerCodeHash?: string): Promise<Env> {
  const [owner, treasury, requester, worker, worker2, keeper, modelOwner, ...others] = await ethers.getSigners();
  const pinned = managerCodeHash ?? keccak256(await artifactBytecode("TrainingJobs"));
  const { contracts } = await deployProtocol(
    owner,
    { treasury: treasury.address, unbondingPeriod: 3600, managerCodeHash: pinned },
    await creationCode(),
  );
  const verifiers = {
    fixture_public: await deployVettedFixtureVerifier(contracts.registry, owner, "fixture_public"),
    fixture_private: await deployVettedFixtureVerifier(contracts.registry, owner, "fixture_private"),
  };
  const circuitHash = {
    fixture_public: (await buildFixture("fixture_public")).circuitHash,
    fixture_private: (await buildFixture("fixture_private")).circuitHash,
  };
  const reg = contracts.registry.connect(modelOwner);
  await reg.registerModel(
    "fixture-public",
    FEE_PER_INFERENCE,
    versionSpec(await verifiers.fixture_public.getAddress(), circuitHash.fixture_public, { batchSize: PUBLIC_BATCH }),
  );
  await reg.registerModel(
    "fixture-private",
    FEE_PER_INFERENCE,
    versionSpec(await verifiers.fixture_private.getAddress(), circuitHash.fixture_private, {
      numPublicSignals: 4,
      modelCommitment: await fixtureModelCommitment(FIXTURE_WEIGHT),
    }),
  );
  return {
    ...contracts,
    owner,
    treasury,
    requester,
    worker,
    worker2,
    keeper,
    modelOwner,
    others,
    verifiers,
    models: { fixture_public: 1n, fixture_private: 2n },
    circuitHash,
  };
}

/** Registers `w` as a worker and stakes `amount`. */
export async function registerAndStake(env: Env, w: Signer, amount = parseEther("1")): Promise<void> {
  await env.core.connect(w).registerWorker("bafyworker", ENC_KEY);
  if (amount > 0n) await env.core.connect(w).stake({ value: amount });
}

/** Fixture inputs of shard i of a job posted with `salt`. */
export function shardInputs(i: number, salt = 0): [bigint, bigint] {
  return [BigInt(i + 3 + salt * 1000), BigInt(2 * i + 11 + salt * 1000)];
}

export interface PostedJob {
  jobId: bigint;
  tree: ShardTree;
  inputs: [bigint, bigint][];
  fixture: FixtureName;
  params: IOblivionCore.JobParamsStruct;
}

export interface PostOptions {
  fixture?: FixtureName;
  shards?: number;
  salt?: number;
  requester?: Signer;
  over?: Partial<IOblivionCore.JobParamsStruct>;
  /** Per shard data key committed in a key leaf (F-01); omitted: a tree without key leaves. */
  dataKeys?: Uint8Array[];
}

/** The job parameters and shard tree for fixture inputs, without posting. */
export async function jobParams(env: Env, o: PostOptions = {}) {
  const fixture = o.fixture ?? "fixture_public";
  const shards = o.shards ?? 4;
  const inputs = Array.from({ length: shards }, (_, i) => shardInputs(i, o.salt ?? 0));
  const tree = new ShardTree(await Promise.all(inputs.map(fixtureInputCommitment)), o.dataKeys?.map((k) => keyHashOf(k)));
  const params: IOblivionCore.JobParamsStruct = {
    modelId: env.models[fixture],
    modelVersion: 1,
    shardCount: shards,
    inputRoot: tree.root,
    pricePerShard: PRICE,
    collateral: COLLATERAL,
    claimWindow: WINDOW,
    minStake: 0n,
    gated: false, acceptUnvettedVerifier: false, inputCount: 0,
    ...o.over,
  };
  return { fixture, inputs, tree, params };
}

/** Posts a job over fixture inputs, paying exactly the escrow. */
export async function postJob(env: Env, o: PostOptions = {}): Promise<PostedJob> {
  const { fixture, inputs, tree, params } = await jobParams(env, o);
  const core = env.core.connect(o.requester ?? env.requester);
  const escrow = await core.jobEscrowFor(params);
  await core.postJob(params, { value: escrow });
  return { jobId: await env.core.jobCount(), tree, inputs, fixture, params };
}

/** A real proof of shard `i` of `job` bound to `worker`. */
export async function proveShard(env: Env, job: PostedJob, i: number, worker: string): Promise<ShardProof> {
  const binding = computeBinding({
    chainId: (await ethers.provider.getNetwork()).chainId,
    core: await env.core.getAddress(),
    jobId: job.jobId,
    shardIndex: BigInt(i),
    worker,
  });
  return proveFixture(job.fixture, job.inputs[i], binding);
}

/** Submits a proven result for shard `i` from `worker`. */
export function submit(env: Env, job: PostedJob, i: number, worker: Signer, p: ShardProof, cid = "bafyout") {
  return env.core
    .connect(worker)
    .submitResult(job.jobId, i, p.inputCommitment, job.tree.proof(i), p.outputCommitment, [], cid, p.proof);
}

/** A keyless release of `payload` for the shard's current claim (claimant and nonce read from the chain). */
export async function keylessRelease(
  core: { getShard(jobId: bigint | number, shardIndex: bigint | number): Promise<IOblivionCore.ShardStructOutput> },
  jobId: bigint | number,
  shardIndex: bigint | number,
  payload = "0xaa",
): Promise<IOblivionCore.KeyReleaseStruct> {
  const s = await core.getShard(jobId, shardIndex);
  const zero = "0x" + "00".repeat(32);
  return { claimant: s.worker, claimNonce: s.claimNonce, keyHash: zero, keyProof: [], ephemeralX: 0n, ephemeralY: 0n, maskedKey: zero, payload };
}

/** The claim context of shard `i` of `job` for `claimNonce` (what masks and one-time secrets depend on). */
export async function claimContext(env: Env, jobId: bigint, i: number, claimNonce: bigint): Promise<ClaimContext> {
  return { chainId: (await ethers.provider.getNetwork()).chainId, core: await env.core.getAddress(), jobId, shardIndex: BigInt(i), claimNonce };
}

/** `worker` claims shard `i` with a one-time key derived from `seed`; returns the one-time secret. */
export async function claimKeyed(env: Env, job: PostedJob, i: number, worker: Signer, seed = new Uint8Array(32).fill(7)): Promise<bigint> {
  const nonce = (await env.core.getShard(job.jobId, i)).claimNonce + 1n;
  const t = oneTimeSecret(seed, await claimContext(env, job.jobId, i, nonce));
  const T = publicPoint(t);
  await env.core.connect(worker).claimWithKey(job.jobId, i, T.x, T.y);
  return t;
}

/**
 * A keyed release of `dataKey` for the current claim of shard `i` (its one-time key read from the claim event),
 * proving the committed key hash `committed` (default: job.dataKeys' hash).
 */
export async function keyedRelease(
  env: Env,
  job: PostedJob,
  i: number,
  dataKey: Uint8Array,
  payload = "0xaa",
): Promise<IOblivionCore.KeyReleaseStruct> {
  const s = await env.core.getShard(job.jobId, i);
  const evs = await env.core.queryFilter(env.core.filters.ShardClaimed(job.jobId, i));
  const ev = evs.find((e) => e.args.claimNonce === s.claimNonce)!;
  const ctx = await claimContext(env, job.jobId, i, s.claimNonce);
  const { ephemeral, maskedKey } = maskDataKey(dataKey, { x: ev.args.oneTimeKeyX, y: ev.args.oneTimeKeyY }, ctx);
  return {
    claimant: s.worker,
    claimNonce: s.claimNonce,
    keyHash: job.tree.keyHashes![i],
    keyProof: job.tree.keyProof(i),
    ephemeralX: ephemeral.x,
    ephemeralY: ephemeral.y,
    maskedKey,
    payload,
  };
}

/**
 * The cheapest huge job an attacker can post (G-04, G-06): `attacker` registers its own zero-fee model over the public
 * fixture's vetted verifier; the job has `shardCount` shards at 1 wei each, zero collateral and `claimWindow`.
 * Returns the parameters; its escrow is `shardCount` wei.
 */
export async function spamJobParams(env: Env, attacker: Signer, shardCount: number, claimWindow: number): Promise<IOblivionCore.JobParamsStruct> {
  const spec = versionSpec(await env.verifiers.fixture_public.getAddress(), env.circuitHash.fixture_public, { batchSize: PUBLIC_BATCH });
  await env.registry.connect(attacker).registerModel("spam", 0, spec);
  return {
    modelId: await env.registry.modelCount(),
    modelVersion: 1,
    shardCount,
    inputRoot: keccak256("0x01"),
    pricePerShard: 1n,
    collateral: 0n,
    claimWindow,
    minStake: 0n,
    gated: false,
    acceptUnvettedVerifier: false,
    inputCount: 0,
  };
}

