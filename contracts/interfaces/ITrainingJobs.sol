// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ITrainingJobs
/// @notice Differentially private training jobs on top of OblivionCore's stake. A requester posts a job with the
/// rewards in escrow, an initial model CID and the DP parameters with the round budget computed off-chain from ε.
/// Each round, workers join (their collateral is locked in the core through its collateral-manager entry point) and
/// answer with their model update's hash (keccak256 of its canonical VOU1 encoding, lib/ml/update.ts) and its CID; the
/// job's aggregator closes the round with the accepted set, the next model's CID and the aggregate's hash.
/// Federated mode: one submission per participant, a hash never used before in the job; the aggregator decides
/// acceptance (clip bound, well-formedness, duplicates). Outsourced mode: workers train on the requester's encrypted
/// data shards (committed in `dataRoot`, keys released per slot like inference shards). Primaries take shards first
/// come; verifiers enlist in the round's standby pool (collateral locked) until the join cutoff. Every outsourced
/// answer is blind: a salted commitment first (`commitUpdate`), the hash and CID only once every verifier of the shard
/// has committed (`revealUpdate`). A primary's commitment fixes a later block whose hash decides whether its shard is
/// audited (`replicationBps`) and draws its replica and referee from the pool together; a primary is paid when a
/// verifier agrees with it and slashed when both agree against it. Nobody chooses its verifier role, and nobody can
/// copy an answer it has not seen. Rewards are pull payments (`withdraw`).
interface ITrainingJobs {
    /// @notice Federated: workers train on their own data. Outsourced: workers train on the requester's encrypted
    /// shards, a drawn share of them twice.
    enum Mode {
        Federated,
        Outsourced
    }

    /// @notice Robust aggregation rule the aggregator must apply (lib/ml/aggregate.ts).
    enum Rule {
        Mean,
        TrimmedMean,
        Median
    }

    /// @notice Active: rounds are being run. Finished: the round budget is spent. Aborted: a round expired unclosed.
    enum Status {
        Active,
        Finished,
        Aborted
    }

    /// @notice Per-participant slot state within a round. Outsourced: `Committed` holds a blind commitment, `Submitted`
    /// a revealed answer awaiting its shard's verdict; a verifier slot is `Joined` from its assignment until it commits.
    enum SlotState {
        Empty,
        Joined,
        Committed,
        Submitted,
        Accepted,
        Rejected,
        Slashed
    }

    /// @notice DP parameters as computed off-chain (lib/privacy/accountant.ts, task dp:budget), recorded for audit.
    /// Layout (2 slots): [epsilonMicro u64 | deltaPico u64 | sigmaMicro u64 | clipMicro u64]
    /// [samplingPpm u32 | updateClipMicro u64 | localEpochs u16 | stepsPerRound u32 | 80 bits free].
    struct DpParams {
        uint64 epsilonMicro; // ε × 1e6
        uint64 deltaPico; // δ × 1e12
        uint64 sigmaMicro; // noise multiplier σ × 1e6
        uint64 clipMicro; // per-example clip norm C × 1e6
        uint32 samplingPpm; // sampling rate q = batch / samples, × 1e6
        uint64 updateClipMicro; // L2 bound S on a released update × 1e6 (aggregator's acceptance check)
        uint16 localEpochs; // local epochs per round
        uint32 stepsPerRound; // DP-SGD steps per round at rate q: at least ceil(localEpochs / q) (the accountant's input)
    }

