// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IJobDirectory} from "../interfaces/IJobDirectory.sol";
import {IReputationHook} from "../interfaces/IReputationHook.sol";
import {IReputationRelayReceiver} from "../interfaces/IReputationRelayReceiver.sol";
import {RelayerQuorum} from "./RelayerQuorum.sol";

/// @title ReputationRelayReceiver
/// @notice Deployed on the FHE chain. Turns quorum-signed settlement-chain events into reputation updates (it is the
/// reputation's updater) and job requesters (it is the privacy gateway's job directory).
contract ReputationRelayReceiver is IReputationRelayReceiver, RelayerQuorum {
    /// @notice Outcome kind: the shard settled with a verified proof.
    uint8 public constant SETTLED = 1;
    /// @notice Outcome kind: the claim expired and was slashed.
    uint8 public constant SLASHED = 2;

    /// @notice EIP-712 type of a relayed outcome.
    bytes32 public constant OUTCOME_TYPEHASH =
        keccak256(
            "Outcome(uint256 sourceChainId,address sourceCore,bytes32 sourceTx,uint256 logIndex,uint8 kind,"
            "address worker,uint256 jobId,uint256 shardIndex,address requester,address modelOwner,uint128 protocolFee,"
            "uint128 collateral,uint256 epoch)"
        );
    /// @notice EIP-712 type of a relayed job requester.
    bytes32 public constant JOB_REQUESTER_TYPEHASH =
        keccak256(
            "JobRequester(uint256 sourceChainId,address sourceCore,uint256 jobId,address requester,uint256 epoch)"
        );

    /// @inheritdoc IReputationRelayReceiver
    uint256 public immutable sourceChainId;
    /// @inheritdoc IReputationRelayReceiver
    address public immutable sourceCore;
    /// @notice The confidential reputation fed by this receiver.
    IReputationHook public immutable reputation;

    /// @inheritdoc IReputationRelayReceiver
    mapping(bytes32 eventId => bool done) public applied;
    /// @inheritdoc IJobDirectory
    mapping(uint256 jobId => address requester) public jobRequester;

    /// @param sourceChainId_ Settlement chain id.
    /// @param sourceCore_ Core address on the settlement chain.
    /// @param reputation_ Confidential reputation (must name this receiver as updater).
    /// @param initialOwner Manages the relayer set.
    /// @param relayers Initial relayers.
    /// @param threshold_ Signatures required.
    constructor(
        uint256 sourceChainId_,
        address sourceCore_,
        IReputationHook reputation_,
        address initialOwner,
        address[] memory relayers,
        uint256 threshold_
    ) RelayerQuorum("V-Oblivion Reputation Relay", initialOwner, relayers, threshold_) {
        sourceChainId = sourceChainId_;
        sourceCore = sourceCore_;
        reputation = reputation_;
    }

    /// @inheritdoc IReputationRelayReceiver
    function relayOutcome(Outcome calldata outcome, bytes[] calldata signatures) external {
        if (outcome.kind != SETTLED && outcome.kind != SLASHED) revert InvalidKind(outcome.kind);
        if (outcome.worker == address(0)) revert ZeroAddress();
        bytes32 eventId = keccak256(abi.encode(outcome.sourceTx, outcome.logIndex));
        if (applied[eventId]) revert OutcomeAlreadyApplied(eventId);
        _requireQuorum(_outcomeHash(outcome), signatures);
        applied[eventId] = true;
        emit OutcomeApplied(eventId, outcome.worker, outcome.jobId, outcome.shardIndex, outcome.kind);
        IReputationHook.OutcomeValue memory value = IReputationHook.OutcomeValue({
            requester: outcome.requester,
            modelOwner: outcome.modelOwner,
            protocolFee: outcome.protocolFee,
            collateral: outcome.collateral
        });
        if (outcome.kind == SETTLED) reputation.onSettled(outcome.worker, outcome.jobId, outcome.shardIndex, value);
        else reputation.onSlashed(outcome.worker, outcome.jobId, outcome.shardIndex, value);
    }

    /// @inheritdoc IReputationRelayReceiver
    function relayJobRequester(uint256 jobId, address requester, bytes[] calldata signatures) external {
        if (requester == address(0)) revert ZeroAddress();
        if (jobRequester[jobId] != address(0)) revert JobAlreadyRegistered(jobId);
        _requireQuorum(
            keccak256(abi.encode(JOB_REQUESTER_TYPEHASH, sourceChainId, sourceCore, jobId, requester, epoch)),
            signatures
        );
        jobRequester[jobId] = requester;
        emit JobRegistered(jobId, requester);
    }

    function _outcomeHash(Outcome calldata o) private view returns (bytes32) {
        bytes memory head = abi.encode(
            OUTCOME_TYPEHASH, sourceChainId, sourceCore, o.sourceTx, o.logIndex, o.kind, o.worker, o.jobId, o.shardIndex
        );
        return keccak256(bytes.concat(head, abi.encode(o.requester, o.modelOwner, o.protocolFee, o.collateral, epoch)));
    }
}
