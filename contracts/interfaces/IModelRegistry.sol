// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Groth16VkVerifier} from "../verifiers/Groth16VkVerifier.sol";

/// @title IModelRegistry
/// @notice The model marketplace. A model has an owner, a name, a fee per inference and a list of immutable versions;
/// each version names the ONNX graph, the circuit, its proving key and the on-chain verifier. Jobs pin a version, so
/// publishing a later one never changes what a posted job verifies against.
/// Vetted verifiers: a version is vetted when its verifier is a Groth16VkVerifier this registry deployed
/// (`deployGroth16Verifier`, built from the circuit's verification key): fixed code, key in immutables, no owner and no
/// external call, so what it accepts can never change. Any other IProofVerifier (a snarkjs export behind the adapter,
/// an EZKL-generated Halo2 verifier) may still be registered, flagged `vetted = false` for good; the core posts a job on
/// such a version only when the requester opts in (`JobParams.acceptUnvettedVerifier`). No one, the registry's
/// deployer included, can mark a verifier vetted: the registry has no owner. Every version records its verifier's
/// `extcodehash`, which the core snapshots at post and checks at every submission.
interface IModelRegistry {
    /// @notice What a model owner supplies for one version.
    /// @param onnxCid Content id of the ONNX graph.
    /// @param circuitCid Content id of the compiled circuit (wasm/r1cs bundle).
    /// @param provingKeyCid Content id of the proving key (zkey).
    /// @param circuitHash Hash of the circuit artifact, so workers can check what they downloaded.
    /// @param verifier An IProofVerifier for this circuit.
    /// @param proofSystem Proof system id (see the PROOF_SYSTEM_* constants; any non-zero id is accepted).
    /// @param layoutVersion Public-signal layout version (IProofVerifier): 2 (outputs carried in the settlement,
    /// encrypted to the requester) or 1 (no output cipher; outputs delivered off-chain, unbound).
    /// @param batchSize Inferences per shard (0 means one: the shard is a single inference).
    /// @param numPublicSignals Public signals the verifier takes: 3 in layout 1, 4 with a model commitment; layout 2
    /// adds its W >= 1 output cipher words.
    /// @param devSetup True when the proving key comes from a single-party development setup (not a ceremony).
    /// @param modelCommitment Poseidon commitment to private weights, 0 for models with public weights.
    struct VersionSpec {
        string onnxCid;
        string circuitCid;
        string provingKeyCid;
        bytes32 circuitHash;
        address verifier;
        uint16 proofSystem;
        uint8 layoutVersion;
        uint32 batchSize;
        uint8 numPublicSignals;
        bool devSetup;
        uint256 modelCommitment;
    }

    /// @notice A model as stored.
    /// Layout: slot 0 = owner (20) | active (1) | versionCount (4); slot 1 = feePerInference (16); slot 2+ = name.
    struct Model {
        address owner;
        bool active;
        uint32 versionCount;
        uint128 feePerInference;
        string name;
    }

    /// @notice One published version as stored.
    /// Layout: slot 0 = verifier (20) | proofSystem (2) | layoutVersion (1) | numPublicSignals (1) | batchSize (4) |
    /// devSetup (1) | vetted (1) (30 bytes); slot 1 = circuitHash; slot 2 = modelCommitment; slot 3 = verifierCodeHash;
    /// slots 4+ = the three CIDs.
    /// `vetted` and `verifierCodeHash` are set by the registry at publication, never by the owner.
    struct ModelVersion {
        address verifier;
        uint16 proofSystem;
        uint8 layoutVersion;
        uint8 numPublicSignals;
        uint32 batchSize;
        bool devSetup;
        bool vetted;
        bytes32 circuitHash;
        uint256 modelCommitment;
        bytes32 verifierCodeHash;
        string onnxCid;
        string circuitCid;
        string provingKeyCid;
    }

    /// @notice What the core reads from the registry when a job is posted (one call).
    struct JobTerms {
        address owner;
        bool active;
        uint128 feePerInference;
        address verifier;
        uint32 batchSize;
        uint8 layoutVersion;
        uint256 modelCommitment;
        bytes32 verifierCodeHash;
        bool vetted;
    }