    /// @notice What a requester posts.
    struct JobParams {
        string initialModelCid; // ONNX (or parameter vector) of the initial model, content-addressed
        address aggregator; // keeper that closes rounds (chosen by the requester; see docs/training.md)
        Mode mode;
        Rule rule;
        uint8 trim; // values trimmed at each end per coordinate (TrimmedMean only)
        uint16 maxRounds; // round budget from ε (maxRoundsForEpsilon)
        uint16 participantsPerRound; // federated: participants; outsourced: shards
        uint16 replicationBps; // outsourced: chance (basis points, 1..10000) that a submitted shard is replicated; 0 federated
        bytes32 dataRoot; // outsourced: Merkle root of the shard data (lib/training/shards.ts); zero federated
        uint96 rewardPerUpdate; // paid per accepted update
        uint96 aggregatorFee; // paid to the aggregator per closed round
        uint96 collateral; // locked per participant in the core
        uint32 roundWindow; // seconds from a round's opening to its submission deadline
        uint32 closeWindow; // seconds after the submission deadline for the aggregator to close
        DpParams dp;
    }

    /// @notice A job as stored.
    /// Layout: [requester 20 | mode 1 | rule 1 | trim 1 | status 1 | maxRounds 2 | round 2 | participantsPerRound 2 |
    /// replicationBps 2] [aggregator 20 | roundWindow 4 | closeWindow 4] [rewardPerUpdate 12 | collateral 12]
    /// [aggregatorFee 12 | escrow 16] [dataRoot 32] [dp: 2 slots] [modelCid: string].
    struct Job {
        address requester;
        Mode mode;
        Rule rule;
        uint8 trim;
        Status status;
        uint16 maxRounds;
        uint16 round; // index of the current round; == maxRounds once finished
        uint16 participantsPerRound;
        uint16 replicationBps;
        address aggregator;
        uint32 roundWindow;
        uint32 closeWindow;
        uint96 rewardPerUpdate;
        uint96 collateral;
        uint96 aggregatorFee;
        uint128 escrow; // rewards not yet paid out or refunded
        bytes32 dataRoot;
        DpParams dp;
        string modelCid; // current global model
    }

    /// @notice Round bookkeeping.
    /// Layout: [submitDeadline 8 | closeDeadline 8 | joined 2 | pending 2 | openAudits 2 | sealBlock 6 | standby 2 |
    /// standbyAssigned 2].
    struct Round {
        uint64 submitDeadline;
        uint64 closeDeadline;
        uint16 joined; // participant (federated) or primary (outsourced) slots taken
        uint16 pending; // joined slots of any role still without a submission (outsourced: a commitment)
        uint16 openAudits; // outsourced shards whose primary committed and which are not decided yet
        uint48 sealBlock; // outsourced: block whose hash first draws from the standby pool (0: pool not sealed)
        uint16 standby; // standby entries enlisted (outsourced verifier pool)
        uint16 standbyAssigned; // standby entries drawn as replica or referee
    }

    /// @notice A participant slot. Layout: [worker 20 | state 1 | keyReleasedAt 5 | drawBlock 6] [updateHash 32].
    /// Federated: slot i is the i-th joiner. Outsourced: slot 2s is shard s's primary, 2s+1 its replica and
    /// 2·shards + s its referee (both drawn from the standby pool when the shard is audited).
    struct Slot {
        address worker;
        SlotState state;
        uint40 keyReleasedAt; // outsourced: when the requester released this slot's data key (0: not yet)
        uint48 drawBlock; // outsourced primary: its replication draw's block while the draw is pending (else 0)
        bytes32 updateHash; // the update's hash; outsourced while `Committed`: the salted commitment (`commitmentOf`)
    }

    /// @notice A standby entry of an outsourced round's verifier pool. Layout: [worker 20 | status 1].
    struct StandbyEntry {
        address worker;
        StandbyStatus status;
    }

    /// @notice Free: enlisted, collateral locked, not drawn. Assigned: drawn as replica or referee (its lock moved to
    /// that slot). Released: the round ended undrawn and the collateral was unlocked.
    enum StandbyStatus {
        Free,
        Assigned,
        Released
    }

