// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICoreCollateral} from "./ICoreCollateral.sol";

/// @title IOblivionCore
/// @notice The protocol core: the only contract that holds value. Workers stake native tokens; requesters post
/// sharded inference jobs into escrow; workers claim shards against collateral and settle them with a SNARK that is
/// verified here, in the transaction that pays them; stalled claims are slashed by anyone.
/// @dev Value flows (all credits are pull balances, withdrawn with `withdraw`):
///   post:    requester pays shardCount * (pricePerShard + ownerFeePerShard) - paddingFee into escrow, where
///            ownerFeePerShard = model fee per inference * max(batchSize, 1), both snapshotted at post, and
///            paddingFee = model fee per inference * (shardCount * max(batchSize, 1) - inputCount): the last shard's
///            padding rows are not inferences and carry no owner fee (inputCount 0: every shard is full).
///   settle:  pricePerShard - protocolFee -> worker, the shard's owner fee -> model owner (ownerFeePerShard, less
///            paddingFee on the last shard),
///            protocolFee = pricePerShard * protocolFeeBps / 10_000 (bps snapshotted at post) -> treasury.
///   reclaim: with the key released, the claim's collateral leaves the worker's stake: bountyBps -> caller,
///            requesterBps -> requester, the rest -> treasury; with the key never released the claim is voided and
///            the collateral only unlocked. The shard reopens (or, on a cancelled job, its escrow goes back to the
///            requester).
///   leave:   the claimant leaves before a release or within the inspection window after it: collateral unlocked,
///            nothing paid, the shard reopens (cancelled job: its escrow goes back to the requester).
///   bad release proven: the shard is forfeited: pricePerShard -> worker (from the shard's escrow), the shard's
///            owner fee back to the requester, collateral unlocked.
///   manager: the bound collateral manager may lock free stake into `locked`, release it, or slash it with the same
///            split (requesterBps -> beneficiary, bountyBps -> keeper, rest -> treasury).
///   cancel:  the escrow of every shard neither settled nor under an open claim goes back to the requester.
/// Every state-changing function validates, updates state, emits, then calls out.
interface IOblivionCore is ICoreCollateral {
    /// @notice Shard states. A shard is Open until claimed, Claimed until settled or reclaimed, Settled for good.
    /// Forfeited: the claimant proved the requester's key release wrong (`proveBadRelease`); the shard never settles.
    enum ShardStatus {
        Open,
        Claimed,
        Settled,
        Forfeited
    }

    /// @notice A key release for one claim (`releaseShardKey`). See docs/security.md, "Key release" for the scheme.
    /// @param claimant The claim's worker; the release reverts NotCurrentClaim unless it is the current claimant.
    /// @param claimNonce The claim's nonce (`Shard.claimNonce`); likewise.
    /// @param keyHash keccak256 of the shard's 32-byte data key as committed at posting (keyed claims; zero for a
    /// keyed claim on public data, and always zero for keyless claims).
    /// @param keyProof Proof of the leaf (KEY_LEAF_TAG | shardIndex, uint256(keyHash)) under the job's input root.
    /// Checked for keyed claims only.
    /// @param ephemeralX The requester's ephemeral secp256k1 point R (x), on the curve with 0 < x < n.
    /// @param ephemeralY R (y).
    /// @param maskedKey dataKey XOR KeyReleaseCheck.maskOf(address(r * T), core, jobId, shardIndex, claimNonce),
    /// T the claim's one-time key, address() the Ethereum address of a point (keccak of x || y, last 20 bytes).
    /// @param payload Off-chain pointers for the worker (the reference requester: abi.encode(packageCid, wrappedKey)).
    struct KeyRelease {
        address claimant;
        uint32 claimNonce;
        bytes32 keyHash;
        bytes32[] keyProof;
        uint256 ephemeralX;
        uint256 ephemeralY;
        bytes32 maskedKey;
        bytes payload;
    }

