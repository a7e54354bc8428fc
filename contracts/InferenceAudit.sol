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

    Record[] private _records; // record id = index + 1
    mapping(uint256 jobId => uint256[]) private _byJob;
    mapping(address submitter => uint256[]) private _anchoredBy;

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
        recordId = _append(
            Record({
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
            })
        );
        _byJob[jobId].push(recordId);
        emit Recorded(recordId, jobId, shardIndex, worker, proofHash);
    }

    /// @inheritdoc IInferenceAudit
    function anchor(address verifier, bytes calldata proof, uint256[] calldata publicSignals)
        external
        returns (uint256 recordId)
    {
        if (verifier.code.length == 0) revert InvalidVerifier(verifier);
        if (publicSignals.length < 3) revert TooFewSignals(publicSignals.length);
        if (!IProofVerifier(verifier).verifyProof(proof, publicSignals)) revert ProofRejected(verifier);
        bytes32 proofHash = keccak256(proof);
        recordId = _append(
            Record({
                submitter: msg.sender,
                jobId: 0,
                shardIndex: 0,
                verifier: verifier,
                modelId: 0,
                modelVersion: 0,
                timestamp: uint32(block.timestamp),
                inputCommitment: publicSignals[1],
                outputCommitment: publicSignals[0],
                proofHash: proofHash
            })
        );
        _anchoredBy[msg.sender].push(recordId);
        emit Anchored(recordId, msg.sender, verifier, proofHash);
    }

    /// @inheritdoc IInferenceAudit
    function recordCount() external view returns (uint256) {
        return _records.length;
    }

    /// @inheritdoc IInferenceAudit
    function getRecord(uint256 recordId) external view returns (Record memory) {
        if (recordId == 0 || recordId > _records.length) revert RecordNotFound(recordId);
        return _records[recordId - 1];
    }

    /// @inheritdoc IInferenceAudit
    function recordIdsOfJob(uint256 jobId) external view returns (uint256[] memory) {
        return _byJob[jobId];
    }

    /// @inheritdoc IInferenceAudit
    function anchoredBy(address submitter) external view returns (uint256[] memory) {
        return _anchoredBy[submitter];
    }

    function _append(Record memory r) private returns (uint256) {
        _records.push(r);
        return _records.length;
    }
}
