// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IReputationHook} from "../interfaces/IReputationHook.sol";
import {IEligibilityGate} from "../interfaces/IEligibilityGate.sol";
import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {IOblivionCore} from "../interfaces/IOblivionCore.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {BN254} from "../libraries/BN254.sol";

/// @notice Test-only reputation hook: records calls with the value the core passed, or reverts / burns gas on demand.
contract MockReputationHook is IReputationHook {
    enum Mode {
        Record,
        Revert,
        BurnGas
    }

    Mode public mode;
    uint256 public settledCalls;
    uint256 public slashedCalls;
    address public lastWorker;
    uint256 public lastJobId;
    uint256 public lastShardIndex;
    OutcomeValue public lastValue;

    function setMode(Mode m) external {
        mode = m;
    }

    function onSettled(address worker, uint256 jobId, uint256 shardIndex, OutcomeValue calldata value) external {
        _act();
        settledCalls++;
        _keep(worker, jobId, shardIndex, value);
    }

    function onSlashed(address worker, uint256 jobId, uint256 shardIndex, OutcomeValue calldata value) external {
        _act();
        slashedCalls++;
        _keep(worker, jobId, shardIndex, value);
    }

    function _keep(address worker, uint256 jobId, uint256 shardIndex, OutcomeValue calldata value) private {
        (lastWorker, lastJobId, lastShardIndex, lastValue) = (worker, jobId, shardIndex, value);
    }

    function _act() private view {
        if (mode == Mode.Revert) revert("hook says no");
        if (mode == Mode.BurnGas) {
            while (true) {}
        }
    }
}

/// @notice Test-only eligibility gate with a per-worker allow list.
contract MockEligibilityGate is IEligibilityGate {
    mapping(address => bool) public allowed;

    function setAllowed(address worker, bool ok) external {
        allowed[worker] = ok;
    }

    function isEligible(uint256, address worker) external view returns (bool) {
        return allowed[worker];
    }
}

/// @notice Bookkeeping verifier for the property test: the "proof" is abi.encode(chainid, core, jobId, shardIndex,
/// worker, outputCommitment, inputCommitment) and it returns true only when the received signals are exactly the
/// layout-v1 signals for that context (binding recomputed here). Never used where a real proof is required.
contract BookkeepingVerifier is IProofVerifier {
    function verifyProof(bytes calldata proof, uint256[] calldata s) external pure returns (bool) {
        if (proof.length != 7 * 32 || s.length != 3) return false;
        (uint256 chainId, address core, uint256 jobId, uint256 shard, address worker, uint256 out, uint256 inp) =
            abi.decode(proof, (uint256, address, uint256, uint256, address, uint256, uint256));
        uint256 binding = uint256(keccak256(abi.encode(chainId, core, jobId, shard, worker))) % BN254.SCALAR_FIELD;
        return s[0] == out && s[1] == inp && s[2] == binding;
    }
}

/// @notice Test-only worker contract that re-enters the core from its receive hook.
contract ReentrantWorker {
    IOblivionCore public immutable core;
    uint8 public attack; // 0 none, 1 withdraw, 2 withdrawStake
    bool public reentered;
    bytes public lastError;

    constructor(IOblivionCore core_) {
        core = core_;
    }

    function setAttack(uint8 a) external {
        attack = a;
    }

    function register() external {
        core.registerWorker("bafyreentrant", abi.encodePacked(bytes1(0x02), bytes32(uint256(1))));
    }

    function stake() external payable {
        core.stake{value: msg.value}();
    }

    function claim(uint256 jobId, uint256 shard) external {
        core.claim(jobId, shard);
    }

    function requestUnstake(uint256 amount) external {
        core.requestUnstake(amount);
    }

    function withdraw() external {
        core.withdraw();
    }

    function withdrawStake() external {
        core.withdrawStake();
    }

    function reclaim(uint256 jobId, uint256 shard) external {
        core.reclaimExpired(jobId, shard);
    }

    receive() external payable {
        if (attack == 0 || reentered) return;
        reentered = true;
        // Bubble the core's revert so the outer transfer fails and the test sees the guard fire.
        if (attack == 1) core.withdraw();
        else core.withdrawStake();
    }
}

/// @notice Test-only verifier that always burns its gas (to test the adapter's gas cap).
contract GasBurningVerifier {
    fallback() external {
        while (true) {}
    }
}

/// @notice Test-only contract that rejects native-token transfers.
contract RejectingReceiver {
    function call(address target, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory ret) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly {
                revert(add(ret, 32), mload(ret))
            }
        }
        return ret;
    }
}

/// @notice Test-only registry that reports a layout version the core does not build.
contract MockRegistryV3 {
    function jobTerms(uint256, uint32) external view returns (IModelRegistry.JobTerms memory) {
        return IModelRegistry.JobTerms(msg.sender, true, 0, address(this), 0, 3, 0, address(this).codehash, true);
    }
}
