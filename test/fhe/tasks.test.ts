import { expect } from "chai";
import hre, { ethers, fhevm } from "hardhat";
import { applyOutcomes, deployLocalFhe, type LocalFhe } from "./fixtures";
import { fheMockReady } from "../helpers/fhe-mock";
import { describeReputation } from "../../lib/fhe/reputation";

/** The FHE tasks run in-process against the plugin's mock (as they would against a node with --network localhost). */
describe("fhe tasks", function () {
  let f: LocalFhe;
  let gateway: string;
  let reputation: string;
  const JOB = "3001";
  const index = async (who: { address: string }) =>
    String((await ethers.getSigners()).findIndex((s) => s.address === who.address));

  before(async function () {
    await fheMockReady();
    f = await deployLocalFhe();
    gateway = await f.gateway.getAddress();
    reputation = await f.reputation.getAddress();
    await (await f.directory.connect(f.requester).post(BigInt(JOB))).wait();
    await applyOutcomes(f.reputation, f.directory, f.alice.address, 1n, "SSS"); // 30
  });

  it("gates a job, requests and relays eligibility, and shows a worker its reputation", async function () {
    await hre.run("job:gate", { job: JOB, minScore: "25", gateway, from: await index(f.requester) });
    expect(await f.gateway.isGated(BigInt(JOB))).to.equal(true);
    await hre.run("eligibility:request", { job: JOB, relay: false, gateway, from: await index(f.alice) });
    expect(await f.gateway.isPending(BigInt(JOB), f.alice.address)).to.equal(true);
    await hre.run("eligibility:relay", { job: JOB, worker: f.alice.address, gateway, from: await index(f.keeper) });
    expect(await f.gateway.isEligible(BigInt(JOB), f.alice.address)).to.equal(true);
    await hre.run("eligibility:request", { job: JOB, relay: true, gateway, from: await index(f.bob) });
    expect(await f.gateway.isEligible(BigInt(JOB), f.bob.address)).to.equal(false);
    const printed: string[] = [];
    const log = console.log;
    console.log = (...args: unknown[]) => printed.push(args.join(" "));
    try {
      await hre.run("reputation:show", { reputation, from: await index(f.alice), json: true });
      // an account with no outcome is not shown a score of 0
      await hre.run("reputation:show", { reputation, from: await index(f.keeper), json: false });
    } finally {
      console.log = log;
    }
    expect(JSON.parse(printed.slice(0, -1).join("\n"))).to.deep.equal({
      worker: f.alice.address,
      successes: "3",
      failures: "0",
      score: "30",
      recorded: true,
    });
    expect(printed[printed.length - 1]).to.equal(`${f.keeper.address}: no shard settled or slashed yet: no reputation recorded`);
    expect(describeReputation(f.keeper.address, { successes: 0n, failures: 0n, score: 0n, recorded: false }, false)).to.equal(
      `${f.keeper.address}: not a worker (not registered on the core, no settlement or slash recorded): no reputation`,
    );
  });

  it("names bad arguments and contract refusals in one line", async function () {
    const requester = await index(f.requester);
    await expect(hre.run("job:gate", { job: JOB, minScore: "abc", gateway, from: requester })).to.be.rejectedWith(
      /job:gate: bad --min-score: "abc" is not a whole number/
    );
    await expect(
      hre.run("job:gate", { job: JOB, minScore: "4294967296", gateway, from: requester })
    ).to.be.rejectedWith(/bad --min-score: 4294967296 is outside 0..4294967295/);
    await expect(hre.run("job:gate", { job: JOB, minScore: "1", gateway: "0x12", from: requester })).to.be.rejectedWith(
      /bad --gateway: "0x12" is not an address/
    );
    await expect(hre.run("job:gate", { job: JOB, minScore: "1", gateway, from: requester })).to.be.rejectedWith(
      /job:gate: PrivacyGateway.MinScoreAlreadySet\(jobId=3001\)/
    );
    await expect(hre.run("eligibility:request", { job: "9", relay: false, gateway, from: "0" })).to.be.rejectedWith(
      /PrivacyGateway.JobNotGated\(jobId=9\)/
    );
    await expect(
      hre.run("job:rate", { job: JOB, shard: "0", rating: "6", reputation, from: requester })
    ).to.be.rejectedWith(/bad --rating: 6 is outside 0..5/);
    await expect(hre.run("fhe:deploy", { layout: "moon", threshold: "1" })).to.be.rejectedWith(
      /bad --layout: "moon" is not local, fhe or settlement/
    );
    await expect(
      hre.run("fhe:deploy", { layout: "fhe", sourceChainId: "1", sourceCore: gateway, relayers: "0x1", threshold: "1" })
    ).to.be.rejectedWith(/bad --relayers\[0\]/);
  });
});
