// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IJobDirectory
/// @notice The one fact the FHE contracts need about jobs: who posted each one. Served by the core (OblivionCore) when
/// everything lives on one chain, and by the relay receiver on the FHE chain when settlement happens elsewhere.
interface IJobDirectory {
    /// @notice The requester (poster) of `jobId`, or address(0) when the job is unknown.
    function jobRequester(uint256 jobId) external view returns (address);
}
