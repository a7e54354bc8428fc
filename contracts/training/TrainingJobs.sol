// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ITrainingJobs} from "../interfaces/ITrainingJobs.sol";
import {ICoreCollateral} from "../interfaces/ICoreCollateral.sol";

/// @title TrainingJobs
/// @notice Rounds of DP training paid from escrow, with participants' collateral locked in OblivionCore.
/// @dev Value held here: the rewards escrow of training jobs and the pull balances paid from it. This is the one place
/// value sits outside the core: the core's escrow is per inference shard and settles only against a SNARK proof, while
/// a training round settles against the aggregator's verdict or replica agreement — a different rule that does not
/// belong in the core. Stake and collateral never come here: they stay in the core (lock / release / slash through its
/// collateral-manager entry point), so one stake backs both kinds of work and a slash follows the core's split.
/// No owner: nothing here can move users' funds except the rules below. Invariant:
/// address(this).balance == Σ job.escrow + Σ balances (see `totalLiabilities`).
contract TrainingJobs is ITrainingJobs, ReentrancyGuard {
    /// @notice The core holding stake; this contract must be its bound collateral manager.
    ICoreCollateral public immutable core;

    uint256 private constant MAX_SLOTS = 256;
    uint256 private constant MAX_WINDOW = 30 days;
    uint256 private constant BPS = 10_000;
    /// @dev Outsourced joins close, and data keys must have come for a silent slot to be slashable, at
    /// submitDeadline − roundWindow / JOIN_CUTOFF_DIVISOR: the last quarter of the window is left for the work.
    uint256 private constant JOIN_CUTOFF_DIVISOR = 4;

    uint256 public jobCount;
    uint256 private _totalEscrow;
    uint256 private _totalBalances;

    mapping(uint256 => Job) private _jobs;
    mapping(uint256 => mapping(uint16 => Round)) private _rounds;
    mapping(uint256 => mapping(uint16 => mapping(uint16 => Slot))) private _slots;
    mapping(uint256 => mapping(uint16 => mapping(address => uint16))) private _slotOf; // slot index + 1
    mapping(address => uint256) private _balances;

    constructor(ICoreCollateral core_) {
        if (address(core_) == address(0)) revert ZeroAddress();
        core = core_;
    }

    // ------------------------------------------------------------------ posting

    /// @inheritdoc ITrainingJobs
    function escrowFor(JobParams calldata p) public pure returns (uint256) {
        uint256 paidSlots = p.mode == Mode.Federated ? p.participantsPerRound : 2 * uint256(p.participantsPerRound);
        return uint256(p.maxRounds) * (paidSlots * p.rewardPerUpdate + p.aggregatorFee);
    }

    /// @inheritdoc ITrainingJobs
    function postJob(JobParams calldata p) external payable nonReentrant returns (uint256 jobId) {
        if (core.collateralManager() != address(this)) revert NotBoundAsManager(core.collateralManager());
        _checkParams(p);
        uint256 need = escrowFor(p);
        if (msg.value != need) revert IncorrectEscrow(need, msg.value);

        jobId = ++jobCount;
        Job storage j = _jobs[jobId];
        j.requester = msg.sender;
        j.mode = p.mode;
        j.rule = p.rule;
        j.trim = p.trim;
        j.maxRounds = p.maxRounds;
        j.participantsPerRound = p.participantsPerRound;
        j.replicationBps = p.replicationBps;
        j.dataRoot = p.dataRoot;
        j.aggregator = p.aggregator;
        j.roundWindow = p.roundWindow;
        j.closeWindow = p.closeWindow;
        j.rewardPerUpdate = p.rewardPerUpdate;
        j.collateral = p.collateral;
        j.aggregatorFee = p.aggregatorFee;
        j.escrow = uint128(need);
        j.dp = p.dp;
        j.modelCid = p.initialModelCid;
        _totalEscrow += need;

        emit TrainingJobPosted(jobId, msg.sender, p.aggregator, p.mode, p.maxRounds, p.participantsPerRound, need, p.initialModelCid);
        emit DpParamsRecorded(jobId, p.dp, p.maxRounds);
        _openRound(jobId, j, 0);
    }

    function _checkParams(JobParams calldata p) private pure {
        if (p.aggregator == address(0)) revert ZeroAddress();
        if (bytes(p.initialModelCid).length == 0) revert EmptyModelCid();
        if (p.maxRounds == 0) revert InvalidRoundBudget();
        uint256 slots = p.mode == Mode.Federated ? p.participantsPerRound : 3 * uint256(p.participantsPerRound);
        if (p.participantsPerRound == 0 || slots > MAX_SLOTS) revert InvalidParticipants(p.participantsPerRound);
        if (p.roundWindow == 0 || p.closeWindow == 0 || p.roundWindow > MAX_WINDOW || p.closeWindow > MAX_WINDOW) {
            revert InvalidWindow(p.roundWindow, p.closeWindow);
        }
        DpParams calldata d = p.dp;
        if (
            d.epsilonMicro == 0 || d.deltaPico == 0 || d.deltaPico >= 1e12 || d.sigmaMicro == 0 || d.clipMicro == 0 ||
            d.samplingPpm == 0 || d.samplingPpm > 1e6 || d.updateClipMicro == 0 || d.localEpochs == 0
        ) revert InvalidDpParams();
        if (p.rule == Rule.TrimmedMean ? (p.trim == 0 || 2 * uint256(p.trim) >= p.participantsPerRound) : p.trim != 0) {
            revert InvalidTrim(p.trim);
        }
        if (p.rewardPerUpdate == 0 || p.collateral == 0) revert ZeroAmount();
        bool outsourcingOk = p.mode == Mode.Outsourced
            ? p.replicationBps != 0 && p.replicationBps <= BPS && p.dataRoot != bytes32(0)
            : p.replicationBps == 0 && p.dataRoot == bytes32(0);
        if (!outsourcingOk) revert InvalidOutsourcing(p.replicationBps, p.dataRoot);
    }

    function _openRound(uint256 jobId, Job storage j, uint16 r) private {
        uint64 submitDeadline = uint64(block.timestamp) + j.roundWindow;
        uint64 closeDeadline = submitDeadline + j.closeWindow;
        _rounds[jobId][r] = Round(submitDeadline, closeDeadline, 0, 0, 0, 0);
        emit RoundOpened(jobId, r, submitDeadline, closeDeadline);
    }

    // ------------------------------------------------------------------ participants

    /// @dev The job, checked to exist, be active, and be at round `r` (below the budget).
    function _current(uint256 jobId, uint16 r) private view returns (Job storage j) {
        j = _jobs[jobId];
        if (j.requester == address(0)) revert JobNotFound(jobId);
        if (r >= j.maxRounds || j.status == Status.Finished) revert BudgetExhausted(jobId, j.maxRounds);
        if (j.status != Status.Active) revert JobNotActive(jobId);
        if (r != j.round) revert RoundNotCurrent(jobId, r, j.round);
    }

    /// @inheritdoc ITrainingJobs
    function join(uint256 jobId, uint16 r) external nonReentrant returns (uint16 slot) {
        Job storage j = _current(jobId, r);
        Round storage rd = _rounds[jobId][r];
        _checkJoinWindow(j, rd);
        if (rd.joined >= j.participantsPerRound) revert RoundFull(jobId, r);
        uint16 n = rd.joined;
        rd.joined = n + 1;
        slot = j.mode == Mode.Federated ? n : 2 * n;
        _take(jobId, r, slot);
        emit Joined(jobId, r, msg.sender, slot);
        core.managerLock(msg.sender, j.collateral);
    }

    /// @inheritdoc ITrainingJobs
    function joinAsReplica(uint256 jobId, uint16 r, uint16 shard) external nonReentrant {
        Job storage j = _outsourcedShard(jobId, r, shard);
        _checkJoinWindow(j, _rounds[jobId][r]);
        bool drawn = _slots[jobId][r][2 * shard].state == SlotState.Submitted;
        if (!drawn || _slots[jobId][r][2 * shard + 1].state != SlotState.Empty) revert ShardNotAwaitingReplica(shard);
        _take(jobId, r, 2 * shard + 1);
        emit Joined(jobId, r, msg.sender, 2 * shard + 1);
        core.managerLock(msg.sender, j.collateral);
    }

    /// @inheritdoc ITrainingJobs
    function joinAsReferee(uint256 jobId, uint16 r, uint16 shard) external nonReentrant {
        Job storage j = _outsourcedShard(jobId, r, shard);
        _checkJoinWindow(j, _rounds[jobId][r]);
        if (_slots[jobId][r][2 * shard].state != SlotState.Disputed) revert ShardNotDisputed(shard);
        uint16 refSlot = 2 * j.participantsPerRound + shard;
        if (_slots[jobId][r][refSlot].state != SlotState.Empty) revert RefereeTaken(shard);
        _take(jobId, r, refSlot);
        emit RefereeAssigned(jobId, r, shard, msg.sender);
        core.managerLock(msg.sender, j.collateral);
    }

    /// @inheritdoc ITrainingJobs
    function releaseDataKey(uint256 jobId, uint16 r, uint16 slot, bytes calldata release) external nonReentrant {
        Job storage j = _current(jobId, r);
        if (msg.sender != j.requester) revert NotRequester(msg.sender, j.requester);
        if (j.mode != Mode.Outsourced) revert NotOutsourced(jobId);
        Round storage rd = _rounds[jobId][r];
        if (block.timestamp > rd.submitDeadline) revert SubmitWindowClosed(rd.submitDeadline);
        Slot storage s = _slots[jobId][r][slot];
        if (s.state != SlotState.Joined) revert SlotNotAwaitingKey(slot);
        if (s.keyReleasedAt != 0) revert KeyAlreadyReleased(slot);

        s.keyReleasedAt = uint64(block.timestamp);
        emit DataKeyReleased(jobId, r, slot, s.worker, release);
    }

    /// @dev The current-round job, checked to be outsourced with `shard` in range.
    function _outsourcedShard(uint256 jobId, uint16 r, uint16 shard) private view returns (Job storage j) {
        j = _current(jobId, r);
        if (j.mode != Mode.Outsourced) revert NotOutsourced(jobId);
        if (shard >= j.participantsPerRound) revert ShardOutOfRange(shard);
    }

    /// @dev Joins close at the submission deadline (federated) or at the join cutoff (outsourced).
    function _checkJoinWindow(Job storage j, Round storage rd) private view {
        if (block.timestamp > rd.submitDeadline) revert SubmitWindowClosed(rd.submitDeadline);
        if (j.mode == Mode.Outsourced) {
            uint64 cutoff = _joinCutoff(j, rd);
            if (block.timestamp > cutoff) revert JoinWindowClosed(cutoff);
        }
    }

    function _joinCutoff(Job storage j, Round storage rd) private view returns (uint64) {
        return rd.submitDeadline - uint64(j.roundWindow / JOIN_CUTOFF_DIVISOR);
    }

    /// @dev Gives `slot` of round `r` to the caller (one slot per worker per round).
    function _take(uint256 jobId, uint16 r, uint16 slot) private {
        if (_slotOf[jobId][r][msg.sender] != 0) revert AlreadyJoined(msg.sender);
        _rounds[jobId][r].pending += 1;
        _slots[jobId][r][slot] = Slot(msg.sender, SlotState.Joined, 0, bytes32(0));
        _slotOf[jobId][r][msg.sender] = slot + 1;
    }

    /// @inheritdoc ITrainingJobs
    function submitUpdate(uint256 jobId, uint16 r, bytes32 updateHash, string calldata updateCid) external nonReentrant {
        Job storage j = _current(jobId, r);
        Round storage rd = _rounds[jobId][r];
        if (block.timestamp > rd.submitDeadline) revert SubmitWindowClosed(rd.submitDeadline);
        uint16 idx = _slotOf[jobId][r][msg.sender];
        if (idx == 0) revert NotParticipant(msg.sender);
        if (updateHash == bytes32(0)) revert ZeroUpdateHash();
        if (bytes(updateCid).length == 0) revert EmptyUpdateCid();
        uint16 slot = idx - 1;
        Slot storage s = _slots[jobId][r][slot];
        if (s.state != SlotState.Joined) revert AlreadySubmitted(msg.sender);

        s.state = SlotState.Submitted;
        s.updateHash = updateHash;
        rd.pending -= 1;
        emit UpdateSubmitted(jobId, r, msg.sender, updateHash, updateCid);
        if (j.mode == Mode.Outsourced) _compareReplicas(jobId, j, r, slot);
    }

    /// @dev Outsourced mode: a primary's replication draw, a replica's comparison, or a referee's verdict.
    function _compareReplicas(uint256 jobId, Job storage j, uint16 r, uint16 slot) private {
        uint16 shards = j.participantsPerRound;
        if (slot >= 2 * shards) return _decideDispute(jobId, j, r, slot - 2 * shards);
        uint16 shard = slot / 2;
        Slot storage a = _slots[jobId][r][2 * shard];
        if (slot % 2 == 0) return _drawReplication(jobId, j, r, shard, a);
        Slot storage b = _slots[jobId][r][2 * shard + 1];
        _rounds[jobId][r].openAudits -= 1;
        if (a.updateHash == b.updateHash) {
            a.state = SlotState.Accepted;
            b.state = SlotState.Accepted;
            emit ReplicasMatched(jobId, r, shard, a.updateHash);
        } else {
            a.state = SlotState.Disputed;
            b.state = SlotState.Disputed;
            _rounds[jobId][r].openDisputes += 1;
            emit ReplicaMismatch(jobId, r, shard, a.updateHash, b.updateHash);
        }
    }

    /// @dev The primary of `shard` has submitted: with probability replicationBps / 10000 the shard awaits a replica,
    /// else the update is accepted. The draw uses the submission block's prevrandao, unknown while the worker trained;
    /// a block proposer can bias it (docs/training.md).
    function _drawReplication(uint256 jobId, Job storage j, uint16 r, uint16 shard, Slot storage primary) private {
        bool replicated = uint256(keccak256(abi.encode(block.prevrandao, address(this), jobId, r, shard))) % BPS < j.replicationBps;
        if (replicated) _rounds[jobId][r].openAudits += 1;
        else primary.state = SlotState.Accepted;
        emit ReplicationDrawn(jobId, r, shard, replicated);
    }

    /// @dev The referee of `shard` has submitted: the replica agreeing with it is accepted (with the referee), the one
    /// disagreeing is slashed (beneficiary: requester, keeper: referee). If all three differ nobody is paid or slashed.
    function _decideDispute(uint256 jobId, Job storage j, uint16 r, uint16 shard) private {
        Slot storage ref = _slots[jobId][r][2 * j.participantsPerRound + shard];
        Slot storage a = _slots[jobId][r][2 * shard];
        Slot storage b = _slots[jobId][r][2 * shard + 1];
        _rounds[jobId][r].openDisputes -= 1;
        Slot storage winner;
        Slot storage loser;
        if (a.updateHash == ref.updateHash) {
            (winner, loser) = (a, b);
        } else if (b.updateHash == ref.updateHash) {
            (winner, loser) = (b, a);
        } else {
            a.state = SlotState.Rejected;
            b.state = SlotState.Rejected;
            ref.state = SlotState.Rejected;
            emit DisputeResolved(jobId, r, shard, ref.updateHash, address(0));
            return;
        }
        winner.state = SlotState.Accepted;
        ref.state = SlotState.Accepted;
        loser.state = SlotState.Slashed;
        address loserWorker = loser.worker;
        emit DisputeResolved(jobId, r, shard, ref.updateHash, loserWorker);
        emit ParticipantSlashed(jobId, r, loserWorker, j.collateral, ref.worker);
        core.managerSlash(loserWorker, j.collateral, j.requester, ref.worker);
    }

    // ------------------------------------------------------------------ aggregator and keepers

    /// @inheritdoc ITrainingJobs
    function closeRound(
        uint256 jobId,
        uint16 r,
        uint256 acceptedMask,
        string calldata nextModelCid,
        bytes32 aggregateHash
    ) external nonReentrant {
        Job storage j = _current(jobId, r);
        if (msg.sender != j.aggregator) revert NotAggregator(msg.sender, j.aggregator);
        Round storage rd = _rounds[jobId][r];
        if (block.timestamp > rd.closeDeadline) revert CloseWindowPassed(rd.closeDeadline);
        bool complete = rd.joined == j.participantsPerRound && rd.pending == 0 && rd.openAudits == 0 && rd.openDisputes == 0;
        if (!complete && block.timestamp <= rd.submitDeadline) revert RoundNotClosable(jobId, r);
        if (bytes(nextModelCid).length == 0) revert EmptyNextModelCid();
        if (acceptedMask != 0 && aggregateHash == bytes32(0)) revert ZeroAggregateHash();
        _checkMask(jobId, j, r, acceptedMask);

        j.modelCid = nextModelCid;
        emit RoundClosed(jobId, r, acceptedMask, nextModelCid, aggregateHash);
        _credit(j, j.aggregator, j.aggregatorFee);
        _settleSlots(jobId, j, r, acceptedMask, msg.sender);

        uint16 next = r + 1;
        j.round = next;
        if (next == j.maxRounds) j.status = Status.Finished;
        else _openRound(jobId, j, next);
    }

    /// @dev Federated: accepted slots must hold a submission. Outsourced: the mask must be exactly the decided set.
    function _checkMask(uint256 jobId, Job storage j, uint16 r, uint256 mask) private view {
        uint256 slots = _slotCount(j);
        if (j.mode == Mode.Outsourced) {
            uint256 decided = _decidedMask(jobId, r, slots);
            if (decided != mask) revert MaskMismatch(decided, mask);
            return;
        }
        if (slots < MAX_SLOTS && mask >> slots != 0) revert AcceptedSlotNotSubmitted(uint16(slots));
        for (uint256 i; i < slots; ++i) {
            if ((mask >> i) & 1 == 1 && _slots[jobId][r][uint16(i)].state != SlotState.Submitted) {
                revert AcceptedSlotNotSubmitted(uint16(i));
            }
        }
    }

    function _slotCount(Job storage j) private view returns (uint256) {
        return j.mode == Mode.Federated ? j.participantsPerRound : 3 * uint256(j.participantsPerRound);
    }

    function _decidedMask(uint256 jobId, uint16 r, uint256 slots) private view returns (uint256 m) {
        for (uint256 i; i < slots; ++i) {
            if (_slots[jobId][r][uint16(i)].state == SlotState.Accepted) m |= uint256(1) << i;
        }
    }

    /// @dev Pays accepted slots, releases the other submitters unpaid, slashes silent ones (keeper: `keeper`) unless
    /// an outsourced slot's key came after the join cutoff or never (voided). A silent outsourced slot's slash goes to
    /// the treasury, not the requester: the requester controls the key release, and must not profit from a release
    /// the worker could not use.
    function _settleSlots(uint256 jobId, Job storage j, uint16 r, uint256 mask, address keeper) private {
        uint256 slots = _slotCount(j);
        uint256 collateral = j.collateral;
        bool outsourced = j.mode == Mode.Outsourced;
        uint64 cutoff = _joinCutoff(j, _rounds[jobId][r]);
        for (uint256 i; i < slots; ++i) {
            Slot storage s = _slots[jobId][r][uint16(i)];
            SlotState st = s.state;
            if (st == SlotState.Empty || st == SlotState.Slashed) continue;
            address w = s.worker;
            if (st == SlotState.Joined && outsourced && (s.keyReleasedAt == 0 || s.keyReleasedAt > cutoff)) {
                s.state = SlotState.Rejected;
                emit SlotVoided(jobId, r, w, uint16(i));
                core.managerRelease(w, collateral);
            } else if (st == SlotState.Joined) {
                s.state = SlotState.Slashed;
                emit ParticipantSlashed(jobId, r, w, collateral, keeper);
                core.managerSlash(w, collateral, outsourced ? core.treasury() : j.requester, keeper);
            } else if ((mask >> i) & 1 == 1) {
                s.state = SlotState.Accepted;
                emit UpdateAccepted(jobId, r, w, j.rewardPerUpdate);
                _credit(j, w, j.rewardPerUpdate);
                core.managerRelease(w, collateral);
            } else {
                s.state = SlotState.Rejected;
                emit UpdateRejected(jobId, r, w);
                core.managerRelease(w, collateral);
            }
        }
    }

    /// @inheritdoc ITrainingJobs
    function expireRound(uint256 jobId) external nonReentrant {
        Job storage j = _jobs[jobId];
        if (j.requester == address(0)) revert JobNotFound(jobId);
        if (j.status == Status.Finished) revert BudgetExhausted(jobId, j.maxRounds);
        if (j.status != Status.Active) revert JobNotActive(jobId);
        uint16 r = j.round;
        Round storage rd = _rounds[jobId][r];
        if (block.timestamp <= rd.closeDeadline) revert RoundNotExpired(rd.closeDeadline);

        j.status = Status.Aborted;
        emit RoundExpired(jobId, r, msg.sender);
        _settleSlots(jobId, j, r, 0, msg.sender);
    }

    // ------------------------------------------------------------------ money

    function _credit(Job storage j, address to, uint256 amount) private {
        if (amount == 0) return;
        j.escrow -= uint128(amount); // cannot underflow: escrowFor reserves every payment of every round
        _totalEscrow -= amount;
        _balances[to] += amount;
        _totalBalances += amount;
    }

    /// @inheritdoc ITrainingJobs
    function refund(uint256 jobId) external nonReentrant {
        Job storage j = _jobs[jobId];
        if (j.requester == address(0)) revert JobNotFound(jobId);
        if (msg.sender != j.requester) revert NotRequester(msg.sender, j.requester);
        if (j.status == Status.Active) revert JobStillActive(jobId);
        uint256 amount = j.escrow;
        if (amount == 0) revert NothingToRefund(jobId);
        emit EscrowRefunded(jobId, amount);
        _credit(j, j.requester, amount);
    }

    /// @inheritdoc ITrainingJobs
    function withdraw() external nonReentrant {
        uint256 amount = _balances[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        _balances[msg.sender] = 0;
        _totalBalances -= amount;
        emit Withdrawn(msg.sender, amount);
        (bool ok, ) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed(msg.sender, amount);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ITrainingJobs
    function getJob(uint256 jobId) external view returns (Job memory) {
        if (_jobs[jobId].requester == address(0)) revert JobNotFound(jobId);
        return _jobs[jobId];
    }

    /// @inheritdoc ITrainingJobs
    function getRound(uint256 jobId, uint16 r) external view returns (Round memory) {
        return _rounds[jobId][r];
    }

    /// @inheritdoc ITrainingJobs
    function getSlot(uint256 jobId, uint16 r, uint16 slot) external view returns (Slot memory) {
        return _slots[jobId][r][slot];
    }

    /// @inheritdoc ITrainingJobs
    function slotOf(uint256 jobId, uint16 r, address worker) external view returns (uint16) {
        return _slotOf[jobId][r][worker];
    }

    /// @inheritdoc ITrainingJobs
    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    /// @inheritdoc ITrainingJobs
    function totalLiabilities() external view returns (uint256) {
        return _totalEscrow + _totalBalances;
    }
}
