// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ITrainingJobs} from "../interfaces/ITrainingJobs.sol";

interface ICoreWorkerEntry {
    function registerWorker(string calldata metadataCid, bytes calldata encryptionPublicKey) external;
    function stake() external payable;
}

/// @title DrawDodger (test only)
/// @notice F-05's attacker: a contract primary that commits its answer and reverts unless the shard was accepted
/// without an audit in the same transaction, so failed tries cost gas only.
contract DrawDodger {
    /// @notice Fires when the commitment left the shard anything but accepted.
    error NotAcceptedYet(ITrainingJobs.SlotState state);

    ITrainingJobs public immutable training;
    ICoreWorkerEntry public immutable core;

    constructor(ITrainingJobs training_, ICoreWorkerEntry core_) {
        training = training_;
        core = core_;
    }

    /// @notice Registers and stakes this contract as a worker.
    function register(bytes calldata encryptionPublicKey) external payable {
        core.registerWorker("bafydodger", encryptionPublicKey);
        core.stake{value: msg.value}();
    }

    /// @notice Takes the next primary slot.
    function join(uint256 jobId, uint16 round) external {
        training.join(jobId, round);
    }

    /// @notice Commits and keeps the commitment only if the shard came out accepted (unaudited) right away.
    function commitUnlessDrawn(uint256 jobId, uint16 round, bytes32 commitment) external {
        training.commitUpdate(jobId, round, commitment);
        uint16 slot = training.slotOf(jobId, round, address(this)) - 1;
        ITrainingJobs.SlotState state = training.getSlot(jobId, round, slot).state;
        if (state != ITrainingJobs.SlotState.Accepted) revert NotAcceptedYet(state);
    }
}
