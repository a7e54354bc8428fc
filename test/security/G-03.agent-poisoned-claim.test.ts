/**
 * G-03 (agent side): a registered worker whose encryption key is no secp256k1 point claims a shard keylessly. Before
 * the fix, building its release threw outside the release agent's per-claim try/catch: every tick() threw and no
 * claim of the job got its key. Now each claim's failure is confined to that claim: the poisoning claim is skipped
 * and named, the honest claims beside it are released. This holds whether or not the core checks keys at
 * registration: where it refuses the bad key, the test writes the key into the core's storage directly.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ethers, network } from "hardhat";
import { AbiCoder, getBytes, keccak256, parseEther, toBeHex, zeroPadValue, type Signer } from "ethers";
import { JobBook } from "../../lib/chain/jobbook";
import { generateWorkerKeyPair, unwrapKey } from "../../lib/crypto";
import { InvalidKeyError } from "../../lib/crypto/errors";
import { buildRelease, ReleaseAgent } from "../../lib/requester/agent";
import { postPreparedJob, prepareShards, readJobFile } from "../../lib/requester/job";
import { decodeRelease } from "../../lib/requester/shard";
import { createContentStore, type ContentStore } from "../../lib/storage";
import { capture } from "../helpers/worker";
import { deployEnv, PRICE, COLLATERAL, type Env } from "../helpers/protocol";

/** x = 2^256 - 1 is above the field prime: no point has it. */
const BAD_KEY = "0x02" + "ff".repeat(32);

/** Gives `who` the registered encryption key BAD_KEY: by registering it, or where the core refuses, in its storage. */
async function registerBadKey(env: Env, who: Signer): Promise<"registered" | "written"> {
  const core = env.core.connect(who);
  try {
    await (await core.registerWorker("bafybad", BAD_KEY)).wait();
    return "registered";
  } catch {
    // The core checks the point (issue 20's on-chain check): register a good key, then overwrite it in storage.
  }
  await (await core.registerWorker("bafybad", "0x" + Buffer.from(generateWorkerKeyPair().publicKey).toString("hex"))).wait();
  const addr = await who.getAddress();
  const coreAddr = await env.core.getAddress();
  const coder = AbiCoder.defaultAbiCoder();
  for (let slot = 0; slot < 64; slot++) {
    const base = BigInt(keccak256(coder.encode(["address", "uint256"], [addr, slot])));
    for (let k = 0n; k < 4n; k++) {
      // a 33-byte `bytes` value keeps 2 * 33 + 1 in its slot and its data at keccak256(slot)
      if (BigInt(await ethers.provider.getStorage(coreAddr, base + k)) !== 67n) continue;
      const data = keccak256(zeroPadValue(toBeHex(base + k), 32));
      await network.provider.send("hardhat_setStorageAt", [coreAddr, data, "0x02" + "ff".repeat(31)]);
      return "written";
    }
  }
  throw new Error("the worker's encryption key was not found in the core's storage");
}

describe("security G-03 (agent): one poisoning claim does not stall the requester's agent", function () {
  let env: Env;
  let store: ContentStore;
  let tmp: string;
  before(async () => {
    env = await deployEnv();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "g03-"));
    store = createContentStore({ kind: "embedded", embedded: { dir: path.join(tmp, "store") } });
  });
  after(async () => {
    await store?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("G-03 a claim by a worker with an invalid key beside two honest ones: both honest ones released, the bad one skipped and named", async () => {
    const [attacker, honestA, honestB] = env.others;
    const how = await registerBadKey(env, attacker);
    await env.core.connect(attacker).stake({ value: parseEther("1") });
    const keys = [generateWorkerKeyPair(), generateWorkerKeyPair()];
    for (const [i, w] of [honestA, honestB].entries()) {
      await env.core.connect(w).registerWorker("bafyw", "0x" + Buffer.from(keys[i].publicKey).toString("hex"));
      await env.core.connect(w).stake({ value: parseEther("1") });
    }
    // An encrypted three-shard job posted through the requester's library (job file with data keys).
    const batches = [0, 1, 2].map((i) => [[i, 1, 2, 3]]);
    const prepared = await prepareShards(store, batches, true);
    const jobsDir = path.join(tmp, "jobs");
    const { jobId } = await postPreparedJob(env.core, env.requester, prepared, {
      modelId: env.models.fixture_public, modelVersion: 1, pricePerShard: PRICE, collateral: COLLATERAL,
      claimWindow: 600, minStake: 0n, gated: false, acceptUnvettedVerifier: false,
    }, jobsDir);
    // The attacker claims first (shard 0, keyless: its release must be wrapped to its registered key).
    await env.core.connect(attacker).claim(jobId, 0);
    await env.core.connect(honestA).claim(jobId, 1);
    await env.core.connect(honestB).claim(jobId, 2);

    // What used to stall every pass: building the attacker's release throws.
    const file = readJobFile((await ethers.provider.getNetwork()).chainId.toString(), await env.core.getAddress(), jobId, jobsDir);
    const claim0 = { jobId, shardIndex: 0, claimant: attacker.address, claimNonce: (await env.core.getShard(jobId, 0)).claimNonce };
    await buildRelease(env.core, claim0, file).then(
      () => expect.fail(`buildRelease accepted the ${how} invalid key`),
      (err) => expect(err).to.be.instanceOf(InvalidKeyError),
    );

    const { log, records } = capture();
    const book = new JobBook(env.core, ethers.provider);
    const agent = new ReleaseAgent(env.core, env.requester, book, log, jobsDir);
    for (let pass = 0; pass < 3; pass++) {
      await book.sync();
      await agent.tick(); // never throws
    }
    expect([agent.released, agent.skipped]).to.deep.equal([2, 1]);
    const skip = records.filter((r) => r.msg.startsWith("claim skipped"));
    expect(skip.length, "named once").to.equal(1);
    expect(skip[0].worker).to.equal(attacker.address.toLowerCase());
    expect(skip[0].msg).to.contain("not a secp256k1 point");

    // Each honest worker opens its own key; the attacker's claim has no release.
    for (const [i, w] of [honestA, honestB].entries()) {
      const [ev] = await env.core.queryFilter(env.core.filters.ShardKeyReleased(jobId, i + 1));
      expect(ev.args.worker).to.equal(w.address);
      const key = unwrapKey(decodeRelease(ev.args.payload).wrappedKey, keys[i].privateKey);
      expect(Buffer.from(key).toString("hex")).to.equal(Buffer.from(getBytes(file.shards[i + 1].dataKey!)).toString("hex"));
    }
    expect((await env.core.queryFilter(env.core.filters.ShardKeyReleased(jobId, 0))).length).to.equal(0);
  });
});
