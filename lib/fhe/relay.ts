// Two-chain relay: a quorum of relayers signs (EIP-712) what it observed on one chain so that it can be applied on the
// other. Outcomes and job requesters go from the settlement chain to the FHE chain; positive eligibility goes back.
// In production each relayer runs this with its own key and checks the source itself before signing; the helpers
// take a list of signers so that one process (a test, a local keeper holding several keys) can gather a quorum.
import type { Signer, TypedDataDomain, TypedDataField } from "ethers";
import { ReputationRelayReceiver__factory } from "../../typechain-types";
import type { PrivacyGateway, RelayedEligibilityGate, ReputationRelayReceiver } from "../../typechain-types";

export const SETTLED = 1;
export const SLASHED = 2;

/**
 * One settlement-chain outcome event, identified by (sourceTx, logIndex), with the job's value terms (from the core's
 * `getJob`) that the reputation weighs it by.
 */
export interface Outcome {
  sourceTx: string;
  logIndex: bigint;
  kind: typeof SETTLED | typeof SLASHED;
  worker: string;
  jobId: bigint;
  shardIndex: bigint;
  requester: string;
  modelOwner: string;
  protocolFee: bigint;
  collateral: bigint;
}

/** Seconds a signed eligibility stays submittable (the gate refuses it after its expiry). */
export const ELIGIBILITY_TTL_SECONDS = 3600;

const OUTCOME_TYPES: Record<string, TypedDataField[]> = {
  Outcome: [
    { name: "sourceChainId", type: "uint256" },
    { name: "sourceCore", type: "address" },
    { name: "sourceTx", type: "bytes32" },
    { name: "logIndex", type: "uint256" },
    { name: "kind", type: "uint8" },
    { name: "worker", type: "address" },
    { name: "jobId", type: "uint256" },
    { name: "shardIndex", type: "uint256" },
    { name: "requester", type: "address" },
    { name: "modelOwner", type: "address" },
    { name: "protocolFee", type: "uint128" },
    { name: "collateral", type: "uint128" },
    { name: "epoch", type: "uint256" },
  ],
};

const JOB_REQUESTER_TYPES: Record<string, TypedDataField[]> = {
  JobRequester: [
    { name: "sourceChainId", type: "uint256" },
    { name: "sourceCore", type: "address" },
    { name: "jobId", type: "uint256" },
    { name: "requester", type: "address" },
    { name: "epoch", type: "uint256" },
  ],
};

const ELIGIBILITY_TYPES: Record<string, TypedDataField[]> = {
  Eligibility: [
    { name: "fheChainId", type: "uint256" },
    { name: "sourceGateway", type: "address" },
    { name: "core", type: "address" },
    { name: "jobId", type: "uint256" },
    { name: "worker", type: "address" },
    { name: "expiry", type: "uint64" },
    { name: "epoch", type: "uint256" },
  ],
};