    /// @notice Parameters of `postJob`.
    /// @param modelId Registry model id.
    /// @param modelVersion The version the job pins.
    /// @param shardCount Number of shards (1 .. MAX_SHARDS).
    /// @param inputRoot Root of the StandardMerkleTree over leaves (uint256 shardIndex, uint256 inputCommitment).
    /// @param pricePerShard Paid per settled shard (worker share plus protocol fee).
    /// @param collateral Locked from the worker's stake per claim, slashed when the claim expires.
    /// @param claimWindow Seconds a worker has to settle after claiming (MIN_CLAIM_WINDOW .. MAX_CLAIM_WINDOW).
    /// @param minStake Minimum total stake to claim (0: none beyond the collateral).
    /// @param gated When true each claim must pass the eligibility gate.
    /// @param acceptUnvettedVerifier The requester's explicit opt-in to a model version whose verifier the registry
    /// did not deploy (IModelRegistry: vetted = false): such a verifier may accept a garbage proof or change what it
    /// accepts; without this flag postJob reverts UnvettedVerifierNotAccepted. Claims on such a job are never slashed.
    /// @param inputCount Real inferences in the job, when the last shard is padded up to the batch size; 0 when every
    /// shard is full. Must be within ((shardCount - 1) * batch, shardCount * batch]. The padding carries no owner fee.
    /// The requester declares it: the circuit cannot tell padding rows from inputs, so a requester may fill the padding
    /// with inputs of its own and not pay the owner for them, at most batch - 1 inferences per job (docs/security.md).
    struct JobParams {
        uint256 modelId;
        uint32 modelVersion;
        uint32 shardCount;
        bytes32 inputRoot;
        uint128 pricePerShard;
        uint128 collateral;
        uint32 claimWindow;
        uint128 minStake;
        bool gated;
        bool acceptUnvettedVerifier;
        uint32 inputCount;
    }

    /// @notice A job as stored.
    /// Layout (9 slots):
    ///   slot 0: requester (20) | shardCount (4) | modelId (4) | modelVersion (4)
    ///   slot 1: verifier (20) | claimWindow (4) | protocolFeeBps (2) | gated (1) | cancelled (1) | dueAt (4)
    ///   slot 2: modelOwner (20) | openClaims (4) | settledShards (4) | forfeitedShards (4)
    /// (openClaims and settledShards share a slot: a settlement updates both with one write. forfeitedShards counts
    /// shards forfeited by a proven bad release, see `proveBadRelease`.)
    ///   slot 3: pricePerShard (16) | ownerFeePerShard (16)
    ///   slot 4: collateral (16) | minStake (16)
    ///   slot 5: inputRoot
    ///   slot 6: modelCommitment (0 for public-weight models)
    ///   slot 7: verifierCodeHash (the verifier's extcodehash as the registry recorded it; checked at every submission)
    ///   slot 8: unvettedVerifier (1): true when the requester opted into a verifier the registry did not deploy |
    ///           paddingFee (16): the owner fee the last shard's padding rows do not carry (0 when it is full) |
    ///           allowlisted (1): only workers the requester allowed may claim (`postJobWithAllowlist`, G-08)
    /// (slots 1-4 are full; slot 8 is read by `reclaimExpired`, by claims (the allowlist flag) and when the last shard's
    /// owner fee is needed).
    /// `dueAt` is a lower bound on the deadlines of the job's open claims, set by the claim that finds none open: every
    /// later claim or release ends after it (one claim window for the whole job), so before `dueAt` no claim of the job
    /// can have expired and scans skip it in one step (G-06). A claim leaving only makes the bound looser.
    /// Remaining escrow is not stored: it is perShard * (shardCount - settledShards - forfeitedShards) while live and
    /// perShard * openClaims once cancelled, less paddingFee while the last shard is among them (see `jobEscrow`).
    struct Job {
        address requester;
        uint32 shardCount;
        uint32 modelId;
        uint32 modelVersion;
        address verifier;
        uint32 claimWindow;
        uint16 protocolFeeBps;
        bool gated;
        bool cancelled;
        uint32 dueAt;
        address modelOwner;
        uint32 openClaims;
        uint32 settledShards;
        uint32 forfeitedShards;
        uint128 pricePerShard;
        uint128 ownerFeePerShard;
        uint128 collateral;
        uint128 minStake;
        bytes32 inputRoot;
        uint256 modelCommitment;
        bytes32 verifierCodeHash;
        bool unvettedVerifier;
        uint128 paddingFee;
        bool allowlisted;
    }

    /// @notice A shard as stored. Layout: worker (20) | deadline (5) | status (1) | keyReleased (1) | claimNonce (4) |
    /// keyed (1), one slot. `keyReleased` is set by `releaseShardKey` for the current claim and cleared when the shard
    /// reopens: an expired claim whose key was never released is voided by `reclaimExpired`, not slashed.
    /// `claimNonce` counts the shard's claims (the current claim's nonce; kept when the shard reopens); `keyed` is set
    /// when the current claim came with a one-time key (`claimWithKey`).
    struct Shard {
        address worker;
        uint40 deadline;
        ShardStatus status;
        bool keyReleased;
        uint32 claimNonce;
        bool keyed;
    }

    /// @notice A worker's stake as stored.
    /// Layout: slot 0 = stake (16) | locked (16); slot 1 = unbonding (16) | unbondingEnd (8) | registered (1).
    /// `locked` is the part of `stake` held as collateral by open claims; `unbonding` has left `stake` and is
    /// withdrawable from `unbondingEnd`.
    struct Worker {
        uint128 stake;
        uint128 locked;
        uint128 unbonding;
        uint64 unbondingEnd;
        bool registered;
    }

    // ------------------------------------------------------------------ events

