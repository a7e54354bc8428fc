// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {FHE, ebool, euint32, externalEuint8} from "@fhevm/solidity/lib/FHE.sol";
import {ZamaEthereumConfig} from "@fhevm/solidity/config/ZamaConfig.sol";
import {IConfidentialReputation} from "../interfaces/IConfidentialReputation.sol";
import {IJobDirectory} from "../interfaces/IJobDirectory.sol";
import {IReputationHook} from "../interfaces/IReputationHook.sol";

/// @title ConfidentialReputation
/// @notice Encrypted worker reputation fed by settlement outcomes. Only handles are stored; the clear values exist
/// nowhere on chain. There is no owner: the updater and the one reader are immutable, so no one can read or set any
/// value beyond what those two contracts' code does.
contract ConfidentialReputation is IConfidentialReputation, ZamaEthereumConfig {
    /// @dev One worker's encrypted record. Layout: three full slots, one 32-byte ciphertext handle each (handles
    /// cannot be packed). A zero handle means "never updated" and FHE operations read it as an encrypted zero.
    struct Record {
        euint32 successes; // slot 0
        euint32 failures; // slot 1
        euint32 score; // slot 2
    }

    /// @dev A shard that settled here. Layout: one slot, `worker` (20 bytes), `rated` (1), `points` (1), 10 bytes free.
    struct Settlement {
        address worker;
        bool rated;
        uint8 points;
    }

    /// @inheritdoc IConfidentialReputation
    uint32 public constant SETTLE_REWARD = 10;
    /// @inheritdoc IConfidentialReputation
    uint8 public constant MAX_RATING = 5;
    /// @inheritdoc IConfidentialReputation
    uint32 public constant SLASH_PENALTY = 25;

    /// @inheritdoc IConfidentialReputation
    address public immutable updater;
    /// @inheritdoc IConfidentialReputation
    address public immutable reader;
    /// @inheritdoc IConfidentialReputation
    uint256 public immutable pointPrice;
    mapping(address worker => Record record) private _records;
    mapping(uint256 jobId => mapping(uint256 shardIndex => Settlement settlement)) private _settlements;

    /// @param updater_ The core (one chain) or the relay receiver (FHE chain); deploy it first or predict its address.
    /// @param reader_ The privacy gateway (its address predicted: it is deployed next, naming this contract).
    /// @param pointPrice_ Wei of protocol fee per score point (a settlement earns min(SETTLE_REWARD, fee / price)).
    constructor(address updater_, address reader_, uint256 pointPrice_) {
        if (updater_ == address(0) || reader_ == address(0)) revert ZeroAddress();
        if (pointPrice_ == 0) revert ZeroPointPrice();
        updater = updater_;
        reader = reader_;
        pointPrice = pointPrice_;
        emit UpdaterSet(updater_);
        emit ReaderSet(reader_, true);
    }

    modifier onlyUpdater() {
        if (msg.sender != updater) revert NotUpdater(msg.sender);
        _;
    }

    /// @inheritdoc IReputationHook
    function onSettled(address worker, uint256 jobId, uint256 shardIndex, OutcomeValue calldata value)
        external
        onlyUpdater
    {
        if (worker == address(0)) revert ZeroAddress();
        if (worker == value.requester || worker == value.modelOwner) {
            emit SelfDealingIgnored(worker, jobId, shardIndex);
            return;
        }
        uint256 earned = value.protocolFee / pointPrice;
        uint32 points = earned > SETTLE_REWARD ? SETTLE_REWARD : uint32(earned);
        (Record storage r, bool fresh) = _record(worker);
        if (fresh) _keep(r.failures, worker);
        r.successes = _keep(FHE.add(r.successes, uint32(1)), worker);
        if (points != 0) r.score = _keep(FHE.add(r.score, points), worker);
        else if (fresh) _keep(r.score, worker);
        _settlements[jobId][shardIndex] = Settlement({worker: worker, rated: false, points: uint8(points)});
        emit ReputationUpdated(worker, jobId, shardIndex, true);
    }

    /// @inheritdoc IReputationHook
    function onSlashed(address worker, uint256 jobId, uint256 shardIndex, OutcomeValue calldata)
        external
        onlyUpdater
    {
        if (worker == address(0)) revert ZeroAddress();
        (Record storage r, bool fresh) = _record(worker);
        if (fresh) _keep(r.successes, worker);
        r.failures = _keep(FHE.add(r.failures, uint32(1)), worker);
        ebool coversPenalty = FHE.ge(r.score, SLASH_PENALTY);
        r.score = _keep(FHE.select(coversPenalty, FHE.sub(r.score, SLASH_PENALTY), FHE.asEuint32(0)), worker);
        emit ReputationUpdated(worker, jobId, shardIndex, false);
    }

    /// @inheritdoc IConfidentialReputation
    function rate(uint256 jobId, uint256 shardIndex, externalEuint8 rating, bytes calldata inputProof) external {
        Settlement storage s = _settlements[jobId][shardIndex];
        address worker = s.worker;
        uint32 cap = s.points / 2;
        if (worker == address(0) || s.rated || cap == 0) revert NotRateable(jobId, shardIndex);
        if (msg.sender != IJobDirectory(updater).jobRequester(jobId)) revert NotJobRequester(jobId, msg.sender);
        s.rated = true;
        if (cap > MAX_RATING) cap = MAX_RATING;
        euint32 bonus = FHE.min(FHE.asEuint32(FHE.fromExternal(rating, inputProof)), cap);
        Record storage r = _records[worker];
        r.score = _keep(FHE.add(r.score, bonus), worker);
        emit Rated(jobId, shardIndex, worker);
    }

    /// @inheritdoc IConfidentialReputation
    function settlementOf(uint256 jobId, uint256 shardIndex)
        external
        view
        returns (address worker, bool rated, uint8 points)
    {
        Settlement storage s = _settlements[jobId][shardIndex];
        return (s.worker, s.rated, s.points);
    }

    /// @inheritdoc IConfidentialReputation
    function shareScore(address worker) external returns (euint32 score) {
        if (msg.sender != reader) revert NotReader(msg.sender);
        score = _records[worker].score;
        if (!FHE.isInitialized(score)) score = FHE.asEuint32(0);
        FHE.allowTransient(score, msg.sender);
    }

    /// @inheritdoc IConfidentialReputation
    function isReader(address account) external view returns (bool) {
        return account == reader;
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

    /// @dev The worker's record; on its first outcome the three counters start as encrypted zeros whose handles are
    /// unique to this worker, and `fresh` is true (the caller then grants the ACL of the counter it does not update).
    /// fhEVM handles are deterministic in an operation's inputs: records grown from the shared handle of a trivial
    /// zero would share handles whenever two workers share a history, and one worker's ACL grant would open the
    /// other's ciphertext. Seeding from one random value ((r AND 0), then AND 0 again for each next counter) gives
    /// three distinct zero handles no one else holds.
    function _record(address worker) private returns (Record storage r, bool fresh) {
        r = _records[worker];
        fresh = !FHE.isInitialized(r.score);
        if (fresh) {
            euint32 zero = FHE.and(FHE.randEuint32(), uint32(0));
            r.successes = zero;
            zero = FHE.and(zero, uint32(0));
            r.failures = zero;
            r.score = FHE.and(zero, uint32(0));
        }
    }

    /// @dev ACL of every stored value: this contract keeps compute rights, the worker may decrypt; nobody else.
    function _keep(euint32 value, address worker) private returns (euint32) {
        FHE.allowThis(value);
        FHE.allow(value, worker);
        return value;
    }
}
