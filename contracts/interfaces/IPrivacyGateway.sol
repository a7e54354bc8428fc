// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {euint32, externalEuint32} from "encrypted-types/EncryptedTypes.sol";
import {IEligibilityGate} from "./IEligibilityGate.sol";

/// @title IPrivacyGateway
/// @notice Encrypted worker selection. A job's requester sets an encrypted minimum score; a worker asks for
/// eligibility, the contract computes the encrypted boolean (score >= minimum) and makes only that boolean publicly
/// decryptable; anyone then submits the decrypted boolean with its KMS proof, checked against that exact
/// (job, worker) ciphertext. Neither the score nor the minimum is ever decrypted.
/// Coarse thresholds: every minimum is rounded down (in FHE) to a multiple of the immutable `scoreStep`, so an answer
/// depends only on floor(score / scoreStep): no series of answers, whatever thresholds a requester picks, tells more
/// than which step the score is in (see docs/fhe.md).
interface IPrivacyGateway is IEligibilityGate {
    /// @notice A job became gated by an encrypted minimum score.
    /// @param jobId The job.
    /// @param requester The job's requester, who set it.
    event MinScoreSet(uint256 indexed jobId, address indexed requester);

    /// @notice A worker asked for eligibility; `result` is the publicly decryptable encrypted boolean.
    /// @param jobId The job.
    /// @param worker The worker.
    /// @param result Handle of the encrypted (score >= minimum).
    event EligibilityRequested(uint256 indexed jobId, address indexed worker, bytes32 result);

    /// @notice A decryption of a pending eligibility boolean was verified and recorded.
    /// @param jobId The job.
    /// @param worker The worker.
    /// @param eligible The verified clear boolean.
    event EligibilityResolved(uint256 indexed jobId, address indexed worker, bool eligible);

    /// @notice Fires when the job directory does not know `jobId`.
    /// @param jobId The job asked about.
    error UnknownJob(uint256 jobId);

    /// @notice Fires when someone other than the job's requester sets its minimum score.
    /// @param jobId The job.
    /// @param caller The rejected caller.
    error NotJobRequester(uint256 jobId, address caller);

    /// @notice Fires when a job's minimum score is set a second time (it is fixed once set).
    /// @param jobId The job.
    error MinScoreAlreadySet(uint256 jobId);

    /// @notice Fires when eligibility is requested for a job without a minimum score.
    /// @param jobId The job.
    error JobNotGated(uint256 jobId);

    /// @notice Fires when a worker already proven eligible asks again.
    /// @param jobId The job.
    /// @param worker The worker.
    error AlreadyEligible(uint256 jobId, address worker);

    /// @notice Fires when a result is submitted for a (job, worker) with no pending request.
    /// @param jobId The job.
    /// @param worker The worker.
    error NoPendingRequest(uint256 jobId, address worker);

    /// @notice Fires when the decrypted cleartexts are not exactly one ABI-encoded boolean word.
    error MalformedCleartext();

    /// @notice Fires when the gateway is deployed with a zero score step.
    error ZeroScoreStep();

    /// @notice Granularity of thresholds: a minimum m counts as floor(m / scoreStep) * scoreStep (immutable).
    function scoreStep() external view returns (uint32);

    /// @notice Sets the encrypted minimum score of `jobId` once, rounded down to a multiple of `scoreStep`. Job
    /// requester only.
    /// @param jobId The job (known to the directory).
    /// @param encryptedMinScore The requester's encrypted euint32 minimum, bound to this contract and the caller.
    /// @param inputProof The input proof produced with the encrypted input.
    function setMinScore(uint256 jobId, externalEuint32 encryptedMinScore, bytes calldata inputProof) external;

    /// @notice The caller (a worker) asks whether its score reaches `jobId`'s minimum. Computes the encrypted boolean,
    /// makes only it publicly decryptable and replaces any earlier unresolved or negative result.
    /// @param jobId A gated job.
    /// @return result Handle of the encrypted boolean, to be publicly decrypted.
    function requestEligibility(uint256 jobId) external returns (bytes32 result);

    /// @notice Records the decryption of the pending boolean of (`jobId`, `worker`). Anyone may call (worker, keeper).
    /// @param jobId The job.
    /// @param worker The worker.
    /// @param abiEncodedCleartexts The decrypted boolean as returned by the relayer's public decryption.
    /// @param decryptionProof The KMS decryption proof, checked with FHE.checkSignatures against the pending handle.
    function submitEligibility(
        uint256 jobId,
        address worker,
        bytes calldata abiEncodedCleartexts,
        bytes calldata decryptionProof
    ) external;

    /// @notice Whether `jobId` has an encrypted minimum score.
    /// @param jobId The job.
    function isGated(uint256 jobId) external view returns (bool);

    /// @notice Handle of the encrypted minimum of `jobId` (decryptable by its requester only).
    /// @param jobId The job.
    function minScoreOf(uint256 jobId) external view returns (euint32);

    /// @notice Whether (`jobId`, `worker`) has a request awaiting its decryption (what a keeper relays).
    /// @param jobId The job.
    /// @param worker The worker.
    function isPending(uint256 jobId, address worker) external view returns (bool);

    /// @notice Handle of the pending (or last resolved) eligibility boolean of (`jobId`, `worker`), zero if none.
    /// @param jobId The job.
    /// @param worker The worker.
    function resultHandleOf(uint256 jobId, address worker) external view returns (bytes32);
}
