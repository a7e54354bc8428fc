// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceAudit} from "./interfaces/IInferenceAudit.sol";
import {IProofVerifier} from "./interfaces/IProofVerifier.sol";

/// @title InferenceAudit
/// @notice Append-only audit trail (see IInferenceAudit). Holds no value.
contract InferenceAudit is IInferenceAudit {
    /// @notice The account allowed to bind the core once.
    address public immutable deployer;

    /// @inheritdoc IInferenceAudit
    address public core;

    uint256 private _count; // record ids are 1 .. _count
    /// @dev Entry layout: previous record id of the same chain (8) | digest (24). See IInferenceAudit's @dev.
    mapping(uint256 recordId => bytes32) private _entries;
    mapping(uint256 jobId => uint256) private _lastOfJob;
    mapping(address submitter => uint256) private _lastAnchoredBy;

    constructor() {
        deployer = msg.sender;
    }

    /// @inheritdoc IInferenceAudit
    function bindCore(address core_) external {
        if (msg.sender != deployer) revert NotDeployer(msg.sender);
        if (core != address(0)) revert CoreAlreadyBound(core);
        if (core_ == address(0)) revert ZeroCore();
        core = core_;
        emit CoreBound(core_);
    }

    /// @inheritdoc IInferenceAudit
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
    ) external returns (uint256 recordId) {
        if (msg.sender != core) revert NotCore(msg.sender);
        if (
            jobId > type(uint64).max || shardIndex > type(uint32).max || modelId > type(uint32).max
                || modelVersion > type(uint32).max
        ) revert ValueTooLarge();
        Record memory r = Record({
            submitter: worker,
            jobId: uint64(jobId),
            shardIndex: uint32(shardIndex),
            verifier: verifier,
            modelId: uint32(modelId),
            modelVersion: uint32(modelVersion),
            timestamp: uint32(block.timestamp),
            inputCommitment: inputCommitment,
            outputCommitment: outputCommitment,
            proofHash: proofHash
        });
        uint256 previous = _lastOfJob[jobId];
        recordId = _append(r, previous);
        _lastOfJob[jobId] = recordId;
        emit Recorded(recordId, jobId, worker, r);
    }

    /// @inheritdoc IInferenceAudit
    function anchor(address verifier, bytes calldata proof, uint256[] calldata publicSignals)
        external
        returns (uint256 recordId)
    {
        if (verifier.code.length == 0) revert InvalidVerifier(verifier);
        if (publicSignals.length < 3) revert TooFewSignals(publicSignals.length);
        if (!IProofVerifier(verifier).verifyProof(proof, publicSignals)) revert ProofRejected(verifier);
        Record memory r = Record({
            submitter: msg.sender,
            jobId: 0,
            shardIndex: 0,
            verifier: verifier,
            modelId: 0,
            modelVersion: 0,
            timestamp: uint32(block.timestamp),
            inputCommitment: publicSignals[1],
            outputCommitment: publicSignals[0],
            proofHash: keccak256(proof)
        });
        recordId = _append(r, _lastAnchoredBy[msg.sender]);
        _lastAnchoredBy[msg.sender] = recordId;
        emit Anchored(recordId, msg.sender, verifier, r);
    }

    /// @inheritdoc IInferenceAudit
    function recordCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IInferenceAudit
    function entryOf(uint256 recordId) public view returns (bytes24 digest, uint256 previous) {
        if (recordId == 0 || recordId > _count) revert RecordNotFound(recordId);
        bytes32 e = _entries[recordId];
        return (bytes24(e << 64), uint256(e) >> 192);
    }

    /// @inheritdoc IInferenceAudit
    function isRecord(uint256 recordId, Record calldata record_) external view returns (bool) {
        (bytes24 digest,) = entryOf(recordId);
        return digest == digestOf(record_);
    }

    /// @inheritdoc IInferenceAudit
    function digestOf(Record memory record_) public pure returns (bytes24) {
        return bytes24(keccak256(abi.encode(record_)));
    }

    /// @inheritdoc IInferenceAudit
    function recordIdsOfJob(uint256 jobId) external view returns (uint256[] memory) {
        return _chain(_lastOfJob[jobId]);
    }

    /// @inheritdoc IInferenceAudit
    function anchoredBy(address submitter) external view returns (uint256[] memory) {
        return _chain(_lastAnchoredBy[submitter]);
    }

    /// @dev One slot per record: previous (8) | digest (24).
    function _append(Record memory r, uint256 previous) private returns (uint256 id) {
        id = ++_count;
        _entries[id] = bytes32((previous << 192) | (uint256(keccak256(abi.encode(r))) >> 64));
    }

    /// @dev The ids of the chain ending at `last`, oldest first.
    function _chain(uint256 last) private view returns (uint256[] memory ids) {
        uint256 n;
        for (uint256 id = last; id != 0; id = uint256(_entries[id]) >> 192) ++n;
        ids = new uint256[](n);
        for (uint256 id = last; id != 0; id = uint256(_entries[id]) >> 192) ids[--n] = id;
    }
}
