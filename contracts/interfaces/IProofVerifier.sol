// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IProofVerifier
/// @notice The one interface the core uses to check a SNARK. Every model version names a contract that implements it:
/// a Groth16VkVerifier the registry deployed from the verification key (vetted), or, registered as unvetted (jobs need
/// the requester's opt-in), the Groth16 adapter over a snarkjs-exported verifier or any externally built verifier (an
/// EZKL Halo2 verifier wrapped to this interface, say).
/// @dev Public-signal layout version 1 (the only layout the core emits today), for a proof over one shard. Circuits
/// declare the commitments as outputs and the binding as their one public input, so snarkjs orders them this way:
///   signals[0]   = outputCommitment  Poseidon commitment to the quantized outputs of the batch
///   signals[1]   = inputCommitment   Poseidon commitment to the quantized inputs (the value in the job's Merkle leaf)
///   signals[2]   = modelCommitment   only for private-weight models: Poseidon commitment to the weights
///   signals[last]= binding           uint256(keccak256(abi.encode(chainid, core, jobId, shardIndex, worker))) mod r
/// r is the BN254 scalar field order. Verifiers must return false (not revert) on a proof that does not verify,
/// and should reject malformed encodings cheaply.
interface IProofVerifier {
    /// @notice Checks `proof` against `publicSignals`.
    /// @param proof The proof, ABI-encoded as the verifier's proof system defines (Groth16: abi.encode(uint256[2] a,
    /// uint256[2][2] b, uint256[2] c) in the snarkjs calldata order).
    /// @param publicSignals The public signals in the model's layout.
    /// @return valid True only when the proof verifies for exactly these signals.
    function verifyProof(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool valid);
}
