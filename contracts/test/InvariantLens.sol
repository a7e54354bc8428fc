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
            // Manager locks are part of `locked`, which never exceeds the stake.
            if (w.locked > w.stake || core.lockedByManager(accounts[i]) > w.locked) r.lockedWithinStake = false;
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

    /// @dev The job's record chain is as long as its settled shards, and the shards marked Settled are as many.
    /// (Which shard each record names is in the records' logs: the property test checks those against the stored
    /// digests and the settled shards at the end of each sequence.)
    function _auditOk(IOblivionCore core, IInferenceAudit audit, uint256 j) private view returns (bool) {
        IOblivionCore.Job memory job = core.getJob(j);
        if (audit.recordIdsOfJob(j).length != job.settledShards) return false;
        uint256 settled;
        for (uint256 s; s < job.shardCount; ++s) {
            if (core.getShard(j, s).status == IOblivionCore.ShardStatus.Settled) settled++;
        }
        return settled == job.settledShards;
    }
}
