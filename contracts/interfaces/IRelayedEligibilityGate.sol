// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEligibilityGate} from "./IEligibilityGate.sol";
import {IRelayerQuorum} from "./IRelayerQuorum.sol";

/// @title IRelayedEligibilityGate
/// @notice Settlement-chain gate for when the privacy gateway lives on another (FHE) chain: a relayer quorum attests
/// that the gateway at `sourceGateway` on chain `fheChainId` recorded a verified positive eligibility for
/// (jobId, worker) of the core named in the message (the gateway's job directory relays that core); that core then
/// admits the claim. Each message expires, and names the relayer-set epoch.
interface IRelayedEligibilityGate is IEligibilityGate, IRelayerQuorum {
    /// @notice A positive eligibility was relayed.
    /// @param core The settlement core whose job it is.
    /// @param jobId The job.
    /// @param worker The worker.
    event EligibilityRelayed(address indexed core, uint256 indexed jobId, address indexed worker);

    /// @notice Fires when an eligibility already recorded is relayed again.
    /// @param jobId The job.
    /// @param worker The worker.
    error AlreadyEligible(uint256 jobId, address worker);

    /// @notice Fires when a signed eligibility is submitted after its expiry.
    /// @param expiry The message's expiry (unix seconds).
    error EligibilityExpired(uint64 expiry);

    /// @notice Records that `worker` is eligible for `core`'s job `jobId`, signed by the relayer quorum. Anyone may
    /// submit, until `expiry`.
    /// @param core The settlement core whose job it is.
    /// @param jobId The job.
    /// @param worker The worker.
    /// @param expiry Last second (unix) at which the message may be submitted.
    /// @param signatures EIP-712 signatures (bound to this gate, this chain, fheChainId, sourceGateway, the core, the
    /// expiry and the current relayer epoch) of distinct relayers, in ascending signer order.
    function relayEligibility(address core, uint256 jobId, address worker, uint64 expiry, bytes[] calldata signatures)
        external;

    /// @notice Whether `worker` was admitted to `core`'s job `jobId`.
    function isEligibleFor(address core, uint256 jobId, address worker) external view returns (bool);

    /// @notice Chain id of the FHE chain hosting the privacy gateway.
    function fheChainId() external view returns (uint256);

    /// @notice The privacy gateway on the FHE chain whose results are relayed.
    function sourceGateway() external view returns (address);
}
