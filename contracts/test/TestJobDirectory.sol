// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IJobDirectory} from "../interfaces/IJobDirectory.sol";

/// @title TestJobDirectory
/// @notice Test-only stand-in for the core's job directory: records who posted which job.
contract TestJobDirectory is IJobDirectory {
    /// @notice Fires when a job id is posted twice.
    error JobExists(uint256 jobId);

    mapping(uint256 jobId => address requester) public jobRequester;

    /// @notice Records the caller as requester of `jobId`.
    function post(uint256 jobId) external {
        if (jobRequester[jobId] != address(0)) revert JobExists(jobId);
        jobRequester[jobId] = msg.sender;
    }
}
