// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IInferenceAudit
/// @notice Append-only trail of verified inferences. The core writes one record per settled shard; anyone may anchor
/// a proof verified outside jobs, after this contract has verified it itself. Records are never changed or deleted.
interface IInferenceAudit {
    /// @notice One record.
    /// Layout: slot 0 = submitter (20) | jobId (8) | shardIndex (4); slot 1 = verifier (20) | modelId (4) |
    /// modelVersion (4) | timestamp (4); slot 2 = inputCommitment; slot 3 = outputCommitment; slot 4 = proofHash.
    /// For anchored records jobId, shardIndex, modelId and modelVersion are 0 (job ids start at 1).
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

    /// @notice The core's settlement was recorded.
    event Recorded(
        uint256 indexed recordId, uint256 indexed jobId, uint256 shardIndex, address indexed worker, bytes32 proofHash
    );
    /// @notice A proof verified by this contract outside any job was anchored.
    event Anchored(uint256 indexed recordId, address indexed submitter, address indexed verifier, bytes32 proofHash);
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

    /// @notice One record. Reverts RecordNotFound.
    function getRecord(uint256 recordId) external view returns (Record memory);

    /// @notice Ids of the records of `jobId`, in settlement order (empty for unknown jobs).
    function recordIdsOfJob(uint256 jobId) external view returns (uint256[] memory);

    /// @notice Ids of the records anchored by `submitter` outside jobs.
    function anchoredBy(address submitter) external view returns (uint256[] memory);
}
