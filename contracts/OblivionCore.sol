// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICoreCollateral} from "./interfaces/ICoreCollateral.sol";
import {IOblivionCore} from "./interfaces/IOblivionCore.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {IInferenceAudit} from "./interfaces/IInferenceAudit.sol";
import {IProofVerifier} from "./interfaces/IProofVerifier.sol";
import {IReputationHook} from "./interfaces/IReputationHook.sol";
import {IEligibilityGate} from "./interfaces/IEligibilityGate.sol";
import {BN254} from "./libraries/BN254.sol";
import {KeyReleaseCheck} from "./libraries/KeyReleaseCheck.sol";
import {ClaimScanner} from "./ClaimScanner.sol";

/// @title OblivionCore
/// @notice The protocol core (see IOblivionCore for the lifecycle and value flows). The only contract holding value:
/// address(this).balance == sum of job escrows + worker stakes (staked and unbonding) + pull balances.
contract OblivionCore is IOblivionCore, Ownable2Step, Pausable, ReentrancyGuardTransient {
    using SafeCast for uint256;

    /// @notice BN254 scalar field order r; commitments and the binding live below it.
    uint256 public constant FIELD_ORDER = BN254.SCALAR_FIELD;
    uint256 private constant BPS = 10_000;
    /// @notice Highest protocol fee, in bps of the price per shard.
    uint16 public constant MAX_PROTOCOL_FEE_BPS = 1_000;
    /// @notice Bounds of the keeper bounty share of a slash.
    uint16 public constant MIN_BOUNTY_BPS = 100;
    uint16 public constant MAX_BOUNTY_BPS = 2_000;
    /// @notice Highest requester share of a slash.
    uint16 public constant MAX_REQUESTER_BPS = 9_000;
    /// @notice Highest treasury share of a slash (the rest after requester and bounty).
    uint16 public constant MAX_TREASURY_SLASH_BPS = 5_000;
    /// @notice Bounds of the reputation hook's gas.
    uint32 public constant MIN_HOOK_GAS = 50_000;
    uint32 public constant MAX_HOOK_GAS = 2_000_000;
    /// @notice Bounds of a job's claim window.
    uint32 public constant MIN_CLAIM_WINDOW = 60;
    uint32 public constant MAX_CLAIM_WINDOW = 30 days;
    /// @notice Bounds of the unbonding period.
    uint64 public constant MIN_UNBONDING = 60;
    uint64 public constant MAX_UNBONDING = 30 days;
    /// @notice Most shards per job.
    uint32 public constant MAX_SHARDS = 1_000_000;
    /// @notice A key leaf is (KEY_LEAF_TAG | shardIndex, uint256(keccak256(dataKey))) in the job's input tree; the
    /// tag keeps it apart from input leaves (shardIndex < MAX_SHARDS).
    uint256 public constant KEY_LEAF_TAG = 1 << 255;
    /// @notice After a release the claimant may leave without a slash for claimWindow / INSPECTION_DIVISOR seconds.
    uint32 public constant INSPECTION_DIVISOR = 4;
    /// @dev secp256k1 group order and field prime.
    uint256 private constant SECP_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint256 private constant SECP_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;
    /// @notice The public-signal layouts this core builds (IProofVerifier): 2, and 1 (2 with no output cipher).
    uint8 public constant LAYOUT_V2 = 2;

    /// @notice The model marketplace.
    IModelRegistry public immutable registry;
    /// @notice The audit trail written on every settlement.
    IInferenceAudit public immutable audit;
    /// @notice Seconds between `requestUnstake` and `withdrawStake`.
    uint64 public immutable unbondingPeriod;
    /// @inheritdoc ICoreCollateral
    bytes32 public immutable managerCodeHash;
    /// @notice The secp256k1 arithmetic of `proveBadRelease`, deployed by the constructor.
    KeyReleaseCheck public immutable releaseCheck;
    /// @notice The scans behind `checker` and `checkerFrom`, deployed by the constructor.
    ClaimScanner public immutable scanner;

    /// @notice Receives protocol fees and the treasury share of slashes.
    address public treasury;
    /// @notice Protocol fee in bps for jobs posted from now on.
    uint16 public protocolFeeBps;
    /// @notice Requester share of a slash, in bps.
    uint16 public slashRequesterBps;
    /// @notice Caller (keeper) share of a slash, in bps.
    uint16 public slashBountyBps;
    /// @notice Gas each reputation hook call gets.
    uint32 public hookGasLimit;
    /// @notice Reputation hook (zero: none).
    IReputationHook public reputationHook;
    /// @notice Eligibility gate for gated jobs (zero: gated jobs cannot be posted or claimed).
    IEligibilityGate public eligibilityGate;

    /// @inheritdoc ICoreCollateral
    address public collateralManager;
    /// @inheritdoc ICoreCollateral
    mapping(address worker => uint256) public lockedByManager;

    uint256 private _jobCount;
    mapping(uint256 jobId => Job) private _jobs;
    mapping(uint256 jobId => mapping(uint256 shardIndex => Shard)) private _shards;
    /// @dev Set when a worker's claim on the shard ends by `reclaimExpired` (the current claimant is in the shard slot,
    /// so a claim costs no extra slot).
    mapping(uint256 jobId => mapping(uint256 shardIndex => mapping(address worker => bool))) private _expiredBefore;
    mapping(address worker => Worker) private _workers;
    mapping(address worker => string) private _metadataCid;
    mapping(address worker => bytes) private _encryptionKey;
    mapping(address account => uint256) private _balances;
    /// @dev Reputation hook calls that failed, by keccak256(abi.encode(worker, jobId, shardIndex, settled)).
    mapping(bytes32 callId => bool) private _pendingHooks;
    /// @dev Per shard, for a keyed claim: the one-time key's address (left-padded) until the release, then the digest
    /// keccak256(abi.encode(that word, keyHash, ephemeralX, ephemeralY, maskedKey)). Stale once the claim ends (read
    /// only while `Shard.keyed`); the next keyed claim overwrites it.
    mapping(uint256 jobId => mapping(uint256 shardIndex => bytes32)) private _claimKey;
    /// @dev Workers the requester allowed on an allowlisted job (Job.allowlisted).
    mapping(uint256 jobId => mapping(address worker => bool)) private _allowed;

    /// @param owner_ Owner (protocol governance).
    /// @param registry_ Model registry.
    /// @param audit_ Audit trail; must bind this core.
    /// @param treasury_ Initial treasury.
    /// @param unbondingPeriod_ Unbonding period in seconds, in [MIN_UNBONDING, MAX_UNBONDING].
    /// @param managerCodeHash_ keccak256 of the collateral manager's creation code (zero: no manager, ever).
    constructor(
        address owner_,
        IModelRegistry registry_,
        IInferenceAudit audit_,
        address treasury_,
        uint64 unbondingPeriod_,
        bytes32 managerCodeHash_
    ) Ownable(owner_) {
        if (address(registry_) == address(0) || address(audit_) == address(0) || treasury_ == address(0)) {
            revert ZeroAddress();
        }
        if (unbondingPeriod_ < MIN_UNBONDING || unbondingPeriod_ > MAX_UNBONDING) {
            revert InvalidUnbondingPeriod(unbondingPeriod_);
        }
        registry = registry_;
        audit = audit_;
        treasury = treasury_;
        unbondingPeriod = unbondingPeriod_;
        managerCodeHash = managerCodeHash_;
        releaseCheck = new KeyReleaseCheck();
        scanner = new ClaimScanner(this);
        protocolFeeBps = 250;
        slashRequesterBps = 5_000;
        slashBountyBps = 1_000;
        hookGasLimit = 500_000;
    }

    /// @dev A function rather than a modifier: Hardhat's stack tracer cannot map a modifier's revert in the IR build.
    function _onlyCollateralManager() private view {
        if (msg.sender != collateralManager) revert NotCollateralManager(msg.sender);
    }

    // ================================================================== workers

    /// @inheritdoc IOblivionCore
    function registerWorker(string calldata metadataCid, bytes calldata encryptionPublicKey) external {
        if (bytes(metadataCid).length == 0) revert EmptyMetadataCid();
        uint256 keyLen = encryptionPublicKey.length;
        if (keyLen != 33 && keyLen != 65) revert InvalidEncryptionKey(keyLen);
        if (!releaseCheck.isPublicKey(encryptionPublicKey)) revert EncryptionKeyNotOnCurve();
        _workers[msg.sender].registered = true;
        _metadataCid[msg.sender] = metadataCid;
        _encryptionKey[msg.sender] = encryptionPublicKey;
        emit WorkerRegistered(msg.sender, metadataCid, encryptionPublicKey);
    }

    /// @inheritdoc IOblivionCore
    function stake() external payable {
        Worker storage w = _registered(msg.sender);
        if (msg.value == 0) revert ZeroAmount();
        uint128 total = w.stake + msg.value.toUint128();
        w.stake = total;
        emit Staked(msg.sender, msg.value, total);
    }

    /// @inheritdoc IOblivionCore
    function requestUnstake(uint256 amount) external {
        Worker storage w = _registered(msg.sender);
        if (amount == 0) revert ZeroAmount();
        uint256 free = w.stake - w.locked;
        if (amount > free) revert InsufficientFreeStake(free, amount);
        uint128 amt = uint128(amount); // amount <= free < 2^128
        w.stake -= amt;
        w.unbonding += amt;
        uint64 end = uint64(block.timestamp) + unbondingPeriod;
        w.unbondingEnd = end;
        emit UnstakeRequested(msg.sender, amount, w.unbonding, end);
    }

    /// @inheritdoc IOblivionCore
    function withdrawStake() external nonReentrant {
        Worker storage w = _workers[msg.sender];
        uint256 amount = w.unbonding;
        if (amount == 0) revert NothingUnbonding();
        if (block.timestamp < w.unbondingEnd) revert UnbondingNotOver(w.unbondingEnd);
        w.unbonding = 0;
        w.unbondingEnd = 0;
        emit StakeWithdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    // ================================================================== jobs

    /// @inheritdoc IOblivionCore
    function postJob(JobParams calldata p) external payable returns (uint256 jobId) {
        jobId = _postJob(p);
    }

    /// @inheritdoc IOblivionCore
    function postJobWithAllowlist(JobParams calldata p, address[] calldata workers)
        external
        payable
        returns (uint256 jobId)
    {
        if (workers.length == 0) revert NoAllowlist();
        jobId = _postJob(p);
        _jobs[jobId].allowlisted = true; // slot 8, already written (warm) by _postJob
        mapping(address => bool) storage list = _allowed[jobId];
        for (uint256 i; i < workers.length; ++i) {
            list[workers[i]] = true;
        }
        emit WorkersAllowed(jobId, workers);
    }


    function _postJob(JobParams calldata p) private whenNotPaused returns (uint256 jobId) {
        if (p.shardCount == 0 || p.shardCount > MAX_SHARDS) revert InvalidShardCount(p.shardCount);
        if (p.inputRoot == bytes32(0)) revert ZeroInputRoot();
        if (p.pricePerShard == 0) revert ZeroPrice();
        if (p.claimWindow < MIN_CLAIM_WINDOW || p.claimWindow > MAX_CLAIM_WINDOW) {
            revert InvalidClaimWindow(p.claimWindow);
        }
        if (p.minStake != 0 && p.minStake < p.collateral) revert MinStakeBelowCollateral(p.minStake, p.collateral);
        if (p.gated && address(eligibilityGate) == address(0)) revert GateNotSet();
        if (p.modelId > type(uint32).max) revert ValueTooLarge();
        IModelRegistry.JobTerms memory t = registry.jobTerms(p.modelId, p.modelVersion);
        if (!t.active) revert ModelInactive(p.modelId);
        if (t.layoutVersion == 0 || t.layoutVersion > LAYOUT_V2) revert UnsupportedLayout(t.layoutVersion);
        if (!t.vetted && !p.acceptUnvettedVerifier) {
            revert UnvettedVerifierNotAccepted(p.modelId, p.modelVersion, t.verifier);
        }
        if (t.verifier.codehash != t.verifierCodeHash) {
            revert VerifierCodeChanged(t.verifier, t.verifierCodeHash, t.verifier.codehash);
        }
        (uint128 ownerFeePerShard, uint128 paddingFee, uint256 escrow) = _escrowFor(p, t);
        if (msg.value != escrow) revert IncorrectPayment(escrow, msg.value);

        jobId = ++_jobCount;
        _jobs[jobId] = Job({
            requester: msg.sender,
            shardCount: p.shardCount,
            modelId: uint32(p.modelId),
            modelVersion: p.modelVersion,
            verifier: t.verifier,
            claimWindow: p.claimWindow,
            protocolFeeBps: protocolFeeBps,
            gated: p.gated,
            cancelled: false,
            dueAt: 0,
            modelOwner: t.owner,
            openClaims: 0,
            settledShards: 0,
            forfeitedShards: 0,
            pricePerShard: p.pricePerShard,
            ownerFeePerShard: ownerFeePerShard,
            collateral: p.collateral,
            minStake: p.minStake,
            inputRoot: p.inputRoot,
            modelCommitment: t.modelCommitment,
            verifierCodeHash: t.verifierCodeHash,
            unvettedVerifier: !t.vetted,
            paddingFee: paddingFee,
            allowlisted: false
        });
        emit JobPosted(jobId, msg.sender, p.modelId, p.modelVersion, p.shardCount, p.inputRoot, escrow);
    }

    /// @inheritdoc IOblivionCore
    function claim(uint256 jobId, uint256 shardIndex) external whenNotPaused {
        _claim(jobId, shardIndex, 0, 0);
    }

    /// @inheritdoc IOblivionCore
    function claimWithKey(uint256 jobId, uint256 shardIndex, uint256 oneTimeKeyX, uint256 oneTimeKeyY)
        external
        whenNotPaused
    {
        if (!_onCurve(oneTimeKeyX, oneTimeKeyY)) revert InvalidCurvePoint(oneTimeKeyX, oneTimeKeyY);
        _claimKey[jobId][shardIndex] = bytes32(uint256(uint160(_pointAddress(oneTimeKeyX, oneTimeKeyY))));
        _claim(jobId, shardIndex, oneTimeKeyX, oneTimeKeyY);
    }

    /// @inheritdoc IOblivionCore
    function releaseShardKey(uint256 jobId, uint256 shardIndex, KeyRelease calldata r) external {
        Job storage job = _job(jobId);
        if (msg.sender != job.requester) revert NotRequester(msg.sender, job.requester);
        Shard storage s = _shard(job, jobId, shardIndex);
        if (s.status != ShardStatus.Claimed) revert ShardNotClaimed(jobId, shardIndex);
        if (r.claimant != s.worker || r.claimNonce != s.claimNonce) revert NotCurrentClaim(r.claimant, r.claimNonce);
        if (s.keyReleased) revert KeyAlreadyReleased(jobId, shardIndex);
        if (block.timestamp > s.deadline) revert ClaimExpired(uint64(s.deadline));
        if (r.payload.length == 0) revert EmptyWrappedKey();
        if (s.keyed) _recordKeyedRelease(job.inputRoot, jobId, shardIndex, r);
        else if (r.keyHash != bytes32(0) || r.maskedKey != bytes32(0)) revert UnexpectedKey();
        s.keyReleased = true;
        // The worker gets a full claim window from the moment it can start: a requester releasing at the last
        // second (or after expiry, which reverts) cannot set up a slash.
        s.deadline = uint40(block.timestamp + job.claimWindow);
        emit ShardKeyReleased(
            jobId, shardIndex, r.claimant, r.claimNonce, r.keyHash, r.ephemeralX, r.ephemeralY, r.maskedKey, r.payload
        );
    }

    /// @inheritdoc IOblivionCore
    function leaveClaim(uint256 jobId, uint256 shardIndex) external {
        Job storage job = _job(jobId);
        Shard storage s = _shard(job, jobId, shardIndex);
        if (s.status != ShardStatus.Claimed) revert ShardNotClaimed(jobId, shardIndex);
        address worker = s.worker;
        if (worker != msg.sender) revert NotClaimant(msg.sender, worker);
        bool released = s.keyReleased;
        if (released) {
            uint64 end = _inspectionEnd(job, s);
            if (block.timestamp > end) revert InspectionOver(end);
        }
        // Leaving before any release reveals nothing to the worker: it may claim the shard again later (a requester
        // back after a restart). After a release it may not (it has read the data).
        _reopen(job, jobId, shardIndex, worker, false, released);
        emit ClaimLeft(jobId, shardIndex, worker, released);
        _refundIfCancelled(job, jobId, shardIndex);
    }

    /// @inheritdoc IOblivionCore
    function proveBadRelease(
        uint256 jobId,
        uint256 shardIndex,
        uint256 oneTimeSecret,
        bytes32 keyHash,
        uint256 ephemeralX,
        uint256 ephemeralY,
        bytes32 maskedKey
    ) external {
        Job storage job = _job(jobId);
        Shard storage s = _shard(job, jobId, shardIndex);
        if (s.status != ShardStatus.Claimed) revert ShardNotClaimed(jobId, shardIndex);
        address worker = s.worker;
        if (worker != msg.sender) revert NotClaimant(msg.sender, worker);
        if (!s.keyed || !s.keyReleased || keyHash == bytes32(0)) revert NoKeyedRelease(jobId, shardIndex);
        releaseCheck.checkBadRelease(
            _claimKey[jobId][shardIndex], jobId, shardIndex, s.claimNonce, oneTimeSecret, keyHash, ephemeralX, ephemeralY, maskedKey
        );
        _forfeit(job, jobId, shardIndex, worker);
    }

    /// @inheritdoc IOblivionCore
    function submitResult(
        uint256 jobId,
        uint256 shardIndex,
        uint256 inputCommitment,
        bytes32[] calldata merkleProof,
        uint256 outputCommitment,
        uint256[] calldata outputCipher,
        string calldata outputCid,
        bytes calldata proof
    ) external nonReentrant returns (uint256 recordId) {
        Job storage job = _job(jobId);
        _checkSubmission(job, jobId, shardIndex, inputCommitment, merkleProof, outputCommitment);
        _verify(job, _signals(job, jobId, shardIndex, inputCommitment, outputCommitment, outputCipher), proof);
        _settle(job, jobId, shardIndex, outputCommitment, outputCipher, outputCid);
        // Interactions: the trusted audit trail, then the gas-capped hook.
        recordId = _record(job, jobId, shardIndex, inputCommitment, outputCommitment, keccak256(proof));
        _callHook(msg.sender, jobId, shardIndex, true);
    }

    /// @inheritdoc IOblivionCore
    function reclaimExpired(uint256 jobId, uint256 shardIndex) external nonReentrant {
        Job storage job = _job(jobId);
        Shard storage s = _shard(job, jobId, shardIndex);
        if (s.status != ShardStatus.Claimed) revert ShardNotClaimed(jobId, shardIndex);
        if (block.timestamp <= s.deadline) revert ClaimNotExpired(uint64(s.deadline));

        address worker = s.worker;
        // F-03: an unvetted verifier may turn reject-all under an honest worker; its claims are voided, never slashed.
        bool slash = s.keyReleased && !job.unvettedVerifier;
        uint128 collateral = job.collateral;
        _reopen(job, jobId, shardIndex, worker, slash, true);

        if (slash) {
            uint256 toCaller = uint256(collateral) * slashBountyBps / BPS;
            uint256 toRequester = uint256(collateral) * slashRequesterBps / BPS;
            uint256 toTreasury = collateral - toCaller - toRequester;
            _balances[msg.sender] += toCaller;
            _balances[job.requester] += toRequester;
            _balances[treasury] += toTreasury;
            emit ClaimSlashed(jobId, shardIndex, worker, msg.sender, toRequester, toCaller, toTreasury);
        } else {
            emit ClaimVoided(jobId, shardIndex, worker, msg.sender);
        }
        _refundIfCancelled(job, jobId, shardIndex);
        if (slash) _callHook(worker, jobId, shardIndex, false);
    }

    /// @inheritdoc IOblivionCore
    function cancelJob(uint256 jobId) external {
        Job storage job = _job(jobId);
        if (msg.sender != job.requester) revert NotRequester(msg.sender, job.requester);
        if (job.cancelled) revert JobIsCancelled(jobId);
        uint256 unclaimed = uint256(job.shardCount) - job.settledShards - job.openClaims - job.forfeitedShards;
        uint256 refund = unclaimed * _perShard(job);
        if (job.paddingFee != 0 && _shards[jobId][job.shardCount - 1].status == ShardStatus.Open) refund -= job.paddingFee;
        job.cancelled = true;
        _balances[msg.sender] += refund;
        emit JobCancelled(jobId, refund);
    }

    /// @inheritdoc IOblivionCore
    function withdraw() external nonReentrant {
        uint256 amount = _balances[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        _balances[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    // ================================================================== keepers

    /// @inheritdoc IOblivionCore
    function checker() external view returns (bool canExec, bytes memory execPayload) {
        (canExec, execPayload); // returned by the scanner
        _forwardToScanner();
    }

    /// @inheritdoc IOblivionCore
    function checkerFrom(uint256 fromJobId, uint256 fromShard, uint256 maxSteps)
        external
        view
        returns (bool canExec, bytes memory execPayload, uint256 nextJobId, uint256 nextShard)
    {
        // The scanner takes the same arguments and returns the same values: the call is passed on as is.
        (fromJobId, fromShard, maxSteps, canExec, execPayload, nextJobId, nextShard);
        _forwardToScanner();
    }

    /// @inheritdoc IOblivionCore
    function scanJob(uint256 jobId, uint256 from, uint256 span)
        external
        view
        returns (bool found, uint256 at, uint256 visited, uint256 shardCount)
    {
        Job storage job = _jobs[jobId];
        shardCount = job.shardCount;
        if (job.openClaims == 0 || from >= shardCount || block.timestamp <= job.dueAt) return (false, 0, 0, shardCount);
        uint256 end = span > shardCount - from ? shardCount : from + span;
        mapping(uint256 => Shard) storage shards = _shards[jobId];
        for (at = from; at < end; ++at) {
            Shard storage s = shards[at];
            if (s.status == ShardStatus.Claimed && block.timestamp > s.deadline) return (true, at, at - from + 1, shardCount);
        }
        return (false, 0, end - from, shardCount);
    }

    /// @inheritdoc IOblivionCore
    function replayHook(address worker, uint256 jobId, uint256 shardIndex, bool settled) external nonReentrant {
        bytes32 callId = _hookCallId(worker, jobId, shardIndex, settled);
        if (!_pendingHooks[callId]) revert HookCallNotPending(worker, jobId, shardIndex, settled);
        IReputationHook hook = reputationHook;
        if (address(hook) == address(0)) revert NoReputationHook();
        delete _pendingHooks[callId];
        emit ReputationHookReplayed(worker, jobId, shardIndex, settled, msg.sender);
        IReputationHook.OutcomeValue memory value = _outcomeValue(_jobs[jobId]);
        if (settled) hook.onSettled(worker, jobId, shardIndex, value);
        else hook.onSlashed(worker, jobId, shardIndex, value);
    }

    /// @inheritdoc IOblivionCore
    function hookPending(address worker, uint256 jobId, uint256 shardIndex, bool settled) external view returns (bool) {
        return _pendingHooks[_hookCallId(worker, jobId, shardIndex, settled)];
    }

    // ================================================================== owner

    /// @inheritdoc IOblivionCore
    function setProtocolFee(uint16 feeBps) external onlyOwner {
        if (feeBps > MAX_PROTOCOL_FEE_BPS) revert FeeTooHigh(feeBps);
        protocolFeeBps = feeBps;
        emit ProtocolFeeSet(feeBps);
    }

    /// @inheritdoc IOblivionCore
    function setTreasury(address treasury_) external onlyOwner {
        if (treasury_ == address(0)) revert ZeroAddress();
        treasury = treasury_;
        emit TreasurySet(treasury_);
    }

    /// @inheritdoc IOblivionCore
    function setSlashSplit(uint16 requesterBps, uint16 bountyBps) external onlyOwner {
        uint256 sum = uint256(requesterBps) + bountyBps;
        if (
            bountyBps < MIN_BOUNTY_BPS || bountyBps > MAX_BOUNTY_BPS || requesterBps > MAX_REQUESTER_BPS || sum > BPS
                || BPS - sum > MAX_TREASURY_SLASH_BPS
        ) revert SlashSplitOutOfBounds(requesterBps, bountyBps);
        slashRequesterBps = requesterBps;
        slashBountyBps = bountyBps;
        emit SlashSplitSet(requesterBps, bountyBps);
    }

    /// @inheritdoc IOblivionCore
    function setReputationHook(address hook) external onlyOwner {
        if (hook != address(0) && hook.code.length == 0) revert NotAContract(hook);
        reputationHook = IReputationHook(hook);
        emit ReputationHookSet(hook);
    }

    /// @inheritdoc IOblivionCore
    function setHookGasLimit(uint32 gasLimit) external onlyOwner {
        if (gasLimit < MIN_HOOK_GAS || gasLimit > MAX_HOOK_GAS) revert InvalidHookGasLimit(gasLimit);
        hookGasLimit = gasLimit;
        emit HookGasLimitSet(gasLimit);
    }

    /// @inheritdoc IOblivionCore
    function setEligibilityGate(address gate) external onlyOwner {
        if (gate != address(0) && gate.code.length == 0) revert NotAContract(gate);
        eligibilityGate = IEligibilityGate(gate);
        emit EligibilityGateSet(gate);
    }

    /// @inheritdoc IOblivionCore
    function pause() external onlyOwner {
        _pause();
    }

    /// @inheritdoc IOblivionCore
    function unpause() external onlyOwner {
        _unpause();
    }

    // ================================================================== collateral manager

    /// @inheritdoc ICoreCollateral
    function deployCollateralManager(bytes calldata creationCode) external nonReentrant returns (address manager) {
        if (collateralManager != address(0)) revert CollateralManagerAlreadyBound(collateralManager);
        bytes32 pinned = managerCodeHash;
        if (pinned == bytes32(0)) revert NoManagerPinned();
        bytes32 given = keccak256(creationCode);
        if (given != pinned) revert ManagerCodeMismatch(given, pinned);
        assembly ("memory-safe") {
            // creationCode || abi.encode(address(this)) in free memory, then CREATE.
            let init := mload(0x40)
            calldatacopy(init, creationCode.offset, creationCode.length)
            mstore(add(init, creationCode.length), address())
            manager := create(0, init, add(creationCode.length, 0x20))
        }
        if (manager == address(0)) revert ManagerDeployFailed();
        collateralManager = manager;
        emit CollateralManagerBound(manager);
    }

    /// @inheritdoc ICoreCollateral
    function managerLock(address worker, uint256 amount) external {
        _onlyCollateralManager();
        Worker storage w = _registered(worker);
        if (amount == 0) revert ZeroAmount();
        uint256 free = w.stake - w.locked;
        if (amount > free) revert InsufficientFreeStake(free, amount);
        w.locked += uint128(amount); // amount <= free < 2^128
        lockedByManager[worker] += amount;
        emit ManagerLocked(worker, amount);
    }

    /// @inheritdoc ICoreCollateral
    function managerRelease(address worker, uint256 amount) external {
        _onlyCollateralManager();
        _takeManagerLock(worker, amount).locked -= uint128(amount);
        emit ManagerReleased(worker, amount);
    }

    /// @inheritdoc ICoreCollateral
    function managerSlash(address worker, uint256 amount, address beneficiary, address keeper) external {
        _onlyCollateralManager();
        if (beneficiary == address(0) || keeper == address(0)) revert ZeroAddress();
        Worker storage w = _takeManagerLock(worker, amount);
        w.locked -= uint128(amount);
        w.stake -= uint128(amount);
        uint256 toBeneficiary = amount * slashRequesterBps / BPS;
        uint256 toKeeper = amount * slashBountyBps / BPS;
        uint256 toTreasury = amount - toBeneficiary - toKeeper;
        _balances[beneficiary] += toBeneficiary;
        _balances[keeper] += toKeeper;
        _balances[treasury] += toTreasury;
        emit ManagerSlashed(worker, amount, beneficiary, keeper, toBeneficiary, toKeeper, toTreasury);
    }

    // ================================================================== views

    /// @inheritdoc IOblivionCore
    function jobRequester(uint256 jobId) external view returns (address) {
        return _jobs[jobId].requester;
    }

    /// @inheritdoc IOblivionCore
    function getJob(uint256 jobId) external view returns (Job memory) {
        return _job(jobId);
    }

    /// @inheritdoc IOblivionCore
    function getShard(uint256 jobId, uint256 shardIndex) external view returns (Shard memory) {
        return _shard(_job(jobId), jobId, shardIndex);
    }

    /// @inheritdoc IOblivionCore
    function getWorker(address worker) external view returns (Worker memory) {
        return _workers[worker];
    }

    /// @inheritdoc IOblivionCore
    function workerProfile(address worker)
        external
        view
        returns (string memory metadataCid, bytes memory encryptionPublicKey)
    {
        return (_metadataCid[worker], _encryptionKey[worker]);
    }

    /// @inheritdoc IOblivionCore
    function jobEscrow(uint256 jobId) external view returns (uint256 escrow) {
        (jobId, escrow); // computed by the scanner from getJob and getShard
        _forwardToScanner();
    }

    /// @inheritdoc IOblivionCore
    function jobEscrowFor(JobParams calldata p) external view returns (uint256 escrow) {
        (,, escrow) = _escrowFor(p, registry.jobTerms(p.modelId, p.modelVersion));
    }

    /// @inheritdoc IOblivionCore
    function hasClaimed(uint256 jobId, uint256 shardIndex, address worker) external view returns (bool) {
        return _expiredBefore[jobId][shardIndex][worker]
            || (worker != address(0) && _shards[jobId][shardIndex].worker == worker);
    }

    /// @inheritdoc IOblivionCore
    function bindingOf(uint256 jobId, uint256 shardIndex, address worker) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), jobId, shardIndex, worker))) % FIELD_ORDER;
    }

    /// @inheritdoc IOblivionCore
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc IOblivionCore
    function jobCount() external view returns (uint256) {
        return _jobCount;
    }

    // ================================================================== internals

    /// @dev Checks the claim is the caller's and live, and that the input leaf is under the job's root.
    function _checkSubmission(
        Job storage job,
        uint256 jobId,
        uint256 shardIndex,
        uint256 inputCommitment,
        bytes32[] calldata merkleProof,
        uint256 outputCommitment
    ) private view {
        Shard storage s = _shard(job, jobId, shardIndex);
        if (s.status != ShardStatus.Claimed) revert ShardNotClaimed(jobId, shardIndex);
        if (s.worker != msg.sender) revert NotClaimant(msg.sender, s.worker);
        if (block.timestamp > s.deadline) revert ClaimExpired(uint64(s.deadline));
        if (inputCommitment >= FIELD_ORDER) revert CommitmentOutOfField(inputCommitment);
        if (outputCommitment >= FIELD_ORDER) revert CommitmentOutOfField(outputCommitment);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(shardIndex, inputCommitment))));
        if (!MerkleProof.verifyCalldata(merkleProof, job.inputRoot, leaf)) revert InvalidInputProof();
    }

    function _verify(Job storage job, uint256[] memory signals, bytes calldata proof) private view {
        address verifier = job.verifier;
        bytes32 pinned = job.verifierCodeHash;
        if (verifier.codehash != pinned) revert VerifierCodeChanged(verifier, pinned, verifier.codehash);
        if (!IProofVerifier(job.verifier).verifyProof(proof, signals)) revert InvalidProof();
    }

    /// @dev Marks the shard settled, unlocks the collateral and credits worker, model owner and treasury.
    function _settle(
        Job storage job,
        uint256 jobId,
        uint256 shardIndex,
        uint256 outputCommitment,
        uint256[] calldata outputCipher,
        string calldata outputCid
    ) private {
        uint256 price = job.pricePerShard;
        uint256 fee = price * job.protocolFeeBps / BPS;
        uint256 ownerFee = _ownerFee(job, shardIndex);
        _shards[jobId][shardIndex].status = ShardStatus.Settled;
        _workers[msg.sender].locked -= job.collateral;
        job.openClaims -= 1;
        job.settledShards += 1;
        _balances[msg.sender] += price - fee;
        _balances[job.modelOwner] += ownerFee;
        _balances[treasury] += fee;
        emit ShardSettled(jobId, shardIndex, msg.sender, outputCommitment, outputCipher, outputCid, price - fee, ownerFee, fee);
    }

    function _record(
        Job storage job,
        uint256 jobId,
        uint256 shardIndex,
        uint256 inputCommitment,
        uint256 outputCommitment,
        bytes32 proofHash
    ) private returns (uint256) {
        return audit.record(
            jobId,
            shardIndex,
            job.modelId,
            job.modelVersion,
            msg.sender,
            job.verifier,
            inputCommitment,
            outputCommitment,
            proofHash
        );
    }

    /// @dev Checks, records and announces a claim; keyed when it comes with a one-time key (x != 0: the curve has
    /// no point with x = 0 and y^2 = 7, 7 being a non-residue mod p).
    function _claim(uint256 jobId, uint256 shardIndex, uint256 keyX, uint256 keyY) private {
        Job storage job = _job(jobId);
        if (job.cancelled) revert JobIsCancelled(jobId);
        Shard storage s = _shard(job, jobId, shardIndex);
        if (s.status != ShardStatus.Open) revert ShardNotOpen(jobId, shardIndex);
        Worker storage w = _registered(msg.sender);
        if (_expiredBefore[jobId][shardIndex][msg.sender]) revert AlreadyClaimedBefore(jobId, shardIndex, msg.sender);
        if (w.stake < job.minStake) revert StakeBelowMinimum(w.stake, job.minStake);
        uint128 collateral = job.collateral;
        uint256 free = w.stake - w.locked;
        if (free < collateral) revert InsufficientFreeStake(free, collateral);
        if (job.allowlisted && !_allowed[jobId][msg.sender]) revert NotAllowlisted(jobId, msg.sender);
        if (job.gated) {
            IEligibilityGate gate = eligibilityGate;
            if (address(gate) == address(0)) revert GateNotSet();
            if (!gate.isEligible(jobId, msg.sender)) revert NotEligible(jobId, msg.sender);
        }

        uint64 deadline = uint64(block.timestamp) + job.claimWindow;
        uint32 nonce = s.claimNonce + 1;
        // An open shard has no worker, deadline, release or key flag (see _reopen): set what a claim sets.
        s.worker = msg.sender;
        s.deadline = uint40(deadline);
        s.status = ShardStatus.Claimed;
        s.claimNonce = nonce;
        if (keyX != 0) s.keyed = true;
        w.locked += collateral;
        // Every open claim of the job ends after this deadline's lower bound (see Job.dueAt).
        if (job.openClaims == 0) job.dueAt = uint32(deadline);
        job.openClaims += 1;
        emit ShardClaimed(jobId, shardIndex, msg.sender, deadline, nonce, keyX, keyY);
    }

    /// @dev Ends the current claim: unlocks (and with `slash` takes) the collateral, reopens the shard keeping its
    /// claim nonce, bars the worker from it and lowers the open-claim count. Events and payouts are the caller's.
    function _reopen(Job storage job, uint256 jobId, uint256 shardIndex, address worker, bool slash, bool bar)
        private
    {
        uint128 collateral = job.collateral;
        Worker storage w = _workers[worker];
        w.locked -= collateral;
        if (slash) w.stake -= collateral;
        Shard storage s = _shards[jobId][shardIndex];
        uint32 nonce = s.claimNonce;
        delete _shards[jobId][shardIndex]; // Open, no worker, no deadline, key not released, not keyed
        s.claimNonce = nonce;
        if (bar) _expiredBefore[jobId][shardIndex][worker] = true;
        job.openClaims -= 1;
    }

    /// @dev A keyed release: checks the committed key leaf and the ephemeral point, then replaces the one-time key's
    /// word with the digest of what was released (what `proveBadRelease` checks against).
    function _recordKeyedRelease(bytes32 root, uint256 jobId, uint256 shardIndex, KeyRelease calldata r) private {
        bytes32 keyHash = r.keyHash;
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(KEY_LEAF_TAG | shardIndex, keyHash))));
        if (!MerkleProof.verifyCalldata(r.keyProof, root, leaf)) revert InvalidKeyProof();
        (uint256 x, uint256 y) = (r.ephemeralX, r.ephemeralY);
        if (keyHash != bytes32(0) && (x == 0 || x >= SECP_N || !_onCurve(x, y))) revert InvalidCurvePoint(x, y);
        mapping(uint256 => bytes32) storage keys = _claimKey[jobId];
        keys[shardIndex] = keccak256(abi.encode(keys[shardIndex], keyHash, x, y, r.maskedKey));
    }

    /// @dev Runs the same call (same selector and arguments) on the scanner and returns what it returns.
    function _forwardToScanner() private view {
        address target = address(scanner);
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := staticcall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    /// @dev On a cancelled job a shard leaving its claim returns its escrow to the requester.
    function _refundIfCancelled(Job storage job, uint256 jobId, uint256 shardIndex) private {
        if (!job.cancelled) return;
        uint256 refund = uint256(job.pricePerShard) + _ownerFee(job, shardIndex);
        _balances[job.requester] += refund;
        emit EscrowRefunded(jobId, shardIndex, refund);
    }

    /// @dev A released claim's inspection window ends claimWindow / INSPECTION_DIVISOR after the release (the release
    /// set the deadline to releasedAt + claimWindow).
    function _inspectionEnd(Job storage job, Shard storage s) private view returns (uint64) {
        uint64 window = job.claimWindow;
        return uint64(s.deadline) - window + window / INSPECTION_DIVISOR;
    }

    /// @dev A proven bad release: the shard is forfeited, its price goes to the worker, the owner fee back to the
    /// requester, the collateral is unlocked.
    function _forfeit(Job storage job, uint256 jobId, uint256 shardIndex, address worker) private {
        _shards[jobId][shardIndex].status = ShardStatus.Forfeited;
        _workers[worker].locked -= job.collateral;
        job.openClaims -= 1;
        job.forfeitedShards += 1;
        uint256 compensation = job.pricePerShard;
        uint256 refund = _ownerFee(job, shardIndex);
        _balances[worker] += compensation;
        _balances[job.requester] += refund;
        emit BadReleaseProven(jobId, shardIndex, worker, compensation, refund);
    }

    /// @dev Whether (x, y) is an affine secp256k1 point: y^2 = x^3 + 7 mod p.
    function _onCurve(uint256 x, uint256 y) private pure returns (bool) {
        if (x >= SECP_P || y >= SECP_P) return false;
        return mulmod(y, y, SECP_P) == addmod(mulmod(mulmod(x, x, SECP_P), x, SECP_P), 7, SECP_P);
    }

    /// @dev The Ethereum address of a point: the last 20 bytes of keccak256(x || y).
    function _pointAddress(uint256 x, uint256 y) private pure returns (address) {
        return address(uint160(uint256(keccak256(abi.encode(x, y)))));
    }

    /// @dev Checks and lowers the manager's share of the worker's lock; the caller lowers `locked` itself.
    function _takeManagerLock(address worker, uint256 amount) private returns (Worker storage) {
        if (amount == 0) revert ZeroAmount();
        uint256 held = lockedByManager[worker];
        if (amount > held) revert ManagerLockExceeded(held, amount);
        lockedByManager[worker] = held - amount;
        return _workers[worker];
    }

    function _job(uint256 jobId) private view returns (Job storage job) {
        job = _jobs[jobId];
        if (job.requester == address(0)) revert JobNotFound(jobId);
    }

    function _shard(Job storage job, uint256 jobId, uint256 shardIndex) private view returns (Shard storage) {
        if (shardIndex >= job.shardCount) revert ShardOutOfRange(jobId, shardIndex);
        return _shards[jobId][shardIndex];
    }

    function _registered(address account) private view returns (Worker storage w) {
        w = _workers[account];
        if (!w.registered) revert NotRegistered(account);
    }

    function _perShard(Job storage job) private view returns (uint256) {
        return uint256(job.pricePerShard) + job.ownerFeePerShard;
    }

    /// @dev The shard's owner fee: ownerFeePerShard, less the padding's on the last shard.
    function _ownerFee(Job storage job, uint256 shardIndex) private view returns (uint256) {
        return shardIndex == job.shardCount - 1 ? uint256(job.ownerFeePerShard) - job.paddingFee : job.ownerFeePerShard;
    }

    /// @dev ownerFeePerShard = fee per inference * max(batchSize, 1); paddingFee = fee per inference * padding rows of
    /// the last shard (inputCount 0: none); escrow = shards * (price + ownerFeePerShard) - paddingFee.
    function _escrowFor(JobParams calldata p, IModelRegistry.JobTerms memory t)
        private
        pure
        returns (uint128 ownerFeePerShard, uint128 paddingFee, uint256 escrow)
    {
        uint256 batch = t.batchSize == 0 ? 1 : t.batchSize;
        ownerFeePerShard = (uint256(t.feePerInference) * batch).toUint128();
        uint256 slots = uint256(p.shardCount) * batch;
        if (p.inputCount != 0) {
            if (p.inputCount <= slots - batch || p.inputCount > slots) {
                revert InvalidInputCount(p.inputCount, slots - batch + 1, slots);
            }
            paddingFee = (uint256(t.feePerInference) * (slots - p.inputCount)).toUint128();
        }
        escrow = uint256(p.shardCount) * (uint256(p.pricePerShard) + ownerFeePerShard) - paddingFee;
    }

    /// @dev Layout 2 (layout 1: no cipher): [outputCommitment, inputCommitment, (modelCommitment), cipher..., binding].
    /// The cipher's length is not checked here: the version's verifier takes exactly its circuit's (IProofVerifier).
    function _signals(
        Job storage job,
        uint256 jobId,
        uint256 shardIndex,
        uint256 input,
        uint256 output,
        uint256[] calldata cipher
    ) private view returns (uint256[] memory signals) {
        uint256 modelCommitment = job.modelCommitment;
        uint256 at = modelCommitment == 0 ? 2 : 3;
        uint256 n = cipher.length;
        signals = new uint256[](at + n + 1);
        signals[0] = output;
        signals[1] = input;
        if (modelCommitment != 0) signals[2] = modelCommitment;
        assembly ("memory-safe") {
            calldatacopy(add(signals, shl(5, add(at, 1))), cipher.offset, shl(5, n))
        }
        signals[at + n] = bindingOf(jobId, shardIndex, msg.sender);
    }

    /// @dev Gas-capped hook call; a failure is stored as pending for `replayHook` (F-10: the fhEVM's HCU
    /// budget is per transaction, so a caller can exhaust it before the hook runs, which no gas check catches).
    function _callHook(address worker, uint256 jobId, uint256 shardIndex, bool settled) private {
        IReputationHook hook = reputationHook;
        if (address(hook) == address(0)) return;
        IReputationHook.OutcomeValue memory value = _outcomeValue(_jobs[jobId]);
        uint256 gasLimit = hookGasLimit;
        // EIP-150 keeps 1/64 back; without this check a caller could starve the hook on purpose. The margin pays for
        // recording a failed call as pending.
        if (gasleft() < gasLimit + gasLimit / 63 + 50_000) revert InsufficientGasForHook();
        bytes memory data = settled
            ? abi.encodeCall(IReputationHook.onSettled, (worker, jobId, shardIndex, value))
            : abi.encodeCall(IReputationHook.onSlashed, (worker, jobId, shardIndex, value));
        bool ok;
        bytes4 selector;
        uint256 reasonLength;
        // G-05: a low-level call that copies nothing back, then at most the revert's first 4 bytes (into scratch
        // space): a hook reverting with megabytes of data costs this frame no memory and no log bytes.
        assembly ("memory-safe") {
            ok := call(gasLimit, hook, 0, add(data, 0x20), mload(data), 0, 0)
            if iszero(ok) {
                reasonLength := returndatasize()
                if gt(reasonLength, 3) {
                    returndatacopy(0, 0, 4)
                    selector := mload(0)
                }
            }
        }
        if (!ok) {
            _pendingHooks[_hookCallId(worker, jobId, shardIndex, settled)] = true;
            emit ReputationHookFailed(worker, jobId, shardIndex, settled, selector, reasonLength);
        }
    }

    /// @dev What a hook learns about an outcome: the job's snapshotted parties, protocol fee and collateral.
    function _outcomeValue(Job storage job) private view returns (IReputationHook.OutcomeValue memory) {
        return IReputationHook.OutcomeValue({
            requester: job.requester,
            modelOwner: job.modelOwner,
            protocolFee: uint128(uint256(job.pricePerShard) * job.protocolFeeBps / BPS),
            collateral: job.collateral
        });
    }

    function _hookCallId(address worker, uint256 jobId, uint256 shardIndex, bool settled) private pure returns (bytes32) {
        return keccak256(abi.encode(worker, jobId, shardIndex, settled));
    }

    function _send(address to, uint256 amount) private {
        (bool ok,) = payable(to).call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }
}
