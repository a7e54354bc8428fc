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
import { computeCid, EmbeddedContentStore } from "../lib/storage";
import { deployEnv, postJob, registerAndStake, type Env } from "./helpers/protocol";

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
  });
});
