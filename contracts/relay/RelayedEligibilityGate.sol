// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEligibilityGate} from "../interfaces/IEligibilityGate.sol";
import {IRelayedEligibilityGate} from "../interfaces/IRelayedEligibilityGate.sol";
import {RelayerQuorum} from "./RelayerQuorum.sol";

/// @title RelayedEligibilityGate
/// @notice Deployed on the settlement chain (no FHE there). Admits a worker to a gated job once the relayer quorum
/// attests that the FHE chain's privacy gateway recorded a verified positive eligibility for that (job, worker).
contract RelayedEligibilityGate is IRelayedEligibilityGate, RelayerQuorum {
    /// @notice EIP-712 type of a relayed eligibility.
    bytes32 public constant ELIGIBILITY_TYPEHASH =
        keccak256("Eligibility(uint256 fheChainId,address sourceGateway,uint256 jobId,address worker)");

    /// @inheritdoc IRelayedEligibilityGate
    uint256 public immutable fheChainId;
    /// @inheritdoc IRelayedEligibilityGate
    address public immutable sourceGateway;

    mapping(uint256 jobId => mapping(address worker => bool eligible)) private _eligible;

    /// @param fheChainId_ FHE chain id.
    /// @param sourceGateway_ Privacy gateway on the FHE chain.
    /// @param initialOwner Manages the relayer set.
    /// @param relayers Initial relayers.
    /// @param threshold_ Signatures required.
    constructor(
        uint256 fheChainId_,
        address sourceGateway_,
        address initialOwner,
        address[] memory relayers,
        uint256 threshold_
    ) RelayerQuorum("V-Oblivion Eligibility Relay", initialOwner, relayers, threshold_) {
        fheChainId = fheChainId_;
        sourceGateway = sourceGateway_;
    }

    /// @inheritdoc IRelayedEligibilityGate
    function relayEligibility(uint256 jobId, address worker, bytes[] calldata signatures) external {
        if (_eligible[jobId][worker]) revert AlreadyEligible(jobId, worker);
        _requireQuorum(
            keccak256(abi.encode(ELIGIBILITY_TYPEHASH, fheChainId, sourceGateway, jobId, worker)),
            signatures
        );
        _eligible[jobId][worker] = true;
        emit EligibilityRelayed(jobId, worker);
    }

    /// @inheritdoc IEligibilityGate
    function isEligible(uint256 jobId, address worker) external view returns (bool) {
        return _eligible[jobId][worker];
    }
}
