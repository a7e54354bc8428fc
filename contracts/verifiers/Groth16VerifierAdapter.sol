// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {BN254} from "../libraries/BN254.sol";

/// @title Groth16VerifierAdapter
/// @notice IProofVerifier over any snarkjs-exported Groth16 verifier with `signalCount` public signals.
/// @dev The snarkjs verifier forwards all remaining gas to the pairing precompile, so a proof point off the curve
/// would burn the caller's whole gas. This adapter screens the encoding first (lengths, coordinates below the base
/// field order q, signals below the scalar field order r, A and C on y^2 = x^3 + 3) and then calls the verifier with
/// a fixed gas cap. B (in G2) is left to the precompile, which the cap bounds.
contract Groth16VerifierAdapter is IProofVerifier {
    /// @notice BN254 base field order q.
    uint256 public constant BASE_FIELD_ORDER = BN254.BASE_FIELD;
    /// @notice BN254 scalar field order r.
    uint256 public constant SCALAR_FIELD_ORDER = BN254.SCALAR_FIELD;
    /// @notice Proof bytes: abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c), 8 words.
    uint256 public constant PROOF_LENGTH = 256;
    /// @notice Gas for the pairing check and its fixed work; VERIFY_GAS_PER_SIGNAL is added per signal.
    uint256 public constant VERIFY_GAS_BASE = 300_000;
    /// @notice Gas per public signal (one ecMul and one ecAdd, with room).
    uint256 public constant VERIFY_GAS_PER_SIGNAL = 15_000;

    /// @notice The snarkjs verifier.
    address public immutable groth16Verifier;
    /// @notice The number of public signals it takes.
    uint256 public immutable signalCount;
    /// @notice Selector of `verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[signalCount])`.
    bytes4 public immutable verifySelector;
    /// @notice Gas the verifier call gets.
    uint256 public immutable verifyGas;

    /// @notice Fires when the verifier address holds no code.
    error InvalidVerifier(address verifier);
    /// @notice Fires when the signal count is 0.
    error InvalidSignalCount();
    /// @notice Fires when the caller left less gas than the verifier call's cap (so a low-gas call is not mistaken
    /// for an invalid proof).
    error InsufficientGasForVerification(uint256 needed, uint256 left);

    constructor(address groth16Verifier_, uint256 signalCount_) {
        if (groth16Verifier_.code.length == 0) revert InvalidVerifier(groth16Verifier_);
        if (signalCount_ == 0) revert InvalidSignalCount();
        groth16Verifier = groth16Verifier_;
        signalCount = signalCount_;
        verifySelector = bytes4(
            keccak256(
                abi.encodePacked(
                    "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[", Strings.toString(signalCount_), "])"
                )
            )
        );
        verifyGas = VERIFY_GAS_BASE + VERIFY_GAS_PER_SIGNAL * signalCount_;
    }

    /// @inheritdoc IProofVerifier
    function verifyProof(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool) {
        if (proof.length != PROOF_LENGTH || publicSignals.length != signalCount) return false;
        uint256[8] memory w = abi.decode(proof, (uint256[8])); // a.x a.y b00 b01 b10 b11 c.x c.y
        for (uint256 i; i < 8; ++i) {
            if (w[i] >= BASE_FIELD_ORDER) return false;
        }
        if (!_onCurve(w[0], w[1]) || !_onCurve(w[6], w[7])) return false;
        for (uint256 i; i < publicSignals.length; ++i) {
            if (publicSignals[i] >= SCALAR_FIELD_ORDER) return false;
        }
        uint256 gasCap = verifyGas;
        // After the call the caller keeps 1/64 of its gas (EIP-150); demand enough for the full cap.
        uint256 needed = gasCap + gasCap / 63 + 10_000;
        if (gasleft() < needed) revert InsufficientGasForVerification(needed, gasleft());
        (bool ok, bytes memory ret) =
            groth16Verifier.staticcall{gas: gasCap}(abi.encodePacked(verifySelector, proof, publicSignals));
        if (!ok || ret.length != 32) return false;
        return abi.decode(ret, (uint256)) == 1;
    }

    /// @dev True when (x, y) satisfies y^2 = x^3 + 3 over the base field (coordinates already below q).
    function _onCurve(uint256 x, uint256 y) private pure returns (bool) {
        uint256 q = BASE_FIELD_ORDER;
        return mulmod(y, y, q) == addmod(mulmod(mulmod(x, x, q), x, q), 3, q);
    }
}
