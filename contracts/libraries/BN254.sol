// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title BN254
/// @notice Field orders of the BN254 (alt_bn128) curve used by Groth16 on the EVM.
library BN254 {
    /// @notice Scalar field order r: public signals, commitments and the binding live below it.
    uint256 internal constant SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Base field order q: proof point coordinates live below it.
    uint256 internal constant BASE_FIELD =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;
}
