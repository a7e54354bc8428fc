// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ICoreCollateral
/// @notice The collateral-manager entry point of OblivionCore that TrainingJobs uses: a bound manager locks part of a
/// worker's free stake, releases it, or slashes it with the core's slash split. The worker's stake stays in the core;
/// locked stake cannot be unstaked, so one stake backs inference claims and training work alike.
interface ICoreCollateral {
    /// @notice Deploys and binds the one collateral manager (the training module) that may lock, release and slash
    /// workers' stake. Anyone, once (CollateralManagerAlreadyBound): `creationCode` must hash to `managerCodeHash`
    /// (ManagerCodeMismatch; NoManagerPinned when the core pins none) and is deployed with abi.encode(core) as its
    /// constructor argument. No owner path binds a manager: what may move stake is fixed when the core is deployed
    /// (F-13), so a worker checks `managerCodeHash` once before staking.
    /// @return manager The bound manager's address.
    function deployCollateralManager(bytes calldata creationCode) external returns (address manager);

    /// @notice keccak256 of the only creation code (without constructor arguments) the collateral manager may have;
    /// immutable, zero when this core never gets a manager.
    function managerCodeHash() external view returns (bytes32);

    /// @notice The bound collateral manager (zero until bound).
    function collateralManager() external view returns (address);

    /// @notice Locks `amount` of the worker's free stake (`stake - locked`) for the manager: it joins `Worker.locked`,
    /// so it cannot be unstaked or locked by a claim until the manager releases or slashes it. Manager only; the
    /// worker must be registered (NotRegistered); `amount` > 0 (ZeroAmount) and at most the free stake
    /// (InsufficientFreeStake).
    function managerLock(address worker, uint256 amount) external;

    /// @notice Unlocks `amount` of what the manager locked for the worker. Manager only; `amount` > 0 (ZeroAmount) and
    /// at most `lockedByManager(worker)` (ManagerLockExceeded).
    function managerRelease(address worker, uint256 amount) external;

    /// @notice Takes `amount` of what the manager locked from the worker's locked stake and stake, split with the
    /// core's slash split: requesterBps to `beneficiary`, bountyBps to `keeper`, the rest to the treasury, all as
    /// pull balances. Manager only; `amount` > 0 (ZeroAmount) and at most `lockedByManager(worker)`
    /// (ManagerLockExceeded); beneficiary and keeper non-zero (ZeroAddress). Does not call the reputation hook.
    function managerSlash(address worker, uint256 amount, address beneficiary, address keeper) external;

    /// @notice The part of the worker's `locked` stake held by the collateral manager.
    function lockedByManager(address worker) external view returns (uint256);

    /// @notice Where protocol fees and the protocol's share of slashes go.
    function treasury() external view returns (address);
}
