// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {FHE, ebool, euint32, externalEuint32} from "@fhevm/solidity/lib/FHE.sol";
import {ZamaEthereumConfig} from "@fhevm/solidity/config/ZamaConfig.sol";
import {IConfidentialReputation} from "../interfaces/IConfidentialReputation.sol";
import {IEligibilityGate} from "../interfaces/IEligibilityGate.sol";
import {IJobDirectory} from "../interfaces/IJobDirectory.sol";
import {IPrivacyGateway} from "../interfaces/IPrivacyGateway.sol";

/// @title PrivacyGateway
/// @notice Encrypted minimum-score gate for jobs. Only the boolean (score >= minimum) of one (job, worker) is ever made
/// publicly decryptable, and a decryption is accepted only against that exact ciphertext, so a result for one
/// (job, worker) cannot be replayed for another. Eligibility is a snapshot taken at request time.
contract PrivacyGateway is IPrivacyGateway, ZamaEthereumConfig {
    /// @dev Eligibility state of one (job, worker). Layout: slot 0 the 32-byte boolean handle; slot 1 `resolved`
    /// (byte 0) and `eligible` (byte 1), 30 bytes free.
    struct Eligibility {
        ebool result; // slot 0: pending or last resolved encrypted boolean, zero before the first request
        bool resolved; // slot 1, byte 0: the current `result` has been decrypted and recorded
        bool eligible; // slot 1, byte 1: true once a verified decryption said yes
    }

    /// @notice Source of the reputation scores.
    IConfidentialReputation public immutable reputation;
    /// @notice Who posted each job (the core, or the relay receiver on the FHE chain).
    IJobDirectory public immutable directory;
    /// @inheritdoc IPrivacyGateway
    uint32 public immutable scoreStep;

    mapping(uint256 jobId => euint32 minScore) private _minScore;
    mapping(uint256 jobId => mapping(address worker => Eligibility state)) private _eligibility;

    /// @param reputation_ The confidential reputation (must list this gateway as a reader).
    /// @param directory_ The job directory.
    /// @param scoreStep_ Threshold granularity (see IPrivacyGateway); 1 keeps thresholds exact.
    constructor(IConfidentialReputation reputation_, IJobDirectory directory_, uint32 scoreStep_) {
        if (scoreStep_ == 0) revert ZeroScoreStep();
        reputation = reputation_;
        directory = directory_;
        scoreStep = scoreStep_;
    }

    /// @inheritdoc IPrivacyGateway
    function setMinScore(uint256 jobId, externalEuint32 encryptedMinScore, bytes calldata inputProof) external {
        address requester = directory.jobRequester(jobId);
        if (requester == address(0)) revert UnknownJob(jobId);
        if (msg.sender != requester) revert NotJobRequester(jobId, msg.sender);
        if (FHE.isInitialized(_minScore[jobId])) revert MinScoreAlreadySet(jobId);
        euint32 minScore = FHE.fromExternal(encryptedMinScore, inputProof);
        uint32 step = scoreStep;
        if (step > 1) minScore = FHE.mul(FHE.div(minScore, step), step);
        FHE.allowThis(minScore);
        FHE.allow(minScore, requester);
        _minScore[jobId] = minScore;
        emit MinScoreSet(jobId, requester);
    }

    /// @inheritdoc IPrivacyGateway
    function requestEligibility(uint256 jobId) external returns (bytes32 result) {
        euint32 minScore = _minScore[jobId];
        if (!FHE.isInitialized(minScore)) revert JobNotGated(jobId);
        Eligibility storage state = _eligibility[jobId][msg.sender];
        if (state.eligible) revert AlreadyEligible(jobId, msg.sender);
        ebool meets = FHE.ge(reputation.shareScore(msg.sender), minScore);
        FHE.allowThis(meets);
        FHE.makePubliclyDecryptable(meets);
        state.result = meets;
        state.resolved = false;
        result = FHE.toBytes32(meets);
        emit EligibilityRequested(jobId, msg.sender, result);
    }

    /// @inheritdoc IPrivacyGateway
    function submitEligibility(
        uint256 jobId,
        address worker,
        bytes calldata abiEncodedCleartexts,
        bytes calldata decryptionProof
    ) external {
        Eligibility storage state = _eligibility[jobId][worker];
        if (!FHE.isInitialized(state.result) || state.resolved) revert NoPendingRequest(jobId, worker);
        if (abiEncodedCleartexts.length != 32) revert MalformedCleartext();
        bytes32[] memory handles = new bytes32[](1);
        handles[0] = FHE.toBytes32(state.result);
        FHE.checkSignatures(handles, abiEncodedCleartexts, decryptionProof);
        uint256 word = abi.decode(abiEncodedCleartexts, (uint256));
        if (word > 1) revert MalformedCleartext();
        bool eligible = word == 1;
        state.resolved = true;
        state.eligible = eligible;
        emit EligibilityResolved(jobId, worker, eligible);
    }

    /// @inheritdoc IEligibilityGate
    function isEligible(uint256 jobId, address worker) external view returns (bool) {
        return _eligibility[jobId][worker].eligible;
    }

    /// @inheritdoc IPrivacyGateway
    function isGated(uint256 jobId) external view returns (bool) {
        return FHE.isInitialized(_minScore[jobId]);
    }

    /// @inheritdoc IPrivacyGateway
    function minScoreOf(uint256 jobId) external view returns (euint32) {
        return _minScore[jobId];
    }

    /// @inheritdoc IPrivacyGateway
    function isPending(uint256 jobId, address worker) external view returns (bool) {
        Eligibility storage state = _eligibility[jobId][worker];
        return FHE.isInitialized(state.result) && !state.resolved;
    }

    /// @inheritdoc IPrivacyGateway
    function resultHandleOf(uint256 jobId, address worker) external view returns (bytes32) {
        return FHE.toBytes32(_eligibility[jobId][worker].result);
    }
}