    /// @notice A worker registered or updated its profile.
    event WorkerRegistered(address indexed worker, string metadataCid, bytes encryptionPublicKey);
    /// @notice Stake was added.
    event Staked(address indexed worker, uint256 amount, uint256 totalStake);
    /// @notice Free stake moved to unbonding; withdrawable from `unbondingEnd`.
    event UnstakeRequested(address indexed worker, uint256 amount, uint256 totalUnbonding, uint64 unbondingEnd);
    /// @notice Unbonded stake was sent to the worker.
    event StakeWithdrawn(address indexed worker, uint256 amount);
    /// @notice A job was posted and its escrow paid.
    event JobPosted(
        uint256 indexed jobId,
        address indexed requester,
        uint256 indexed modelId,
        uint32 modelVersion,
        uint32 shardCount,
        bytes32 inputRoot,
        uint256 escrow
    );
    /// @notice A shard was claimed; the claim expires at `deadline`. `oneTimeKeyX/Y` is the claim's one-time public key
    /// (zero for a keyless `claim`).
    event ShardClaimed(
        uint256 indexed jobId,
        uint256 indexed shardIndex,
        address indexed worker,
        uint64 deadline,
        uint32 claimNonce,
        uint256 oneTimeKeyX,
        uint256 oneTimeKeyY
    );
    /// @notice The requester released the shard's data key for the claim `claimNonce` (see KeyRelease).
    event ShardKeyReleased(
        uint256 indexed jobId,
        uint256 indexed shardIndex,
        address indexed worker,
        uint32 claimNonce,
        bytes32 keyHash,
        uint256 ephemeralX,
        uint256 ephemeralY,
        bytes32 maskedKey,
        bytes payload
    );
    /// @notice The claimant left the claim without a slash (before a release, or within the inspection window).
    event ClaimLeft(uint256 indexed jobId, uint256 indexed shardIndex, address indexed worker, bool keyReleased);
    /// @notice The claimant proved the release wrong: the shard is forfeited, the worker got `compensation` (the
    /// shard's price) and the requester `refund` (the owner fee), the collateral was unlocked.
    event BadReleaseProven(
        uint256 indexed jobId, uint256 indexed shardIndex, address indexed worker, uint256 compensation, uint256 refund
    );
    /// @notice A shard settled with a verified proof and everyone was paid. `outputCipher` is the proof's output
    /// cipher (layout 2; empty on a layout-1 version): the requester reads the proven outputs from it with the shard's
    /// salt (IProofVerifier). `outputCid` is the worker's optional off-chain result (its float outputs), unproven.
    event ShardSettled(
        uint256 indexed jobId,
        uint256 indexed shardIndex,
        address indexed worker,
        uint256 outputCommitment,
        uint256[] outputCipher,
        string outputCid,
        uint256 workerPay,
        uint256 ownerFee,
        uint256 protocolFee
    );
    /// @notice An expired claim was slashed and the shard reopened.
    event ClaimSlashed(
        uint256 indexed jobId,
        uint256 indexed shardIndex,
        address indexed worker,
        address caller,
        uint256 toRequester,
        uint256 toCaller,
        uint256 toTreasury
    );
    /// @notice An expired claim whose key the requester never released was voided: the worker's collateral was
    /// unlocked (not taken), the shard reopened, no bounty was paid and the reputation hook was not called.
    event ClaimVoided(uint256 indexed jobId, uint256 indexed shardIndex, address indexed worker, address caller);
    /// @notice The requester cancelled the job and `refund` went to its balance.
    event JobCancelled(uint256 indexed jobId, uint256 refund);
    /// @notice The job was posted so that only these workers may claim its shards (`postJobWithAllowlist`).
    event WorkersAllowed(uint256 indexed jobId, address[] workers);
    /// @notice A cancelled job's reclaimed shard returned its escrow to the requester.
    event EscrowRefunded(uint256 indexed jobId, uint256 indexed shardIndex, uint256 amount);
    /// @notice `account` withdrew its pull balance.
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice The owner set the protocol fee for jobs posted from now on.
    event ProtocolFeeSet(uint16 feeBps);
    /// @notice The owner set the treasury.
    event TreasurySet(address treasury);
    /// @notice The owner set the slash split (the treasury gets the rest).
    event SlashSplitSet(uint16 requesterBps, uint16 bountyBps);
    /// @notice The owner set (or cleared, with zero) the reputation hook.
    event ReputationHookSet(address hook);
    /// @notice The owner set the gas given to each reputation hook call.
    event HookGasLimitSet(uint32 gasLimit);
    /// @notice The owner set (or cleared, with zero) the eligibility gate.
    event EligibilityGateSet(address gate);
    /// @notice The collateral manager was deployed from the pinned code and bound (once; see `deployCollateralManager`).
    event CollateralManagerBound(address manager);
    /// @notice The collateral manager locked `amount` of the worker's free stake.
    event ManagerLocked(address indexed worker, uint256 amount);
    /// @notice The collateral manager released `amount` of what it had locked.
    event ManagerReleased(address indexed worker, uint256 amount);
    /// @notice The collateral manager slashed `amount` of what it had locked, split like a claim's slash.
    event ManagerSlashed(
        address indexed worker,
        uint256 amount,
        address indexed beneficiary,
        address indexed keeper,
        uint256 toBeneficiary,
        uint256 toKeeper,
        uint256 toTreasury
    );
    /// @notice The reputation hook reverted or ran out of its gas (or the fhEVM's per-transaction HCU budget);
    /// settlement or slashing went ahead and the call is pending: anyone may `replayHook` it. Of the revert data only
    /// its first 4 bytes (`errorSelector`, zero when it had fewer) and its length are kept: a hook cannot make
    /// settlement pay for copying or logging a huge revert message.
    event ReputationHookFailed(
        address indexed worker,
        uint256 indexed jobId,
        uint256 shardIndex,
        bool settled,
        bytes4 errorSelector,
        uint256 reasonLength
    );
    /// @notice A pending hook call was replayed successfully by `caller` and is no longer pending.
    event ReputationHookReplayed(
        address indexed worker, uint256 indexed jobId, uint256 shardIndex, bool settled, address indexed caller
    );

