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
    /// @dev The share of the round window left for the work after the join cutoff (and before a verifier's deadline).
    uint256 private constant JOIN_CUTOFF_DIVISOR = 4;
    /// @dev What a shard's pending draw decides: replication (and then the replica), the replica only (after a
    /// reanchored draw), or the referee of a dispute. Part of the draw's hash preimage.
    uint8 private constant DRAW = 1;
    uint8 private constant PICK_REPLICA = 2;
    uint8 private constant PICK_REFEREE = 3;

    uint256 public jobCount;
    uint256 private _totalEscrow;
    uint256 private _totalBalances;

    mapping(uint256 => Job) private _jobs;
    mapping(uint256 => mapping(uint16 => Round)) private _rounds;
    mapping(uint256 => mapping(uint16 => mapping(uint16 => Slot))) private _slots;
    mapping(uint256 => mapping(uint16 => mapping(address => uint16))) private _slotOf; // slot index + 1
    mapping(uint256 => mapping(uint16 => mapping(uint16 => StandbyEntry))) private _standby;
    mapping(uint256 => mapping(uint16 => mapping(address => uint16))) private _standbyOf; // standby index + 1
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
        if (
            p.roundWindow == 0 || p.closeWindow == 0 || p.roundWindow > MAX_WINDOW || p.closeWindow > MAX_WINDOW
                || (p.mode == Mode.Outsourced && p.closeWindow / 2 < p.roundWindow / JOIN_CUTOFF_DIVISOR)
        ) revert InvalidWindow(p.roundWindow, p.closeWindow);
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
        Round storage rd = _rounds[jobId][r]; // a fresh round: every other field is zero
        rd.submitDeadline = submitDeadline;
        rd.closeDeadline = closeDeadline;
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

    /// @dev The current-round job, checked to be outsourced.
    function _outsourced(uint256 jobId, uint16 r) private view returns (Job storage j) {
        j = _current(jobId, r);
        if (j.mode != Mode.Outsourced) revert NotOutsourced(jobId);
    }

    /// @inheritdoc ITrainingJobs
    function join(uint256 jobId, uint16 r) external nonReentrant returns (uint16 slot) {
        Job storage j = _current(jobId, r);
        Round storage rd = _rounds[jobId][r];
        _checkJoiner(jobId, r, j, rd);
        if (rd.joined >= j.participantsPerRound) revert RoundFull(jobId, r);
        uint16 n = rd.joined;
        rd.joined = n + 1;
        slot = j.mode == Mode.Federated ? n : 2 * n;
        rd.pending += 1;
        _slots[jobId][r][slot] = Slot(msg.sender, SlotState.Joined, 0, 0, bytes32(0));
        _slotOf[jobId][r][msg.sender] = slot + 1;
        emit Joined(jobId, r, msg.sender, slot);
        core.managerLock(msg.sender, j.collateral);
    }

    /// @inheritdoc ITrainingJobs
    function enlist(uint256 jobId, uint16 r) external nonReentrant returns (uint16 index) {
        Job storage j = _outsourced(jobId, r);
        Round storage rd = _rounds[jobId][r];
        _checkJoiner(jobId, r, j, rd);
        index = rd.standby;
        if (index == type(uint16).max) revert RoundFull(jobId, r);
        rd.standby = index + 1;
        _standby[jobId][r][index] = StandbyEntry(msg.sender, StandbyStatus.Free);
        _standbyOf[jobId][r][msg.sender] = index + 1;
        emit StandbyEnlisted(jobId, r, msg.sender, index);
        core.managerLock(msg.sender, j.collateral);
    }

    /// @dev A joiner (slot or standby) must be inside the join window, not a party of the job, and new to the round.
    function _checkJoiner(uint256 jobId, uint16 r, Job storage j, Round storage rd) private view {
        if (block.timestamp > rd.submitDeadline) revert SubmitWindowClosed(rd.submitDeadline);
        if (j.mode == Mode.Outsourced) {
            uint64 cutoff = _joinCutoff(j, rd);
            if (block.timestamp > cutoff) revert JoinWindowClosed(cutoff);
        }
        if (msg.sender == j.requester || msg.sender == j.aggregator) revert PartyOfJob(msg.sender);
        if (_slotOf[jobId][r][msg.sender] != 0 || _standbyOf[jobId][r][msg.sender] != 0) revert AlreadyJoined(msg.sender);
    }

    /// @inheritdoc ITrainingJobs
    function releaseDataKey(uint256 jobId, uint16 r, uint16 slot, bytes calldata release) external nonReentrant {
        Job storage j = _current(jobId, r);
        if (msg.sender != j.requester) revert NotRequester(msg.sender, j.requester);
        if (j.mode != Mode.Outsourced) revert NotOutsourced(jobId);
        _checkSlotDeadline(j, _rounds[jobId][r], slot);
        Slot storage s = _slots[jobId][r][slot];
        if (s.state != SlotState.Joined) revert SlotNotAwaitingKey(slot);
        if (s.keyReleasedAt != 0) revert KeyAlreadyReleased(slot);

        s.keyReleasedAt = uint40(block.timestamp);
        emit DataKeyReleased(jobId, r, slot, s.worker, release);
    }

    /// @inheritdoc ITrainingJobs
    function submitUpdate(uint256 jobId, uint16 r, bytes32 updateHash, string calldata updateCid) external nonReentrant {
        Job storage j = _current(jobId, r);
        Round storage rd = _rounds[jobId][r];
        uint16 idx = _slotOf[jobId][r][msg.sender];
        if (j.mode == Mode.Federated || idx == 0) {
            if (block.timestamp > rd.submitDeadline) revert SubmitWindowClosed(rd.submitDeadline);
        } else {
            _checkSlotDeadline(j, rd, idx - 1);
        }
        if (idx == 0) revert NotParticipant(msg.sender);
        if (updateHash == bytes32(0)) revert ZeroUpdateHash();
        if (bytes(updateCid).length == 0) revert EmptyUpdateCid();
        uint16 slot = idx - 1;
        Slot storage s = _slots[jobId][r][slot];
        if (s.state != SlotState.Joined) revert AlreadySubmitted(msg.sender);
        if (j.mode == Mode.Outsourced && s.keyReleasedAt == 0) revert KeyNotReleased(slot);

        s.state = SlotState.Submitted;
        s.updateHash = updateHash;
        rd.pending -= 1;
        emit UpdateSubmitted(jobId, r, msg.sender, updateHash, updateCid);
        if (j.mode == Mode.Outsourced) _onOutsourcedSubmit(jobId, j, r, slot);
    }

    // ------------------------------------------------------------------ outsourced: draws, replicas, referees

    /// @dev Outsourced joins and enlistments close, and a primary's key must have come for its silence to be
    /// slashable, at submitDeadline − roundWindow / JOIN_CUTOFF_DIVISOR (the last quarter is left for the work).
    function _joinCutoff(Job storage j, Round storage rd) private view returns (uint64) {
        return rd.submitDeadline - _workTime(j);
    }

    function _workTime(Job storage j) private view returns (uint64) {
        return uint64(j.roundWindow / JOIN_CUTOFF_DIVISOR);
    }

    /// @dev Verifiers (replicas, referees) submit until submitDeadline + closeWindow / 2.
    function _auditDeadline(Job storage j, Round storage rd) private view returns (uint64) {
        return rd.submitDeadline + uint64(j.closeWindow / 2);
    }

    function _isVerifier(Job storage j, uint256 slot) private view returns (bool) {
        return slot >= 2 * uint256(j.participantsPerRound) || slot % 2 == 1;
    }

    /// @dev A primary's deadline is the submission deadline, a verifier's the audit deadline.
    function _checkSlotDeadline(Job storage j, Round storage rd, uint256 slot) private view {
        if (_isVerifier(j, slot)) {
            uint64 audit = _auditDeadline(j, rd);
            if (block.timestamp > audit) revert AuditWindowClosed(audit);
        } else if (block.timestamp > rd.submitDeadline) {
            revert SubmitWindowClosed(rd.submitDeadline);
        }
    }

    /// @dev A primary's submission fixes its draw block; a replica's compares; a referee's decides.
    function _onOutsourcedSubmit(uint256 jobId, Job storage j, uint16 r, uint16 slot) private {
        uint16 shards = j.participantsPerRound;
        if (slot >= 2 * shards) return _decideDispute(jobId, j, r, slot - 2 * shards);
        Round storage rd = _rounds[jobId][r];
        uint16 shard = slot / 2;
        Slot storage a = _slots[jobId][r][2 * shard];
        uint48 next = uint48(block.number + 1);
        if (slot % 2 == 0) {
            a.drawBlock = next;
            rd.openAudits += 1;
            emit ReplicationPending(jobId, r, shard, next);
            return;
        }
        Slot storage b = _slots[jobId][r][slot];
        rd.openAudits -= 1;
        if (a.updateHash == b.updateHash) {
            rd.refereesReserved -= 1;
            emit ReplicasMatched(jobId, r, shard, a.updateHash);
            _accept(jobId, j, r, a);
            _accept(jobId, j, r, b);
        } else {
            a.state = SlotState.Disputed;
            b.state = SlotState.Disputed;
            b.drawBlock = next;
            rd.openDisputes += 1;
            emit ReplicaMismatch(jobId, r, shard, a.updateHash, b.updateHash, next);
        }
    }

    /// @inheritdoc ITrainingJobs
    function resolveDraw(uint256 jobId, uint16 r, uint16 shard) external nonReentrant {
        Job storage j = _outsourced(jobId, r);
        uint16 shards = j.participantsPerRound;
        if (shard >= shards) revert ShardOutOfRange(shard);
        Round storage rd = _rounds[jobId][r];
        uint64 cutoff = _joinCutoff(j, rd);
        if (block.timestamp <= cutoff) revert StandbyOpen(cutoff);
        if (rd.sealBlock == 0) {
            rd.sealBlock = uint48(block.number + 1);
            emit StandbySealed(jobId, r, rd.sealBlock);
            return;
        }
        Slot storage primary = _slots[jobId][r][2 * shard];
        Slot storage replica = _slots[jobId][r][2 * shard + 1];
        uint8 stage;
        uint256 target;
        if (primary.state == SlotState.Submitted && primary.drawBlock != 0) {
            (stage, target) = (DRAW, primary.drawBlock > rd.sealBlock ? primary.drawBlock : rd.sealBlock);
        } else if (primary.state == SlotState.Submitted && replica.state == SlotState.Empty && replica.drawBlock != 0) {
            (stage, target) = (PICK_REPLICA, replica.drawBlock);
        } else if (
            primary.state == SlotState.Disputed && _slots[jobId][r][2 * shards + shard].state == SlotState.Empty
                && replica.drawBlock != 0
        ) {
            (stage, target) = (PICK_REFEREE, replica.drawBlock);
        } else {
            revert NothingToDraw(shard);
        }
        if (block.number <= target) revert DrawNotReady(target);
        bytes32 h = blockhash(target);
        if (h == bytes32(0)) {
            // aged out: nobody may gain by letting a draw go stale, so it counts as replicated, and the pick moves on
            uint48 next = uint48(block.number + 1);
            if (stage == DRAW) {
                primary.drawBlock = 0;
                emit ReplicationDrawn(jobId, r, shard, true);
            }
            replica.drawBlock = next;
            emit DrawReanchored(jobId, r, shard, next);
            return;
        }
        uint256 rand = uint256(keccak256(abi.encode(h, address(this), jobId, r, shard, stage)));
        if (stage == PICK_REFEREE) {
            rd.refereesReserved -= 1;
            return _assign(jobId, r, shard, 2 * shards + shard, rand);
        }
        if (stage == DRAW) {
            primary.drawBlock = 0;
            bool replicated = rand % BPS < j.replicationBps;
            emit ReplicationDrawn(jobId, r, shard, replicated);
            if (!replicated) {
                rd.openAudits -= 1;
                return _accept(jobId, j, r, primary);
            }
        }
        if (rd.standby - rd.standbyAssigned < uint256(rd.refereesReserved) + 2) {
            rd.openAudits -= 1;
            emit AuditUnstaffed(jobId, r, shard);
            return _accept(jobId, j, r, primary);
        }
        rd.refereesReserved += 1;
        _assign(jobId, r, shard, 2 * shard + 1, rand);
    }

    /// @dev Gives verifier `slot` to a free standby entry, from a position drawn by `rand` (scanning on from there:
    /// at most 2·shards entries are ever assigned, so the scan is short). Its collateral, locked at enlistment, moves
    /// to the slot.
    function _assign(uint256 jobId, uint16 r, uint16 shard, uint16 slot, uint256 rand) private {
        Round storage rd = _rounds[jobId][r];
        uint256 n = rd.standby;
        uint256 i = uint256(keccak256(abi.encode(rand, slot))) % n;
        mapping(uint16 => StandbyEntry) storage pool = _standby[jobId][r];
        while (pool[uint16(i)].status != StandbyStatus.Free) i = (i + 1) % n;
        StandbyEntry storage e = pool[uint16(i)];
        e.status = StandbyStatus.Assigned;
        rd.standbyAssigned += 1;
        rd.pending += 1;
        address w = e.worker;
        _slots[jobId][r][slot] = Slot(w, SlotState.Joined, 0, 0, bytes32(0));
        _slotOf[jobId][r][w] = slot + 1;
        emit VerifierAssigned(jobId, r, shard, slot, w);
    }

    /// @dev The referee of `shard` has submitted: the replica agreeing with it is accepted and paid with the referee,
    /// the one disagreeing is slashed (to the treasury; keeper: the referee). If all three differ, all are released
    /// unpaid.
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
            emit DisputeResolved(jobId, r, shard, ref.updateHash, address(0));
            _reject(jobId, j, r, a);
            _reject(jobId, j, r, b);
            _reject(jobId, j, r, ref);
            return;
        }
        loser.state = SlotState.Slashed;
        emit DisputeResolved(jobId, r, shard, ref.updateHash, loser.worker);
        _accept(jobId, j, r, winner);
        _accept(jobId, j, r, ref);
        _slash(jobId, j, r, loser.worker, ref.worker);
    }

    /// @dev Pays a slot its reward and releases its collateral.
    function _accept(uint256 jobId, Job storage j, uint16 r, Slot storage s) private {
        s.state = SlotState.Accepted;
        address w = s.worker;
        emit UpdateAccepted(jobId, r, w, j.rewardPerUpdate);
        _credit(j, w, j.rewardPerUpdate);
        core.managerRelease(w, j.collateral);
    }

    /// @dev Releases a submitted slot's collateral unpaid.
    function _reject(uint256 jobId, Job storage j, uint16 r, Slot storage s) private {
        s.state = SlotState.Rejected;
        emit UpdateRejected(jobId, r, s.worker);
        core.managerRelease(s.worker, j.collateral);
    }

    /// @dev Slashes `w`'s collateral with the treasury as beneficiary: neither the requester nor its aggregator may
    /// earn from a slash on its own job, so a keeper share they would get goes to the treasury too.
    function _slash(uint256 jobId, Job storage j, uint16 r, address w, address keeper) private {
        address treasury = core.treasury();
        if (keeper == j.requester || keeper == j.aggregator) keeper = treasury;
        emit ParticipantSlashed(jobId, r, w, j.collateral, keeper);
        core.managerSlash(w, j.collateral, treasury, keeper);
    }

    /// @inheritdoc ITrainingJobs
    function releaseStandby(uint256 jobId, uint16 r, address worker) external nonReentrant {
        Job storage j = _jobs[jobId];
        if (j.requester == address(0)) revert JobNotFound(jobId);
        uint16 idx = _standbyOf[jobId][r][worker];
        bool ended = j.status != Status.Active || j.round > r;
        StandbyEntry storage e = _standby[jobId][r][idx == 0 ? 0 : idx - 1];
        if (idx == 0 || !ended || e.status != StandbyStatus.Free) revert StandbyNotReleasable(worker);
        e.status = StandbyStatus.Released;
        emit StandbyReleased(jobId, r, worker);
        core.managerRelease(worker, j.collateral);
    }

    // ------------------------------------------------------------------ closing

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
        bool outsourced = j.mode == Mode.Outsourced;
        bool complete = rd.joined == j.participantsPerRound && rd.pending == 0 && rd.openAudits == 0 && rd.openDisputes == 0;
        uint64 early = outsourced ? _auditDeadline(j, rd) : rd.submitDeadline;
        if (!complete && block.timestamp <= early) revert RoundNotClosable(jobId, r);
        if (bytes(nextModelCid).length == 0) revert EmptyNextModelCid();
        if (acceptedMask != 0 && aggregateHash == bytes32(0)) revert ZeroAggregateHash();
        if (outsourced) {
            uint256 expected = _paidMask(jobId, j, r);
            if (expected != acceptedMask) revert MaskMismatch(expected, acceptedMask);
        } else {
            _checkFederatedMask(jobId, j, r, acceptedMask);
        }

        j.modelCid = nextModelCid;
        emit RoundClosed(jobId, r, acceptedMask, nextModelCid, aggregateHash);
        _credit(j, j.aggregator, j.aggregatorFee);
        if (outsourced) _settleOutsourced(jobId, j, r, msg.sender);
        else _settleFederated(jobId, j, r, acceptedMask, msg.sender);
        _advance(jobId, j, r);
    }

    /// @inheritdoc ITrainingJobs
    function settleRound(uint256 jobId, uint16 r) external nonReentrant {
        Job storage j = _outsourced(jobId, r);
        Round storage rd = _rounds[jobId][r];
        uint64 from = _settleFrom(j, rd);
        if (block.timestamp < from) revert SettleTooEarly(from);
        if (block.timestamp > rd.closeDeadline) revert CloseWindowPassed(rd.closeDeadline);
        emit RoundSettled(jobId, r, _paidMask(jobId, j, r), msg.sender);
        _settleOutsourced(jobId, j, r, msg.sender);
        _advance(jobId, j, r);
    }

    function _settleFrom(Job storage j, Round storage rd) private view returns (uint64) {
        return rd.submitDeadline + uint64((3 * uint256(j.closeWindow)) / 4);
    }

    /// @dev Opens the next round, or finishes the job after the last.
    function _advance(uint256 jobId, Job storage j, uint16 r) private {
        uint16 next = r + 1;
        j.round = next;
        if (next == j.maxRounds) j.status = Status.Finished;
        else _openRound(jobId, j, next);
    }

    /// @dev Federated: accepted slots must hold a submission.
    function _checkFederatedMask(uint256 jobId, Job storage j, uint16 r, uint256 mask) private view {
        uint256 slots = j.participantsPerRound;
        if (slots < MAX_SLOTS && mask >> slots != 0) revert AcceptedSlotNotSubmitted(uint16(slots));
        for (uint256 i; i < slots; ++i) {
            if ((mask >> i) & 1 == 1 && _slots[jobId][r][uint16(i)].state != SlotState.Submitted) {
                revert AcceptedSlotNotSubmitted(uint16(i));
            }
        }
    }

    /// @dev Outsourced: accepted slots, plus primaries with no verdict against them (still `Submitted`: draw or audit
    /// unfinished; `Disputed`: no referee verdict).
    function _paidMask(uint256 jobId, Job storage j, uint16 r) private view returns (uint256 m) {
        uint256 shards = j.participantsPerRound;
        for (uint256 i; i < 3 * shards; ++i) {
            SlotState st = _slots[jobId][r][uint16(i)].state;
            bool primary = i < 2 * shards && i % 2 == 0;
            if (st == SlotState.Accepted || (primary && (st == SlotState.Submitted || st == SlotState.Disputed))) {
                m |= uint256(1) << i;
            }
        }
    }

    /// @dev Federated: pays the mask's slots, releases the other submitters unpaid, slashes silent ones.
    function _settleFederated(uint256 jobId, Job storage j, uint16 r, uint256 mask, address keeper) private {
        for (uint256 i; i < j.participantsPerRound; ++i) {
            Slot storage s = _slots[jobId][r][uint16(i)];
            SlotState st = s.state;
            if (st == SlotState.Joined) {
                s.state = SlotState.Slashed;
                _slash(jobId, j, r, s.worker, keeper);
            } else if (st == SlotState.Submitted) {
                if ((mask >> i) & 1 == 1) _accept(jobId, j, r, s);
                else _reject(jobId, j, r, s);
            }
        }
    }

    /// @dev Outsourced: pays primaries with no verdict against them, releases an undecided replica unpaid, slashes a
    /// silent slot whose key came at least a quarter round window before its deadline and voids the others.
    function _settleOutsourced(uint256 jobId, Job storage j, uint16 r, address keeper) private {
        Round storage rd = _rounds[jobId][r];
        uint256 shards = j.participantsPerRound;
        uint64 primaryKeyBy = _joinCutoff(j, rd);
        uint64 verifierKeyBy = _auditDeadline(j, rd) - _workTime(j);
        for (uint256 i; i < 3 * shards; ++i) {
            Slot storage s = _slots[jobId][r][uint16(i)];
            SlotState st = s.state;
            bool primary = i < 2 * shards && i % 2 == 0;
            if (st == SlotState.Joined) {
                uint64 keyBy = primary ? primaryKeyBy : verifierKeyBy;
                if (s.keyReleasedAt == 0 || s.keyReleasedAt > keyBy) {
                    s.state = SlotState.Rejected;
                    emit SlotVoided(jobId, r, s.worker, uint16(i));
                    core.managerRelease(s.worker, j.collateral);
                } else {
                    s.state = SlotState.Slashed;
                    _slash(jobId, j, r, s.worker, keeper);
                }
            } else if (st == SlotState.Submitted || st == SlotState.Disputed) {
                if (primary) _accept(jobId, j, r, s);
                else _reject(jobId, j, r, s);
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
        if (j.mode == Mode.Outsourced) _settleOutsourced(jobId, j, r, msg.sender);
        else _settleFederated(jobId, j, r, 0, msg.sender);
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
    function getStandby(uint256 jobId, uint16 r, uint16 index) external view returns (StandbyEntry memory) {
        return _standby[jobId][r][index];
    }

    /// @inheritdoc ITrainingJobs
    function standbyOf(uint256 jobId, uint16 r, address worker) external view returns (uint16) {
        return _standbyOf[jobId][r][worker];
    }

    /// @inheritdoc ITrainingJobs
    function paidMask(uint256 jobId, uint16 r) external view returns (uint256) {
        Job storage j = _jobs[jobId];
        if (j.requester == address(0)) revert JobNotFound(jobId);
        if (j.mode != Mode.Outsourced) revert NotOutsourced(jobId);
        return _paidMask(jobId, j, r);
    }

    /// @inheritdoc ITrainingJobs
    function auditTimes(uint256 jobId, uint16 r) external view returns (uint64 auditDeadline, uint64 settleFrom) {
        Job storage j = _jobs[jobId];
        if (j.requester == address(0)) revert JobNotFound(jobId);
        Round storage rd = _rounds[jobId][r];
        return (_auditDeadline(j, rd), _settleFrom(j, rd));
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