    /// @notice A training job was posted with `escrow` wei of rewards.
    event TrainingJobPosted(
        uint256 indexed jobId,
        address indexed requester,
        address indexed aggregator,
        Mode mode,
        uint16 maxRounds,
        uint16 participantsPerRound,
        uint256 escrow,
        string initialModelCid
    );
    /// @notice The job's DP parameters and budget as recorded at posting.
    event DpParamsRecorded(uint256 indexed jobId, DpParams dp, uint16 maxRounds);
    /// @notice A round opened (at posting, then after each close).
    event RoundOpened(uint256 indexed jobId, uint16 round, uint64 submitDeadline, uint64 closeDeadline);
    /// @notice `worker` took slot `slot` of the round; its collateral is locked in the core.
    event Joined(uint256 indexed jobId, uint16 round, address indexed worker, uint16 slot);
    /// @notice The requester released the data key of an outsourced slot: `release` is lib/requester/shard.ts's
    /// encoding of (package CID, data key wrapped to the worker's registered encryption key).
    event DataKeyReleased(uint256 indexed jobId, uint16 round, uint16 slot, address indexed worker, bytes release);
    /// @notice `worker` submitted (federated) or revealed (outsourced) its update.
    event UpdateSubmitted(uint256 indexed jobId, uint16 round, address indexed worker, bytes32 updateHash, string updateCid);
    /// @notice Outsourced: `worker` committed blind to its answer for `slot` (`commitmentOf`).
    event UpdateCommitted(uint256 indexed jobId, uint16 round, address indexed worker, uint16 slot, bytes32 commitment);
    /// @notice `worker` enlisted in the round's standby pool as entry `index`; its collateral is locked in the core.
    event StandbyEnlisted(uint256 indexed jobId, uint16 round, address indexed worker, uint16 index);
    /// @notice The pool is sealed: draws use the hash of `sealBlock` or a later block.
    event StandbySealed(uint256 indexed jobId, uint16 round, uint48 sealBlock);
    /// @notice An undrawn standby entry's collateral was released after its round ended.
    event StandbyReleased(uint256 indexed jobId, uint16 round, address indexed worker);
    /// @notice A primary committed: its shard's draw uses the hash of block `drawBlock` (or the seal block if later).
    event ReplicationPending(uint256 indexed jobId, uint16 round, uint16 shard, uint48 drawBlock);
    /// @notice The draw after a primary's commitment: `replicated` when a replica and a referee train the shard again.
    event ReplicationDrawn(uint256 indexed jobId, uint16 round, uint16 shard, bool replicated);
    /// @notice A draw's block hash aged out (older than 256 blocks) or the draw never ran: no re-draw; the primary is
    /// released unpaid and its update is not used.
    event DrawLapsed(uint256 indexed jobId, uint16 round, uint16 shard);
    /// @notice A standby entry was drawn as `slot` (2s+1: replica; 2·shards + s: referee).
    event VerifierAssigned(uint256 indexed jobId, uint16 round, uint16 shard, uint16 slot, address indexed worker);
    /// @notice An audited shard found fewer than two free standby entries: the primary is released unpaid (an audit that
    /// cannot be staffed pays nothing) and its update is not used.
    event AuditUnstaffed(uint256 indexed jobId, uint16 round, uint16 shard);
    /// @notice An outsourced shard was decided: `paidHash` is the answer paid (zero when none was).
    event ShardDecided(uint256 indexed jobId, uint16 round, uint16 shard, bytes32 paidHash);
    /// @notice An outsourced slot stayed silent but its data key came less than roundWindow / 4 before its deadline (or
    /// never): released unpaid, not slashed.
    event SlotVoided(uint256 indexed jobId, uint16 round, address indexed worker);
    /// @notice A participant's collateral was slashed (a primary both verifiers disagree with, a commitment never revealed, or
    /// a silent participant), to the treasury; `keeper` got the bounty share: the caller, except the treasury when the
    /// caller is the job's requester or aggregator and always for a silent outsourced slot (whose package only the
    /// requester could have spoiled).
    event ParticipantSlashed(uint256 indexed jobId, uint16 round, address indexed worker, uint256 amount, address keeper);
    /// @notice An accepted update was paid `reward` and its collateral released.
    event UpdateAccepted(uint256 indexed jobId, uint16 round, address indexed worker, uint256 reward);
    /// @notice A submitted update was not accepted; its collateral was released unpaid.
    event UpdateRejected(uint256 indexed jobId, uint16 round, address indexed worker);
    /// @notice The aggregator closed the round and published the next model.
    event RoundClosed(uint256 indexed jobId, uint16 round, uint256 acceptedMask, string nextModelCid, bytes32 aggregateHash);
    /// @notice Someone other than the aggregator settled an outsourced round: decided slots paid, model unchanged, no
    /// aggregator fee.
    event RoundSettled(uint256 indexed jobId, uint16 round, uint256 paidMask, address indexed caller);
    /// @notice A round passed its close deadline without a close; the job is aborted.
    event RoundExpired(uint256 indexed jobId, uint16 round, address indexed caller);
    /// @notice Unspent escrow of a finished or aborted job was credited to its requester.
    event EscrowRefunded(uint256 indexed jobId, uint256 amount);
    /// @notice `account` withdrew its balance.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice Fires on a zero core or aggregator address.
    error ZeroAddress();
    /// @notice Fires at posting when the core has not bound this contract as its collateral manager.
    error NotBoundAsManager(address boundManager);
    /// @notice Fires on an empty initial model CID.
    error EmptyModelCid();
    /// @notice Fires on a round budget of zero.
    error InvalidRoundBudget();
    /// @notice Fires when participants per round is zero or the round's slots exceed 256 (accepted-mask width).
    error InvalidParticipants(uint256 participantsPerRound);
    /// @notice Fires on a zero round or close window, one longer than 30 days, or (outsourced) a close window shorter
    /// than half the round window (verifiers get closeWindow / 2 after the submission deadline).
    error InvalidWindow(uint256 roundWindow, uint256 closeWindow);
    /// @notice Fires when an outsourced job's replication share is outside 1..10000 or its data root is zero, or a
    /// federated job sets either.
    error InvalidOutsourcing(uint16 replicationBps, bytes32 dataRoot);
    /// @notice Fires when ε, δ, σ, C, the sampling rate, S or the local epochs are zero, δ or q exceed 1, or the steps
    /// per round are fewer than localEpochs / q.
    error InvalidDpParams();
    /// @notice Fires when trimming leaves no value (2·trim ≥ participants) or trim is set for another rule.
    error InvalidTrim(uint8 trim);
    /// @notice Fires on a zero reward per update or zero collateral.
    error ZeroAmount();
    /// @notice Fires when the value sent at posting is not the exact escrow the job needs.
    error IncorrectEscrow(uint256 expected, uint256 sent);
    /// @notice Fires on an unknown job id.
    error JobNotFound(uint256 jobId);
    /// @notice Fires on a round action for an aborted job.
    error JobNotActive(uint256 jobId);
    /// @notice Fires on any round action beyond the recorded round budget.
    error BudgetExhausted(uint256 jobId, uint16 maxRounds);
    /// @notice Fires when the round named is not the job's current round.
    error RoundNotCurrent(uint256 jobId, uint16 given, uint16 current);
    /// @notice Fires on a join or submission after the round's submission deadline.
    error SubmitWindowClosed(uint64 submitDeadline);
    /// @notice Fires on an outsourced join or enlistment after the join cutoff: submitDeadline − roundWindow / 4.
    error JoinWindowClosed(uint64 joinCutoff);
    /// @notice Fires on a verifier's submission or key release after the audit deadline: submitDeadline + closeWindow / 2.
    error AuditWindowClosed(uint64 auditDeadline);
    /// @notice Fires when the job's requester or aggregator tries to take a slot or a standby entry in its own job.
    error PartyOfJob(address caller);
    /// @notice Fires when every participant (or primary) slot of the round is taken.
    error RoundFull(uint256 jobId, uint16 round);
    /// @notice Fires when the worker already holds a slot or a standby entry in this round.
    error AlreadyJoined(address worker);
    /// @notice Fires when the caller holds no slot in this round.
    error NotParticipant(address caller);
    /// @notice Fires on a second submission for the same slot.
    error AlreadySubmitted(address worker);
    /// @notice Fires on a zero update hash or commitment.
    error ZeroUpdateHash();
    /// @notice Fires on an empty update CID.
    error EmptyUpdateCid();
    /// @notice Fires on `submitUpdate` in an outsourced job (answers there are committed, then revealed).
    error CommitRevealRequired(uint256 jobId);
    /// @notice Fires (federated) on an update hash already submitted in the job, by anyone in any round.
    error DuplicateUpdate(bytes32 updateHash);
    /// @notice Fires on a reveal from a slot that holds no unrevealed commitment.
    error NothingToReveal(uint16 slot);
    /// @notice Fires on a reveal before the shard's draw ran, or while one of its verifiers may still commit.
    error RevealTooEarly(uint16 slot);
    /// @notice Fires on a reveal after submitDeadline + 5/8 of the close window.
    error RevealWindowClosed(uint64 revealDeadline);
    /// @notice Fires when the revealed hash and salt do not open the slot's commitment.
    error CommitmentMismatch(uint16 slot);
    /// @notice Fires on a standby, draw, commit, reveal, settle or key-release action in a federated job.
    error NotOutsourced(uint256 jobId);
    /// @notice Fires on an outsourced submission before the requester released the slot's data key.
    error KeyNotReleased(uint16 slot);
    /// @notice Fires when resolving a shard with no pending draw (not committed, or already drawn).
    error NothingToDraw(uint16 shard);
    /// @notice Fires when drawing before the draw block (or the pool's seal block) is mined.
    error DrawNotReady(uint256 drawBlock);
    /// @notice Fires when drawing from the pool before the join cutoff (standby enlistment still open).
    error StandbyOpen(uint64 joinCutoff);
    /// @notice Fires when releasing a standby entry that is not free or whose round has not ended.
    error StandbyNotReleasable(address worker);
    /// @notice Fires when someone other than the aggregator settles an outsourced round before `settleFrom`.
    error SettleTooEarly(uint64 settleFrom);
    /// @notice Fires when a data key is released for a slot that is not joined and waiting for its update.
    error SlotNotAwaitingKey(uint16 slot);
    /// @notice Fires on a second key release for the same slot.
    error KeyAlreadyReleased(uint16 slot);
    /// @notice Fires on a shard index at or above the job's shard count.
    error ShardOutOfRange(uint16 shard);
    /// @notice Fires when someone other than the job's aggregator closes a round.
    error NotAggregator(address caller, address aggregator);
    /// @notice Fires when closing before the submission deadline while slots, submissions or disputes are open.
    error RoundNotClosable(uint256 jobId, uint16 round);
    /// @notice Fires when the aggregator closes after the round's close deadline.
    error CloseWindowPassed(uint64 closeDeadline);
    /// @notice Fires (outsourced) when the accepted mask differs from the set the replicas and referees decided.
    error MaskMismatch(uint256 expected, uint256 given);
    /// @notice Fires (federated) when the accepted mask names a slot without a submitted update.
    error AcceptedSlotNotSubmitted(uint16 slot);
    /// @notice Fires on an empty next model CID.
    error EmptyNextModelCid();
    /// @notice Fires on a zero aggregate hash when at least one update is accepted.
    error ZeroAggregateHash();
    /// @notice Fires when expiring a round before its close deadline.
    error RoundNotExpired(uint64 closeDeadline);
    /// @notice Fires when someone other than the requester releases a data key or asks for the refund.
    error NotRequester(address caller, address requester);
    /// @notice Fires on a refund while the job is still active.
    error JobStillActive(uint256 jobId);
    /// @notice Fires on a refund with no escrow left.
    error NothingToRefund(uint256 jobId);
    /// @notice Fires on a withdrawal of a zero balance.
    error NothingToWithdraw();
    /// @notice Fires when sending a withdrawal fails.
    error TransferFailed(address to, uint256 amount);

