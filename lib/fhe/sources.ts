// What a relayer reads on the settlement chain before it signs anything for the FHE chain: the core's ShardSettled
// and ClaimSlashed events (each identified by transaction hash and log index), the job's value terms (getJob: fixed
// at post) and its job requesters.
import { AbiCoder, keccak256, ZeroAddress, type Log, type Signer } from "ethers";
import type { OblivionCore, ReputationRelayReceiver } from "../../typechain-types";
import {
  SETTLED,
  SLASHED,
  signJobRequester,
  signOutcome,
  submitJobRequester,
  submitOutcome,
  type Outcome,
} from "./relay";

/** A log's outcome without the job's value terms (filled in by `withValue`). */
type LoggedOutcome = Omit<Outcome, "requester" | "modelOwner" | "protocolFee" | "collateral">;

/** The outcome a core log stands for, or undefined when the log is not a settlement or a slash of this core. */
export function outcomeOfLog(core: OblivionCore, coreAddress: string, log: Log): LoggedOutcome | undefined {
  if (log.address.toLowerCase() !== coreAddress.toLowerCase()) return undefined;
  const parsed = core.interface.parseLog(log);
  if (!parsed || (parsed.name !== "ShardSettled" && parsed.name !== "ClaimSlashed")) return undefined;
  return {
    sourceTx: log.transactionHash,
    logIndex: BigInt(log.index),
    kind: parsed.name === "ShardSettled" ? SETTLED : SLASHED,
    worker: parsed.args.worker as string,
    jobId: parsed.args.jobId as bigint,
    shardIndex: parsed.args.shardIndex as bigint,
  };
}

/** The job's value terms the reputation weighs an outcome by (snapshotted at post, so any block gives the same). */
export async function withValue(core: OblivionCore, o: LoggedOutcome): Promise<Outcome> {
  const j = await core.getJob(o.jobId);
  const protocolFee = (j.pricePerShard * j.protocolFeeBps) / 10_000n;
  return { ...o, requester: j.requester, modelOwner: j.modelOwner, protocolFee, collateral: j.collateral };
}

/** Every settlement and slash of `core` from `fromBlock`, in chain order, with its job's value terms. */
export async function collectOutcomes(core: OblivionCore, fromBlock: number): Promise<Outcome[]> {
  const address = await core.getAddress();
  const logs = [
    ...(await core.queryFilter(core.filters.ShardSettled(), fromBlock)),
    ...(await core.queryFilter(core.filters.ClaimSlashed(), fromBlock)),
  ].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  return Promise.all(logs.map((l) => withValue(core, outcomeOfLog(core, address, l)!)));
}

/**
 * A relayer's check before signing: the outcome is exactly the event at (sourceTx, logIndex) of the core that the
 * receiver relays, on the chain the receiver expects. Throws a one-line error naming the mismatch.
 */
export async function verifyOutcome(core: OblivionCore, receiver: ReputationRelayReceiver, o: Outcome): Promise<void> {
  const provider = core.runner!.provider!;
  const [coreAddress, sourceCore, sourceChainId, network] = await Promise.all([
    core.getAddress(),
    receiver.sourceCore(),
    receiver.sourceChainId(),
    provider.getNetwork(),
  ]);
  if (coreAddress.toLowerCase() !== sourceCore.toLowerCase() || network.chainId !== sourceChainId) {
    throw new Error(
      `receiver relays core ${sourceCore} on chain ${sourceChainId}, not ${coreAddress} on ${network.chainId}`
    );
  }
  const receipt = await provider.getTransactionReceipt(o.sourceTx);
  if (!receipt || receipt.status !== 1)
    throw new Error(`no successful transaction ${o.sourceTx} on the settlement chain`);
  const log = receipt.logs.find((l) => BigInt(l.index) === o.logIndex);
  const logged = log && outcomeOfLog(core, coreAddress, log);
  const seen = logged && (await withValue(core, logged));
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (
    !seen ||
    seen.kind !== o.kind ||
    !same(seen.worker, o.worker) ||
    seen.jobId !== o.jobId ||
    seen.shardIndex !== o.shardIndex ||
    !same(seen.requester, o.requester) ||
    !same(seen.modelOwner, o.modelOwner) ||
    seen.protocolFee !== o.protocolFee ||
    seen.collateral !== o.collateral
  ) {
    throw new Error(`log ${o.logIndex} of ${o.sourceTx} is not this outcome of the core`);
  }
}

/**
 * Keeper/relayer loop body for the split layout: every outcome of `core` since `fromBlock` not yet applied on the FHE
 * chain is verified, signed by `relayers` and submitted; job requesters are registered first when missing. Returns
 * the outcomes applied.
 */
export async function relayNewOutcomes(
  core: OblivionCore,
  receiver: ReputationRelayReceiver,
  relayers: Signer[],
  submitter: Signer,
  fromBlock: number
): Promise<Outcome[]> {
  const applied: Outcome[] = [];
  for (const o of await collectOutcomes(core, fromBlock)) {
    const eventId = eventIdOf(o);
    if (await receiver.applied(eventId)) continue;
    await verifyOutcome(core, receiver, o);
    await ensureJobRequester(core, receiver, relayers, submitter, o.jobId);
    await submitOutcome(receiver, submitter, o, await signOutcome(relayers, receiver, o));
    applied.push(o);
  }
  return applied;
}

/** Registers `jobId`'s requester on the FHE chain (read from the core) unless it is there already. */
export async function ensureJobRequester(
  core: OblivionCore,
  receiver: ReputationRelayReceiver,
  relayers: Signer[],
  submitter: Signer,
  jobId: bigint
): Promise<string> {
  const known = await receiver.jobRequester(jobId);
  if (known !== ZeroAddress) return known;
  const requester = await core.jobRequester(jobId);
  if (requester === ZeroAddress) throw new Error(`the core has no job ${jobId}`);
  await submitJobRequester(
    receiver,
    submitter,
    jobId,
    requester,
    await signJobRequester(relayers, receiver, jobId, requester)
  );
  return requester;
}

/** The receiver's replay key of an outcome: keccak256(abi.encode(sourceTx, logIndex)). */
export function eventIdOf(o: Outcome): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256"], [o.sourceTx, o.logIndex]));
}
