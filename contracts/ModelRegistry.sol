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
    /// @notice The only public-signal layout the core builds: [output, input, (model), binding].
    uint8 public constant LAYOUT_V1 = 1;
    /// @notice Proof system ids in use (informational; any non-zero id is accepted).
    uint16 public constant PROOF_SYSTEM_GROTH16 = 1;
    uint16 public constant PROOF_SYSTEM_PLONK = 2;
    uint16 public constant PROOF_SYSTEM_FFLONK = 3;
    uint16 public constant PROOF_SYSTEM_HALO2 = 4;

    uint256 private _modelCount;
    mapping(uint256 modelId => Model) private _models;
    mapping(uint256 modelId => mapping(uint32 version => ModelVersion)) private _versions;
    mapping(address verifier => bool) private _vetted;

    /// @inheritdoc IModelRegistry
    function deployGroth16Verifier(Groth16VkVerifier.VerifyingKey calldata key) external returns (address verifier) {
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
        if (bytes(name).length == 0) revert EmptyName();
        _validate(spec);
        modelId = ++_modelCount;
        Model storage m = _models[modelId];
        m.owner = msg.sender;
        m.active = true;
        m.versionCount = 1;
        m.feePerInference = feePerInference;
        m.name = name;
        emit ModelRegistered(modelId, msg.sender, name, feePerInference);
        _publish(modelId, 1, spec);
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

    function _validate(VersionSpec calldata spec) private view {
        if (bytes(spec.onnxCid).length == 0) revert EmptyCid("onnxCid");
        if (bytes(spec.circuitCid).length == 0) revert EmptyCid("circuitCid");
        if (bytes(spec.provingKeyCid).length == 0) revert EmptyCid("provingKeyCid");
        if (spec.verifier.code.length == 0) revert InvalidVerifier(spec.verifier);
        if (spec.proofSystem == 0) revert InvalidProofSystem();
        if (spec.layoutVersion != LAYOUT_V1) revert UnsupportedLayout(spec.layoutVersion);
        if (spec.modelCommitment >= FIELD_ORDER) revert CommitmentOutOfField(spec.modelCommitment);
        uint8 expected = spec.modelCommitment == 0 ? 3 : 4;
        if (spec.numPublicSignals != expected) revert SignalCountMismatch(expected, spec.numPublicSignals);
        if (_vetted[spec.verifier]) {
            uint256 n = Groth16VkVerifier(spec.verifier).signalCount();
            if (n != spec.numPublicSignals) revert VerifierSignalMismatch(n, spec.numPublicSignals);
        }
    }

    /// @dev Stores the version with the registry's own verdict on its verifier and emits.
    function _publish(uint256 modelId, uint32 version, VersionSpec calldata spec) private {
        bool vetted = _vetted[spec.verifier];
        bytes32 codeHash = spec.verifier.codehash;
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
        if (!vetted) emit UnvettedVerifier(modelId, version, spec.verifier, codeHash);
    }
}