    // ------------------------------------------------------------------ errors

    /// @notice Fires when a zero address is given where an account or contract is needed.
    error ZeroAddress();
    /// @notice Fires when a constructor's unbonding period is outside [MIN_UNBONDING, MAX_UNBONDING].
    error InvalidUnbondingPeriod(uint256 period);
    /// @notice Fires when a worker registers with an empty metadata CID.
    error EmptyMetadataCid();
    /// @notice Fires when the encryption key is not a 33-byte compressed or 65-byte uncompressed secp256k1 key.
    error InvalidEncryptionKey(uint256 length);
    /// @notice Fires when the encryption key has the right length but is not a secp256k1 point (wrong SEC 1 prefix,
    /// a coordinate not below p, an x with no point, or a y off the curve): nobody could wrap a key to it.
    error EncryptionKeyNotOnCurve();
    /// @notice Fires when a function that needs a registered worker is called by another account.
    error NotRegistered(address account);
    /// @notice Fires when an amount (or msg.value) that must be positive is zero.
    error ZeroAmount();
    /// @notice Fires when an unstake request or a claim needs more free (unlocked) stake than the worker has.
    error InsufficientFreeStake(uint256 available, uint256 needed);
    /// @notice Fires when `withdrawStake` is called with nothing unbonding.
    error NothingUnbonding();
    /// @notice Fires when `withdrawStake` is called before the unbonding period ends.
    error UnbondingNotOver(uint64 unbondingEnd);
    /// @notice Fires when the job id is 0 or not yet used.
    error JobNotFound(uint256 jobId);
    /// @notice Fires when shardCount is 0 or above MAX_SHARDS.
    error InvalidShardCount(uint256 shardCount);
    /// @notice Fires when a non-zero inputCount leaves a shard other than the last without inputs, or exceeds
    /// shardCount * batch: it must lie in [min, max].
    error InvalidInputCount(uint256 inputCount, uint256 min, uint256 max);
    /// @notice Fires when the shard index is not below the job's shard count.
    error ShardOutOfRange(uint256 jobId, uint256 shardIndex);
    /// @notice Fires when the input Merkle root is zero.
    error ZeroInputRoot();
    /// @notice Fires when the price per shard is zero.
    error ZeroPrice();
    /// @notice Fires when the claim window is outside [MIN_CLAIM_WINDOW, MAX_CLAIM_WINDOW].
    error InvalidClaimWindow(uint256 claimWindow);
    /// @notice Fires when the minimum stake is set below the collateral (a claim could never lock it).
    error MinStakeBelowCollateral(uint256 minStake, uint256 collateral);
    /// @notice Fires when msg.value differs from the job's escrow.
    error IncorrectPayment(uint256 expected, uint256 sent);
    /// @notice Fires when the model is deactivated.
    error ModelInactive(uint256 modelId);
    /// @notice Fires when the model version's signal layout is not one this core builds (1 or 2, IProofVerifier).
    error UnsupportedLayout(uint8 layoutVersion);
    /// @notice Fires when a gated job is posted or claimed while no eligibility gate is set.
    error GateNotSet();
    /// @notice Fires when a cancelled job is claimed or cancelled again.
    error JobIsCancelled(uint256 jobId);
    /// @notice Fires when claiming a shard that is claimed or settled.
    error ShardNotOpen(uint256 jobId, uint256 shardIndex);
    /// @notice Fires when a worker claims a shard it has claimed before (its earlier claim expired).
    error AlreadyClaimedBefore(uint256 jobId, uint256 shardIndex, address worker);
    /// @notice Fires when the worker's stake is below the job's minimum stake.
    error StakeBelowMinimum(uint256 stake, uint256 minStake);
    /// @notice Fires when the eligibility gate says no to a claim on a gated job.
    error NotEligible(uint256 jobId, address worker);
    /// @notice Fires when a worker the requester has not allowed claims a shard of an allowlisted job.
    error NotAllowlisted(uint256 jobId, address worker);
    /// @notice Fires when a job is posted with an empty allowlist.
    error NoAllowlist();
    /// @notice Fires when submitting, releasing a key for, or reclaiming a shard that is not claimed.
    error ShardNotClaimed(uint256 jobId, uint256 shardIndex);
    /// @notice Fires when anyone but the claiming worker submits a result.
    error NotClaimant(address caller, address worker);
    /// @notice Fires when a result arrives, or the requester releases a key, after the claim's deadline.
    error ClaimExpired(uint64 deadline);
    /// @notice Fires when a release names a claimant or claim nonce other than the shard's current claim.
    error NotCurrentClaim(address claimant, uint32 claimNonce);
    /// @notice Fires when a one-time key or a release's ephemeral key is not a secp256k1 point usable on-chain
    /// (on the curve, 0 < x < n).
    error InvalidCurvePoint(uint256 x, uint256 y);
    /// @notice Fires when a release for a keyless claim carries a key hash or a masked key.
    error UnexpectedKey();
    /// @notice Fires when a keyed release's key hash is not committed under the job's input root for this shard.
    error InvalidKeyProof();
    /// @notice Fires when the claimant leaves a released claim after its inspection window.
    error InspectionOver(uint64 inspectionEnd);
    /// @notice Fires when `proveBadRelease` is called on a claim without a keyed release (no key to disprove).
    error NoKeyedRelease(uint256 jobId, uint256 shardIndex);
    /// @notice Fires when the secret or the release fields given to `proveBadRelease` are not the claim's.
    error ReleaseMismatch();
    /// @notice Fires when `proveBadRelease` finds that the release opens to the committed key.
    error ReleaseIsCorrect();
    /// @notice Fires when reclaiming a claim whose deadline has not passed.
    error ClaimNotExpired(uint64 deadline);
    /// @notice Fires when the input commitment and Merkle proof do not match the job's input root.
    error InvalidInputProof();
    /// @notice Fires when a commitment is not below the BN254 scalar field order.
    error CommitmentOutOfField(uint256 value);
    /// @notice Fires when the model's verifier rejects the proof.
    error InvalidProof();
    /// @notice Fires when anyone but the job's requester cancels it or releases a key.
    error NotRequester(address caller, address requester);
    /// @notice Fires when the requester releases a key a second time for the same claim.
    error KeyAlreadyReleased(uint256 jobId, uint256 shardIndex);
    /// @notice Fires when a release's payload is empty.
    error EmptyWrappedKey();
    /// @notice Fires when `withdraw` is called with a zero balance.
    error NothingToWithdraw();
    /// @notice Fires when a native-token transfer fails.
    error TransferFailed(address to, uint256 amount);
    /// @notice Fires when the protocol fee is set above MAX_PROTOCOL_FEE_BPS.
    error FeeTooHigh(uint256 feeBps);
    /// @notice Fires when the slash split leaves its bounds (see SlashSplitSet and the MAX_/MIN_ constants).
    error SlashSplitOutOfBounds(uint256 requesterBps, uint256 bountyBps);
    /// @notice Fires when the hook gas limit is outside [MIN_HOOK_GAS, MAX_HOOK_GAS].
    error InvalidHookGasLimit(uint256 gasLimit);
    /// @notice Fires when the caller left too little gas for the reputation hook's full gas limit (it would let a
    /// caller make the hook fail on purpose).
    error InsufficientGasForHook();
    /// @notice Fires when the reputation hook or eligibility gate is set to an address without code (calls to it
    /// would revert and block settlement or claims).
    error NotAContract(address account);
    /// @notice Fires when anyone but the bound collateral manager calls a manager entry point.
    error NotCollateralManager(address caller);
    /// @notice Fires when `deployCollateralManager` is called once a manager is bound.
    error CollateralManagerAlreadyBound(address manager);
    /// @notice Fires when `deployCollateralManager` is called on a core built without a manager code hash.
    error NoManagerPinned();
    /// @notice Fires when the creation code given to `deployCollateralManager` does not hash to the pinned one.
    error ManagerCodeMismatch(bytes32 given, bytes32 pinned);
    /// @notice Fires when creating the collateral manager fails (its constructor reverted).
    error ManagerDeployFailed();
    /// @notice Fires when the manager releases or slashes more than it has locked for the worker.
    error ManagerLockExceeded(uint256 lockedByManager, uint256 requested);
    /// @notice Fires when a job is posted on a model version whose verifier is not vetted and the requester did not
    /// set `acceptUnvettedVerifier`.
    error UnvettedVerifierNotAccepted(uint256 modelId, uint32 modelVersion, address verifier);
    /// @notice Fires when the verifier's code is no longer the code the registry recorded (at post) or the job
    /// snapshotted (at submission).
    error VerifierCodeChanged(address verifier, bytes32 expected, bytes32 actual);
    /// @notice Fires when `replayHook` names a hook call that is not pending.
    error HookCallNotPending(address worker, uint256 jobId, uint256 shardIndex, bool settled);
    /// @notice Fires when `replayHook` is called while no reputation hook is set.
    error NoReputationHook();
    /// @notice Fires when a value does not fit its packed storage field.
    error ValueTooLarge();