    /// @notice Posts a training job; `msg.value` must be `escrowFor(params)`. Round 0 opens immediately.
    /// @return jobId the new job's id (from 1).
    function postJob(JobParams calldata params) external payable returns (uint256 jobId);

    /// @notice Escrow a job needs: maxRounds × (payable slots × rewardPerUpdate + aggregatorFee), payable slots being
    /// participantsPerRound (federated) or 3 × shards (outsourced: primary, replica and referee); what a round does not
    /// pay stays in escrow and is refunded.
    function escrowFor(JobParams calldata params) external pure returns (uint256);

    /// @notice Takes the next participant slot (federated) or the next shard's primary slot (outsourced) in the current
    /// round and locks the job's collateral from the caller's free stake in the core. Not for the job's requester or
    /// aggregator (PartyOfJob). Outsourced joins close at the join cutoff (JoinWindowClosed).
    /// @return slot the slot index taken.
    function join(uint256 jobId, uint16 round) external returns (uint16 slot);

    /// @notice Outsourced: enlists the caller in the round's standby pool, from which replicas and referees are drawn;
    /// locks the job's collateral. Not for the requester or aggregator, nor a worker holding a slot; closes at the join
    /// cutoff. An entry never drawn is released after the round (`releaseStandby`).
    /// @return index the entry's index in the pool.
    function enlist(uint256 jobId, uint16 round) external returns (uint16 index);