    /// @notice What a model owner supplies to open a version's phase-2 ceremony (see `registerCeremonyModel`).
    /// @param r1csHash sha256 of the circuit's R1CS file, the circuit every key of the ceremony is for.
    /// @param ptauHash First 32 bytes of the blake2b-512 hash of the prepared phase-1 `.ptau` file (the hash snarkjs's
    /// README publishes for Hermez's files).
    /// @param r1csCid Content id of the R1CS file.
    /// @param ptauCid Content id of the `.ptau` file.
    /// @param deadline Last block in which contributions are accepted.
    /// @param firstContribution The owner's contribution: first 32 bytes of the snarkjs contribution hash.
    /// @param firstKeyCid Content id of the zkey holding the owner's contribution.
    struct CeremonySpec {
        bytes32 r1csHash;
        bytes32 ptauHash;
        string r1csCid;
        string ptauCid;
        uint64 deadline;
        bytes32 firstContribution;
        string firstKeyCid;
    }

    /// @notice One recorded phase-2 contribution.
    /// Layout: slot 0 = contributor (20) | parent (4) | depth (4); slot 1 = contributionHash; slot 2+ = keyCid.
    /// @param contributor The address whose transaction recorded it (the zkey must name it).
    /// @param parent Index of the contribution it builds on; NO_PARENT for the owner's first, built on the key made
    /// from the R1CS and the ptau alone.
    /// @param depth Contributions in its chain, itself included.
    /// @param contributionHash First 32 bytes of the snarkjs contribution hash (blake2b-512 of its public key).
    /// @param keyCid Content id of the zkey after this contribution.
    struct Contribution {
        address contributor;
        uint32 parent;
        uint32 depth;
        bytes32 contributionHash;
        string keyCid;
    }

    /// @notice A version's ceremony as stored.
    /// Layout: slot 0 = r1csHash; slot 1 = ptauHash; slot 2 = deadline (8) | sealedAt (8) | tip (4) | finalized (1);
    /// slot 3 = beacon; slot 4 = finalHash; slots 5+ = r1csCid, ptauCid, finalKeyCid, contributions.
    /// @param deadline Last block that accepts contributions.
    /// @param sealedAt Block whose hash is the beacon (0 until sealed); always after the deadline.
    /// @param tip Index of the last contribution of the finalized chain (meaningful once finalized).
    /// @param beacon blockhash(sealedAt): the seed of the closing `zkey beacon` step.
    /// @param finalHash First 32 bytes of the beacon contribution's hash.
    struct Ceremony {
        bytes32 r1csHash;
        bytes32 ptauHash;
        uint64 deadline;
        uint64 sealedAt;
        uint32 tip;
        bool finalized;
        bytes32 beacon;
        bytes32 finalHash;
        string r1csCid;
        string ptauCid;
        string finalKeyCid;
        Contribution[] contributions;
    }

    /// @notice A model was registered with its first version.
    event ModelRegistered(uint256 indexed modelId, address indexed owner, string name, uint128 feePerInference);
    /// @notice A version was published (version 1 is published together with ModelRegistered).
    event VersionPublished(
        uint256 indexed modelId,
        uint32 indexed version,
        address verifier,
        bytes32 circuitHash,
        uint256 modelCommitment,
        bool devSetup
    );
    /// @notice The registry deployed a Groth16VkVerifier (vetted) for a verification key; anyone may call it.
    /// @param verifier The new verifier.
    /// @param keyHash keccak256(abi.encode(key)).
    /// @param signalCount Public signals the key takes.
    event Groth16VerifierDeployed(address indexed verifier, bytes32 indexed keyHash, uint256 signalCount);
    /// @notice A published version's verifier is not one of this registry's vetted verifiers: jobs on it need the
    /// requester's explicit opt-in. Emitted with VersionPublished.
    event UnvettedVerifier(uint256 indexed modelId, uint32 indexed version, address verifier, bytes32 codeHash);
    /// @notice The owner changed the fee per inference; posted jobs keep the fee they escrowed.
    event FeeUpdated(uint256 indexed modelId, uint128 feePerInference);
    /// @notice The owner deactivated the model: no new jobs; posted jobs still settle.
    event ModelDeactivated(uint256 indexed modelId);
    /// @notice The owner reactivated a deactivated model: jobs may be posted on it again.
    event ModelReactivated(uint256 indexed modelId);

