// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {FHE, ebool, euint32} from "@fhevm/solidity/lib/FHE.sol";
import {ZamaEthereumConfig} from "@fhevm/solidity/config/ZamaConfig.sol";
import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IConfidentialReputation} from "../interfaces/IConfidentialReputation.sol";
import {IReputationHook} from "../interfaces/IReputationHook.sol";

/// @title ConfidentialReputation
/// @notice Encrypted worker reputation fed by settlement outcomes. Only handles are stored; the clear values exist
/// nowhere on chain. The owner can only choose the updater and the readers; it cannot read or set any value.
contract ConfidentialReputation is IConfidentialReputation, ZamaEthereumConfig, Ownable2Step {
    /// @dev One worker's encrypted record. Layout: three full slots, one 32-byte ciphertext handle each (handles
    /// cannot be packed). A zero handle means "never updated" and FHE operations read it as an encrypted zero.
    struct Record {
        euint32 successes; // slot 0
        euint32 failures; // slot 1
        euint32 score; // slot 2
    }

    /// @inheritdoc IConfidentialReputation
    uint32 public constant SETTLE_REWARD = 10;
    /// @inheritdoc IConfidentialReputation
    uint32 public constant SLASH_PENALTY = 25;

    /// @inheritdoc IConfidentialReputation
    address public updater;
    /// @inheritdoc IConfidentialReputation
    mapping(address reader => bool allowed) public isReader;
    mapping(address worker => Record record) private _records;

    /// @param initialOwner Chooses the updater and readers (and nothing else).
    /// @param initialUpdater The core or the relay receiver; may be address(0) and set later.
    constructor(address initialOwner, address initialUpdater) Ownable(initialOwner) {
        updater = initialUpdater;
        emit UpdaterSet(initialUpdater);
    }

    modifier onlyUpdater() {
        if (msg.sender != updater) revert NotUpdater(msg.sender);
        _;
    }

    /// @inheritdoc IConfidentialReputation
    function setUpdater(address newUpdater) external onlyOwner {
        if (newUpdater == address(0)) revert ZeroAddress();
        updater = newUpdater;
        emit UpdaterSet(newUpdater);
    }

    /// @inheritdoc IConfidentialReputation
    function setReader(address reader, bool allowed) external onlyOwner {
        if (reader == address(0)) revert ZeroAddress();
        isReader[reader] = allowed;
        emit ReaderSet(reader, allowed);
    }

    /// @inheritdoc IReputationHook
    function onSettled(address worker, uint256 jobId, uint256 shardIndex) external onlyUpdater {
        if (worker == address(0)) revert ZeroAddress();
        Record storage r = _records[worker];
        r.successes = _keep(FHE.add(r.successes, uint32(1)), worker);
        r.score = _keep(FHE.add(r.score, SETTLE_REWARD), worker);
        if (!FHE.isInitialized(r.failures)) r.failures = _keep(FHE.asEuint32(0), worker);
        emit ReputationUpdated(worker, jobId, shardIndex, true);
    }

    /// @inheritdoc IReputationHook
    function onSlashed(address worker, uint256 jobId, uint256 shardIndex) external onlyUpdater {
        if (worker == address(0)) revert ZeroAddress();
        Record storage r = _records[worker];
        r.failures = _keep(FHE.add(r.failures, uint32(1)), worker);
        ebool coversPenalty = FHE.ge(r.score, SLASH_PENALTY);
        r.score = _keep(FHE.select(coversPenalty, FHE.sub(r.score, SLASH_PENALTY), FHE.asEuint32(0)), worker);
        if (!FHE.isInitialized(r.successes)) r.successes = _keep(FHE.asEuint32(0), worker);
        emit ReputationUpdated(worker, jobId, shardIndex, false);
    }

    /// @inheritdoc IConfidentialReputation
    function shareScore(address worker) external returns (euint32 score) {
        if (!isReader[msg.sender]) revert NotReader(msg.sender);
        score = _records[worker].score;
        if (!FHE.isInitialized(score)) score = FHE.asEuint32(0);
        FHE.allowTransient(score, msg.sender);
    }

    /// @inheritdoc IConfidentialReputation
    function successesOf(address worker) external view returns (euint32) {
        return _records[worker].successes;
    }

    /// @inheritdoc IConfidentialReputation
    function failuresOf(address worker) external view returns (euint32) {
        return _records[worker].failures;
    }

    /// @inheritdoc IConfidentialReputation
    function scoreOf(address worker) external view returns (euint32) {
        return _records[worker].score;
    }

    /// @dev ACL of every stored value: this contract keeps compute rights, the worker may decrypt; nobody else.
    function _keep(euint32 value, address worker) private returns (euint32) {
        FHE.allowThis(value);
        FHE.allow(value, worker);
        return value;
    }
}
