// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IInferenceAudit
/// @notice Append-only trail of verified inferences. The core writes one record per settled shard; anyone may anchor
/// a proof verified outside jobs, after this contract has verified it itself. Records are never changed or deleted.
/// @dev Storage per record is one slot (the settlement's gas budget): entry = previous (8) | digest (24), where
/// `previous` is the id of the same job's (or, for anchored records, the same submitter's) previous record, 0 for
/// the first, and `digest` is the first 24 bytes of keccak256(abi.encode(record)). The full record is emitted in
/// `Recorded` / `Anchored`; `isRecord` checks a record read from a log (or anywhere) against the stored digest.
/// Lookups by job and by submitter walk the `previous` chain from the last record (one slot per job / submitter).
interface IInferenceAudit {
    /// @notice One record, as emitted and hashed (not stored; see the contract's @dev).
    /// For anchored records jobId, shardIndex, modelId and modelVersion are 0 (job ids start at 1).
    /// `proofHash` is keccak256 of the proof bytes as submitted, for reference only: it is NOT a unique id of a proof
    /// or a statement. Groth16 proofs are malleable ((-A, -B, C) verifies wherever (A, B, C) does), so one statement
    /// has many proof hashes; identify a record by its record id (I-01).
    struct Record {
        address submitter;
        uint64 jobId;
        uint32 shardIndex;
        address verifier;
        uint32 modelId;
        uint32 modelVersion;
        uint32 timestamp;
        uint256 inputCommitment;
        uint256 outputCommitment;
        bytes32 proofHash;
    }

    /// @notice The core's settlement was recorded; `record` is the full record whose digest is stored.
    event Recorded(uint256 indexed recordId, uint256 indexed jobId, address indexed worker, Record record);
    /// @notice A proof verified by this contract outside any job was anchored; `record` is the full record.
    event Anchored(uint256 indexed recordId, address indexed submitter, address indexed verifier, Record record);
    /// @notice The deployer bound the one core allowed to write settlement records.
    event CoreBound(address core);

    /// @notice Fires when anyone but the bound core calls `record`.
    error NotCore(address caller);
    /// @notice Fires when anyone but the deployer calls `bindCore`.
    error NotDeployer(address caller);
    /// @notice Fires when `bindCore` is called a second time.
    error CoreAlreadyBound(address core);
    /// @notice Fires when `bindCore` gets the zero address.
    error ZeroCore();
    /// @notice Fires when an anchored proof does not verify with the given verifier.
    error ProofRejected(address verifier);
    /// @notice Fires when the verifier given to `anchor` holds no code.
    error InvalidVerifier(address verifier);
    /// @notice Fires when an anchored proof comes with fewer than the 3 signals of layout v1.
    error TooFewSignals(uint256 given);
    /// @notice Fires when a record id is 0 or above the number of records.
    error RecordNotFound(uint256 recordId);
    /// @notice Fires when the core records a job id or shard index that does not fit the record's packed fields.
    error ValueTooLarge();

    /// @notice Binds the core, once. Deployer only (the core and the audit reference each other).
    function bindCore(address core) external;

    /// @notice Appends a settlement record. Core only; the core has verified the proof.
    /// @return recordId The new record's id (ids start at 1).
    function record(
        uint256 jobId,
        uint256 shardIndex,
        uint256 modelId,
        uint256 modelVersion,
        address worker,
        address verifier,
        uint256 inputCommitment,
        uint256 outputCommitment,
        bytes32 proofHash
    ) external returns (uint256 recordId);

    /// @notice Verifies `proof` with `verifier` and, when it holds, appends a record owned by the caller.
    /// Signals are read in layout v1: [outputCommitment, inputCommitment, ..., binding].
    /// @return recordId The new record's id.
    function anchor(address verifier, bytes calldata proof, uint256[] calldata publicSignals)
        external
        returns (uint256 recordId);

    /// @notice The core allowed to write settlement records (zero until bound).
    function core() external view returns (address);

    /// @notice Number of records (the highest id).
    function recordCount() external view returns (uint256);

    /// @notice The stored entry of a record: its digest (first 24 bytes of keccak256(abi.encode(record))) and the
    /// id of the previous record of the same job (or anchoring submitter), 0 for the first. Reverts RecordNotFound.
    function entryOf(uint256 recordId) external view returns (bytes24 digest, uint256 previous);

    /// @notice Whether `record` (say, decoded from the `Recorded` or `Anchored` log of `recordId`) is the stored
    /// record `recordId`. Reverts RecordNotFound.
    function isRecord(uint256 recordId, Record calldata record) external view returns (bool);

    /// @notice The digest stored for `record`: the first 24 bytes of keccak256(abi.encode(record)).
    function digestOf(Record calldata record) external pure returns (bytes24);

    /// @notice Ids of the records of `jobId`, in settlement order (empty for unknown jobs).
    function recordIdsOfJob(uint256 jobId) external view returns (uint256[] memory);

    /// @notice Ids of the records anchored by `submitter` outside jobs.
    function anchoredBy(address submitter) external view returns (uint256[] memory);
}
