// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOblivionCore} from "../interfaces/IOblivionCore.sol";

/// @title KeyReleaseCheck
/// @notice The secp256k1 arithmetic behind `IOblivionCore.proveBadRelease` and the encryption-key check of
/// `registerWorker`, in a contract of its own that the core deploys in its constructor (it keeps the core under the code-size limit; it holds no state and no value).
/// @dev Scalar multiplication by the ecrecover trick: ecrecover(0, v, r = P.x, s = k * P.x mod n) returns the
/// address of r^-1 * (s * P - 0 * G) = k * P, v giving P.y's parity. Needs 0 < P.x < n and 0 < k < n.
contract KeyReleaseCheck {
    /// @dev secp256k1 group order and generator x (its y is even).
    uint256 private constant SECP_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141;
    uint256 private constant SECP_GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798;
    /// @dev secp256k1 field prime p (p = 3 mod 4, so a square root of a is a^((p + 1) / 4)).
    uint256 private constant SECP_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F;

    /// @notice Whether `key` is a secp256k1 public key in SEC 1 form: 0x02/0x03 || x (33 bytes) with x^3 + 7 a square
    /// mod p (one modular square root, by the modexp precompile), or 0x04 || x || y (65 bytes) with y^2 = x^3 + 7.
    function isPublicKey(bytes calldata key) external view returns (bool) {
        uint256 len = key.length;
        if (len != 33 && len != 65) return false;
        uint8 prefix = uint8(key[0]);
        uint256 x = uint256(bytes32(key[1:33]));
        if (x >= SECP_P) return false;
        uint256 rhs = addmod(mulmod(mulmod(x, x, SECP_P), x, SECP_P), 7, SECP_P);
        uint256 y;
        if (len == 65) {
            if (prefix != 4) return false;
            y = uint256(bytes32(key[33:65]));
            if (y >= SECP_P) return false;
        } else {
            if (prefix != 2 && prefix != 3) return false;
            (bool ok, bytes memory root) =
                address(5).staticcall(abi.encode(32, 32, 32, rhs, (SECP_P + 1) / 4, SECP_P));
            if (!ok) return false;
            y = abi.decode(root, (uint256));
        }
        return mulmod(y, y, SECP_P) == rhs;
    }

    /// @notice The release mask of IOblivionCore.releaseMask for `core` on this chain.
    function maskOf(address shared, address core, uint256 jobId, uint256 shardIndex, uint32 claimNonce)
        public
        view
        returns (bytes32)
    {
        return keccak256(abi.encode(shared, block.chainid, core, jobId, shardIndex, claimNonce));
    }

    /// @notice Reverts ReleaseMismatch unless t * G's address (left-padded) and the release fields hash to
    /// `digest`; reverts ReleaseIsCorrect when the masked key, unmasked with t * R, hashes to keyHash. The caller
    /// (the core) passes itself as `core` for the mask.
    function checkBadRelease(
        bytes32 digest,
        uint256 jobId,
        uint256 shardIndex,
        uint32 claimNonce,
        uint256 t,
        bytes32 keyHash,
        uint256 ephemeralX,
        uint256 ephemeralY,
        bytes32 maskedKey
    ) external view {
        if (t == 0 || t >= SECP_N) revert IOblivionCore.ReleaseMismatch();
        bytes32 oneTimeKey = bytes32(uint256(uint160(mulAddress(SECP_GX, 0, t))));
        if (keccak256(abi.encode(oneTimeKey, keyHash, ephemeralX, ephemeralY, maskedKey)) != digest) {
            revert IOblivionCore.ReleaseMismatch();
        }
        address shared = mulAddress(ephemeralX, ephemeralY, t);
        if (shared == address(0)) revert IOblivionCore.ReleaseMismatch();
        bytes32 dataKey = maskedKey ^ maskOf(shared, msg.sender, jobId, shardIndex, claimNonce);
        if (keccak256(abi.encode(dataKey)) == keyHash) revert IOblivionCore.ReleaseIsCorrect();
    }

    /// @notice address(k * P) for 0 < P.x < n and 0 < k < n (zero when the precompile refuses).
    function mulAddress(uint256 px, uint256 py, uint256 k) public pure returns (address) {
        return ecrecover(bytes32(0), py & 1 == 0 ? 27 : 28, bytes32(px), bytes32(mulmod(k, px, SECP_N)));
    }
}
