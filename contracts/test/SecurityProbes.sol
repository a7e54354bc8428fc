// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {FHE, euint32, euint64} from "@fhevm/solidity/lib/FHE.sol";
import {ZamaEthereumConfig} from "@fhevm/solidity/config/ZamaConfig.sol";
import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {IOblivionCore} from "../interfaces/IOblivionCore.sol";
import {IConfidentialReputation} from "../interfaces/IConfidentialReputation.sol";

/// @title SwitchableVerifier
/// @notice Test-only attacker verifier (F-03): its deployer flips it between accepting every proof and rejecting
/// every proof. The registry cannot tell, so it is registrable only as unvetted.
contract SwitchableVerifier is IProofVerifier {
    address public immutable controller;
    bool public acceptAll = true;

    constructor() {
        controller = msg.sender;
    }

    function setAcceptAll(bool accept) external {
        require(msg.sender == controller, "not the controller");
        acceptAll = accept;
    }

    function verifyProof(bytes calldata, uint256[] calldata) external view returns (bool) {
        return acceptAll;
    }
}

/// @title HcuBurner
/// @notice Test-only attacker (F-10): spends most of the fhEVM's per-transaction HCU budget, then reclaims an expired
/// claim, so the reputation hook's onSlashed runs out of HCU inside the core's try/catch.
contract HcuBurner is ZamaEthereumConfig {
    /// @notice Does `rounds` scalar multiplications of fresh euint64 values (365,032 HCU each), then reclaims.
    function burnAndReclaim(IOblivionCore core, uint256 jobId, uint256 shardIndex, uint256 rounds) external {
        for (uint256 i; i < rounds; ++i) {
            euint64 x = FHE.mul(FHE.asEuint64(uint64(i + 2)), uint64(3));
            x; // the ciphertext is discarded: only its HCU cost matters
        }
        core.reclaimExpired(jobId, shardIndex);
    }
}

/// @title ScoreLeaker
/// @notice Test-only attacker (F-14): would take a worker's score handle as a reader and make it publicly
/// decryptable. With the reader immutable (the gateway), shareScore refuses it.
contract ScoreLeaker is ZamaEthereumConfig {
    function leak(IConfidentialReputation reputation, address worker) external returns (euint32 score) {
        score = reputation.shareScore(worker);
        FHE.makePubliclyDecryptable(score);
    }
}

/// @title RevertBombHook
/// @notice Test-only reputation hook (G-05): reverts with `bombBytes` bytes of revert data (a 4-byte selector first),
/// or, with `burn`, loops until its gas runs out.
contract RevertBombHook {
    uint256 public bombBytes;
    bool public burn;

    function set(uint256 bombBytes_, bool burn_) external {
        (bombBytes, burn) = (bombBytes_, burn_);
    }

    fallback() external {
        if (burn) {
            while (true) {}
        }
        uint256 n = bombBytes;
        assembly {
            mstore(0, shl(224, 0xdeadbeef))
            revert(0, n)
        }
    }
}

/// @title ClaimSpammer
/// @notice Test-only attacker (G-06): registers itself as a worker, then posts jobs and holds one claim on each, in
/// batches (what 100 separate transactions would do, in fewer blocks).
contract ClaimSpammer {
    function register(IOblivionCore core, bytes calldata encryptionKey) external {
        core.registerWorker("bafyspam", encryptionKey);
    }

    function spam(IOblivionCore core, IOblivionCore.JobParams calldata p, uint256 jobs, uint256 shardIndex)
        external
        payable
    {
        uint256 escrow = msg.value / jobs;
        for (uint256 i; i < jobs; ++i) {
            uint256 jobId = core.postJob{value: escrow}(p);
            core.claim(jobId, shardIndex);
        }
    }
}
