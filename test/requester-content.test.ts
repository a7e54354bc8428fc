/**
 * A requester's content across machines: endpoints published in the key release (old releases still decode), the
 * requester's server taking results only from its current claimants, and a worker's signed delivery landing in the
 * requester's store.
 */
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JobBook } from "../lib/chain/jobbook";
import { startJobContent, contentFlags, servedUrls } from "../lib/requester/content";
import { claimantUploads, deliverResult, signResultUpload, CLAIM_HEADER } from "../lib/requester/delivery";
import { decodeRelease, encodeRelease } from "../lib/requester/shard";
import { randomBytes } from "node:crypto";
import type { Wallet } from "ethers";
import { generateWorkerKeyPair } from "../lib/crypto";
import { computeCid, EmbeddedContentStore, SourcedContentStore } from "../lib/storage";
import { freePort } from "../lib/util/processes";
import { sleep } from "../lib/util/retry";
import type { ShardCompute } from "../worker/compute";
import { Worker } from "../worker/worker";
import { deployEnv, keyedRelease, postJob, registerAndStake, type Env } from "./helpers/protocol";
import { capture, TEST_WORKER_CONFIG } from "./helpers/worker";

describe("requester: content endpoints and result delivery", () => {
  it("the release carries the endpoints; a two-field release still decodes, without any", () => {
    const wrappedKey = new Uint8Array([1, 2, 3]);
    const r = decodeRelease(encodeRelease({ packageCid: "bafkpkg", wrappedKey, endpoints: ["http://10.0.0.1:8090", "kubo+http://10.0.0.2:5001"] }));
    expect(r).to.deep.equal({ packageCid: "bafkpkg", wrappedKey, endpoints: ["http://10.0.0.1:8090", "kubo+http://10.0.0.2:5001"] });
    expect(decodeRelease(encodeRelease({ packageCid: "bafkpkg", wrappedKey }))).to.deep.equal({ packageCid: "bafkpkg", wrappedKey });
    expect(() => decodeRelease("0x1234")).to.throw(/malformed shard key release/);
  });

  it("--serve and --content-url: checked, with the environment as fallback; a wildcard bind publishes the interfaces", () => {
    expect(contentFlags({ serve: "0.0.0.0:8090" }, {})).to.deep.equal({ serve: "0.0.0.0:8090", urls: undefined });
    expect(contentFlags({}, { OBLIVION_SERVE: "off", OBLIVION_CONTENT_URLS: "http://a:1,kubo+http://b:2" })).to.deep.equal({ serve: "off", urls: ["http://a:1", "kubo+http://b:2"] });
    expect(() => contentFlags({ serve: "8090" }, {})).to.throw(/^bad --serve: "8090" is not host:port/);
    expect(() => contentFlags({ contentUrl: "ftp://x" }, {})).to.throw(/^bad --content-url: /);
    expect(servedUrls("10.1.2.3", 8090)).to.deep.equal(["http://10.1.2.3:8090"]);
    expect(servedUrls("0.0.0.0", 8090).at(-1)).to.equal("http://127.0.0.1:8090");
  });

  describe("on a chain", () => {
    let env: Env;
    let dir: string;
    beforeEach(async () => {
      env = await deployEnv();
      await registerAndStake(env, env.worker);
      await registerAndStake(env, env.worker2);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "oblivion-content-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("the requester's server takes a result only from the shard's current claimant, for that claim and CID", async () => {
      const job = await postJob(env, { shards: 2 });
      await env.core.connect(env.worker).claim(job.jobId, 0);
      const book = new JobBook(env.core, env.worker.provider!, 0);
      await book.sync();
      const chainId = (await env.worker.provider!.getNetwork()).chainId;
      const core = await env.core.getAddress();
      const nonce = book.jobs.get(job.jobId)!.shards[0].claimNonce!;
      const store = new EmbeddedContentStore({ dir });
      const content = await startJobContent({ store }, claimantUploads(book, env.requester.address, chainId, core));
      try {
        expect(content.endpoints).to.deep.equal([content.served]);
        const result = new TextEncoder().encode("sealed result");
        const cid = await computeCid(result);
        const claim = { chainId, core, jobId: job.jobId, shardIndex: 0, claimNonce: nonce, cid };
        const stranger = await deliverResult(content.endpoints, result, await signResultUpload(env.worker2, claim));
        expect(stranger.delivered).to.deep.equal([]);
        expect(stranger.failed[0].reason).to.match(/HTTP 401/);
        const wrongCid = await deliverResult(content.endpoints, result, await signResultUpload(env.worker, { ...claim, cid: await computeCid(new Uint8Array([9])) }));
        expect(wrongCid.delivered).to.deep.equal([]);
        const unclaimed = await deliverResult(content.endpoints, result, await signResultUpload(env.worker, { ...claim, shardIndex: 1 }));
        expect(unclaimed.delivered).to.deep.equal([]);
        expect(await store.has(cid)).to.equal(false);
        const ok = await deliverResult(content.endpoints, result, await signResultUpload(env.worker, claim));
        expect(ok.delivered).to.deep.equal(content.endpoints);
        expect(new TextDecoder().decode(await store.get(cid))).to.equal("sealed result");
        // a garbled header is refused like a missing one
        const res = await fetch(`${content.served}/api/v0/add`, { method: "POST", body: new FormData(), headers: { [CLAIM_HEADER]: "1:0:1:0xnope" } });
        expect(res.status).to.not.equal(200);
      } finally {
        await content.close();
        await store.close();
      }
    });

    it("a worker that cannot fetch says so once per job, naming every source it tried, and leaves the job alone for the back-off", async () => {
      const dataKeys = [0, 1].map(() => new Uint8Array(randomBytes(32)));
      const job = await postJob(env, { shards: 2, dataKeys });
      const dead = `http://127.0.0.1:${await freePort()}`;
      const payload = encodeRelease({ packageCid: await computeCid(new Uint8Array([7])), wrappedKey: new Uint8Array(0), endpoints: [dead] });
      const { log, records } = capture();
      const store = new SourcedContentStore(new EmbeddedContentStore({ dir }), { timeoutMs: 2_000 });
      const worker = new Worker({ ...TEST_WORKER_CONFIG, releaseTimeoutMs: 20_000 }, {
        wallet: env.worker as unknown as Wallet,
        contracts: env,
        store,
        compute: {
          prepare: () => Promise.resolve({ batch: 1, inputSize: 1, witnessMs: 0, proveMs: 0 }),
          witness: () => Promise.reject(new Error("compute must not run")),
          run: () => Promise.reject(new Error("compute must not run")),
          close: () => Promise.resolve(),
        } as unknown as ShardCompute,
        encryption: generateWorkerKeyPair(),
        log,
      });
      await worker.ensureReady();
      await worker.tick();
      expect(worker.stats.claimed).to.equal(1);
      const claimed = (await env.core.getShard(job.jobId, 0)).status === 1n ? 0 : 1;
      await env.core.connect(env.requester).releaseShardKey(job.jobId, claimed, await keyedRelease(env, job, claimed, dataKeys[claimed], payload));
      for (let i = 0; i < 150 && worker.stats.left === 0; i++) await sleep(100);
      expect(worker.stats.left, JSON.stringify(records.slice(-3))).to.equal(1);
      await worker.tick();
      await worker.tick();
      expect(worker.stats.claimed, "the other shard is not claimed during the back-off").to.equal(1);
      const said = records.filter((r) => r.msg === "cannot fetch this job's content; not claiming its shards for a while");
      expect(said).to.have.length(1);
      expect(said[0]).to.include({ job: job.jobId.toString(), published: dead });
      expect(String(said[0].tried)).to.include("local embedded (not found)").and.include(`${dead} (`);
      const skips = records.filter((r) => r.msg === "skipping job");
      expect(skips).to.have.length(1);
      expect(String(skips[0].reason)).to.match(/content could not be fetched; backing off until/);
      await store.close();
    });
  });
});
