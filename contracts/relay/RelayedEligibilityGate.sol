// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IEligibilityGate} from "../interfaces/IEligibilityGate.sol";
import {IRelayedEligibilityGate} from "../interfaces/IRelayedEligibilityGate.sol";
import {RelayerQuorum} from "./RelayerQuorum.sol";

/// @title RelayedEligibilityGate
/// @notice Deployed on the settlement chain (no FHE there). Admits a worker to a gated job of a named core once the
/// relayer quorum attests that the FHE chain's privacy gateway recorded a verified positive eligibility for that
/// (core, job, worker). Eligibility is kept per core, so cores sharing this gate never see each other's answers.
contract RelayedEligibilityGate is IRelayedEligibilityGate, RelayerQuorum {
    /// @notice EIP-712 type of a relayed eligibility.
    bytes32 public constant ELIGIBILITY_TYPEHASH = keccak256(
        "Eligibility(uint256 fheChainId,address sourceGateway,address core,uint256 jobId,address worker,uint64 expiry,"
        "uint256 epoch)"
    );

    /// @inheritdoc IRelayedEligibilityGate
    uint256 public immutable fheChainId;
    /// @inheritdoc IRelayedEligibilityGate
    address public immutable sourceGateway;

    mapping(address core => mapping(uint256 jobId => mapping(address worker => bool eligible))) private _eligible;

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
    function relayEligibility(
        address core,
        uint256 jobId,
        address worker,
        uint64 expiry,
        bytes[] calldata signatures
    ) external {
        if (block.timestamp > expiry) revert EligibilityExpired(expiry);
        if (_eligible[core][jobId][worker]) revert AlreadyEligible(jobId, worker);
        _requireQuorum(
            keccak256(
                abi.encode(ELIGIBILITY_TYPEHASH, fheChainId, sourceGateway, core, jobId, worker, expiry, epoch)
            ),
            signatures
        );
        _eligible[core][jobId][worker] = true;
        emit EligibilityRelayed(core, jobId, worker);
    }

    /// @inheritdoc IEligibilityGate
    /// @dev Answers for the calling core (msg.sender); off-chain readers use `isEligibleFor`.
    function isEligible(uint256 jobId, address worker) external view returns (bool) {
        return _eligible[msg.sender][jobId][worker];
    }

    /// @inheritdoc IRelayedEligibilityGate
    function isEligibleFor(address core, uint256 jobId, address worker) external view returns (bool) {
        return _eligible[core][jobId][worker];
    }
}
