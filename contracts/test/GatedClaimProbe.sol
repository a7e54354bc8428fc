// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEligibilityGate} from "../interfaces/IEligibilityGate.sol";

/// @title GatedClaimProbe
/// @notice Test-only consumer of IEligibilityGate: admits a claim exactly as the core does for a gated job.
contract GatedClaimProbe {
    /// @notice Fires when the gate does not admit `worker` to `jobId`.
    error NotEligible(uint256 jobId, address worker);

    /// @notice A claim was admitted.
    event Claimed(uint256 indexed jobId, address indexed worker);

    IEligibilityGate public immutable gate;

    constructor(IEligibilityGate gate_) {
        gate = gate_;
    }

    /// @notice Claims on behalf of the caller; reverts unless the gate admits it.
    function claim(uint256 jobId) external {
        if (!gate.isEligible(jobId, msg.sender)) revert NotEligible(jobId, msg.sender);
        emit Claimed(jobId, msg.sender);
    }
}
