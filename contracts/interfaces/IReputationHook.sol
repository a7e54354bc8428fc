// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IReputationHook
/// @notice What the core tells the (confidential) reputation system. The core calls it after its own state is final,
/// with a gas cap and inside try/catch: a failing or missing hook never blocks settlement or slashing.
interface IReputationHook {
    /// @notice A shard by `worker` settled with a verified proof.
    function onSettled(address worker, uint256 jobId, uint256 shardIndex) external;

    /// @notice A claim by `worker` expired and its collateral was slashed.
    function onSlashed(address worker, uint256 jobId, uint256 shardIndex) external;
}
