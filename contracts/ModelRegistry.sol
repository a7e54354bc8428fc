// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {BN254} from "./libraries/BN254.sol";
import {Groth16VkVerifier} from "./verifiers/Groth16VkVerifier.sol";

/// @title ModelRegistry
/// @notice The model marketplace (see IModelRegistry). Holds no value and has no owner.
contract ModelRegistry is IModelRegistry {
    /// @notice BN254 scalar field order.
    uint256 public constant FIELD_ORDER = BN254.SCALAR_FIELD;
    /// @notice Public-signal layout 1: [output, input, (model), binding]; outputs delivered off-chain, unbound (for
    /// externally built verifiers).
    uint8 public constant LAYOUT_V1 = 1;
    /// @notice Public-signal layout 2: [output, input, (model), cipher[W], binding], W >= 1: the settlement carries the
    /// proven outputs, encrypted to the requester (IProofVerifier, G-07). What the reference toolchain registers.
    uint8 public constant LAYOUT_V2 = 2;
    /// @notice Proof system ids in use (informational; any non-zero id is accepted).
    uint16 public constant PROOF_SYSTEM_GROTH16 = 1;
    uint16 public constant PROOF_SYSTEM_PLONK = 2;
    uint16 public constant PROOF_SYSTEM_FFLONK = 3;
    uint16 public constant PROOF_SYSTEM_HALO2 = 4;
    /// @notice A contribution's parent when it is the owner's first (built on the key made from R1CS and ptau).
    uint32 public constant NO_PARENT = type(uint32).max;

    uint256 private _modelCount;
    mapping(uint256 modelId => Model) private _models;
    mapping(uint256 modelId => mapping(uint32 version => ModelVersion)) private _versions;
    mapping(address verifier => bool) private _vetted;
    mapping(uint256 modelId => mapping(uint32 version => Ceremony)) private _ceremonies;
    mapping(bytes32 contributionHash => bool) private _recorded;

    /// @inheritdoc IModelRegistry
    function deployGroth16Verifier(Groth16VkVerifier.VerifyingKey calldata key) external returns (address verifier) {
        return _deployVerifier(key);
    }

    function _deployVerifier(Groth16VkVerifier.VerifyingKey calldata key) private returns (address verifier) {
        Groth16VkVerifier v = new Groth16VkVerifier(key);
        verifier = address(v);
        _vetted[verifier] = true;
        emit Groth16VerifierDeployed(verifier, v.keyHash(), v.signalCount());
    }

    /// @inheritdoc IModelRegistry
    function isVettedVerifier(address verifier) external view returns (bool) {
        return _vetted[verifier];
    }

    /// @inheritdoc IModelRegistry
    function registerModel(string calldata name, uint128 feePerInference, VersionSpec calldata spec)
        external
        returns (uint256 modelId)
    {
        _validate(spec);
        modelId = _newModel(name, feePerInference);
        _publish(modelId, 1, spec);
    }

    /// @inheritdoc IModelRegistry
    function registerCeremonyModel(
        string calldata name,
        uint128 feePerInference,
        VersionSpec calldata spec,
        CeremonySpec calldata ceremony
    ) external returns (uint256 modelId) {
        _validateCeremony(spec, ceremony);
        modelId = _newModel(name, feePerInference);
        _publish(modelId, 1, spec);
        _open(modelId, 1, ceremony);
    }

    /// @inheritdoc IModelRegistry
    function publishCeremonyVersion(uint256 modelId, VersionSpec calldata spec, CeremonySpec calldata ceremony)
        external
        returns (uint32 version)
    {
        Model storage m = _ownedActive(modelId);
        _validateCeremony(spec, ceremony);
        version = ++m.versionCount;
        _publish(modelId, version, spec);
        _open(modelId, version, ceremony);
    }

    /// @inheritdoc IModelRegistry
    function contribute(uint256 modelId, uint32 version, uint32 parent, bytes32 contributionHash, string calldata keyCid)
        external
        returns (uint32 index)
    {
        Ceremony storage c = _ceremony(modelId, version);
        if (block.number > c.deadline) revert CeremonyClosed(modelId, version, c.deadline);
        if (parent >= c.contributions.length) revert UnknownContribution(parent);
        index = _record(c, parent, contributionHash, keyCid);
        emit ContributionRecorded(modelId, version, index, msg.sender, parent, contributionHash, keyCid);
    }

    /// @inheritdoc IModelRegistry
    function sealCeremony(uint256 modelId, uint32 version) external {
        Ceremony storage c = _ceremony(modelId, version);
        // The beacon block (block.number - 1) must come after the deadline.
        if (block.number <= uint256(c.deadline) + 1) revert CeremonyStillOpen(modelId, version, c.deadline);
        if (c.sealedAt != 0) revert CeremonyAlreadySealed(modelId, version);
        uint64 at = uint64(block.number - 1);
        c.sealedAt = at;
        c.beacon = blockhash(at);
        emit CeremonySealed(modelId, version, at, c.beacon);
    }

    /// @inheritdoc IModelRegistry
    function finalizeCeremony(
        uint256 modelId,
        uint32 version,
        uint32 tip,
        bytes32 finalHash,
        string calldata finalKeyCid,
        Groth16VkVerifier.VerifyingKey calldata key
    ) external returns (address verifier) {
        Ceremony storage c = _ceremony(modelId, version);
        if (c.sealedAt == 0) revert CeremonyNotSealed(modelId, version);
        if (c.finalized) revert CeremonyAlreadyFinalized(modelId, version);
        if (tip >= c.contributions.length) revert UnknownContribution(tip);
        if (finalHash == bytes32(0) || _recorded[finalHash]) revert DuplicateContribution(finalHash);
        if (bytes(finalKeyCid).length == 0) revert EmptyKeyCid();
        ModelVersion storage v = _versions[modelId][version];
        if (key.ic.length != 2 * (uint256(v.numPublicSignals) + 1)) {
            revert VerifierSignalMismatch(key.ic.length / 2 - 1, v.numPublicSignals);
        }
        _recorded[finalHash] = true;
        c.tip = tip;
        c.finalized = true;
        c.finalHash = finalHash;
        c.finalKeyCid = finalKeyCid;
        verifier = _deployVerifier(key);
        v.verifier = verifier;
        v.vetted = true;
        v.verifierCodeHash = verifier.codehash;
        v.provingKeyCid = finalKeyCid;
        emit CeremonyFinalized(modelId, version, tip, msg.sender, verifier, finalHash, finalKeyCid);
    }

    /// @inheritdoc IModelRegistry
    function getCeremony(uint256 modelId, uint32 version) external view returns (Ceremony memory) {
        return _ceremony(modelId, version);
    }

    function _newModel(string calldata name, uint128 feePerInference) private returns (uint256 modelId) {
        if (bytes(name).length == 0) revert EmptyName();
        modelId = ++_modelCount;
        Model storage m = _models[modelId];
        m.owner = msg.sender;
        m.active = true;
        m.versionCount = 1;
        m.feePerInference = feePerInference;
        m.name = name;
        emit ModelRegistered(modelId, msg.sender, name, feePerInference);
    }

    /// @inheritdoc IModelRegistry
    function publishVersion(uint256 modelId, VersionSpec calldata spec) external returns (uint32 version) {
        Model storage m = _ownedActive(modelId);
        _validate(spec);
        version = ++m.versionCount;
        _publish(modelId, version, spec);
    }

    /// @inheritdoc IModelRegistry
    function setFee(uint256 modelId, uint128 feePerInference) external {
        Model storage m = _ownedActive(modelId);
        m.feePerInference = feePerInference;
        emit FeeUpdated(modelId, feePerInference);
    }

    /// @inheritdoc IModelRegistry
    function deactivate(uint256 modelId) external {
        Model storage m = _ownedActive(modelId);
        m.active = false;
        emit ModelDeactivated(modelId);
    }

    /// @inheritdoc IModelRegistry
    function reactivate(uint256 modelId) external {
        Model storage m = _model(modelId);
        if (m.owner != msg.sender) revert NotModelOwner(modelId, msg.sender);
        if (m.active) revert ModelAlreadyActive(modelId);
        m.active = true;
        emit ModelReactivated(modelId);
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint256) {
        return _modelCount;
    }

    /// @inheritdoc IModelRegistry
    function getModel(uint256 modelId) external view returns (Model memory) {
        return _model(modelId);
    }

    /// @inheritdoc IModelRegistry
    function getVersion(uint256 modelId, uint32 version) external view returns (ModelVersion memory) {
        return _version(modelId, version);
    }

    /// @inheritdoc IModelRegistry
    function jobTerms(uint256 modelId, uint32 version) external view returns (JobTerms memory t) {
        Model storage m = _model(modelId);
        ModelVersion storage v = _version(modelId, version);
        Ceremony storage c = _ceremonies[modelId][version];
        if (c.r1csHash != bytes32(0) && !c.finalized) revert CeremonyNotFinalized(modelId, version);
        t = JobTerms({
            owner: m.owner,
            active: m.active,
            feePerInference: m.feePerInference,
            verifier: v.verifier,
            batchSize: v.batchSize,
            layoutVersion: v.layoutVersion,
            modelCommitment: v.modelCommitment,
            verifierCodeHash: v.verifierCodeHash,
            vetted: v.vetted
        });
    }

    function _model(uint256 modelId) private view returns (Model storage m) {
        m = _models[modelId];
        if (m.owner == address(0)) revert ModelNotFound(modelId);
    }

    function _version(uint256 modelId, uint32 version) private view returns (ModelVersion storage) {
        Model storage m = _model(modelId);
        if (version == 0 || version > m.versionCount) revert VersionNotFound(modelId, version);
        return _versions[modelId][version];
    }

    function _ownedActive(uint256 modelId) private view returns (Model storage m) {
        m = _model(modelId);
        if (m.owner != msg.sender) revert NotModelOwner(modelId, msg.sender);
        if (!m.active) revert ModelNotActive(modelId);
    }

    function _ceremony(uint256 modelId, uint32 version) private view returns (Ceremony storage c) {
        _version(modelId, version);
        c = _ceremonies[modelId][version];
        if (c.r1csHash == bytes32(0)) revert NoCeremony(modelId, version);
    }

    function _validateCeremony(VersionSpec calldata spec, CeremonySpec calldata c) private view {
        if (
            spec.verifier != address(0) || bytes(spec.provingKeyCid).length != 0 || spec.devSetup
                || spec.proofSystem != PROOF_SYSTEM_GROTH16 || c.r1csHash == bytes32(0) || c.ptauHash == bytes32(0)
                || bytes(c.r1csCid).length == 0 || bytes(c.ptauCid).length == 0 || c.deadline <= block.number
        ) revert InvalidCeremonySpec();
        _validateCommon(spec);
    }

    function _open(uint256 modelId, uint32 version, CeremonySpec calldata spec) private {
        Ceremony storage c = _ceremonies[modelId][version];
        c.r1csHash = spec.r1csHash;
        c.ptauHash = spec.ptauHash;
        c.deadline = spec.deadline;
        c.r1csCid = spec.r1csCid;
        c.ptauCid = spec.ptauCid;
        emit CeremonyOpened(modelId, version, spec.r1csHash, spec.ptauHash, spec.deadline);
        _record(c, NO_PARENT, spec.firstContribution, spec.firstKeyCid);
        emit ContributionRecorded(modelId, version, 0, msg.sender, NO_PARENT, spec.firstContribution, spec.firstKeyCid);
    }

    function _record(Ceremony storage c, uint32 parent, bytes32 contributionHash, string calldata keyCid)
        private
        returns (uint32 index)
    {
        if (contributionHash == bytes32(0) || _recorded[contributionHash]) {
            revert DuplicateContribution(contributionHash);
        }
        if (bytes(keyCid).length == 0) revert EmptyKeyCid();
        _recorded[contributionHash] = true;
        index = uint32(c.contributions.length);
        uint32 depth = parent == NO_PARENT ? 1 : c.contributions[parent].depth + 1;
        c.contributions.push(
            Contribution({
                contributor: msg.sender,
                parent: parent,
                depth: depth,
                contributionHash: contributionHash,
                keyCid: keyCid
            })
        );
    }

    function _validate(VersionSpec calldata spec) private view {
        if (bytes(spec.provingKeyCid).length == 0) revert EmptyCid("provingKeyCid");
        if (spec.verifier.code.length == 0) revert InvalidVerifier(spec.verifier);
        _validateCommon(spec);
    }

    function _validateCommon(VersionSpec calldata spec) private view {
        if (bytes(spec.onnxCid).length == 0) revert EmptyCid("onnxCid");
        if (bytes(spec.circuitCid).length == 0) revert EmptyCid("circuitCid");
        if (spec.proofSystem == 0) revert InvalidProofSystem();
        if (spec.layoutVersion != LAYOUT_V1 && spec.layoutVersion != LAYOUT_V2) revert UnsupportedLayout(spec.layoutVersion);
        if (spec.modelCommitment >= FIELD_ORDER) revert CommitmentOutOfField(spec.modelCommitment);
        uint8 commitments = spec.modelCommitment == 0 ? 3 : 4;
        if (spec.layoutVersion == LAYOUT_V1 ? spec.numPublicSignals != commitments : spec.numPublicSignals <= commitments) {
            revert SignalCountMismatch(spec.layoutVersion == LAYOUT_V1 ? commitments : commitments + 1, spec.numPublicSignals);
        }
        if (_vetted[spec.verifier]) {
            uint256 n = Groth16VkVerifier(spec.verifier).signalCount();
            if (n != spec.numPublicSignals) revert VerifierSignalMismatch(n, spec.numPublicSignals);
        }
    }

    /// @dev Stores the version with the registry's own verdict on its verifier and emits.
    function _publish(uint256 modelId, uint32 version, VersionSpec calldata spec) private {
        bool vetted = _vetted[spec.verifier];
        bytes32 codeHash = spec.verifier == address(0) ? bytes32(0) : spec.verifier.codehash;
        _versions[modelId][version] = ModelVersion({
            verifier: spec.verifier,
            proofSystem: spec.proofSystem,
            layoutVersion: spec.layoutVersion,
            numPublicSignals: spec.numPublicSignals,
            batchSize: spec.batchSize,
            devSetup: spec.devSetup,
            vetted: vetted,
            circuitHash: spec.circuitHash,
            modelCommitment: spec.modelCommitment,
            verifierCodeHash: codeHash,
            onnxCid: spec.onnxCid,
            circuitCid: spec.circuitCid,
            provingKeyCid: spec.provingKeyCid
        });
        emit VersionPublished(modelId, version, spec.verifier, spec.circuitHash, spec.modelCommitment, spec.devSetup);
        if (!vetted && spec.verifier != address(0)) emit UnvettedVerifier(modelId, version, spec.verifier, codeHash);
    }
}
