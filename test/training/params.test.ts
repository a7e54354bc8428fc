/**
 * TrainingJobs.postJob's parameter checks, one row per condition: each invalid field gets its named error and posts
 * nothing. The happy paths and the escrow check are in training-jobs.test.ts and outsourced.test.ts.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { ITrainingJobs } from "../../typechain-types";
import { deployTraining, jobParams } from "./fixture";

const DAY = 86_400;
const ROOT = ethers.id("data root");
type Params = ITrainingJobs.JobParamsStruct;

describe("TrainingJobs: posting refuses every invalid parameter with its named error", function () {
  it("parties, model, participants, windows, trim, amounts and outsourcing", async function () {
    const env = await loadFixture(deployTraining);
    const fed = jobParams(env.aggregator.address); // federated, trimmed mean with trim 1 of 3
    const out = jobParams(env.aggregator.address, { mode: 1, rule: 0, trim: 0, replicationBps: 2_500, dataRoot: ROOT });
    const rows: [string, Params, string, unknown[]?][] = [
      ["zero aggregator", { ...fed, aggregator: ethers.ZeroAddress }, "ZeroAddress"],
      ["empty model CID", { ...fed, initialModelCid: "" }, "EmptyModelCid"],
      ["no participants", { ...fed, participantsPerRound: 0 }, "InvalidParticipants", [0]],
      ["257 federated slots", { ...fed, participantsPerRound: 257, trim: 1 }, "InvalidParticipants", [257]],
      ["86 outsourced shards (258 seats)", { ...out, participantsPerRound: 86 }, "InvalidParticipants", [86]],
      ["zero round window", { ...fed, roundWindow: 0 }, "InvalidWindow", [0, 600]],
      ["zero close window", { ...fed, closeWindow: 0 }, "InvalidWindow", [600, 0]],
      ["round window over 30 days", { ...fed, roundWindow: 30 * DAY + 1 }, "InvalidWindow", [30 * DAY + 1, 600]],
      ["close window over 30 days", { ...fed, closeWindow: 30 * DAY + 1 }, "InvalidWindow", [600, 30 * DAY + 1]],
      ["trimmed mean with trim 0", { ...fed, trim: 0 }, "InvalidTrim", [0]],
      ["mean with a trim", { ...fed, rule: 0, trim: 1 }, "InvalidTrim", [1]],
      ["median with a trim", { ...fed, rule: 2, trim: 1 }, "InvalidTrim", [1]],
      ["zero reward", { ...fed, rewardPerUpdate: 0 }, "ZeroAmount"],
      ["zero collateral", { ...fed, collateral: 0 }, "ZeroAmount"],
      ["federated with a replication share", { ...fed, replicationBps: 1 }, "InvalidOutsourcing", [1, ethers.ZeroHash]],
      ["outsourced without a replication share", { ...out, replicationBps: 0 }, "InvalidOutsourcing", [0, ROOT]],
    ];
    const t = env.training.connect(env.requester);
    for (const [what, p, error, args] of rows) {
      const tx = t.postJob(p, { value: 0 });
      if (args) await expect(tx, what).to.be.revertedWithCustomError(env.training, error).withArgs(...args);
      else await expect(tx, what).to.be.revertedWithCustomError(env.training, error);
    }
    // the widest valid shapes post: 256 federated slots, 85 outsourced shards, 30-day windows, a median without trim
    for (const p of [
      { ...fed, participantsPerRound: 256, rule: 2, trim: 0, maxRounds: 1, roundWindow: 30 * DAY, closeWindow: 30 * DAY },
      { ...out, participantsPerRound: 85, maxRounds: 1 },
    ]) {
      await expect(t.postJob(p, { value: await env.training.escrowFor(p) })).to.emit(env.training, "TrainingJobPosted");
    }
    expect(await env.training.jobCount()).to.equal(2n);
  });

  it("differential-privacy parameters: each zero, each out-of-range value, and too few steps for the local epochs", async function () {
    const env = await loadFixture(deployTraining);
    const p = jobParams(env.aggregator.address);
    const dp = p.dp;
    const bad: [string, Partial<ITrainingJobs.DpParamsStruct>][] = [
      ["epsilon 0", { epsilonMicro: 0 }],
      ["delta 0", { deltaPico: 0 }],
      ["delta 1", { deltaPico: 1_000_000_000_000 }],
      ["sigma 0", { sigmaMicro: 0 }],
      ["clip 0", { clipMicro: 0 }],
      ["sampling 0", { samplingPpm: 0 }],
      ["sampling over 1", { samplingPpm: 1_000_001 }],
      ["update clip 0", { updateClipMicro: 0 }],
      ["no local epochs", { localEpochs: 0 }],
      ["99 steps at 1 % cover less than one epoch", { stepsPerRound: 99 }],
    ];
    const t = env.training.connect(env.requester);
    for (const [what, over] of bad) {
      await expect(t.postJob({ ...p, dp: { ...dp, ...over } }, { value: 0 }), what).to.be.revertedWithCustomError(env.training, "InvalidDpParams");
    }
    // exactly one epoch per round (100 steps at 1 %) is enough
    await expect(t.postJob(p, { value: await env.training.escrowFor(p) }))
      .to.emit(env.training, "DpParamsRecorded")
      .withArgs(1n, Object.values(dp), p.maxRounds);
  });
});
