// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {euint32, externalEuint8} from "encrypted-types/EncryptedTypes.sol";
import {IReputationHook} from "./IReputationHook.sol";

/// @title IConfidentialReputation
/// @notice Encrypted per-worker reputation (Zama fhEVM): successes, failures and a score. A settlement earns points
/// for the value it burnt: min(SETTLE_REWARD, protocolFee / pointPrice), so a score costs real fees to farm; a
/// settlement where the worker is the job's requester or the model's owner (self-dealing) earns nothing and is not
/// recorded at all. The job's requester may add an encrypted rating of a settled shard, capped at half the points the
/// shard earned (at most MAX_RATING). A slash takes `SLASH_PENALTY`, floored at zero. The ratings are the score's
/// private input: without them it would be a public function of public settlement events. Values are only ever
/// handles to ciphertexts: the worker may decrypt its own, the contract keeps the right to compute on them, and the
/// one reader (the privacy gateway) gets a transaction-scoped right to compare a score.
/// Roles: the updater and the reader are immutable, fixed at deployment; the contract has no owner, so nobody can
/// grant a reading right, change who reports outcomes, or read or set any value.
interface IConfidentialReputation is IReputationHook {
    /// @notice Emitted once, at deployment: the immutable updater (the core, or the relay receiver on the FHE chain).
    /// @param updater The updater.
    event UpdaterSet(address indexed updater);

    /// @notice Emitted once, at deployment: the immutable reader (the privacy gateway).
    /// @param reader The reader.
    /// @param allowed Always true.
    event ReaderSet(address indexed reader, bool allowed);

    /// @notice A settlement was not counted because the worker was the job's requester or the model's owner.
    /// @param worker The worker.
    /// @param jobId The job.
    /// @param shardIndex The shard.
    event SelfDealingIgnored(address indexed worker, uint256 indexed jobId, uint256 shardIndex);

    /// @notice A worker's encrypted record was updated; only the public fact (which shard, which outcome) is logged.
    /// @param worker The worker whose record changed.
    /// @param jobId The job of the shard.
    /// @param shardIndex The shard.
    /// @param settled True for a settlement, false for a slash.
    event ReputationUpdated(address indexed worker, uint256 indexed jobId, uint256 shardIndex, bool settled);

    /// @notice The requester of `jobId` rated the settled shard; the rating itself stays encrypted.
    /// @param jobId The job.
    /// @param shardIndex The shard.
    /// @param worker The worker who settled it.
    event Rated(uint256 indexed jobId, uint256 indexed shardIndex, address indexed worker);

    /// @notice Fires when a shard is rated that did not settle here, was already rated, or earned under 2 points
    /// (its rating cap would be 0).
    /// @param jobId The job.
    /// @param shardIndex The shard.
    error NotRateable(uint256 jobId, uint256 shardIndex);

    /// @notice Fires when a rating comes from anyone but the job's requester (asked of the updater, which is the job
    /// directory: the core, or the relay receiver).
    /// @param jobId The job.
    /// @param caller The rejected caller.
    error NotJobRequester(uint256 jobId, address caller);

    /// @notice Fires when an outcome is reported by an account other than the updater.
    /// @param caller The rejected caller.
    error NotUpdater(address caller);

    /// @notice Fires when `shareScore` is called by a contract that is not an authorised reader.
    /// @param caller The rejected caller.
    error NotReader(address caller);

    /// @notice Fires when a zero address is given as worker, updater or reader.
    error ZeroAddress();

    /// @notice Fires when the point price given at deployment is zero.
    error ZeroPointPrice();

    /// @notice The account allowed to report outcomes (immutable).
    function updater() external view returns (address);

    /// @notice The contract allowed to call `shareScore` (immutable).
    function reader() external view returns (address);

    /// @notice Whether `reader` may call `shareScore` (true only for the immutable reader).
    /// @param reader The contract asked about.
    function isReader(address reader) external view returns (bool);

    /// @notice Wei of protocol fee a settlement must burn per score point (immutable).
    function pointPrice() external view returns (uint256);

    /// @notice Most points one settlement earns (public protocol parameter).
    function SETTLE_REWARD() external view returns (uint32);

    /// @notice Score removed per slashed claim, never below zero (public protocol parameter).
    function SLASH_PENALTY() external view returns (uint32);

    /// @notice Largest rating counted; an encrypted rating above the shard's cap (half its points, at most MAX_RATING)
    /// counts as the cap (clamped in FHE).
    function MAX_RATING() external view returns (uint8);

    /// @notice The job's requester adds its encrypted rating of a settled shard to the worker's score, once per shard.
    /// @param jobId The job.
    /// @param shardIndex A shard that settled (reported through onSettled), earned at least 2 points and is not yet
    /// rated.
    /// @param rating The requester's encrypted euint8 rating, bound to this contract and the caller.
    /// @param inputProof The input proof produced with the encrypted input.
    function rate(uint256 jobId, uint256 shardIndex, externalEuint8 rating, bytes calldata inputProof) external;

    /// @notice Who settled (`jobId`, `shardIndex`), whether it was rated and the points it earned; address(0) if it
    /// did not settle here (or was self-dealt).
    /// @param jobId The job.
    /// @param shardIndex The shard.
    function settlementOf(uint256 jobId, uint256 shardIndex)
        external
        view
        returns (address worker, bool rated, uint8 points);

    /// @notice Handle of `worker`'s encrypted number of settled shards (zero handle before the first outcome).
    /// @param worker The worker.
    function successesOf(address worker) external view returns (euint32);

    /// @notice Handle of `worker`'s encrypted number of slashed claims (zero handle before the first outcome).
    /// @param worker The worker.
    function failuresOf(address worker) external view returns (euint32);

    /// @notice Handle of `worker`'s encrypted score (zero handle before the first outcome).
    /// @param worker The worker.
    function scoreOf(address worker) external view returns (euint32);

    /// @notice Returns `worker`'s score handle (an encrypted zero for unknown workers) and allows the calling reader to
    /// compute on it for the rest of this transaction only. Authorised readers only.
    /// @param worker The worker whose score is needed.
    /// @return score The encrypted score, usable by the caller in this transaction.
    function shareScore(address worker) external returns (euint32 score);
}