    /// @notice A version's phase-2 ceremony opened with the owner's contribution (index 0).
    event CeremonyOpened(
        uint256 indexed modelId, uint32 indexed version, bytes32 r1csHash, bytes32 ptauHash, uint64 deadline
    );
    /// @notice `contributor` recorded contribution `index`, built on `parent`.
    event ContributionRecorded(
        uint256 indexed modelId,
        uint32 indexed version,
        uint32 index,
        address indexed contributor,
        uint32 parent,
        bytes32 contributionHash,
        string keyCid
    );
    /// @notice The ceremony was sealed after its deadline: `beacon` = blockhash(`blockNumber`) seeds the last step.
    event CeremonySealed(uint256 indexed modelId, uint32 indexed version, uint64 blockNumber, bytes32 beacon);
    /// @notice The ceremony was finalized on the chain ending at `tip`; `verifier` is the version's vetted verifier.
    event CeremonyFinalized(
        uint256 indexed modelId,
        uint32 indexed version,
        uint32 tip,
        address finalizer,
        address verifier,
        bytes32 finalHash,
        string finalKeyCid
    );

    /// @notice Fires when a model id is 0 or above the number of registered models.
    error ModelNotFound(uint256 modelId);
    /// @notice Fires when a version is 0 or above the model's published versions.
    error VersionNotFound(uint256 modelId, uint32 version);
    /// @notice Fires when someone other than the model's owner calls an owner-only function.
    error NotModelOwner(uint256 modelId, address caller);
    /// @notice Fires when the model was already deactivated (deactivate, setFee, publishVersion).
    error ModelNotActive(uint256 modelId);
    /// @notice Fires when reactivate is called on a model that is active.
    error ModelAlreadyActive(uint256 modelId);
    /// @notice Fires when the model name is empty.
    error EmptyName();
    /// @notice Fires when one of the three CIDs is empty; `field` names it.
    error EmptyCid(string field);
    /// @notice Fires when the verifier is the zero address or holds no code.
    error InvalidVerifier(address verifier);
    /// @notice Fires when a vetted verifier takes another number of public signals than the version declares.
    error VerifierSignalMismatch(uint256 verifierSignals, uint8 declared);
    /// @notice Fires when the proof system id is 0.
    error InvalidProofSystem();
    /// @notice Fires when the layout version is not one the core can build signals for.
    error UnsupportedLayout(uint8 layoutVersion);
    /// @notice Fires when numPublicSignals does not match the layout: layout 1 takes 3 (4 with a model commitment),
    /// layout 2 at least one more (the output cipher words); `expected` is the exact count, or layout 2's least.
    error SignalCountMismatch(uint8 expected, uint8 given);
    /// @notice Fires when the model commitment is not below the BN254 scalar field order.
    error CommitmentOutOfField(uint256 value);
    /// @notice Fires when a version has no ceremony (a DEV or externally set-up version).
    error NoCeremony(uint256 modelId, uint32 version);
    /// @notice Fires when a ceremony spec has a zero hash, an empty CID or a deadline not after the current block, or
    /// a ceremony version's spec names a verifier, a proving key or devSetup (the ceremony supplies those).
    error InvalidCeremonySpec();
    /// @notice Fires when a contribution arrives after the ceremony's deadline.
    error CeremonyClosed(uint256 modelId, uint32 version, uint64 deadline);
    /// @notice Fires when sealing before the deadline has passed (the beacon block must come after it).
    error CeremonyStillOpen(uint256 modelId, uint32 version, uint64 deadline);
    /// @notice Fires when sealing a ceremony that is already sealed.
    error CeremonyAlreadySealed(uint256 modelId, uint32 version);
    /// @notice Fires when finalizing a ceremony that is not sealed yet.
    error CeremonyNotSealed(uint256 modelId, uint32 version);
    /// @notice Fires when finalizing an already finalized ceremony.
    error CeremonyAlreadyFinalized(uint256 modelId, uint32 version);
    /// @notice Fires when a job is priced on a ceremony version that has no final key yet.
    error CeremonyNotFinalized(uint256 modelId, uint32 version);
    /// @notice Fires when a contribution names a parent, or a finalization a tip, that was not recorded.
    error UnknownContribution(uint32 index);
    /// @notice Fires when a contribution hash is zero, or was recorded before (in any ceremony).
    error DuplicateContribution(bytes32 contributionHash);
    /// @notice Fires when a contribution's or a final key's CID is empty.
    error EmptyKeyCid();

    /// @notice Deploys a vetted Groth16VkVerifier for `key` (anyone may; the registry keeps no other state about it).
    /// Pass its address as a version's verifier to publish a vetted version.
    /// @param key The circuit's verification key in the pairing precompile's order (see Groth16VkVerifier).
    /// @return verifier The new verifier.
    function deployGroth16Verifier(Groth16VkVerifier.VerifyingKey calldata key) external returns (address verifier);

    /// @notice Whether `verifier` is a Groth16VkVerifier deployed by this registry.
    function isVettedVerifier(address verifier) external view returns (bool);

