// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IJobDirectory} from "./IJobDirectory.sol";
import {IRelayerQuorum} from "./IRelayerQuorum.sol";

/// @title IReputationRelayReceiver
/// @notice FHE-chain end of the settlement relay. Accepts settlement outcomes and job requesters observed on the
/// settlement chain's core, signed by a relayer quorum, applies each source event at most once and feeds the
/// confidential reputation (as its updater) and the privacy gateway (as its job directory).
interface IReputationRelayReceiver is IJobDirectory, IRelayerQuorum {
    /// @notice One outcome event of the core on the settlement chain. Only ever passed in calldata and never stored
    /// (the receiver keeps just the event id), so it is ordered for readability: ABI encoding gives each field a word.
    /// @param sourceTx Hash of the settlement-chain transaction that emitted the event.
    /// @param logIndex Index of the event in that transaction's block; (sourceTx, logIndex) identifies it.
    /// @param kind 1 = settled, 2 = slashed.
    /// @param worker The worker.
    /// @param jobId The job.
    /// @param shardIndex The shard.
    /// @param requester The job's requester (core `getJob`).
    /// @param modelOwner The job's model owner (core `getJob`).
    /// @param protocolFee The shard's protocol fee: pricePerShard * protocolFeeBps / 10_000 of the job.
    /// @param collateral The job's collateral per claim.
    struct Outcome {
        bytes32 sourceTx;
        uint256 logIndex;
        uint8 kind;
        address worker;
        uint256 jobId;
        uint256 shardIndex;
        address requester;
        address modelOwner;
        uint128 protocolFee;
        uint128 collateral;
    }

    /// @notice An outcome was verified and applied to the reputation.
    /// @param eventId keccak256(abi.encode(sourceTx, logIndex)).
    /// @param worker The worker.
    /// @param jobId The job.
    /// @param shardIndex The shard.
    /// @param kind 1 = settled, 2 = slashed.
    event OutcomeApplied(
        bytes32 indexed eventId,
        address indexed worker,
        uint256 indexed jobId,
        uint256 shardIndex,
        uint8 kind
    );

    /// @notice A job's requester was registered from the settlement chain.
    /// @param jobId The job.
    /// @param requester Its requester.
    event JobRegistered(uint256 indexed jobId, address indexed requester);

    /// @notice Fires when an outcome kind is neither 1 (settled) nor 2 (slashed).
    /// @param kind The rejected kind.
    error InvalidKind(uint8 kind);

    /// @notice Fires when the same source event is relayed twice.
    /// @param eventId keccak256(abi.encode(sourceTx, logIndex)).
    error OutcomeAlreadyApplied(bytes32 eventId);

    /// @notice Fires when a job's requester is registered twice.
    /// @param jobId The job.
    error JobAlreadyRegistered(uint256 jobId);

    /// @notice Fires when a zero worker or requester is relayed.
    error ZeroAddress();

    /// @notice Applies one settlement outcome signed by the relayer quorum. Anyone may submit.
    /// @param outcome The outcome, bound by the signatures to this receiver, this chain and the source core.
    /// @param signatures EIP-712 signatures of distinct relayers, in ascending signer order.
    function relayOutcome(Outcome calldata outcome, bytes[] calldata signatures) external;

    /// @notice Registers the requester of `jobId` signed by the relayer quorum. Anyone may submit.
    /// @param jobId The job on the settlement chain.
    /// @param requester Its requester.
    /// @param signatures EIP-712 signatures of distinct relayers, in ascending signer order.
    function relayJobRequester(uint256 jobId, address requester, bytes[] calldata signatures) external;

    /// @notice Whether the source event (sourceTx, logIndex) has been applied.
    /// @param eventId keccak256(abi.encode(sourceTx, logIndex)).
    function applied(bytes32 eventId) external view returns (bool);

    /// @notice Chain id of the settlement chain whose core is relayed.
    function sourceChainId() external view returns (uint256);

    /// @notice Address of the relayed core on the settlement chain.
    function sourceCore() external view returns (address);
}
