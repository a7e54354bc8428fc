// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IEligibilityGate
/// @notice Admission for jobs that require a minimum (encrypted) reputation. The core asks it on every claim of a
/// gated job; only a yes/no answer is ever revealed.
interface IEligibilityGate {
    /// @notice True when `worker` has been proven eligible for `jobId` (its encrypted score is at least the job's
    /// encrypted minimum, shown by a verified public decryption of that one boolean).
    function isEligible(uint256 jobId, address worker) external view returns (bool);
}