    /// @notice Registers a model with its first version; the caller becomes its owner.
    /// @param name Human-readable name (non-empty).
    /// @param feePerInference Native-token fee paid to the owner per inference.
    /// @param spec The first version.
    /// @return modelId The new model's id (ids start at 1).
    function registerModel(string calldata name, uint128 feePerInference, VersionSpec calldata spec)
        external
        returns (uint256 modelId);

    /// @notice Registers a model whose first version is set up by a phase-2 ceremony over a public phase-1 `.ptau`.
    /// The caller becomes the owner and its contribution (built on the key made from the R1CS and the ptau) is
    /// contribution 0. Jobs can be posted once the ceremony is finalized.
    /// @param spec The version; `verifier`, `provingKeyCid` and `devSetup` must be empty/false (the ceremony sets them).
    /// @param ceremony The ceremony's inputs and the owner's contribution.
    /// @return modelId The new model's id.
    function registerCeremonyModel(
        string calldata name,
        uint128 feePerInference,
        VersionSpec calldata spec,
        CeremonySpec calldata ceremony
    ) external returns (uint256 modelId);

    /// @notice Publishes a new version of an active model set up by a ceremony (as `registerCeremonyModel`). Owner only.
    /// @return version The new version number.
    function publishCeremonyVersion(uint256 modelId, VersionSpec calldata spec, CeremonySpec calldata ceremony)
        external
        returns (uint32 version);

    /// @notice Records the caller's phase-2 contribution, built on contribution `parent`. Anyone may contribute until
    /// the deadline; the zkey at `keyCid` must name the caller (checked offline by every verifier of the transcript).
    /// A contributor's tool verifies `parent` first and builds on the last valid contribution, so a bad one stays a
    /// leaf that no one builds on.
    /// @return index The contribution's index.
    function contribute(uint256 modelId, uint32 version, uint32 parent, bytes32 contributionHash, string calldata keyCid)
        external
        returns (uint32 index);

    /// @notice Fixes the beacon after the deadline: blockhash(block.number - 1), a block after the deadline. Anyone.
    function sealCeremony(uint256 modelId, uint32 version) external;

    /// @notice Finalizes a sealed ceremony on the chain ending at `tip` (the finalizer names the longest valid chain;
    /// anyone can check it with the transcript): deploys the vetted verifier from the final key, which is the tip's key
    /// after `zkey beacon` with the sealed beacon, and makes it the version's verifier and proving key. Anyone.
    /// @param finalHash First 32 bytes of the beacon contribution's hash.
    /// @param finalKeyCid Content id of the final zkey.
    /// @param key The final zkey's verification key.
    /// @return verifier The version's new verifier.
    function finalizeCeremony(
        uint256 modelId,
        uint32 version,
        uint32 tip,
        bytes32 finalHash,
        string calldata finalKeyCid,
        Groth16VkVerifier.VerifyingKey calldata key
    ) external returns (address verifier);

    /// @notice The ceremony of a version, with every recorded contribution. Reverts NoCeremony.
    function getCeremony(uint256 modelId, uint32 version) external view returns (Ceremony memory);

    /// @notice Publishes a new version of an active model. Owner only.
    /// @return version The new version number.
    function publishVersion(uint256 modelId, VersionSpec calldata spec) external returns (uint32 version);

    /// @notice Sets the fee per inference for jobs posted from now on. Owner only, active models only.
    function setFee(uint256 modelId, uint128 feePerInference) external;

    /// @notice Deactivates a model: no new jobs until its owner reactivates it; posted jobs still settle. While
    /// inactive its fee and versions cannot change. Owner only.
    function deactivate(uint256 modelId) external;

    /// @notice Reactivates a deactivated model: jobs may be posted on it again, at its current fee. Owner only.
    function reactivate(uint256 modelId) external;

    /// @notice Number of registered models (the highest id).
    function modelCount() external view returns (uint256);

    /// @notice The stored model. Reverts ModelNotFound.
    function getModel(uint256 modelId) external view returns (Model memory);

    /// @notice The stored version. Reverts ModelNotFound / VersionNotFound.
    function getVersion(uint256 modelId, uint32 version) external view returns (ModelVersion memory);

    /// @notice The terms a job posted now on (modelId, version) would pin. Reverts ModelNotFound / VersionNotFound, and
    /// CeremonyNotFinalized for a ceremony version without its final key.
    function jobTerms(uint256 modelId, uint32 version) external view returns (JobTerms memory);
}