/** The EIP-712 domain a relay contract verifies against (ERC-5267: its name, version, chain id and address). */
export async function relayDomain(
  contract: ReputationRelayReceiver | RelayedEligibilityGate
): Promise<TypedDataDomain> {
  const d = await contract.eip712Domain();
  return { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
}

/** Signs `value` with every relayer and returns the signatures in ascending signer-address order, as verified. */
export async function signByQuorum(
  relayers: Signer[],
  domain: TypedDataDomain,
  types: Record<string, TypedDataField[]>,
  value: Record<string, unknown>
): Promise<string[]> {
  const signed = await Promise.all(
    relayers.map(async (r) => ({
      address: BigInt(await r.getAddress()),
      sig: await r.signTypedData(domain, types, value),
    }))
  );
  signed.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  return signed.map((s) => s.sig);
}

/** Relayer signatures over a settlement outcome, bound to `receiver`'s chain, address and source core. */
export async function signOutcome(
  relayers: Signer[],
  receiver: ReputationRelayReceiver,
  outcome: Outcome
): Promise<string[]> {
  const [sourceChainId, sourceCore, epoch] = await Promise.all([
    receiver.sourceChainId(),
    receiver.sourceCore(),
    receiver.epoch(),
  ]);
  return signByQuorum(relayers, await relayDomain(receiver), OUTCOME_TYPES, {
    sourceChainId,
    sourceCore,
    ...outcome,
    epoch,
  });
}

/** Submits a signed outcome to the FHE chain's receiver (anyone may). Returns the transaction hash. */
export async function submitOutcome(
  receiver: ReputationRelayReceiver,
  submitter: Signer,
  outcome: Outcome,
  signatures: string[]
): Promise<string> {
  const tx = await receiver.connect(submitter).relayOutcome(outcome, signatures);
  await tx.wait();
  return tx.hash;
}

/** Relayer signatures over a job's requester, bound to `receiver`'s chain, address and source core. */
export async function signJobRequester(
  relayers: Signer[],
  receiver: ReputationRelayReceiver,
  jobId: bigint,
  requester: string
): Promise<string[]> {
  const [sourceChainId, sourceCore, epoch] = await Promise.all([
    receiver.sourceChainId(),
    receiver.sourceCore(),
    receiver.epoch(),
  ]);
  return signByQuorum(relayers, await relayDomain(receiver), JOB_REQUESTER_TYPES, {
    sourceChainId,
    sourceCore,
    jobId,
    requester,
    epoch,
  });
}

/** Submits a signed job requester to the FHE chain's receiver. Returns the transaction hash. */
export async function submitJobRequester(
  receiver: ReputationRelayReceiver,
  submitter: Signer,
  jobId: bigint,
  requester: string,
  signatures: string[]
): Promise<string> {
  const tx = await receiver.connect(submitter).relayJobRequester(jobId, requester, signatures);
  await tx.wait();
  return tx.hash;
}

/** A signed eligibility as the settlement chain's gate takes it. */
export interface SignedEligibility {
  core: string;
  jobId: bigint;
  worker: string;
  expiry: bigint;
  signatures: string[];
}

/**
 * Relayer signatures that `worker` is eligible for `jobId` of `core`, bound to `gate`'s chain and address, to the FHE
 * chain's gateway, to an expiry (`ttlSeconds` from the gate chain's latest block, or `expiryAt`) and to the gate's
 * relayer epoch.
 * Each relayer first checks on the FHE chain that the gateway is the one the gate trusts, that the gateway's job
 * directory relays `core` (so a job id of another core is never vouched for) and that the gateway recorded a verified
 * positive result; it refuses to sign otherwise.
 */
export async function signEligibility(
  relayers: Signer[],
  gate: RelayedEligibilityGate,
  gateway: PrivacyGateway,
  core: string,
  jobId: bigint,
  worker: string,
  ttlSeconds = ELIGIBILITY_TTL_SECONDS,
  expiryAt?: bigint
): Promise<SignedEligibility> {
  const [fheChainId, sourceGateway] = await Promise.all([gate.fheChainId(), gate.sourceGateway()]);
  const gatewayAddress = await gateway.getAddress();
  const network = await gateway.runner!.provider!.getNetwork();
  if (sourceGateway.toLowerCase() !== gatewayAddress.toLowerCase() || network.chainId !== fheChainId) {
    throw new Error(
      `gate trusts gateway ${sourceGateway} on chain ${fheChainId}, not ${gatewayAddress} on ${network.chainId}`
    );
  }
  const directory = ReputationRelayReceiver__factory.connect(await gateway.directory(), gateway.runner);
  const relayedCore = await directory.sourceCore();
  if (relayedCore.toLowerCase() !== core.toLowerCase()) {
    throw new Error(`gateway's job directory relays core ${relayedCore}, not ${core}`);
  }
  if (!(await gateway.isEligible(jobId, worker))) {
    throw new Error(`gateway has no verified eligibility for job ${jobId} and worker ${worker}`);
  }
  const latest = await gate.runner!.provider!.getBlock("latest");
  const expiry = expiryAt ?? BigInt(latest!.timestamp + ttlSeconds);
  const epoch = await gate.epoch();
  const signatures = await signByQuorum(relayers, await relayDomain(gate), ELIGIBILITY_TYPES, {
    fheChainId,
    sourceGateway,
    core,
    jobId,
    worker,
    expiry,
    epoch,
  });
  return { core, jobId, worker, expiry, signatures };
}

/** Submits a signed eligibility to the settlement chain's gate. Returns the transaction hash. */
export async function submitEligibility(
  gate: RelayedEligibilityGate,
  submitter: Signer,
  e: SignedEligibility
): Promise<string> {
  const tx = await gate.connect(submitter).relayEligibility(e.core, e.jobId, e.worker, e.expiry, e.signatures);
  await tx.wait();
  return tx.hash;
}
