// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IJobDirectory} from "../interfaces/IJobDirectory.sol";
import {IReputationHook} from "../interfaces/IReputationHook.sol";

/// @title TestJobDirectory
/// @notice Test-only stand-in for the core as the FHE side sees it: records who posted which job and, as the
/// reputation's updater, reports outcomes to it.
contract TestJobDirectory is IJobDirectory {
    /// @notice Fires when a job id is posted twice.
    error JobExists(uint256 jobId);

    mapping(uint256 jobId => address requester) public jobRequester;

    /// @notice Records the caller as requester of `jobId`.
    function post(uint256 jobId) external {
        if (jobRequester[jobId] != address(0)) revert JobExists(jobId);
        jobRequester[jobId] = msg.sender;
    }

    /// @notice Reports a settlement to `hook`, as the core does after paying a shard.
    function settle(
        IReputationHook hook,
        address worker,
        uint256 jobId,
        uint256 shardIndex,
        IReputationHook.OutcomeValue calldata value
    ) external {
        hook.onSettled(worker, jobId, shardIndex, value);
    }

    /// @notice Reports a slash to `hook`, as the core does after reclaiming a claim whose key was released.
    function slash(
        IReputationHook hook,
        address worker,
        uint256 jobId,
        uint256 shardIndex,
        IReputationHook.OutcomeValue calldata value
    ) external {
        hook.onSlashed(worker, jobId, shardIndex, value);
    }
}
