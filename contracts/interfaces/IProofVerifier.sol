// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IProofVerifier
/// @notice The one interface the core uses to check a SNARK. Every model version names a contract that implements it:
/// a Groth16VkVerifier the registry deployed from the verification key (vetted), or, registered as unvetted (jobs need
/// the requester's opt-in), the Groth16 adapter over a snarkjs-exported verifier or any externally built verifier (an
/// EZKL Halo2 verifier wrapped to this interface, say).
/// @dev Public-signal layout version 2 (what the reference toolchain builds; lib/zk/commitment.ts), for a proof over
/// one shard. Circuits declare the commitments and the cipher as outputs and the binding as their one public input,
/// so snarkjs orders them this way (m = 1 with a model commitment, else 0; W output cipher words):
///   signals[0]          = outputCommitment  Poseidon chain over the output words: the quantized outputs of the
///                                           batch, offset by 2^(rangeBits-1) and packed floor(248/rangeBits) a word
///   signals[1]          = inputCommitment   Poseidon(D, s): D the Poseidon chain over the packed input bytes, s the
///                                           shard's output salt (the value in the job's Merkle leaf)
///   signals[2]          = modelCommitment   only for private-weight models: Poseidon chain over the weights
///   signals[2+m+w]      = outputCipher[w]   output word w + Poseidon(s, w + 1) mod r, for w < W
///   signals[last]       = binding           uint256(keccak256(abi.encode(chainid, core, jobId, shardIndex, worker))) mod r
/// s = keccak256("v-oblivion/output-salt/v2" || dataKey) mod r for a package sealed to a data key, 0 for a public one:
/// the requester and the worker know it, an observer does not. The verified proof makes the settlement carry exactly
/// the outputs it computed, readable by the requester (G-07). Layout version 1 is layout 2 with W = 0: the outputs
/// are delivered off-chain only (outputCid) and nothing binds them; it remains for externally built verifiers.
/// r is the BN254 scalar field order. Verifiers must return false (not revert) on a proof that does not verify and
/// on any number of signals other than their circuit's (the core does not store W: the verifier fixes it), and should
/// reject malformed encodings cheaply.
interface IProofVerifier {
    /// @notice Checks `proof` against `publicSignals`.
    /// @param proof The proof, ABI-encoded as the verifier's proof system defines (Groth16: abi.encode(uint256[2] a,
    /// uint256[2][2] b, uint256[2] c) in the snarkjs calldata order).
    /// @param publicSignals The public signals in the model's layout.
    /// @return valid True only when the proof verifies for exactly these signals.
    function verifyProof(bytes calldata proof, uint256[] calldata publicSignals) external view returns (bool valid);
}
