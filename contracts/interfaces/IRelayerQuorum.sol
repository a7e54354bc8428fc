// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IRelayerQuorum
/// @notice A set of relayers, of which `threshold` must sign (EIP-712, over this contract's chain id and address) any
/// message relayed between the settlement chain and the FHE chain. The relayers are trusted: see docs/fhe.md.
interface IRelayerQuorum {
    /// @notice A relayer was added or removed.
    /// @param relayer The relayer.
    /// @param allowed True when added.
    event RelayerSet(address indexed relayer, bool allowed);

    /// @notice The number of signatures required changed.
    /// @param threshold The new threshold.
    event ThresholdSet(uint256 threshold);

    /// @notice The relayer set or threshold changed: signatures over earlier epochs no longer verify.
    /// @param epoch The new epoch.
    event EpochBumped(uint256 epoch);

    /// @notice Fires when a signature recovers to an address that is not a relayer (forged, or signed for another
    /// chain, contract or message).
    /// @param signer The recovered address.
    error NotRelayer(address signer);

    /// @notice Fires when signers are not in strictly ascending address order (this also rejects duplicates).
    /// @param signer The first signer out of order.
    error SignersNotAscending(address signer);

    /// @notice Fires when fewer signatures than the threshold are given.
    /// @param given Signatures given.
    /// @param threshold Signatures required.
    error QuorumNotReached(uint256 given, uint256 threshold);

    /// @notice Fires when a threshold is zero or above the number of relayers.
    /// @param threshold The rejected threshold.
    /// @param relayers The number of relayers.
    error InvalidThreshold(uint256 threshold, uint256 relayers);

    /// @notice Fires when adding a relayer twice, removing a non-relayer, or adding the zero address.
    /// @param relayer The relayer concerned.
    error RelayerUnchanged(address relayer);

    /// @notice Adds or removes a relayer. Owner only; removing may not leave fewer relayers than the threshold.
    /// @param relayer The relayer.
    /// @param allowed True to add.
    function setRelayer(address relayer, bool allowed) external;

    /// @notice Sets the number of relayer signatures required. Owner only; 1 <= threshold <= relayers.
    /// @param threshold The new threshold.
    function setThreshold(uint256 threshold) external;

    /// @notice Whether `account` is a relayer.
    /// @param account The account asked about.
    function isRelayer(address account) external view returns (bool);

    /// @notice Number of relayers.
    function relayerCount() external view returns (uint256);

    /// @notice Signatures required.
    function threshold() external view returns (uint256);

    /// @notice The relayer-set epoch every signed message must name (bumped by setRelayer and setThreshold), so a
    /// relayer removed and re-added cannot revive signatures it gave before.
    function epoch() external view returns (uint256);
}
