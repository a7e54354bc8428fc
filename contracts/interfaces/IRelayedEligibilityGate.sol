// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEligibilityGate} from "./IEligibilityGate.sol";
import {IRelayerQuorum} from "./IRelayerQuorum.sol";

/// @title IRelayedEligibilityGate
/// @notice Settlement-chain gate for when the privacy gateway lives on another (FHE) chain: a relayer quorum attests
/// that the gateway at `sourceGateway` on chain `fheChainId` recorded a verified positive eligibility for
/// (jobId, worker); the core then admits the claim.
interface IRelayedEligibilityGate is IEligibilityGate, IRelayerQuorum {
    /// @notice A positive eligibility was relayed.
    /// @param jobId The job.
    /// @param worker The worker.
    event EligibilityRelayed(uint256 indexed jobId, address indexed worker);

    /// @notice Fires when an eligibility already recorded is relayed again.
    /// @param jobId The job.
    /// @param worker The worker.
    error AlreadyEligible(uint256 jobId, address worker);

    /// @notice Records that `worker` is eligible for `jobId`, signed by the relayer quorum. Anyone may submit.
    /// @param jobId The job.
    /// @param worker The worker.
    /// @param signatures EIP-712 signatures (bound to this gate, this chain, fheChainId and sourceGateway) of distinct
    /// relayers, in ascending signer order.
    function relayEligibility(uint256 jobId, address worker, bytes[] calldata signatures) external;

    /// @notice Chain id of the FHE chain hosting the privacy gateway.
    function fheChainId() external view returns (uint256);

    /// @notice The privacy gateway on the FHE chain whose results are relayed.
    function sourceGateway() external view returns (address);
}