    // ------------------------------------------------------------------ workers

    /// @notice Registers the caller as a worker, or updates its profile.
    /// @param metadataCid Content id of the worker's metadata (hardware, endpoints).
    /// @param encryptionPublicKey secp256k1 public key that requesters wrap shard keys to, in SEC 1 form: 33 bytes
    /// compressed or 65 bytes uncompressed (InvalidEncryptionKey otherwise), a point on the curve
    /// (EncryptionKeyNotOnCurve otherwise).
    function registerWorker(string calldata metadataCid, bytes calldata encryptionPublicKey) external;

    /// @notice Adds msg.value to the caller's stake. Registered workers only.
    function stake() external payable;

    /// @notice Moves `amount` of free stake into unbonding and restarts the unbonding clock.
    function requestUnstake(uint256 amount) external;

    /// @notice Sends all unbonded stake to the caller once the unbonding period is over.
    function withdrawStake() external;

    // ------------------------------------------------------------------ jobs

    /// @notice Posts a job; msg.value must equal `jobEscrowFor(params)`. Not while paused.
    /// @return jobId The new job's id (ids start at 1).
    function postJob(JobParams calldata params) external payable returns (uint256 jobId);

    /// @notice Posts a job like `postJob` that only the listed workers may claim (G-08: who can read a shard is then
    /// who the requester chose, not anyone who pays gas). The list is fixed with the job (to change it, cancel the
    /// unclaimed shards and post again). Reverts NoAllowlist for an empty list. Emits JobPosted, then WorkersAllowed.
    /// @return jobId The new job's id.
    function postJobWithAllowlist(JobParams calldata params, address[] calldata workers)
        external
        payable
        returns (uint256 jobId);

