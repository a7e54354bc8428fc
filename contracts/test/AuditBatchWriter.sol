// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IInferenceAudit} from "../interfaces/IInferenceAudit.sol";

/// @notice Bench-only writer of audit records (bench/dashboard-history.ts): bound as the core of its own
/// InferenceAudit, it calls `record` once per entry, so the audit emits the same `Recorded` events a settlement emits,
/// many per transaction. No proof is verified: never bound to a deployment that holds value.
contract AuditBatchWriter {
    /// @notice One record to write; the audit stamps the block's timestamp itself.
    struct Entry {
        uint64 jobId;
        uint32 shardIndex;
        uint32 modelId;
        uint32 modelVersion;
        address worker;
        address verifier;
        uint256 inputCommitment;
        uint256 outputCommitment;
        bytes32 proofHash;
    }

    IInferenceAudit public immutable audit;

    constructor(IInferenceAudit audit_) {
        audit = audit_;
    }

    function write(Entry[] calldata entries) external {
        for (uint256 i; i < entries.length; ++i) {
            Entry calldata e = entries[i];
            audit.record(
                e.jobId,
                e.shardIndex,
                e.modelId,
                e.modelVersion,
                e.worker,
                e.verifier,
                e.inputCommitment,
                e.outputCommitment,
                e.proofHash
            );
        }
    }
}
