// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ICoreCollateral} from "../interfaces/ICoreCollateral.sol";

/// @notice Test double of OblivionCore's collateral-manager entry point, with real bookkeeping: workers stake ether,
/// the bound manager locks / releases / slashes free stake, slashes are split requester / keeper / treasury with the
/// core's default split (50 % / 10 % / rest) into pull balances. Every input is checked as the core checks it.
/// Used by TrainingJobs' unit tests until the real core carries the entry point.
contract CoreCollateralDouble is ICoreCollateral {
    uint16 public constant REQUESTER_BPS = 5_000;
    uint16 public constant BOUNTY_BPS = 1_000;

    address public immutable owner;
    address public immutable treasury;
    address public collateralManager;
    mapping(address => uint256) public stakeOf;
    mapping(address => uint256) public lockedByManager;
    mapping(address => uint256) public balanceOf;

    event CollateralManagerBound(address manager);
    event ManagerLocked(address indexed worker, uint256 amount);
    event ManagerReleased(address indexed worker, uint256 amount);
    event ManagerSlashed(
        address indexed worker,
        uint256 amount,
        address indexed beneficiary,
        address indexed keeper,
        uint256 toBeneficiary,
        uint256 toKeeper,
        uint256 toTreasury
    );

    error NotOwner(address caller);
    error ZeroAddress();
    error ZeroAmount();
    error NotCollateralManager(address caller);
    error CollateralManagerAlreadyBound(address manager);
    error InsufficientFreeStake(uint256 available, uint256 needed);
    error ManagerLockExceeded(uint256 lockedByManager, uint256 requested);

    constructor(address treasury_) {
        if (treasury_ == address(0)) revert ZeroAddress();
        owner = msg.sender;
        treasury = treasury_;
    }

    modifier onlyManager() {
        if (msg.sender != collateralManager) revert NotCollateralManager(msg.sender);
        _;
    }

    function bindCollateralManager(address manager) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        if (manager == address(0)) revert ZeroAddress();
        if (collateralManager != address(0)) revert CollateralManagerAlreadyBound(collateralManager);
        collateralManager = manager;
        emit CollateralManagerBound(manager);
    }

    function stake() external payable {
        if (msg.value == 0) revert ZeroAmount();
        stakeOf[msg.sender] += msg.value;
    }

    function managerLock(address worker, uint256 amount) external onlyManager {
        if (worker == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        uint256 free = stakeOf[worker] - lockedByManager[worker];
        if (free < amount) revert InsufficientFreeStake(free, amount);
        lockedByManager[worker] += amount;
        emit ManagerLocked(worker, amount);
    }

    function managerRelease(address worker, uint256 amount) external onlyManager {
        if (amount == 0) revert ZeroAmount();
        if (lockedByManager[worker] < amount) revert ManagerLockExceeded(lockedByManager[worker], amount);
        lockedByManager[worker] -= amount;
        emit ManagerReleased(worker, amount);
    }

    function managerSlash(address worker, uint256 amount, address beneficiary, address keeper) external onlyManager {
        if (beneficiary == address(0) || keeper == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        if (lockedByManager[worker] < amount) revert ManagerLockExceeded(lockedByManager[worker], amount);
        lockedByManager[worker] -= amount;
        stakeOf[worker] -= amount;
        uint256 toBeneficiary = (amount * REQUESTER_BPS) / 10_000;
        uint256 toKeeper = (amount * BOUNTY_BPS) / 10_000;
        uint256 toTreasury = amount - toBeneficiary - toKeeper;
        balanceOf[beneficiary] += toBeneficiary;
        balanceOf[keeper] += toKeeper;
        balanceOf[treasury] += toTreasury;
        emit ManagerSlashed(worker, amount, beneficiary, keeper, toBeneficiary, toKeeper, toTreasury);
    }
}
