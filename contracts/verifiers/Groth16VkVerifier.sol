// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {BN254} from "../libraries/BN254.sol";

/// @title Groth16VkVerifier
/// @notice A Groth16 (BN254) IProofVerifier whose verification key is fixed at construction: one program for every
/// circuit, the key in immutables, no owner, no storage, no external call but the EVM's precompiles. What it accepts
/// is a pure function of the key it was built with, so it cannot change after a job pins it. The ModelRegistry deploys
/// these (`deployGroth16Verifier`) and treats only its own as vetted.
/// @dev Same check as the snarkjs-exported verifier: e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) == 1 with
/// vk_x = IC[0] + sum(signal[i] * IC[i + 1]). Before the pairing it screens the encoding (coordinates below the base field
/// order q, signals below the scalar field order r, A and C on y^2 = x^3 + 3); B (in G2) is left to the pairing
/// precompile, whose call has a fixed gas cap so a bad B cannot burn the caller's whole gas.
contract Groth16VkVerifier is IProofVerifier {
    /// @notice A verification key in the pairing precompile's (EIP-197) order.
    /// @param alpha G1 point (x, y).
    /// @param beta G2 point (x.c1, x.c0, y.c1, y.c0): snarkjs vk_beta_2[0][1], [0][0], [1][1], [1][0].
    /// @param gamma G2 point, same order.
    /// @param delta G2 point, same order.
    /// @param ic G1 points IC[0..n] flattened (x0, y0, x1, y1, ...): n + 1 points for n public signals.
    struct VerifyingKey {
        uint256[2] alpha;
        uint256[4] beta;
        uint256[4] gamma;
        uint256[4] delta;
        uint256[] ic;
    }

    /// @notice BN254 base field order q.
    uint256 public constant BASE_FIELD_ORDER = BN254.BASE_FIELD;
    /// @notice BN254 scalar field order r.
    uint256 public constant SCALAR_FIELD_ORDER = BN254.SCALAR_FIELD;
    /// @notice Most public signals a key may have: layout 1 uses 3 or 4; layout 2 adds its output cipher words
    /// (IProofVerifier), so up to 17 words (204 outputs of 20 bits) beside three commitments and the binding.
    uint256 public constant MAX_SIGNALS = 20;
    /// @notice Proof bytes: abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c), 8 words, snarkjs calldata order.
    uint256 public constant PROOF_LENGTH = 256;
    /// @notice Gas the pairing call gets (4 pairings cost 181,000 under EIP-1108 and 420,000 before it).
    uint256 public constant PAIRING_GAS = 450_000;

    /// @notice Number of public signals the key takes.
    uint256 public immutable signalCount;
    /// @notice keccak256(abi.encode(key)): names the key this verifier was built from.
    bytes32 public immutable keyHash;

    uint256 private immutable _alphaX;
    uint256 private immutable _alphaY;
    uint256 private immutable _beta0;
    uint256 private immutable _beta1;
    uint256 private immutable _beta2;
    uint256 private immutable _beta3;
    uint256 private immutable _gamma0;
    uint256 private immutable _gamma1;
    uint256 private immutable _gamma2;
    uint256 private immutable _gamma3;
    uint256 private immutable _delta0;
    uint256 private immutable _delta1;
    uint256 private immutable _delta2;
    uint256 private immutable _delta3;
    uint256 private immutable _ic0x;
    uint256 private immutable _ic0y;
    uint256 private immutable _ic1x;
    uint256 private immutable _ic1y;
    uint256 private immutable _ic2x;
    uint256 private immutable _ic2y;
    uint256 private immutable _ic3x;
    uint256 private immutable _ic3y;
    uint256 private immutable _ic4x;
    uint256 private immutable _ic4y;
    uint256 private immutable _ic5x;
    uint256 private immutable _ic5y;
    uint256 private immutable _ic6x;
    uint256 private immutable _ic6y;
    uint256 private immutable _ic7x;
    uint256 private immutable _ic7y;
    uint256 private immutable _ic8x;
    uint256 private immutable _ic8y;
    uint256 private immutable _ic9x;
    uint256 private immutable _ic9y;
    uint256 private immutable _ic10x;
    uint256 private immutable _ic10y;
    uint256 private immutable _ic11x;
    uint256 private immutable _ic11y;
    uint256 private immutable _ic12x;
    uint256 private immutable _ic12y;
    uint256 private immutable _ic13x;
    uint256 private immutable _ic13y;
    uint256 private immutable _ic14x;
    uint256 private immutable _ic14y;
    uint256 private immutable _ic15x;
    uint256 private immutable _ic15y;
    uint256 private immutable _ic16x;
    uint256 private immutable _ic16y;
    uint256 private immutable _ic17x;
    uint256 private immutable _ic17y;
    uint256 private immutable _ic18x;
    uint256 private immutable _ic18y;
    uint256 private immutable _ic19x;
    uint256 private immutable _ic19y;
    uint256 private immutable _ic20x;
    uint256 private immutable _ic20y;

    /// @notice Fires when the key's IC list is not 2..MAX_SIGNALS + 1 points.
    error InvalidKeyLength(uint256 icWords);
    /// @notice Fires when a key coordinate is not below q or a G1 point of the key is not on the curve.
    error InvalidKeyPoint(uint256 index);
    /// @notice Fires when the caller left less gas than the pairing call's cap (so a low-gas call is not mistaken for
    /// an invalid proof).
    error InsufficientGasForVerification(uint256 needed, uint256 left);

    constructor(VerifyingKey memory key) {
        uint256 words = key.ic.length;
        if (words % 2 != 0 || words < 4 || words > 2 * (MAX_SIGNALS + 1)) revert InvalidKeyLength(words);
        _checkG1(key.alpha[0], key.alpha[1], 0);
        for (uint256 i; i < words; i += 2) _checkG1(key.ic[i], key.ic[i + 1], 1 + i / 2);
        for (uint256 i; i < 4; ++i) {
            if (key.beta[i] >= BASE_FIELD_ORDER || key.gamma[i] >= BASE_FIELD_ORDER || key.delta[i] >= BASE_FIELD_ORDER) {
                revert InvalidKeyPoint(100 + i);
            }
        }
        uint256[42] memory ic;
        for (uint256 i; i < words; ++i) ic[i] = key.ic[i];
        signalCount = words / 2 - 1;
        keyHash = keccak256(abi.encode(key));
        (_alphaX, _alphaY) = (key.alpha[0], key.alpha[1]);
        (_beta0, _beta1, _beta2, _beta3) = (key.beta[0], key.beta[1], key.beta[2], key.beta[3]);
        (_gamma0, _gamma1, _gamma2, _gamma3) = (key.gamma[0], key.gamma[1], key.gamma[2], key.gamma[3]);
        (_delta0, _delta1, _delta2, _delta3) = (key.delta[0], key.delta[1], key.delta[2], key.delta[3]);
        (_ic0x, _ic0y) = (ic[0], ic[1]);
        (_ic1x, _ic1y) = (ic[2], ic[3]);
        (_ic2x, _ic2y) = (ic[4], ic[5]);
        (_ic3x, _ic3y) = (ic[6], ic[7]);
        (_ic4x, _ic4y) = (ic[8], ic[9]);
        (_ic5x, _ic5y) = (ic[10], ic[11]);
        (_ic6x, _ic6y) = (ic[12], ic[13]);
        (_ic7x, _ic7y) = (ic[14], ic[15]);
        (_ic8x, _ic8y) = (ic[16], ic[17]);
        (_ic9x, _ic9y) = (ic[18], ic[19]);
        (_ic10x, _ic10y) = (ic[20], ic[21]);
        (_ic11x, _ic11y) = (ic[22], ic[23]);
        (_ic12x, _ic12y) = (ic[24], ic[25]);
        (_ic13x, _ic13y) = (ic[26], ic[27]);
        (_ic14x, _ic14y) = (ic[28], ic[29]);
        (_ic15x, _ic15y) = (ic[30], ic[31]);
        (_ic16x, _ic16y) = (ic[32], ic[33]);
        (_ic17x, _ic17y) = (ic[34], ic[35]);
        (_ic18x, _ic18y) = (ic[36], ic[37]);
        (_ic19x, _ic19y) = (ic[38], ic[39]);
        (_ic20x, _ic20y) = (ic[40], ic[41]);
    }

    /// @inheritdoc IProofVerifier
    function verifyProof(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool) {
        uint256 n = signalCount;
        if (proof.length != PROOF_LENGTH || publicSignals.length != n) return false;
        uint256[8] memory w = abi.decode(proof, (uint256[8])); // a.x a.y b.x1 b.x0 b.y1 b.y0 c.x c.y
        for (uint256 i; i < 8; ++i) {
            if (w[i] >= BASE_FIELD_ORDER) return false;
        }
        if (!_onCurve(w[0], w[1]) || !_onCurve(w[6], w[7])) return false;
        uint256[42] memory ic = _ic(n); // IC[0..n] as (x, y) pairs
        for (uint256 i; i < n; ++i) {
            if (publicSignals[i] >= SCALAR_FIELD_ORDER) return false;
        }
        uint256[24] memory input;
        (input[0], input[1]) = (w[0], (BASE_FIELD_ORDER - w[1]) % BASE_FIELD_ORDER); // -A
        (input[2], input[3], input[4], input[5]) = (w[2], w[3], w[4], w[5]); // B
        (input[6], input[7]) = (_alphaX, _alphaY);
        (input[8], input[9], input[10], input[11]) = (_beta0, _beta1, _beta2, _beta3);
        (input[14], input[15], input[16], input[17]) = (_gamma0, _gamma1, _gamma2, _gamma3);
        (input[18], input[19]) = (w[6], w[7]); // C
        (input[20], input[21], input[22], input[23]) = (_delta0, _delta1, _delta2, _delta3);
        // After the pairing call the caller keeps 1/64 of its gas (EIP-150); demand enough for the full cap.
        uint256 needed = PAIRING_GAS + PAIRING_GAS / 63 + 40_000;
        if (gasleft() < needed) revert InsufficientGasForVerification(needed, gasleft());
        bool ok;
        assembly ("memory-safe") {
            // vk_x = IC[0] + sum(signal[i] * IC[i + 1]) into input[12..13], with a 128-byte scratch for the precompiles
            let acc := add(input, 384)
            mstore(acc, mload(ic))
            mstore(add(acc, 32), mload(add(ic, 32)))
            let buf := mload(0x40)
            ok := 1
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                let point := add(ic, mul(add(i, 1), 64))
                mstore(buf, mload(point))
                mstore(add(buf, 32), mload(add(point, 32)))
                mstore(add(buf, 64), calldataload(add(publicSignals.offset, mul(i, 32))))
                ok := and(ok, staticcall(gas(), 7, buf, 96, buf, 64)) // s * IC[i + 1]
                mstore(add(buf, 64), mload(acc))
                mstore(add(buf, 96), mload(add(acc, 32)))
                ok := and(ok, staticcall(gas(), 6, buf, 128, acc, 64)) // acc += it
            }
            if ok {
                ok := staticcall(PAIRING_GAS, 8, input, 768, buf, 32)
                ok := and(ok, and(eq(returndatasize(), 32), eq(mload(buf), 1)))
            }
        }
        return ok;
    }

    /// @dev IC[0..n] from the immutables into one flat array (only the points the key uses are written).
    function _ic(uint256 n) private view returns (uint256[42] memory ic) {
        (ic[0], ic[1], ic[2], ic[3]) = (_ic0x, _ic0y, _ic1x, _ic1y);
        if (n < 2) return ic;
        (ic[4], ic[5]) = (_ic2x, _ic2y);
        if (n < 3) return ic;
        (ic[6], ic[7]) = (_ic3x, _ic3y);
        if (n < 4) return ic;
        (ic[8], ic[9]) = (_ic4x, _ic4y);
        if (n < 5) return ic;
        (ic[10], ic[11]) = (_ic5x, _ic5y);
        if (n < 6) return ic;
        (ic[12], ic[13]) = (_ic6x, _ic6y);
        if (n < 7) return ic;
        (ic[14], ic[15]) = (_ic7x, _ic7y);
        if (n < 8) return ic;
        (ic[16], ic[17]) = (_ic8x, _ic8y);
        if (n < 9) return ic;
        (ic[18], ic[19]) = (_ic9x, _ic9y);
        if (n < 10) return ic;
        (ic[20], ic[21]) = (_ic10x, _ic10y);
        if (n < 11) return ic;
        (ic[22], ic[23]) = (_ic11x, _ic11y);
        if (n < 12) return ic;
        (ic[24], ic[25]) = (_ic12x, _ic12y);
        if (n < 13) return ic;
        (ic[26], ic[27]) = (_ic13x, _ic13y);
        if (n < 14) return ic;
        (ic[28], ic[29]) = (_ic14x, _ic14y);
        if (n < 15) return ic;
        (ic[30], ic[31]) = (_ic15x, _ic15y);
        if (n < 16) return ic;
        (ic[32], ic[33]) = (_ic16x, _ic16y);
        if (n < 17) return ic;
        (ic[34], ic[35]) = (_ic17x, _ic17y);
        if (n < 18) return ic;
        (ic[36], ic[37]) = (_ic18x, _ic18y);
        if (n < 19) return ic;
        (ic[38], ic[39]) = (_ic19x, _ic19y);
        if (n < 20) return ic;
        (ic[40], ic[41]) = (_ic20x, _ic20y);
    }

    function _checkG1(uint256 x, uint256 y, uint256 index) private pure {
        if (x >= BASE_FIELD_ORDER || y >= BASE_FIELD_ORDER || !_onCurve(x, y)) revert InvalidKeyPoint(index);
    }

    /// @dev True when (x, y) satisfies y^2 = x^3 + 3 over the base field (coordinates already below q).
    function _onCurve(uint256 x, uint256 y) private pure returns (bool) {
        uint256 q = BASE_FIELD_ORDER;
        return mulmod(y, y, q) == addmod(mulmod(mulmod(x, x, q), x, q), 3, q);
    }
}
