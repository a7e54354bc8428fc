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
    /// @dev Part of the draw's hash preimage (the replication draw, which also picks the replica and the referee).
    uint8 private constant DRAW = 1;

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
    mapping(uint256 => mapping(bytes32 => bool)) private _usedHash; // federated: update hashes submitted in the job

    constructor(ICoreCollateral core_) {
        if (address(core_) == address(0)) revert ZeroAddress();
        core = core_;
    }

    // ------------------------------------------------------------------ posting

    /// @inheritdoc ITrainingJobs
    function escrowFor(JobParams calldata p) public pure returns (uint256) {
        uint256 paidSlots = p.mode == Mode.Federated ? p.participantsPerRound : 3 * uint256(p.participantsPerRound);
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
                || uint256(d.stepsPerRound) * d.samplingPpm < uint256(d.localEpochs) * 1e6
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
        if (j.mode != Mode.Federated) revert CommitRevealRequired(jobId);
        Round storage rd = _rounds[jobId][r];
        if (block.timestamp > rd.submitDeadline) revert SubmitWindowClosed(rd.submitDeadline);
        uint16 idx = _slotOf[jobId][r][msg.sender];
        if (idx == 0) revert NotParticipant(msg.sender);
        if (updateHash == bytes32(0)) revert ZeroUpdateHash();
        if (bytes(updateCid).length == 0) revert EmptyUpdateCid();
        Slot storage s = _slots[jobId][r][idx - 1];
        if (s.state != SlotState.Joined) revert AlreadySubmitted(msg.sender);
        if (_usedHash[jobId][updateHash]) revert DuplicateUpdate(updateHash);

        _usedHash[jobId][updateHash] = true;
        s.state = SlotState.Submitted;
        s.updateHash = updateHash;
        rd.pending -= 1;
        emit UpdateSubmitted(jobId, r, msg.sender, updateHash, updateCid);
    }

    // ------------------------------------------------------------------ outsourced: blind answers, draws, verdicts

    /// @inheritdoc ITrainingJobs
    function commitUpdate(uint256 jobId, uint16 r, bytes32 commitment) external nonReentrant {
        Job storage j = _outsourced(jobId, r);
        Round storage rd = _rounds[jobId][r];
        uint16 idx = _slotOf[jobId][r][msg.sender];
        if (idx == 0) revert NotParticipant(msg.sender);
        uint16 slot = idx - 1;
        _checkSlotDeadline(j, rd, slot);
        if (commitment == bytes32(0)) revert ZeroUpdateHash();
        Slot storage s = _slots[jobId][r][slot];
        if (s.state != SlotState.Joined) revert AlreadySubmitted(msg.sender);
        if (s.keyReleasedAt == 0) revert KeyNotReleased(slot);

        s.state = SlotState.Committed;
        s.updateHash = commitment;
        rd.pending -= 1;
        emit UpdateCommitted(jobId, r, msg.sender, slot, commitment);
        if (!_isVerifier(j, slot)) {
            // the primary's draw uses a block mined after its commitment: it cannot know whether, or by whom, it is audited
            uint48 next = uint48(block.number + 1);
            s.drawBlock = next;
            rd.openAudits += 1;
            emit ReplicationPending(jobId, r, slot / 2, next);
        }
    }

    /// @inheritdoc ITrainingJobs
    function revealUpdate(uint256 jobId, uint16 r, bytes32 updateHash, bytes32 salt, string calldata updateCid)
        external
        nonReentrant
    {
        Job storage j = _outsourced(jobId, r);
        uint16 idx = _slotOf[jobId][r][msg.sender];
        if (idx == 0) revert NotParticipant(msg.sender);
        if (updateHash == bytes32(0)) revert ZeroUpdateHash();
        if (bytes(updateCid).length == 0) revert EmptyUpdateCid();
        uint16 slot = idx - 1;
        Slot storage s = _slots[jobId][r][slot];
        if (s.state != SlotState.Committed) revert NothingToReveal(slot);
        if (commitmentOf(jobId, r, msg.sender, updateHash, salt) != s.updateHash) revert CommitmentMismatch(slot);
        uint16 shard = _checkRevealable(jobId, j, r, slot);

        s.state = SlotState.Submitted;
        s.updateHash = updateHash;
        emit UpdateSubmitted(jobId, r, msg.sender, updateHash, updateCid);
        (Slot storage p, Slot storage a, Slot storage b) = _seats(jobId, r, j.participantsPerRound, shard);
        // every assigned seat revealed: decide now
        if (
            p.state == SlotState.Submitted
                && (a.state == SlotState.Empty || (a.state == SlotState.Submitted && b.state == SlotState.Submitted))
        ) _decide(jobId, j, r, shard, msg.sender);
    }

    /// @dev Nothing is revealed before the shard's draw ran and every verifier of it has committed (or can no longer
    /// commit), nor after the reveal deadline. Returns the slot's shard.
    function _checkRevealable(uint256 jobId, Job storage j, uint16 r, uint16 slot) private view returns (uint16 shard) {
        Round storage rd = _rounds[jobId][r];
        uint64 by = _revealDeadline(j, rd);
        if (block.timestamp > by) revert RevealWindowClosed(by);
        uint16 shards = j.participantsPerRound;
        shard = slot >= 2 * shards ? slot - 2 * shards : slot / 2;
        (Slot storage p, Slot storage a, Slot storage b) = _seats(jobId, r, shards, shard);
        bool verifiersDone = a.state != SlotState.Joined && b.state != SlotState.Joined;
        if (p.drawBlock != 0 || (!verifiersDone && block.timestamp <= _auditDeadline(j, rd))) revert RevealTooEarly(slot);
    }

    /// @inheritdoc ITrainingJobs
    function commitmentOf(uint256 jobId, uint16 r, address worker, bytes32 updateHash, bytes32 salt) public pure returns (bytes32) {
        return keccak256(abi.encode(jobId, r, worker, updateHash, salt));
    }

    /// @dev Outsourced joins and enlistments close, and a primary's key must have come for its silence to be
    /// slashable, at submitDeadline − roundWindow / JOIN_CUTOFF_DIVISOR (the last quarter is left for the work).
    function _joinCutoff(Job storage j, Round storage rd) private view returns (uint64) {
        return rd.submitDeadline - _workTime(j);
    }

    function _workTime(Job storage j) private view returns (uint64) {
        return uint64(j.roundWindow / JOIN_CUTOFF_DIVISOR);
    }

    /// @dev Verifiers (replicas, referees) commit until submitDeadline + closeWindow / 2.
    function _auditDeadline(Job storage j, Round storage rd) private view returns (uint64) {
        return rd.submitDeadline + uint64(j.closeWindow / 2);
    }

    /// @dev Every seat reveals until submitDeadline + 5/8 of the close window.
    function _revealDeadline(Job storage j, Round storage rd) private view returns (uint64) {
        return rd.submitDeadline + uint64((5 * uint256(j.closeWindow)) / 8);
    }

    function _isVerifier(Job storage j, uint256 slot) private view returns (bool) {
        return slot >= 2 * uint256(j.participantsPerRound) || slot % 2 == 1;
    }

    /// @dev The primary, replica and referee seats of `shard`.
    function _seats(uint256 jobId, uint16 r, uint16 shards, uint16 shard)
        private
        view
        returns (Slot storage p, Slot storage a, Slot storage b)
    {
        mapping(uint16 => Slot) storage sl = _slots[jobId][r];
        return (sl[2 * shard], sl[2 * shard + 1], sl[2 * shards + shard]);
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

    /// @inheritdoc ITrainingJobs
    function resolveDraw(uint256 jobId, uint16 r, uint16 shard) external nonReentrant {
        Job storage j = _outsourced(jobId, r);
        uint16 shards = j.participantsPerRound;
        if (shard >= shards) revert ShardOutOfRange(shard);
        Round storage rd = _rounds[jobId][r];
        uint64 cutoff = _joinCutoff(j, rd);
        if (block.timestamp <= cutoff) revert StandbyOpen(cutoff);
        if (rd.sealBlock == 0) {
            rd.sealBlock = uint48(block.number); // enlistment closed by time: no entry can join in this block
            emit StandbySealed(jobId, r, rd.sealBlock);
            return;
        }
        Slot storage primary = _slots[jobId][r][2 * shard];
        if (primary.state != SlotState.Committed || primary.drawBlock == 0) revert NothingToDraw(shard);
        uint256 target = primary.drawBlock > rd.sealBlock ? primary.drawBlock : rd.sealBlock;
        if (block.number <= target) revert DrawNotReady(target);
        bytes32 h = blockhash(target);
        primary.drawBlock = 0;
        if (h == bytes32(0)) {
            // aged out: no re-draw (a re-roll would reward whoever let it lapse); the primary, whose own tool runs the
            // draw, is released unpaid and its update is not used
            emit DrawLapsed(jobId, r, shard);
            return _closeUnverified(jobId, j, r, primary);
        }
        uint256 rand = uint256(keccak256(abi.encode(h, address(this), jobId, r, shard, DRAW)));
        bool replicated = rand % BPS < j.replicationBps;
        emit ReplicationDrawn(jobId, r, shard, replicated);
        if (!replicated) return;
        if (rd.standby - rd.standbyAssigned < 2) {
            // an audit nobody can staff pays nothing: a primary gains nothing by choosing a shard the pool cannot cover
            emit AuditUnstaffed(jobId, r, shard);
            return _closeUnverified(jobId, j, r, primary);
        }
        _assign(jobId, r, shard, 2 * shard + 1, rand);
        _assign(jobId, r, shard, 2 * shards + shard, rand);
    }

    /// @dev A shard decided without verification: its primary's collateral is released, no reward.
    function _closeUnverified(uint256 jobId, Job storage j, uint16 r, Slot storage primary) private {
        _rounds[jobId][r].openAudits -= 1;
        _reject(jobId, j, r, primary);
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

    /// @dev Per-seat outcomes of a shard (see `_outcomes`).
    uint8 private constant NONE = 0;
    uint8 private constant PAY = 1;
    uint8 private constant UNPAID = 2;
    uint8 private constant SLASH = 3;
    uint8 private constant SLASH_SILENT = 4;
    uint8 private constant VOID = 5;

    /// @dev What deciding `shard` now does to its primary, replica and referee, from the revealed answers. A primary is
    /// paid when a verifier agrees with it (and so is that verifier; a verifier that disagrees goes unpaid, not
    /// slashed); it is slashed only when both verifiers agree against it (then both are paid). With no agreement the
    /// revealed seats go unpaid, unless a verifier was voided by a late key (the requester's doing) or neither verifier
    /// revealed: then they are paid.
    /// An unaudited shard pays its revealed primary. A commitment never revealed is slashed; a silent seat is slashed if
    /// its key came in time (bounty to the treasury), else voided.
    function _outcomes(uint256 jobId, Job storage j, uint16 r, uint16 shard) private view returns (uint8[3] memory o) {
        Slot[3] memory s = _seatCopies(jobId, r, j.participantsPerRound, shard);
        uint64[2] memory keyBy = _keyDeadlines(j, _rounds[jobId][r]);
        bool voided;
        bool[3] memory rev;
        for (uint256 i; i < 3; ++i) {
            rev[i] = s[i].state == SlotState.Submitted;
            if (s[i].state == SlotState.Committed) {
                o[i] = SLASH;
            } else if (s[i].state == SlotState.Joined) {
                bool late = s[i].keyReleasedAt == 0 || s[i].keyReleasedAt > keyBy[i == 0 ? 0 : 1];
                o[i] = late ? VOID : SLASH_SILENT;
                if (late && i > 0) voided = true;
            }
        }
        bool pa = rev[0] && rev[1] && s[0].updateHash == s[1].updateHash;
        bool pb = rev[0] && rev[2] && s[0].updateHash == s[2].updateHash;
        if (pa || pb) {
            o[0] = PAY;
            if (rev[1]) o[1] = pa ? PAY : UNPAID;
            if (rev[2]) o[2] = pb ? PAY : UNPAID;
        } else if (rev[1] && rev[2] && s[1].updateHash == s[2].updateHash) {
            (o[0], o[1], o[2]) = (rev[0] ? SLASH : o[0], PAY, PAY);
        } else {
            // unaudited, a verifier voided by the requester, or no verifier answered (they are slashed, not the primary)
            bool payAll = s[1].state == SlotState.Empty || voided || (!rev[1] && !rev[2]);
            for (uint256 i; i < 3; ++i) if (rev[i]) o[i] = payAll ? PAY : UNPAID;
        }
    }

    function _seatCopies(uint256 jobId, uint16 r, uint16 shards, uint16 shard) private view returns (Slot[3] memory) {
        (Slot storage p, Slot storage a, Slot storage b) = _seats(jobId, r, shards, shard);
        return [p, a, b];
    }

    /// @dev When a silent seat's key must have come for its silence to be slashable: [primary, verifier].
    function _keyDeadlines(Job storage j, Round storage rd) private view returns (uint64[2] memory) {
        return [_joinCutoff(j, rd), _auditDeadline(j, rd) - _workTime(j)];
    }

    /// @dev Applies `_outcomes` to an undecided shard (one whose primary committed and whose draw has run).
    function _decide(uint256 jobId, Job storage j, uint16 r, uint16 shard, address keeper) private {
        uint8[3] memory o = _outcomes(jobId, j, r, shard);
        (Slot storage p, Slot storage a, Slot storage b) = _seats(jobId, r, j.participantsPerRound, shard);
        _rounds[jobId][r].openAudits -= 1;
        emit ShardDecided(jobId, r, shard, o[0] == PAY ? p.updateHash : o[1] == PAY ? a.updateHash : bytes32(0));
        _apply(jobId, j, r, p, o[0], keeper);
        _apply(jobId, j, r, a, o[1], keeper);
        _apply(jobId, j, r, b, o[2], keeper);
    }

    function _apply(uint256 jobId, Job storage j, uint16 r, Slot storage s, uint8 o, address keeper) private {
        if (o == PAY) _accept(jobId, j, r, s);
        else if (o == UNPAID) _reject(jobId, j, r, s);
        else if (o == VOID) {
            s.state = SlotState.Rejected;
            emit SlotVoided(jobId, r, s.worker);
            core.managerRelease(s.worker, j.collateral);
        } else if (o != NONE) {
            s.state = SlotState.Slashed;
            _slash(jobId, j, r, s.worker, o == SLASH_SILENT ? core.treasury() : keeper);
        }
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
        bool complete = rd.joined == j.participantsPerRound && rd.pending == 0 && rd.openAudits == 0;
        uint64 early = outsourced ? _revealDeadline(j, rd) : rd.submitDeadline;
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

    /// @dev Outsourced: the slots deciding every open shard now would pay, with those already paid.
    function _paidMask(uint256 jobId, Job storage j, uint16 r) private view returns (uint256 m) {
        uint16 shards = j.participantsPerRound;
        for (uint16 sh; sh < shards; ++sh) {
            (Slot storage p, Slot storage a, Slot storage b) = _seats(jobId, r, shards, sh);
            uint256[3] memory bit = [uint256(1) << (2 * sh), uint256(1) << (2 * sh + 1), uint256(1) << (2 * shards + sh)];
            if (_open(p)) {
                uint8[3] memory o = _outcomes(jobId, j, r, sh);
                for (uint256 i; i < 3; ++i) if (o[i] == PAY) m |= bit[i];
            } else {
                if (p.state == SlotState.Accepted) m |= bit[0];
                if (a.state == SlotState.Accepted) m |= bit[1];
                if (b.state == SlotState.Accepted) m |= bit[2];
            }
        }
    }

    /// @dev A shard whose primary committed, whose draw ran, and which is not decided yet.
    function _open(Slot storage p) private view returns (bool) {
        return (p.state == SlotState.Committed || p.state == SlotState.Submitted) && p.drawBlock == 0;
    }

    /// @dev Outsourced: decides every open shard (`_outcomes`), releases a primary whose draw never ran unpaid, and
    /// slashes (key in time; bounty to the treasury) or voids a silent primary.
    function _settleOutsourced(uint256 jobId, Job storage j, uint16 r, address keeper) private {
        Round storage rd = _rounds[jobId][r];
        uint16 shards = j.participantsPerRound;
        for (uint16 sh; sh < shards; ++sh) {
            Slot storage p = _slots[jobId][r][2 * sh];
            SlotState st = p.state;
            if (_open(p)) {
                _decide(jobId, j, r, sh, keeper);
            } else if (st == SlotState.Committed) {
                emit DrawLapsed(jobId, r, sh);
                _closeUnverified(jobId, j, r, p);
            } else if (st == SlotState.Joined) {
                uint40 k = p.keyReleasedAt;
                _apply(jobId, j, r, p, k == 0 || k > _joinCutoff(j, rd) ? VOID : SLASH_SILENT, keeper);
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
    function auditTimes(uint256 jobId, uint16 r)
        external
        view
        returns (uint64 auditDeadline, uint64 revealDeadline, uint64 settleFrom)
    {
        Job storage j = _jobs[jobId];
        if (j.requester == address(0)) revert JobNotFound(jobId);
        Round storage rd = _rounds[jobId][r];
        return (_auditDeadline(j, rd), _revealDeadline(j, rd), _settleFrom(j, rd));
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
