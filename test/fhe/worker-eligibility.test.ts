import { expect } from "chai";
import { PassThrough } from "node:stream";
import { fhevm } from "hardhat";
import { parseEther, type Wallet } from "ethers";
import { EligibilityRelayDuty } from "../../keepers/eligibility";
import { deployLocalFhe, wireCore } from "../../lib/fhe/deploy";
import { setEncryptedMinScore } from "../../lib/fhe/threshold";
import type { ContentStore } from "../../lib/storage";
import { createLogger } from "../../lib/util/log";
import { sleep } from "../../lib/util/retry";
import type { PrivacyGateway } from "../../typechain-types";
import type { ShardCompute } from "../../worker/compute";
import type { WorkerConfig } from "../../worker/config";
import { Worker } from "../../worker/worker";
import { deployEnv, postJob, registerAndStake, type Env } from "../helpers/protocol";
import { releaseCurve } from "../helpers/snarkjs";

/** A JSON logger whose records the test reads back. */
function capture() {
  const out = new PassThrough();
  const records: { msg: string; [k: string]: unknown }[] = [];
  out.on("data", (b: Buffer) => b.toString().split("\n").filter(Boolean).forEach((l) => records.push(JSON.parse(l))));
  return { log: createLogger({ source: "test", json: true, out }), records };
}

/** Key release never comes here: a claimed shard is abandoned at once, before any compute. */
const CFG: WorkerConfig = {
  rpcUrl: "http://127.0.0.1:1", privateKey: "0x" + "11".repeat(32), network: "hardhat", models: [], concurrency: 1,
  executionProvider: "cpu", minPriceWei: 0n, maxCollateralMultiple: 10n, stakeWei: parseEther("1"), withdrawThresholdWei: parseEther("1000"),
  encryptionKeyFile: "", metadataCid: "bafkqaaa", pollMs: 100, releaseTimeoutMs: 0, keeperDuty: false, artifactsDir: "",
  json: true, abandonRate: 0,
};
const NO_COMPUTE: ShardCompute = {
  run: () => Promise.reject(new Error("compute must not run: the shard has no key release")),
  close: () => Promise.resolve(),
} as unknown as ShardCompute;

describe("fhe: worker asks for eligibility on gated jobs, keeper relays the decryption", function () {
  let env: Env;
  let gateway: PrivacyGateway;

  function workerFor(signer: Env["worker"]) {
    const { log, records } = capture();
    const worker = new Worker(CFG, {
      wallet: signer as unknown as Wallet,
      contracts: { ...env, core: env.core },
      store: {} as ContentStore,
      compute: NO_COMPUTE,
      encryption: { publicKey: new Uint8Array(33), privateKey: new Uint8Array(32) },
      log,
      gateway,
    });
    return { worker, records };
  }

  before(async function () {
    if (!fhevm.isMock) throw new Error("these tests need the fhEVM mock (run under `hardhat test`)");
    env = await deployEnv();
    const core = await env.core.getAddress();
    let reputation;
    ({ reputation, gateway } = await deployLocalFhe(env.owner, core));
    expect(await wireCore(env.owner, core, await gateway.getAddress(), await reputation.getAddress())).to.equal(true);
    await registerAndStake(env, env.worker);
    await registerAndStake(env, env.worker2);
  });
  after(releaseCurve);

  it("requests once, claims after the keeper relays a yes; a no is logged as a refusal and not asked again", async function () {
    const { log: keeperLog, records: keeperRecords } = capture();
    const duty = new EligibilityRelayDuty(fhevm, gateway, env.keeper, keeperLog);

    // Job 1: minimum 0, which a never-seen worker (score 0) reaches.
    const open = await postJob(env, { shards: 1, over: { gated: true } });
    await setEncryptedMinScore(fhevm, gateway, env.requester, open.jobId, 0);
    const a = workerFor(env.worker);
    await a.worker.tick();
    expect(a.worker.stats.claimed).to.equal(0);
    expect(await gateway.isPending(open.jobId, env.worker.address)).to.equal(true);
    expect(await duty.run()).to.equal(1);
    expect(await gateway.isEligible(open.jobId, env.worker.address)).to.equal(true);
    await a.worker.tick();
    expect(a.worker.stats.claimed).to.equal(1);
    expect((await env.core.getShard(open.jobId, 0)).worker).to.equal(env.worker.address);
    for (let i = 0; i < 50 && a.worker.stats.abandoned === 0; i++) await sleep(100);
    expect(a.worker.stats.abandoned).to.equal(1);

    // Job 2: minimum 1, above a score of 0.
    const closed = await postJob(env, { shards: 1, salt: 1, over: { gated: true } });
    await setEncryptedMinScore(fhevm, gateway, env.requester, closed.jobId, 1);
    const b = workerFor(env.worker2);
    await b.worker.tick();
    expect(await duty.run()).to.equal(1);
    expect(await gateway.isEligible(closed.jobId, env.worker2.address)).to.equal(false);
    await b.worker.tick();
    await b.worker.tick();
    expect(b.worker.stats.claimed).to.equal(0);
    expect((await env.core.getShard(closed.jobId, 0)).status).to.equal(0n);
    const requests = await gateway.queryFilter(gateway.filters.EligibilityRequested(closed.jobId, env.worker2.address));
    expect(requests.length).to.equal(1);
    expect(b.records.filter((r) => r.msg === "claim refused: not eligible for gated job").map((r) => r.job)).to.deep.equal([
      closed.jobId.toString(),
    ]);
    expect(keeperRecords.map((r) => [r.msg, r.job, r.eligible])).to.deep.equal([
      ["relayed eligibility decryption", open.jobId.toString(), true],
      ["relayed eligibility decryption", closed.jobId.toString(), false],
    ]);
    expect(await duty.run()).to.equal(0);
  });
});