    /// @notice Claims an open shard without a one-time key (a "keyless" claim: its release can carry only an opaque
    /// payload, so a bad release cannot be proven on-chain, only left within the inspection window). Locks the job's
    /// collateral from the caller's stake, bumps the shard's claim nonce and starts its deadline. Not while paused.
    function claim(uint256 jobId, uint256 shardIndex) external;

    /// @notice Claims like `claim`, with a fresh one-time secp256k1 public key T = (oneTimeKeyX, oneTimeKeyY) that the
    /// release must mask the committed data key to (see KeyRelease). Reverts InvalidCurvePoint for a T not on the
    /// curve. The worker reveals T's secret only to prove a bad release (`proveBadRelease`).
    function claimWithKey(uint256 jobId, uint256 shardIndex, uint256 oneTimeKeyX, uint256 oneTimeKeyY) external;

    /// @notice The requester releases the shard's data key to the current claim, named by claimant and claim nonce
    /// (anything else reverts NotCurrentClaim, so a release can never land on a later claim). For a keyed claim the
    /// release must prove the committed key hash under the input root (InvalidKeyProof) and give a valid ephemeral
    /// point (InvalidCurvePoint); the core stores a digest of what was released, so the claimant can later prove it
    /// wrong. For a keyless claim the key fields must be zero (UnexpectedKey). Once per claim (KeyAlreadyReleased);
    /// reverts ClaimExpired after the deadline and EmptyWrappedKey for an empty payload. Restarts the deadline at
    /// now + claimWindow and opens the inspection window (claimWindow / INSPECTION_DIVISOR) in which the claimant may
    /// leave without a slash. Only a released claim kept past its inspection window can be slashed.
    function releaseShardKey(uint256 jobId, uint256 shardIndex, KeyRelease calldata release) external;

    /// @notice The claimant leaves its claim without a slash: any time before a release, or within the inspection
    /// window after it (InspectionOver otherwise). For what the core cannot check: a package that is missing from
    /// storage, does not decrypt, or does not match its commitment. Collateral unlocked, the shard reopens (on a
    /// cancelled job its escrow goes back to the requester), no hook call. After a release the worker may not claim it
    /// again; a worker that left before any release may (it learned nothing, and the requester may be back later).
    function leaveClaim(uint256 jobId, uint256 shardIndex) external;

