// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IReputationHook
/// @notice What the core tells the (confidential) reputation system. The core calls it after its own state is final,
/// with a gas cap and inside try/catch: a failing or missing hook never blocks settlement or slashing, and a call that
/// failed stays pending in the core until anyone replays it (`IOblivionCore.replayHook`).
interface IReputationHook {
    /// @notice The value behind one outcome, from the job's snapshotted terms, so the reputation can weigh it.
    /// @param requester The job's requester.
    /// @param modelOwner The model's owner (paid the owner fee).
    /// @param protocolFee Protocol fee of the shard (price * fee bps): what the requester paid that goes to neither the
    /// worker nor the model owner, i.e. the value burnt whoever they are.
    /// @param collateral Collateral the worker locked for the claim (lost on a slash).
    struct OutcomeValue {
        address requester;
        address modelOwner;
        uint128 protocolFee;
        uint128 collateral;
    }

    /// @notice A shard by `worker` settled with a verified proof.
    function onSettled(address worker, uint256 jobId, uint256 shardIndex, OutcomeValue calldata value) external;

    /// @notice A claim by `worker` expired and its collateral was slashed.
    function onSlashed(address worker, uint256 jobId, uint256 shardIndex, OutcomeValue calldata value) external;
}
