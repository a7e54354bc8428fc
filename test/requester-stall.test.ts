/**
 * Why a job is not moving (issue 16, row 3): the reasons job:status and the followers name for open shards nobody
 * claims, from the job's terms, the workers' free stake and the terms they publish in their registration; and the
 * reference worker's own once-per-job line saying why it skips a job.
 */
import { expect } from "chai";
import { parseEther } from "ethers";
import { termsCid, readTerms, type WorkerTerms } from "../lib/chain/worker-terms";
import { whyUnclaimed } from "../lib/requester/stall";
import { deployEnv, postJob, registerAndStake, ENC_KEY, PRICE, type Env } from "./helpers/protocol";
import type { Wallet } from "ethers";
import { generateWorkerKeyPair } from "../lib/crypto";
import type { ShardCompute } from "../worker/compute";
import { Worker } from "../worker/worker";
import { capture, TEST_WORKER_CONFIG } from "./helpers/worker";

const terms = (over: Partial<WorkerTerms> = {}): string =>
  termsCid({ v: 1, kind: "v-oblivion/worker-terms", models: [], minPriceWei: "0", maxCollateralMultiple: "10", acceptUnvetted: false, ...over });

describe("requester: why open shards go unclaimed", () => {
  let env: Env;
  beforeEach(async () => {
    env = await deployEnv();
  });

  it("no worker registered; collateral above the workers' 10x cap; enough stake and terms: no reason", async () => {
    const fair = await postJob(env);
    expect((await whyUnclaimed(env.core, fair.jobId)).reasons).to.deep.equal(["no worker is registered on this core"]);
    await registerAndStake(env, env.worker);
    expect((await whyUnclaimed(env.core, fair.jobId)).reasons).to.deep.equal([]);
    const greedy = await postJob(env, { over: { collateral: PRICE * 50n } });
    const r = await whyUnclaimed(env.core, greedy.jobId);
    expect(r.reasons).to.have.length(1);
    expect(r.reasons[0]).to.match(/^collateral 0\.5 ETH is above what workers accept: 50x the price of 0\.01 ETH, the highest cap among them is 10x \(maxCollateralMultiple, 10x by default\)/);
  });

  it("reads the terms workers publish: model not served, price below their minimums, too little free stake", async () => {
    const job = await postJob(env);
    await env.core.connect(env.worker).registerWorker(terms({ models: ["999"] }), ENC_KEY);
    await env.core.connect(env.worker).stake({ value: parseEther("1") });
    expect((await whyUnclaimed(env.core, job.jobId)).reasons[0]).to.match(/^no worker serves model \d+ \(by the terms the 1 registered workers publish\)/);
    await env.core.connect(env.worker).registerWorker(terms({ minPriceWei: (PRICE * 2n).toString() }), ENC_KEY);
    expect((await whyUnclaimed(env.core, job.jobId)).reasons).to.deep.equal(["price 0.01 ETH per shard is below every worker's minimum (lowest 0.02 ETH)"]);
    await env.core.connect(env.worker2).registerWorker(terms(), ENC_KEY);
    await env.core.connect(env.worker2).stake({ value: parseEther("0.01") });
    const stake = (await whyUnclaimed(env.core, job.jobId)).reasons;
    expect(stake).to.have.length(1);
    expect(stake[0]).to.match(/^no worker that would take it has 0\.05 ETH of free stake/);
    // claims left after the key release come first: the workers cannot reach the content
    const left = await whyUnclaimed(env.core, job.jobId, { leftAfterRelease: 2 });
    expect(left.reasons[0]).to.match(/^content unreachable: workers left 2 claims after the key release/);
  });

  it("the inline terms CID round-trips and other CIDs are not read as terms", () => {
    const cid = terms({ models: ["1", "2"], minPriceWei: "5" });
    expect(cid).to.match(/^bafkq/); // raw codec, identity hash: the bytes are in the CID
    expect(readTerms(cid)).to.include({ minPriceWei: "5" });
    expect(readTerms("bafyworker")).to.equal(undefined);
    expect(readTerms("bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e")).to.equal(undefined);
  });

  it("the reference worker publishes its terms and logs once per job why it skips it", async () => {
    const greedy = await postJob(env, { over: { collateral: PRICE * 50n } });
    const { log, records } = capture();
    const worker = new Worker({ ...TEST_WORKER_CONFIG, minPriceWei: 1n }, {
      wallet: env.worker as unknown as Wallet,
      contracts: env,
      store: {} as never,
      compute: { prepare: () => Promise.reject(new Error("not reached")), close: () => Promise.resolve() } as unknown as ShardCompute,
      encryption: generateWorkerKeyPair(),
      log,
    });
    await env.core.connect(env.worker).registerWorker("bafyworker", ENC_KEY);
    await worker.ensureReady();
    const [meta] = await env.core.workerProfile(env.worker.address);
    expect(readTerms(meta)).to.deep.include({ minPriceWei: "1", maxCollateralMultiple: "10", document: "bafkqaaa" });
    await worker.tick();
    await worker.tick();
    const skips = records.filter((r) => r.msg === "skipping job");
    expect(skips, JSON.stringify(records)).to.have.length(1);
    expect(skips[0]).to.include({ job: greedy.jobId.toString() });
    expect(String(skips[0].reason)).to.match(/collateral .* is above 10x the price/);
    expect(worker.stats.claimed).to.equal(0);
  });
});