    /// @notice Permissionless: runs the pending draw of `shard`. The first call after the join cutoff seals the pool
    /// instead (draws then use the hash of its block or later). A committed primary's draw decides whether its
    /// shard is audited and, if so, picks its replica and its referee from the free standby entries. A draw whose
    /// block hash aged out (256 blocks) is not re-drawn: the primary is released unpaid (DrawLapsed). An audited shard
    /// that finds fewer than two free entries pays its primary nothing and leaves its update out (AuditUnstaffed).
    function resolveDraw(uint256 jobId, uint16 round, uint16 shard) external;

    /// @notice Requester only, outsourced jobs: releases the data key of a joined slot that has not submitted, before
    /// the slot's submission deadline (primaries: the submission deadline; verifiers: the audit deadline). A silent
    /// slot is slashed only when its key came at least roundWindow / 4 before that deadline; otherwise it is voided
    /// (released unpaid), so a late or missing release never costs the worker its collateral.
    /// @param release abi.encode(string packageCid, bytes wrappedKey), lib/requester/shard.ts `encodeRelease`.
    function releaseDataKey(uint256 jobId, uint16 round, uint16 slot, bytes calldata release) external;

    /// @notice Federated: submits the caller's update hash and CID in the current round, before the submission
    /// deadline; a hash already submitted in the job is refused (DuplicateUpdate). Outsourced jobs use commit–reveal.
    function submitUpdate(uint256 jobId, uint16 round, bytes32 updateHash, string calldata updateCid) external;

