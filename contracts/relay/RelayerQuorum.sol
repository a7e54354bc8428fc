// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IRelayerQuorum} from "../interfaces/IRelayerQuorum.sol";

/// @title RelayerQuorum
/// @notice Threshold of EIP-712 relayer signatures. The EIP-712 domain holds this contract's chain id and address, so
/// a signature is valid for exactly one deployment on one chain; every message also names the relayer-set `epoch`,
/// which any change of relayers or threshold bumps, so no signature outlives the set it was made for.
abstract contract RelayerQuorum is IRelayerQuorum, EIP712, Ownable2Step {
    /// @inheritdoc IRelayerQuorum
    mapping(address account => bool allowed) public isRelayer;
    /// @inheritdoc IRelayerQuorum
    uint256 public relayerCount;
    /// @inheritdoc IRelayerQuorum
    uint256 public threshold;
    /// @inheritdoc IRelayerQuorum
    uint256 public epoch;

    /// @param name EIP-712 domain name of the concrete contract.
    /// @param initialOwner Manages the relayer set.
    /// @param relayers Initial relayers.
    /// @param threshold_ Initial threshold.
    constructor(
        string memory name,
        address initialOwner,
        address[] memory relayers,
        uint256 threshold_
    ) EIP712(name, "1") Ownable(initialOwner) {
        for (uint256 i = 0; i < relayers.length; ++i) _setRelayer(relayers[i], true);
        _setThreshold(threshold_);
    }

    /// @inheritdoc IRelayerQuorum
    function setRelayer(address relayer, bool allowed) external onlyOwner {
        _setRelayer(relayer, allowed);
        if (relayerCount < threshold) revert InvalidThreshold(threshold, relayerCount);
    }

    /// @inheritdoc IRelayerQuorum
    function setThreshold(uint256 threshold_) external onlyOwner {
        _setThreshold(threshold_);
    }

    /// @dev Reverts unless `signatures` are at least `threshold` signatures of distinct relayers (ascending signer
    /// order) over the EIP-712 digest of `structHash` in this contract's domain.
    function _requireQuorum(bytes32 structHash, bytes[] calldata signatures) internal view {
        if (signatures.length < threshold) revert QuorumNotReached(signatures.length, threshold);
        bytes32 digest = _hashTypedDataV4(structHash);
        address previous = address(0);
        for (uint256 i = 0; i < signatures.length; ++i) {
            address signer = ECDSA.recover(digest, signatures[i]);
            if (!isRelayer[signer]) revert NotRelayer(signer);
            if (signer <= previous) revert SignersNotAscending(signer);
            previous = signer;
        }
    }

    function _setRelayer(address relayer, bool allowed) private {
        if (relayer == address(0) || isRelayer[relayer] == allowed) revert RelayerUnchanged(relayer);
        isRelayer[relayer] = allowed;
        if (allowed) ++relayerCount;
        else --relayerCount;
        emit RelayerSet(relayer, allowed);
        _bumpEpoch();
    }

    function _setThreshold(uint256 threshold_) private {
        if (threshold_ == 0 || threshold_ > relayerCount) revert InvalidThreshold(threshold_, relayerCount);
        threshold = threshold_;
        emit ThresholdSet(threshold_);
        _bumpEpoch();
    }

    function _bumpEpoch() private {
        uint256 next = epoch + 1;
        epoch = next;
        emit EpochBumped(next);
    }
}
