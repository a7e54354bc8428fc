// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IOblivionCore} from "./interfaces/IOblivionCore.sol";

/// @title ClaimScanner
/// @notice The keeper-facing scans behind `IOblivionCore.checker` and `checkerFrom`, and the derived view
/// `IOblivionCore.jobEscrow`, in a contract the core deploys in its constructor (it keeps the core under the code-size
/// limit; it holds no state and no value). It reads the core through its public getters: the scans one job at a time
/// through `IOblivionCore.scanJob` (a step is one shard of a job with open claims, or one job).
contract ClaimScanner {
    /// @notice The core scanned.
    IOblivionCore public immutable core;
    /// @notice Steps one `checker()` call takes at most.
    uint256 public constant CHECKER_MAX_STEPS = 2_000;
    /// @notice Shards of one job `checker()` visits at most per call: no job, however large, takes a whole call.
    uint256 public constant CHECKER_SHARDS_PER_JOB = 64;

    constructor(IOblivionCore core_) {
        core = core_;
    }

    /// @notice See IOblivionCore.checker (the core forwards it here): `checkerAt(block.number)`.
    function checker() external view returns (bool, bytes memory) {
        return checkerAt(block.number);
    }

    /// @notice The checker scan for a given seed: from job 1 + seed % jobCount, wrapping once around all jobs; each job costs
    /// one step plus at most CHECKER_SHARDS_PER_JOB shard steps from offset seed * CHECKER_SHARDS_PER_JOB mod its shard
    /// count (consecutive seeds cover consecutive windows of a job).
    function checkerAt(uint256 seed) public view returns (bool, bytes memory) {
        uint256 count = core.jobCount();
        uint256 jobId = count == 0 ? 0 : 1 + seed % count;
        uint256 steps;
        for (uint256 visited; visited < count && steps < CHECKER_MAX_STEPS; ++visited) {
            ++steps;
            (bool found, uint256 at, uint256 n) = _window(jobId, seed, CHECKER_MAX_STEPS - steps);
            if (found) return (true, abi.encodeCall(IOblivionCore.reclaimExpired, (jobId, at)));
            steps += n;
            jobId = jobId == count ? 1 : jobId + 1;
        }
        return (false, bytes(""));
    }

    /// @notice See IOblivionCore.checkerFrom (the core forwards it here).
    function checkerFrom(uint256 jobId, uint256 shardIndex, uint256 maxSteps)
        external
        view
        returns (bool, bytes memory, uint256, uint256)
    {
        if (jobId == 0) jobId = 1;
        uint256 count = core.jobCount();
        uint256 steps;
        while (jobId <= count && steps < maxSteps) {
            (bool found, uint256 at, uint256 visited, uint256 n) = core.scanJob(jobId, shardIndex, maxSteps - steps);
            if (visited == 0) {
                ++steps; // a job with nothing to reclaim costs one step
                (jobId, shardIndex) = (jobId + 1, 0);
                continue;
            }
            steps += visited;
            if (found) return (true, abi.encodeCall(IOblivionCore.reclaimExpired, (jobId, at)), jobId, at);
            shardIndex += visited;
            if (shardIndex >= n) (jobId, shardIndex) = (jobId + 1, 0);
        }
        return (false, bytes(""), jobId, shardIndex);
    }

    /// @notice See IOblivionCore.jobEscrow (the core forwards it here): computed from the job's stored fields and its
    /// last shard (IOblivionCore.Job's layout notes). Reverts JobNotFound as the core does.
    function jobEscrow(uint256 jobId) external view returns (uint256 escrow) {
        IOblivionCore.Job memory job = core.getJob(jobId);
        uint256 live = job.cancelled ? job.openClaims : uint256(job.shardCount) - job.settledShards - job.forfeitedShards;
        escrow = live * (uint256(job.pricePerShard) + job.ownerFeePerShard);
        if (job.paddingFee != 0) {
            IOblivionCore.ShardStatus last = core.getShard(jobId, job.shardCount - 1).status;
            if (last == IOblivionCore.ShardStatus.Claimed || (!job.cancelled && last == IOblivionCore.ShardStatus.Open)) {
                escrow -= job.paddingFee;
            }
        }
    }

    /// @dev The job's checker window of at most min(CHECKER_SHARDS_PER_JOB, budget) shards, wrapping past its end.
    function _window(uint256 jobId, uint256 seed, uint256 budget)
        private
        view
        returns (bool found, uint256 at, uint256 visited)
    {
        uint256 span = budget < CHECKER_SHARDS_PER_JOB ? budget : CHECKER_SHARDS_PER_JOB;
        (bool f, uint256 i, uint256 v, uint256 n) = core.scanJob(jobId, 0, 0);
        if (n == 0 || span == 0) return (false, 0, 0);
        uint256 start = n <= span ? 0 : mulmod(seed, CHECKER_SHARDS_PER_JOB, n);
        (f, i, v, n) = core.scanJob(jobId, start, span);
        if (f || v == 0 || v == span || n <= span) return (f, i, v);
        (f, i, visited,) = core.scanJob(jobId, 0, span - v);
        return (f, i, v + visited);
    }
}