    /// @notice Outsourced: commits blind to the caller's answer, `commitmentOf(jobId, round, caller, updateHash, salt)`,
    /// once its slot's data key was released (KeyNotReleased); primaries by the submission deadline, verifiers by the
    /// audit deadline. A primary's commitment fixes its draw block (the next one).
    function commitUpdate(uint256 jobId, uint16 round, bytes32 commitment) external;

    /// @notice Outsourced: opens the caller's commitment and publishes the update's CID, once the shard's draw ran and
    /// both its verifiers committed (or the audit deadline passed), until submitDeadline + 5/8 of the close window. The
    /// last reveal of a shard decides it: a primary a verifier agrees with is paid with that verifier (a disagreeing
    /// verifier goes unpaid); a primary both verifiers agree against is slashed and they are paid; with no agreement the
    /// revealed seats go unpaid (paid when the requester voided a verifier by a late key, or when no verifier revealed);
    /// an unaudited shard pays its primary. A commitment never revealed is slashed when the round settles.
    function revealUpdate(uint256 jobId, uint16 round, bytes32 updateHash, bytes32 salt, string calldata updateCid) external;

    /// @notice The commitment `worker` must make to reveal `updateHash` with `salt`: keccak256(abi.encode(jobId,
    /// round, worker, updateHash, salt)).
    function commitmentOf(uint256 jobId, uint16 round, address worker, bytes32 updateHash, bytes32 salt) external pure returns (bytes32);

