// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOblivionCore} from "../interfaces/IOblivionCore.sol";
import {IInferenceAudit} from "../interfaces/IInferenceAudit.sol";

/// @notice Test-only view that checks the core's accounting invariants in one call (for the property test).
contract InvariantLens {
    struct Report {
        uint256 balance;
        uint256 escrow;
        uint256 stakes;
        uint256 pull;
        bool lockedWithinStake;
        bool auditOk;
    }

    /// @param auditJobs Jobs whose audit records are checked in depth (the property test passes the job touched by the
    /// step, and every job at the end of each sequence).
    function check(IOblivionCore core, IInferenceAudit audit, address[] calldata accounts, uint256[] calldata auditJobs)
        external
        view
        returns (Report memory r)
    {
        r.balance = address(core).balance;
        r.lockedWithinStake = true;
        for (uint256 i; i < accounts.length; ++i) {
            IOblivionCore.Worker memory w = core.getWorker(accounts[i]);
            r.stakes += uint256(w.stake) + w.unbonding;
            if (w.locked > w.stake) r.lockedWithinStake = false;
            r.pull += core.balanceOf(accounts[i]);
        }
        uint256 n = core.jobCount();
        for (uint256 j = 1; j <= n; ++j) {
            r.escrow += core.jobEscrow(j);
        }
        r.auditOk = true;
        for (uint256 a; a < auditJobs.length; ++a) {
            if (!_auditOk(core, audit, auditJobs[a])) r.auditOk = false;
        }
    }

    /// @dev Records of the job == its settled shards, one per shard, each on a settled shard.
    function _auditOk(IOblivionCore core, IInferenceAudit audit, uint256 j) private view returns (bool) {
        IOblivionCore.Job memory job = core.getJob(j);
        uint256[] memory ids = audit.recordIdsOfJob(j);
        if (ids.length != job.settledShards) return false;
        uint256 seen; // shard counts in the property test stay below 256
        for (uint256 k; k < ids.length; ++k) {
            IInferenceAudit.Record memory rec = audit.getRecord(ids[k]);
            if (rec.jobId != j) return false;
            uint256 bit = 1 << rec.shardIndex;
            if (seen & bit != 0) return false;
            seen |= bit;
        }
        uint256 settled;
        for (uint256 s; s < job.shardCount; ++s) {
            bool isSettled = core.getShard(j, s).status == IOblivionCore.ShardStatus.Settled;
            if (isSettled) settled++;
            if (isSettled != (seen & (1 << s) != 0)) return false;
        }
        return settled == job.settledShards;
    }
}