    /// @notice The claimant proves a keyed release wrong by revealing its claim's one-time secret t: the core checks
    /// t * G is the claim's key and that (keyHash, ephemeral point, maskedKey) are what was released (ReleaseMismatch),
    /// recomputes the ECDH point t * R with the ecrecover scalar-multiplication trick, unmasks the key and compares
    /// its hash with the committed keyHash (ReleaseIsCorrect when equal). A wrong release forfeits the shard: the
    /// worker gets pricePerShard from the shard's escrow, the requester the owner fee back, the collateral is
    /// unlocked (BadReleaseProven). Claimant only, while the claim is open (even past its deadline, until reclaimed).
    function proveBadRelease(
        uint256 jobId,
        uint256 shardIndex,
        uint256 oneTimeSecret,
        bytes32 keyHash,
        uint256 ephemeralX,
        uint256 ephemeralY,
        bytes32 maskedKey
    ) external;

    /// @notice Settles a claimed shard: checks the input leaf, verifies the proof over the signals
    /// [outputCommitment, inputCommitment, (modelCommitment), outputCipher..., binding] (IProofVerifier; layout 2, or
    /// layout 1 with no cipher) and pays everyone. Claimant only, before the deadline. On a layout-2 version the
    /// verifier takes exactly its circuit's cipher words, so the worker is paid only when the settlement carries the
    /// outputs the proof computed, encrypted to the requester (G-07): withheld or altered words fail the proof.
    /// @param inputCommitment The shard's input commitment (its Merkle leaf value).
    /// @param merkleProof Proof of the leaf (shardIndex, inputCommitment) under the job's input root.
    /// @param outputCommitment The proof's output commitment.
    /// @param outputCipher The proof's output cipher words (layout 2: W words, the version's numPublicSignals less the
    /// commitments and the binding; layout 1: none). Emitted in ShardSettled.
    /// @param outputCid Optional content reference of the worker's sealed result (float outputs; unproven, may be "").
    /// @param proof The proof bytes for the model version's verifier.
    /// @return recordId The audit record written. It, not the proof hash, identifies the settlement: Groth16 proofs
    /// are malleable ((-A, -B, C) verifies as well as (A, B, C)), so keccak256(proof) is not a unique id (I-01).
    function submitResult(
        uint256 jobId,
        uint256 shardIndex,
        uint256 inputCommitment,
        bytes32[] calldata merkleProof,
        uint256 outputCommitment,
        uint256[] calldata outputCipher,
        string calldata outputCid,
        bytes calldata proof
    ) external returns (uint256 recordId);

    /// @notice Ends an expired claim; callable by anyone. The shard reopens (or, on a cancelled job, its escrow goes
    /// back to the requester). When the requester released the key, the collateral is slashed (ClaimSlashed; the
    /// caller earns the bounty share; the reputation hook's onSlashed runs). When it never did, the claim is voided
    /// (ClaimVoided): the collateral is unlocked, not taken, no bounty is paid and the hook is not called. Either way
    /// the worker may not claim that shard again. On a job whose verifier is unvetted (`Job.unvettedVerifier`) the claim
    /// is always voided, never slashed.
    function reclaimExpired(uint256 jobId, uint256 shardIndex) external;

    /// @notice Cancels a job: the requester's balance gets the escrow of every shard that is neither settled nor
    /// claimed; claims still open may settle or be reclaimed. Requester only.
    function cancelJob(uint256 jobId) external;

    /// @notice Sends the caller's whole pull balance to it.
    function withdraw() external;

    // ------------------------------------------------------------------ keepers

    /// @notice Replays a reputation hook call that failed (ReputationHookFailed) against the current hook, with all the
    /// gas the caller gives it and outside try/catch: if it fails again the whole call reverts and it stays pending.
    /// Anyone may call. The outcome's value is rebuilt from the job's snapshotted terms.
    /// @param worker The worker of the failed call.
    /// @param jobId The job.
    /// @param shardIndex The shard.
    /// @param settled True for onSettled, false for onSlashed.
    function replayHook(address worker, uint256 jobId, uint256 shardIndex, bool settled) external;

    /// @notice Whether that hook call failed and has not been replayed yet.
    function hookPending(address worker, uint256 jobId, uint256 shardIndex, bool settled) external view returns (bool);

    /// @notice Gelato-style resolver (run by the core's ClaimScanner): an expired claim (slashable or voidable:
    /// `reclaimExpired` frees the shard either way), found within ClaimScanner.CHECKER_MAX_STEPS steps. The scan starts at job
    /// 1 + block.number % jobCount and wraps around; in each job with open claims it visits at most CHECKER_SHARDS_PER_JOB shards, from an offset that moves
    /// by that many each block. So no job, however large, takes more than its share of a call, and every expired
    /// claim is returned within a bounded number of blocks (F-09; docs/security.md). A job none of whose claims can
    /// have expired yet (Job.dueAt) costs one step and no shard reads (G-06).
    /// @return canExec True when an expired claim was found.
    /// @return execPayload Calldata of `reclaimExpired(jobId, shardIndex)` for it (empty when none).
    function checker() external view returns (bool canExec, bytes memory execPayload);

