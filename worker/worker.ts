/**
 * The keeper-plus-compute worker. It registers and stakes if needed, follows the core's events, claims shards of the
 * models it serves (with a one-time key per claim), waits for the requester's key release, inspects it (leaving the
 * claim without a slash, or proving a bad release on-chain, when it is wrong), runs and proves the shard,
 * stores the encrypted result and submits the proof; in idle time it reclaims others' expired claims.
 *
 * Restart-safe: its view is rebuilt from the chain, claims it holds are resumed, and the shard's on-chain state is
 * read right before each submission, so it never submits twice.
 */
import path from "node:path";
import type { Wallet } from "ethers";
import type { PrivacyGateway } from "../typechain-types";
import type { IOblivionCore } from "../typechain-types/contracts/OblivionCore";
import { computeBinding } from "../lib/chain/binding";
import type { ProtocolContracts } from "../lib/chain/deployments";
import { describeError, revertName } from "../lib/chain/errors";
import { JobBook, nowSeconds, type JobView } from "../lib/chain/jobbook";
import { preflight } from "../lib/chain/preflight";
import { sealWithKey } from "../lib/crypto";
import { oneTimeSecret, publicPoint, type ClaimContext } from "../lib/crypto/release";
import { termsCid } from "../lib/chain/worker-terms";
import { deliverResult, signResultUpload } from "../lib/requester/delivery";
import { decodeRelease, encodeJson, type ShardPackage, type ShardResult } from "../lib/requester/shard";
import { ContentUnavailableError, SourcedContentStore, type ContentStore, type ImportProfile } from "../lib/storage";
import { INLINE_PREFIX, outputRef } from "../lib/requester/output-ref";
import type { Logger } from "../lib/util/log";
import { isTransportError, sleep, withRetry } from "../lib/util/retry";
import { ReclaimDuty } from "../keepers/keeper";
import type { ComputeResult, ShardCompute } from "./compute";
import type { WorkerConfig } from "./config";
import { EligibilityPolicy } from "./eligibility-policy";
import { boundedRead, inspectRelease } from "./inspect";
import { ClaimTiming } from "./timing";
import { CeremonyError } from "../lib/zk/ceremony-error";
import { checkSetupForUse } from "../lib/zk/setup-policy";
import { outputSalt } from "../lib/zk/commitment";

export interface WorkerDeps {
  wallet: Wallet;
  contracts: ProtocolContracts;
  store: ContentStore;
  compute: ShardCompute;
  /** The worker's secp256k1 encryption key pair. */
  encryption: { publicKey: Uint8Array; privateKey: Uint8Array };
  log: Logger;
  /** First block to read events from (the deployment block). */
  fromBlock?: number;
  /** The FHE privacy gateway: on a gated job that refuses it, the worker asks it once for eligibility. */
  gateway?: PrivacyGateway;
  /** The chain connection's health (lib/chain/watch.ts): no pass runs, and no failure is logged, while it is false. */
  health?: { readonly healthy: boolean };
}

export interface WorkerStats {
  claimed: number;
  settled: number;
  abandoned: number;
  /** Claims left without a slash (no release in time, or a package the core cannot check was bad). */
  left: number;
  /** Bad releases proven on-chain (the shard's price was paid to this worker). */
  badReleasesProven: number;
  earnedWei: bigint;
  withdrawnWei: bigint;
  proveMs: number[];
  settleGas: bigint[];
}

/** Claim races and job states that make a claim attempt pointless rather than wrong. */
const SKIPPABLE_CLAIM = new Set(["ShardNotOpen", "AlreadyClaimedBefore", "JobIsCancelled", "NotEligible", "GateNotSet", "NotAllowlisted"]);
const RPC = { retryable: isTransportError, attempts: 12, baseDelayMs: 250, maxDelayMs: 3_000 };

type Job = IOblivionCore.JobStructOutput;

