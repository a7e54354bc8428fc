// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOblivionCore} from "../interfaces/IOblivionCore.sol";

/// @notice Test-only collateral manager: forwards each manager entry point to the core (as a training module would).
contract TestCollateralManager {
    IOblivionCore public immutable core;

    constructor(IOblivionCore core_) {
        core = core_;
    }

    function lock(address worker, uint256 amount) external {
        core.managerLock(worker, amount);
    }

    function release(address worker, uint256 amount) external {
        core.managerRelease(worker, amount);
    }

    function slash(address worker, uint256 amount, address beneficiary, address keeper) external {
        core.managerSlash(worker, amount, beneficiary, keeper);
    }
}