    /// @notice Paged variant of `checker`: scans from (fromJobId, fromShard) for at most `maxSteps` steps; a step is
    /// one shard of a job with open claims, or one whole job without any. Every step advances the cursor, so paging
    /// with any maxSteps >= 1 reaches the end.
    /// @return canExec True when an expired claim was found.
    /// @return execPayload Calldata of `reclaimExpired` for it.
    /// @return nextJobId Where the next page starts (the found claim itself, or the first position not scanned).
    /// @return nextShard Shard index that goes with nextJobId.
    function checkerFrom(uint256 fromJobId, uint256 fromShard, uint256 maxSteps)
        external
        view
        returns (bool canExec, bytes memory execPayload, uint256 nextJobId, uint256 nextShard);

    /// @notice One job's part of a scan (for the ClaimScanner): visits shards from, from + 1, ... up to `span` of them
    /// (not past the last) and returns the first whose claim has expired.
    /// @return found Whether one was found.
    /// @return at Its shard index (0 when none).
    /// @return visited Shards visited (0 when the job has no open claims, none can have expired yet (Job.dueAt), or
    /// `from` is past its end).
    /// @return shardCount The job's shard count (0 for unknown jobs).
    function scanJob(uint256 jobId, uint256 from, uint256 span)
        external
        view
        returns (bool found, uint256 at, uint256 visited, uint256 shardCount);

    // ------------------------------------------------------------------ owner

    /// @notice Sets the protocol fee (bps of the price per shard) for jobs posted from now on; at most
    /// MAX_PROTOCOL_FEE_BPS.
    function setProtocolFee(uint16 feeBps) external;

    /// @notice Sets the treasury that receives protocol fees and the treasury share of slashes.
    function setTreasury(address treasury) external;

    /// @notice Sets the slash split: bountyBps in [MIN_BOUNTY_BPS, MAX_BOUNTY_BPS], requesterBps at most
    /// MAX_REQUESTER_BPS, and the treasury's rest (10_000 - both) at most MAX_TREASURY_SLASH_BPS.
    function setSlashSplit(uint16 requesterBps, uint16 bountyBps) external;

    /// @notice Sets the reputation hook (zero disables it; otherwise it must hold code).
    function setReputationHook(address hook) external;

    /// @notice Sets the gas each reputation hook call gets, in [MIN_HOOK_GAS, MAX_HOOK_GAS].
    function setHookGasLimit(uint32 gasLimit) external;

    /// @notice Sets the eligibility gate used by gated jobs (zero disables gated jobs; otherwise it must hold code).
    function setEligibilityGate(address gate) external;

    /// @notice Pauses new jobs and claims (settlement, slashing, cancelling and withdrawals go on).
    function pause() external;

    /// @notice Lifts the pause.
    function unpause() external;

    // ------------------------------------------------------------------ views

    /// @notice The job's requester (zero for unknown jobs).
    function jobRequester(uint256 jobId) external view returns (address);

    /// @notice The stored job. Reverts JobNotFound.
    function getJob(uint256 jobId) external view returns (Job memory);

    /// @notice The stored shard. Reverts JobNotFound / ShardOutOfRange.
    function getShard(uint256 jobId, uint256 shardIndex) external view returns (Shard memory);

    /// @notice The worker's stake record.
    function getWorker(address worker) external view returns (Worker memory);

    /// @notice The worker's profile.
    function workerProfile(address worker)
        external
        view
        returns (string memory metadataCid, bytes memory encryptionPublicKey);

    /// @notice Escrow the job still holds. Reverts JobNotFound.
    function jobEscrow(uint256 jobId) external view returns (uint256);

    /// @notice The msg.value `postJob(params)` needs now. Reverts as postJob would on an unknown model.
    function jobEscrowFor(JobParams calldata params) external view returns (uint256);

    /// @notice Whether `worker` holds or settled the shard's claim, or had a claim on it that expired (and so may not
    /// claim it again).
    function hasClaimed(uint256 jobId, uint256 shardIndex, address worker) external view returns (bool);

    /// @notice The binding signal for a proof by `worker` on the shard, as the core computes it.
    function bindingOf(uint256 jobId, uint256 shardIndex, address worker) external view returns (uint256);

    /// @notice Pull balance of `account`.
    function balanceOf(address account) external view returns (uint256);

    /// @notice Number of jobs posted (the highest id).
    function jobCount() external view returns (uint256);
}