export class Worker {
  readonly stats: WorkerStats = { claimed: 0, settled: 0, abandoned: 0, left: 0, badReleasesProven: 0, earnedWei: 0n, withdrawnWei: 0n, proveMs: [], settleGas: [] };
  readonly book: JobBook;
  readonly address: string;
  private readonly core: ProtocolContracts["core"];
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly abandoned = new Set<string>();
  /** Own claims still waiting for their key release, off the concurrency slots. */
  private readonly jobs = new Map<bigint, Job>();
  private readonly reclaim: ReclaimDuty;
  private txChain: Promise<unknown> = Promise.resolve();
  private chainId = 0n;
  private readonly setupVerdicts = new Map<string, Promise<boolean>>();
  private stopping?: AbortSignal;
  /** Gated jobs this worker asked eligibility for: true once the answer (kept by the gateway) was logged. */
  private readonly eligibilityAsked = new Map<bigint, boolean>();
  private readonly eligibility: EligibilityPolicy;
  private readonly timing: ClaimTiming;
  /** Jobs declined for their windows, and models that could not be loaded: each said once. */
  private readonly declined = new Set<string>();
  /** Jobs whose content could not be fetched: not claimed again before this time (ms). */
  private readonly unreachable = new Map<bigint, number>();
  /** Why each job is skipped, as last logged (once per job and reason). */
  private readonly skipped = new Map<bigint, string>();

  constructor(
    private readonly cfg: WorkerConfig,
    private readonly deps: WorkerDeps,
  ) {
    this.address = deps.wallet.address;
    this.core = deps.contracts.core.connect(deps.wallet);
    this.book = new JobBook(this.core, deps.wallet.provider!, deps.fromBlock ?? 0);
    this.reclaim = new ReclaimDuty(this.core, deps.wallet, deps.log.child("keeper"), this.book);
    this.eligibility = new EligibilityPolicy(cfg.eligibility);
    this.timing = new ClaimTiming(cfg);
  }

  /** Registers (or re-registers a changed encryption key) and tops the stake up to the configured amount. */
  async ensureReady(): Promise<void> {
    const { log } = this.deps;
    this.chainId = (await withRetry(() => this.deps.wallet.provider!.getNetwork(), RPC)).chainId;
    const w = await withRetry(() => this.core.getWorker(this.address), RPC);
    const pub = "0x" + Buffer.from(this.deps.encryption.publicKey).toString("hex");
    const [registeredMeta, registeredKey] = w.registered ? await withRetry(() => this.core.workerProfile(this.address), RPC) : ["", "0x"];
    // the serving terms are published in the registration (an inline CID), so requesters can tell why a job waits
    const meta = termsCid({
      v: 1,
      kind: "v-oblivion/worker-terms",
      models: this.cfg.models.map(String),
      minPriceWei: this.cfg.minPriceWei.toString(),
      maxCollateralMultiple: this.cfg.maxCollateralMultiple.toString(),
      acceptUnvetted: this.cfg.acceptUnvettedVerifiers,
      document: this.cfg.metadataCid,
    });
    if (!w.registered || registeredKey.toLowerCase() !== pub.toLowerCase() || registeredMeta !== meta) {
      await this.send("register", () => this.core.registerWorker(meta, pub));
      log.info(w.registered ? "registration updated (key or serving terms changed)" : "registered", { worker: this.address });
    }
    const have = w.stake + w.unbonding;
    if (w.stake < this.cfg.stakeWei) {
      const add = this.cfg.stakeWei - w.stake;
      await this.send("stake", () => this.core.stake({ value: add }));
      log.info("staked", { addedWei: add, stakeWei: this.cfg.stakeWei, hadWei: have });
    }
  }