    /// @notice Closes the current round (aggregator only): pays accepted updates, releases rejected ones unpaid,
    /// slashes participants who never submitted (outsourced: only those whose key came in time, else voided), pays the
    /// aggregator fee and opens the next round or finishes the job. Federated: before the submission deadline only once
    /// every slot is taken and submitted. Outsourced: before the reveal deadline only once every shard is decided; the
    /// close decides the open ones as `revealUpdate` would, slashing unrevealed commitments.
    /// @param acceptedMask bit i set when slot i's update was accepted; outsourced: exactly `paidMask(jobId, round)`.
    function closeRound(
        uint256 jobId,
        uint16 round,
        uint256 acceptedMask,
        string calldata nextModelCid,
        bytes32 aggregateHash
    ) external;

    /// @notice Outsourced, anyone: settles the round the aggregator has not closed, from `settleFrom` (submitDeadline +
    /// 3/4 of the close window) to the close deadline: pays `paidMask`, slashes or voids silent slots like a close,
    /// keeps the model, pays no aggregator fee and opens the next round (or finishes the job).
    function settleRound(uint256 jobId, uint16 round) external;

    /// @notice Permissionless: unlocks an undrawn standby entry of `worker` once its round has ended.
    function releaseStandby(uint256 jobId, uint16 round, address worker) external;

    /// @notice Permissionless timeout after the close deadline: slashes silent participants (keeper as in
    /// ParticipantSlashed) and aborts the job so its requester can take the escrow back. Federated submitters are
    /// released unpaid; outsourced rounds decide their open shards and pay `paidMask`.
    function expireRound(uint256 jobId) external;

    /// @notice Credits the unspent escrow of a finished or aborted job to its requester's balance.
    function refund(uint256 jobId) external;

    /// @notice Sends the caller's balance (rewards, fees, refunds).
    function withdraw() external;

    /// @notice The job record.
    function getJob(uint256 jobId) external view returns (Job memory);

    /// @notice A round's bookkeeping.
    function getRound(uint256 jobId, uint16 round) external view returns (Round memory);

    /// @notice A slot of a round.
    function getSlot(uint256 jobId, uint16 round, uint16 slot) external view returns (Slot memory);

    /// @notice Entry `index` of a round's standby pool.
    function getStandby(uint256 jobId, uint16 round, uint16 index) external view returns (StandbyEntry memory);

    /// @notice Standby index + 1 of `worker` in a round (0: not enlisted).
    function standbyOf(uint256 jobId, uint16 round, address worker) external view returns (uint16);

    /// @notice Outsourced: the slots a close or settlement of the round would pay now (already paid, plus what deciding
    /// the open shards now would pay); what `closeRound` must be given.
    function paidMask(uint256 jobId, uint16 round) external view returns (uint256);

    /// @notice Outsourced: deadlines past the submission deadline: verifiers commit until `auditDeadline`, every seat
    /// reveals until `revealDeadline`; anyone may settle from `settleFrom`.
    function auditTimes(uint256 jobId, uint16 round)
        external
        view
        returns (uint64 auditDeadline, uint64 revealDeadline, uint64 settleFrom);

    /// @notice Slot index + 1 held by `worker` in a round (0: none).
    function slotOf(uint256 jobId, uint16 round, address worker) external view returns (uint16);

    /// @notice Withdrawable balance of `account`.
    function balanceOf(address account) external view returns (uint256);

    /// @notice Sum of all jobs' unspent escrow plus all balances: equals this contract's ether balance.
    function totalLiabilities() external view returns (uint256);
}
