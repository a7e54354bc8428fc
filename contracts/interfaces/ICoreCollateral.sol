// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ICoreCollateral
/// @notice The collateral-manager entry point of OblivionCore that TrainingJobs uses: a bound manager locks part of a
/// worker's free stake, releases it, or slashes it with the core's slash split. The worker's stake stays in the core;
/// locked stake cannot be unstaked, so one stake backs inference claims and training work alike.
interface ICoreCollateral {
    /// @notice Binds the one collateral manager (core owner only, once).
    function bindCollateralManager(address manager) external;

    /// @notice The one contract allowed to call managerLock / managerRelease / managerSlash (zero until bound).
    function collateralManager() external view returns (address);

    /// @notice Locks `amount` of `worker`'s free stake for the manager; reverts when the free stake is too small.
    function managerLock(address worker, uint256 amount) external;

    /// @notice Unlocks `amount` previously locked by the manager for `worker`.
    function managerRelease(address worker, uint256 amount) external;

    /// @notice Takes `amount` of `worker`'s manager-locked stake and splits it (core's slash split) between
    /// `beneficiary`, `keeper` and the treasury, as pull balances in the core.
    function managerSlash(address worker, uint256 amount, address beneficiary, address keeper) external;

    /// @notice Stake of `worker` currently locked by the manager.
    function lockedByManager(address worker) external view returns (uint256);
}