  /** Runs until `signal` aborts; then stops claiming, lets in-flight shards finish for `graceMs`, and returns. */
  async run(signal: AbortSignal, graceMs = 30_000): Promise<void> {
    const { log } = this.deps;
    this.stopping = signal;
    await this.ensureReady();
    log.info("worker started", {
      worker: this.address,
      models: this.cfg.models.length ? this.cfg.models.join(",") : "all",
      concurrency: this.cfg.concurrency,
      provider: this.cfg.executionProvider, // the one that runs (worker/main.ts resolves a cuda request)
      misbehave: this.cfg.misbehave,
    });
    while (!signal.aborted) {
      try {
        if (this.deps.health?.healthy !== false) await this.tick(signal);
      } catch (err) {
        if (signal.aborted) break;
        // an RPC outage is reported once by the health watch, not once per pass
        if (!this.deps.health || (this.deps.health.healthy && !isTransportError(err))) log.warn("tick failed; retrying", { reason: describeError(err) });
      }
      await sleep(this.cfg.pollMs, signal).catch(() => undefined);
    }
    log.info("stopping: no new claims", { inFlight: this.inFlight.size });
    const all = Promise.allSettled([...this.inFlight.values()]);
    const done = await Promise.race([all.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) log.warn("abandoning in-flight shards; their claims will expire", { inFlight: this.inFlight.size });
    await this.deps.compute.close();
  }

  /** One pass: sync, resume own claims, claim new work, keeper duty, withdraw. */
  async tick(signal?: AbortSignal): Promise<void> {
    await withRetry(() => this.book.sync(), { ...RPC, signal });
    for (const { job, shardIndex } of this.book.claimsOf(this.address)) {
      this.startShard(job, shardIndex);
    }
    let claimedNow = 0;
    while (this.inFlight.size < this.cfg.concurrency && !signal?.aborted) {
      if (!(await this.claimOne())) break;
      claimedNow++;
    }
    if (claimedNow === 0 && this.inFlight.size === 0 && this.cfg.keeperDuty) await this.reclaim.run(signal);
    await this.maybeWithdraw();
  }

  private async claimOne(): Promise<boolean> {
    const candidates = this.book.openShardsFor(this.address, () => true);
    // Random order spreads workers over shards instead of racing for the first one.
    for (let i = candidates.length - 1; i > 0; i--) {
      const k = Math.floor(Math.random() * (i + 1));
      [candidates[i], candidates[k]] = [candidates[k], candidates[i]];
    }
    const w = await withRetry(() => this.core.getWorker(this.address), RPC);
    for (const { job, shardIndex } of candidates) {
      const terms = await this.jobTerms(job.jobId);
      const skip = this.skipReason(job, terms, w);
      if (skip) {
        if (this.skipped.get(job.jobId) !== skip) {
          this.skipped.set(job.jobId, skip);
          this.deps.log.info("skipping job", { job: job.jobId, reason: skip });
        }
        continue;
      }
      this.skipped.delete(job.jobId);
      if (!(await this.servesSetup(terms.modelId, Number(terms.modelVersion)))) continue;
      if (!(await this.fits(job, terms))) continue;
      const nonce = (await withRetry(() => this.core.getShard(job.jobId, shardIndex), RPC)).claimNonce + 1n;
      const t = publicPoint(oneTimeSecret(this.deps.encryption.privateKey, await this.claimContext(job.jobId, shardIndex, nonce)));
      try {
        await this.core.claimWithKey.staticCall(job.jobId, shardIndex, t.x, t.y);
      } catch (err) {
        const name = revertName(err);
        if (name === "NotEligible") await this.askEligibility(job.jobId, terms.requester);
        if (name && SKIPPABLE_CLAIM.has(name)) continue;
        throw err;
      }
      try {
        await this.send("claim", () => this.core.claimWithKey(job.jobId, shardIndex, t.x, t.y));
      } catch (err) {
        const name = revertName(err);
        if (name && SKIPPABLE_CLAIM.has(name)) continue; // lost the race between the static call and the tx
        throw err;
      }
      this.stats.claimed++;
      this.deps.log.info("claimed", { job: job.jobId, shard: shardIndex, collateralWei: terms.collateral });
      await this.book.sync();
      this.startShard(job, shardIndex);
      return true;
    }
    return false;
  }

  private startShard(job: JobView, shardIndex: number): void {
    const key = `${job.jobId}:${shardIndex}`;
    if (this.inFlight.has(key) || this.abandoned.has(key)) return;
    if (this.cfg.misbehave !== "stall" && Math.random() < this.cfg.abandonRate) {
      this.abandoned.add(key);
      this.deps.log.warn("leaving this claim to expire (abandon rate, load tests only)", { job: job.jobId, shard: shardIndex });
      return;
    }
    const p = (this.cfg.misbehave === "stall" ? this.stall(job.jobId, shardIndex) : this.work(job, shardIndex))
      .catch((err) => {
        // The slot is freed for good: the claim is left to expire (slashed or voided by whoever reclaims it) and
        // the shard reopens for other workers; this worker does not pick it up again, also not on the next pass.
        this.abandoned.add(key);
        this.stats.abandoned++;
        this.deps.log.error("shard abandoned; its claim will expire", {
          job: job.jobId,
          shard: shardIndex,
          reason: describeError(err),
        });
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
  }

  /**
   * Whether this machine can finish a claim of `job` in time: the model is loaded and measured (a calibration proof)
   * before its first claim, and the job's inspection and claim windows must fit what was measured (worker/timing.ts).
   * A job that does not fit is declined with one line, once.
   */
  private async fits(job: JobView, terms: Job): Promise<boolean> {
    const model = `${job.modelId}:${job.modelVersion}`;
    this.rememberEndpoints(job);
    let profile;
    try {
      profile = await this.deps.compute.prepare(job.modelId, job.modelVersion);
    } catch (err) {
      if (!this.declined.has(`model ${model}`)) {
        this.declined.add(`model ${model}`);
        this.deps.log.warn("cannot load model; not claiming its shards", { model: job.modelId, version: job.modelVersion, reason: describeError(err) });
      }
      return false;
    }
    const refusal = this.timing.refusal(model, profile, Number(terms.claimWindow));
    if (refusal && !this.declined.has(`job ${job.jobId}`)) {
      this.declined.add(`job ${job.jobId}`);
      this.deps.log.warn(`declining job ${job.jobId}: ${refusal}`, { job: job.jobId, model: job.modelId });
    }
    return !refusal;
  }

  /**
   * The claim's on-chain clock after its release: the inspection end (claimWindow / 4 after the release) and the
   * deadline, as wall-clock ms (measured from the later of the wall clock and the latest block, so a chain ahead of
   * the wall clock shortens them, never lengthens them).
   */
  private async claimClock(jobId: bigint, shardIndex: number): Promise<{ inspectionEndMs: number; deadlineMs: number }> {
    const [terms, onChain, block] = await Promise.all([
      this.jobTerms(jobId),
      withRetry(() => this.core.getShard(jobId, shardIndex), RPC),
      withRetry(() => this.deps.wallet.provider!.getBlock("latest"), RPC),
    ]);
    const nowMs = Date.now();
    const chainNow = Math.max(nowMs / 1000, block?.timestamp ?? 0);
    const window = Number(terms.claimWindow);
    const deadline = Number(onChain.deadline);
    const inspectionEnd = deadline - window + Math.floor(window / 4);
    return { inspectionEndMs: nowMs + (inspectionEnd - chainNow) * 1000, deadlineMs: nowMs + (deadline - chainNow) * 1000 };
  }

  /** Misbehaviour for demos and tests: hold the claim without working until it is gone (reclaimed by a keeper). */
  private async stall(jobId: bigint, shardIndex: number): Promise<void> {
    for (;;) {
      const shard = this.book.job(jobId).shard(shardIndex);
      if (shard.state !== "claimed" || shard.worker !== this.address.toLowerCase() || this.stopping?.aborted) return;
      await sleep(500);
    }
  }

  /**
   * Release → inspect (fetch, decrypt, check leaf, shape and witness, all before the chain's inspection end) →
   * compute and prove → store result → submit. Any failure while the claim can still be left is answered by leaving.
   */
  private async work(job: JobView, shardIndex: number): Promise<void> {
    const { log, compute } = this.deps;
    const ids = { job: job.jobId, shard: shardIndex };
    const shard = job.shard(shardIndex);

    const waitUntil = Date.now() + this.cfg.releaseTimeoutMs;
    while (!shard.release) {
      if (shard.state !== "claimed" || shard.worker !== this.address.toLowerCase()) return; // claim gone meanwhile
      if (Date.now() > waitUntil) {
        // F-01: a requester that never releases does not hold the stake: leave, no slash.
        await this.leave(job.jobId, shardIndex, `no key release from the requester within ${this.cfg.releaseTimeoutMs} ms`);
        return;
      }
      await sleep(200);
      await withRetry(() => this.book.sync(), RPC);
    }
    const t0 = Date.now();
    const release = shard.release;
    const ctx = await this.claimContext(job.jobId, shardIndex, shard.claimNonce!);
    const secret = shard.oneTimeKey ? oneTimeSecret(this.deps.encryption.privateKey, ctx) : undefined;
    // where the requester serves the content (published in its release); the worker's own sources come after
    const endpoints = releaseEndpoints(release.payload);
    if (this.deps.store instanceof SourcedContentStore) this.deps.store.remember(endpoints);
    let unavailable: unknown;
    // G-02: every step of the inspection ends before the chain's inspection end, less the time to mine a leave.
    const clock = await this.claimClock(job.jobId, shardIndex);
    const inspectBy = clock.inspectionEndMs - this.cfg.txMarginMs;
    // A claim resumed after a restart may be past its inspection window: it can no longer be left, only finished.
    const canLeave = Date.now() < inspectBy;
    const binding = computeBinding({
      chainId: this.chainId,
      core: await this.core.getAddress(),
      jobId: job.jobId,
      shardIndex: BigInt(shardIndex),
      worker: this.address,
    });
    try {
      // The model is loaded (and measured) before the first claim, but a worker restarted with a claim loads it here:
      // that load, too, ends before the inspection end, or the claim is left.
      const profile = await beforeDeadline(compute.prepare(job.modelId, job.modelVersion), canLeave ? inspectBy : undefined);
      if (!profile) {
        await this.leave(job.jobId, shardIndex, "the model did not load before the chain's inspection end");
        return;
      }
      const inspection = await inspectRelease({
        release,
        oneTimeSecret: secret,
        ctx,
        inputRoot: job.inputRoot,
        encryptionPrivateKey: this.deps.encryption.privateKey,
        shape: profile,
        witness: (inputs, salt) => compute.witness(job.modelId, job.modelVersion, inputs, binding, salt),
        deadlineMs: canLeave ? inspectBy : clock.deadlineMs - this.cfg.txMarginMs,
        fetch: (cid, signal) =>
          this.fetchPackage(cid, signal, ids, endpoints).catch((err) => {
            unavailable = err;
            throw err;
          }),
      });
      if (!inspection.ok && unavailable !== undefined && !this.stopping?.aborted) this.cannotFetch(job.jobId, endpoints, unavailable);
      if (!inspection.ok) {
        if (inspection.exit === "prove" && secret !== undefined) await this.proveBadRelease(job.jobId, shardIndex, secret, release);
        else if (canLeave) await this.leave(job.jobId, shardIndex, inspection.reason);
        else throw new Error(`release failed inspection after its inspection window (resumed too late to leave): ${inspection.reason}`);
        return;
      }
      const fetchedMs = Date.now() - t0;
      await this.proveAndSubmit(job, shardIndex, inspection.pkg, inspection.dataKey, binding, clock.deadlineMs, t0, fetchedMs, endpoints);
    } catch (err) {
      // G-01: while the inspection window is open, no failure costs the collateral: leave instead.
      if (canLeave && Date.now() < inspectBy) {
        await this.leave(job.jobId, shardIndex, `shard cannot be finished: ${describeError(err)}`);
        return;
      }
      throw err;
    }
  }

  /** Up to 5 reads of the package with back-off, each bounded by fetchTimeoutMs, all by `signal` (the inspection deadline). */
  private fetchPackage(cid: string, signal: AbortSignal, ids: Record<string, unknown>, endpoints: string[] = []): Promise<Uint8Array> {
    const { store, log } = this.deps;
    return withRetry(() => boundedRead(store, cid, this.cfg.fetchTimeoutMs, signal, endpoints), {
      attempts: 5,
      baseDelayMs: 500,
      maxDelayMs: 4_000,
      signal,
      onRetry: (err, n) => log.warn("storage read failed; retrying", { ...ids, attempt: n, reason: describeError(err) }),
    });
  }

  private async proveAndSubmit(
    job: JobView,
    shardIndex: number,
    pkg: ShardPackage,
    dataKey: Uint8Array | undefined,
    binding: bigint,
    deadlineMs: number,
    t0: number,
    fetchedMs: number,
    endpoints: string[] = [],
  ): Promise<void> {
    const { log, store, compute } = this.deps;
    const ids = { job: job.jobId, shard: shardIndex };
    const inputCommitment = BigInt(pkg.inputCommitment);
    const r = await compute.run(job.modelId, job.modelVersion, pkg.inputs, binding, outputSalt(dataKey));
    if (r.inputCommitment !== inputCommitment) {
      throw new Error(`inputs hash to ${r.inputCommitment}, but the job committed ${inputCommitment}`);
    }
    this.stats.proveMs.push(r.proveMs);

    const result: ShardResult = {
      version: 1,
      jobId: job.jobId.toString(),
      shardIndex,
      outputs: r.outputs,
      quantizedOutputs: r.quantizedOutputs.map((v) => v.map(String)),
      outputCommitment: r.outputCommitment.toString(),
    };
    const sealed = sealWithKey(encodeJson(result), dataKey);
    // G-07: a small result rides inline in the settlement itself; a larger one goes to the store, and to the requester.
    const outputCid = await outputRef(sealed, (b) => withRetry(() => store.put(b), { attempts: 5, baseDelayMs: 500, maxDelayMs: 4_000 }));
    if (!outputCid.startsWith(INLINE_PREFIX)) await this.deliver(job.jobId, shardIndex, job.shard(shardIndex).claimNonce ?? 0n, outputCid, sealed, endpoints);

    // A transport error on the way (an RPC outage) is retried until the claim's deadline, never left to a slash.
    let rc;
    for (let attempt = 1; ; attempt++) {
      try {
        rc = await this.submitOnce(job, shardIndex, pkg, r, outputCid);
        break;
      } catch (err) {
        if (!isTransportError(err) || Date.now() > deadlineMs) throw err;
        log.warn("submission failed; retrying", { ...ids, attempt, reason: describeError(err) });
        await sleep(Math.min(500 * 2 ** Math.min(attempt, 3), 4_000));
      }
    }
    if (!rc) return;
    const settled = rc.logs.map((l) => this.core.interface.parseLog(l)).find((p) => p?.name === "ShardSettled");
    const pay = (settled?.args.workerPay as bigint | undefined) ?? 0n;
    this.stats.settled++;
    this.stats.earnedWei += pay;
    this.stats.settleGas.push(rc.gasUsed);
    const totalMs = Date.now() - t0;
    this.timing.record(`${job.modelId}:${job.modelVersion}`, totalMs);
    log.info("settled", { ...ids, fetchMs: fetchedMs, inferMs: r.inferMs, proveMs: r.proveMs, totalMs, gas: rc.gasUsed, earnedWei: pay });
  }

  /** Reads the shard, checks the submission on the pending block and sends it; undefined when the claim is no longer ours. */
  private async submitOnce(job: JobView, shardIndex: number, pkg: ShardPackage, r: ComputeResult, outputCid: string) {
    // Read the shard right before submitting: a retry after a lost response must not submit twice, and the
    // deadline on-chain is the one that counts (the key release restarts the claim window).
    const onChain = await withRetry(() => this.core.getShard(job.jobId, shardIndex), RPC);
    if (onChain.status === 2n && onChain.worker.toLowerCase() === this.address.toLowerCase()) {
      // An earlier attempt was mined but its receipt was lost (an RPC outage): settled, not to be sent again.
      this.stats.settled++;
      this.deps.log.info("settled (an earlier submission was mined; its receipt was lost)", { job: job.jobId, shard: shardIndex });
      return undefined;
    }
    if (onChain.status !== 1n || onChain.worker.toLowerCase() !== this.address.toLowerCase()) {
      this.deps.log.warn("claim no longer ours; not submitting", { job: job.jobId, shard: shardIndex });
      return undefined;
    }
    // Wall clock against the deadline (an idle node's latest block is stale), then the exact call on the pending block.
    if (nowSeconds() > onChain.deadline) throw new Error("claim deadline passed while proving");
    const inputCommitment = BigInt(pkg.inputCommitment);
    const args = [job.jobId, shardIndex, inputCommitment, pkg.merkleProof, r.outputCommitment, r.cipher, outputCid, r.proof] as const;
    const check = await withRetry(() => preflight(this.core.submitResult, [...args]), RPC);
    if (!check.ok) throw new Error(`submission would revert: ${check.reason}; not sending`);
    return this.send("submit", () => this.core.submitResult(...args));
  }


  /** Why this worker does not claim the job's shards now, or undefined (the timing check comes after: fits). */
  private skipReason(job: JobView, terms: Job, w: { stake: bigint; locked: bigint }): string | undefined {
    const c = this.cfg;
    if (c.models.length && !c.models.includes(job.modelId)) return `model ${job.modelId} is not served (models ${c.models.join(",")})`;
    if (terms.pricePerShard < c.minPriceWei) return `price ${terms.pricePerShard} wei is below minPriceWei ${c.minPriceWei}`;
    if (terms.unvettedVerifier && !c.acceptUnvettedVerifiers) return "its verifier is unvetted (acceptUnvettedVerifiers is off)";
    // F-01: never put more at stake than a configured multiple of what the shard pays.
    if (terms.collateral > terms.pricePerShard * c.maxCollateralMultiple) {
      return `collateral ${terms.collateral} wei is above ${c.maxCollateralMultiple}x the price ${terms.pricePerShard} wei (maxCollateralMultiple)`;
    }
    if (w.stake - w.locked < terms.collateral || w.stake < terms.minStake) {
      return `free stake ${w.stake - w.locked} wei is below the collateral ${terms.collateral} wei or the stake below minStake ${terms.minStake} wei`;
    }
    const until = this.unreachable.get(job.jobId);
    if (until !== undefined && Date.now() < until) return `its content could not be fetched; backing off until ${new Date(until).toISOString()}`;
    return undefined;
  }

  /**
   * Before a model is loaded for a job (to measure it before the first claim), the endpoints published in releases
   * already on-chain for the same requester or model are sources too: releases are public.
   */
  private rememberEndpoints(job: JobView): void {
    if (!(this.deps.store instanceof SourcedContentStore)) return;
    const seen = new Set<string>();
    for (const j of this.book.jobs.values()) {
      if (j.requester !== job.requester && j.modelId !== job.modelId) continue;
      for (const s of j.touched.values()) if (s.release) for (const e of releaseEndpoints(s.release.payload)) seen.add(e);
    }
    this.deps.store.remember([...seen]);
  }

  /** Once per job: the content is out of reach from every source; the job's shards are not claimed for a while. */
  private cannotFetch(jobId: bigint, endpoints: string[], err: unknown): void {
    const first = !this.unreachable.has(jobId) || Date.now() >= this.unreachable.get(jobId)!;
    this.unreachable.set(jobId, Date.now() + this.cfg.contentBackoffMs);
    if (!first) return;
    const tried = err instanceof ContentUnavailableError ? err.tried.map((t) => `${t.source} (${t.reason})`).join("; ") : describeError(err);
    this.deps.log.warn("cannot fetch this job's content; not claiming its shards for a while", {
      job: jobId,
      published: endpoints.join(",") || "none",
      tried,
      backoffSeconds: Math.round(this.cfg.contentBackoffMs / 1000),
    });
  }

  /** The sealed result to the requester's endpoints, signed for this claim (its server takes only its claimants'). */
  private async deliver(jobId: bigint, shardIndex: number, claimNonce: bigint, cid: string, sealed: Uint8Array, endpoints: string[]): Promise<void> {
    if (!endpoints.length) return;
    const header = await signResultUpload(this.deps.wallet, { chainId: this.chainId, core: await this.core.getAddress(), jobId, shardIndex, claimNonce, cid });
    // the result's CID as this worker's store computed it (the profile of the store it was put in)
    const profile = (this.deps.store as Partial<{ profile: ImportProfile }>).profile;
    const d = await deliverResult(endpoints, sealed, header, { signal: this.stopping, profile });
    if (d.delivered.length === 0) {
      // the proof still settles the shard; the requester reads the result only if it reaches this worker's store
      this.deps.log.warn("could not deliver the result to the requester", { job: jobId, shard: shardIndex, failed: d.failed.map((f) => `${f.endpoint} (${f.reason})`).join("; ") });
    }
  }

  private async claimContext(jobId: bigint, shardIndex: number, claimNonce: bigint): Promise<ClaimContext> {
    return { chainId: this.chainId, core: await this.core.getAddress(), jobId, shardIndex: BigInt(shardIndex), claimNonce };
  }

  /** F-01 exit for what the core cannot check (no release, missing or bad package): leave without a slash. */
  private async leave(jobId: bigint, shardIndex: number, reason: string): Promise<void> {
    try {
      await this.send("leaveClaim", () => this.core.leaveClaim(jobId, shardIndex));
    } catch (err) {
      const name = revertName(err);
      if (name === "ShardNotClaimed" || name === "NotClaimant") return; // the claim ended meanwhile
      throw err;
    }
    this.stats.left++;
    this.deps.log.warn("left the claim without a slash", { job: jobId, shard: shardIndex, reason });
  }

  /** F-01 exit for a keyed release whose key is not the committed one: prove it on-chain (the shard's price is paid). */
  private async proveBadRelease(
    jobId: bigint,
    shardIndex: number,
    secret: bigint,
    r: { keyHash: string; ephemeral: { x: bigint; y: bigint }; maskedKey: string },
  ): Promise<void> {
    await this.send("proveBadRelease", () =>
      this.core.proveBadRelease(jobId, shardIndex, secret, r.keyHash, r.ephemeral.x, r.ephemeral.y, r.maskedKey),
    );
    this.stats.badReleasesProven++;
    this.deps.log.warn("proved a bad key release on-chain; the shard's price was paid to us", { job: jobId, shard: shardIndex });
  }

  /**
   * A gated job refused the claim: ask the privacy gateway once (a keeper relays the decryption; the claim is retried
   * on later passes), and log the answer once it is in. JobNotGated (the requester has not set its minimum yet) is
   * asked again on a later pass. The eligibility policy decides first whether this requester is answered at all.
   */
  private async askEligibility(jobId: bigint, requester: string): Promise<void> {
    const gateway = this.deps.gateway?.connect(this.deps.wallet);
    if (!gateway) return;
    const logged = this.eligibilityAsked.get(jobId);
    if (logged === undefined) {
      const now = Math.floor(Date.now() / 1000);
      const refusal = this.eligibility.refusal(requester, now);
      if (refusal) {
        this.eligibilityAsked.set(jobId, true); // never asked, never asked again: the job is left to others
        this.deps.log.info("eligibility not requested", { job: jobId, requester, reason: refusal });
        return;
      }
      try {
        await this.send("requestEligibility", () => gateway.requestEligibility(jobId));
      } catch (err) {
        if (revertName(err) === "JobNotGated") return;
        throw err;
      }
      this.eligibility.record(requester, now);
      this.eligibilityAsked.set(jobId, false);
      this.deps.log.info("eligibility requested", { job: jobId });
    } else if (!logged && !(await withRetry(() => gateway.isPending(jobId, this.address), RPC))) {
      this.eligibilityAsked.set(jobId, true);
      this.deps.log.info("claim refused: not eligible for gated job", { job: jobId, reason: "NotEligible" });
    }
  }

  private async maybeWithdraw(): Promise<void> {
    const bal = await withRetry(() => this.core.balanceOf(this.address), RPC);
    if (bal === 0n || bal < this.cfg.withdrawThresholdWei) return;
    await this.send("withdraw", () => this.core.withdraw());
    this.stats.withdrawnWei += bal;
    this.deps.log.info("withdrew earnings", { amountWei: bal });
  }

  /**
   * Whether this worker serves (model, version) given its setup: a DEV setup on a chain that is not a local development
   * chain only with `acceptDevSetup`; a ceremony only once its transcript verifies (model:verify-setup, cached by final
   * key). A refusal is logged once and remembered; any other failure is retried on the next pass.
   */
  private servesSetup(modelId: bigint, version: number): Promise<boolean> {
    const key = `${modelId}:${version}`;
    let p = this.setupVerdicts.get(key);
    if (!p) {
      // the chain id is read here too: a pass may run before ensureReady
      const chainId = async () => this.chainId || (await withRetry(() => this.deps.wallet.provider!.getNetwork(), RPC)).chainId;
      p = chainId().then((id) => checkSetupForUse(
        { registry: this.deps.contracts.registry, store: this.deps.store, chainId: id, cacheDir: path.join(this.cfg.artifactsDir, "ceremony"), log: this.deps.log },
        modelId, version, this.cfg.acceptDevSetup, "acceptDevSetup in the worker config",
      )).then(
        (v) => {
          this.deps.log.info("model setup accepted", { model: modelId, version, setup: v.kind, trusted: v.trusted.join(",") });
          return true;
        },
        (err: Error) => {
          if (!(err instanceof CeremonyError)) {
            this.setupVerdicts.delete(key);
            throw err;
          }
          this.deps.log.warn("not serving this model version", { model: modelId, version, reason: err.message });
          return false;
        },
      );
      this.setupVerdicts.set(key, p);
    }
    return p;
  }

  private async jobTerms(jobId: bigint): Promise<Job> {
    let j = this.jobs.get(jobId);
    if (!j) {
      j = await withRetry(() => this.core.getJob(jobId), RPC);
      this.jobs.set(jobId, j);
    }
    return j;
  }

  /**
   * Sends one transaction at a time (so nonces never collide) and waits for its receipt. A transport error before
   * the receipt is retried only by the caller's next pass, which re-reads the chain first.
   */
  private send(
    what: string,
    fn: () => Promise<{ wait(): Promise<import("ethers").TransactionReceipt | null> }>,
  ): Promise<import("ethers").TransactionReceipt> {
    const run = async () => {
      const tx = await fn();
      const rc = await tx.wait();
      if (!rc) throw new Error(`${what}: no receipt`);
      return rc;
    };
    const p = this.txChain.then(run, run);
    this.txChain = p.catch(() => undefined);
    return p;
  }
}

/** `p`'s value, or undefined when `deadlineMs` (wall clock) passes first; no deadline: `p`'s value. */
async function beforeDeadline<T>(p: Promise<T>, deadlineMs: number | undefined): Promise<T | undefined> {
  if (deadlineMs === undefined) return p;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, deadlineMs - Date.now()))));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The content endpoints a release publishes; none when it does not decode (the inspection judges it). */
function releaseEndpoints(payload: string): string[] {
  try {
    return decodeRelease(payload).endpoints ?? [];
  } catch {
    return [];
  }
}
