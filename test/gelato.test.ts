import { expect } from "chai";
import {
  CHECKER_CALLDATA,
  checkerTaskOptions,
  GelatoApiError,
  GelatoResolverError,
  gelatoAutomateAddress,
  GelatoTaskArgumentError,
  GelatoUnsupportedNetworkError,
  RECLAIM_SELECTOR,
  registerCheckerTask,
  type FetchLike,
} from "../keepers/gelato";
import { json, startFakeServer, type FakeServer } from "./helpers/http-fake";

const CORE = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const KEY = "0x" + "11".repeat(32);
/** A fetch that must not be reached. */
const noNetwork: FetchLike = async (url) => {
  throw new Error(`network reached: ${url}`);
};
const answer =
  (status: number, body: unknown): FetchLike =>
  async () => ({ ok: status >= 200 && status < 300, status, json: async () => body });

describe("keepers: Gelato Automate registration (offline parts)", () => {
  it("builds createTask options for the core's checker resolver", () => {
    const o = checkerTaskOptions({ chainId: 11155111, core: CORE.toLowerCase() });
    expect(o.resolverAddress).to.equal(CORE);
    expect(o.execAddress).to.equal(CORE);
    expect(o.resolverData).to.equal(CHECKER_CALLDATA).and.to.equal("0xcf5303cf");
    expect(o.execSelector).to.equal(RECLAIM_SELECTOR).and.to.equal("0x5014efce");
    expect(o.dedicatedMsgSender).to.equal(true);
    expect(o.name).to.contain(CORE);
  });

  it("names malformed arguments", () => {
    expect(() => checkerTaskOptions({ chainId: 1, core: "0x1234" })).to.throw(GelatoTaskArgumentError, /not an address/);
    expect(() => checkerTaskOptions({ chainId: 1, core: "0x" + "00".repeat(20) })).to.throw(GelatoTaskArgumentError, /zero address/);
    expect(() => checkerTaskOptions({ chainId: 0, core: CORE })).to.throw(GelatoTaskArgumentError, /chain id/);
    expect(() => checkerTaskOptions({ chainId: 1.5, core: CORE })).to.throw(GelatoTaskArgumentError, /chain id/);
    expect(() => checkerTaskOptions({ chainId: 1, core: CORE, name: " " })).to.throw(GelatoTaskArgumentError, /name/);
  });

  it("refuses local chains without reaching the network", async () => {
    for (const chainId of [31337, 1337]) {
      try {
        await gelatoAutomateAddress(chainId, noNetwork);
        expect.fail("resolved");
      } catch (err) {
        expect(err).to.be.instanceOf(GelatoUnsupportedNetworkError);
        expect((err as Error).message).to.match(/local development chain/);
      }
    }
  });

  it("maps Gelato's network answer: unknown chain, no Automate, served chain", async () => {
    const tryIt = (f: FetchLike) => gelatoAutomateAddress(8119, f).then(String, (e: Error) => e);
    expect(await tryIt(answer(404, { message: "Network not found" }))).to.be.instanceOf(GelatoUnsupportedNetworkError);
    expect(await tryIt(answer(200, { network: {} }))).to.be.instanceOf(GelatoUnsupportedNetworkError);
    const automate = "0x2A6C106ae13B558BB9E2Ec64Bd2f1f7BEFF3A5E0";
    expect(await tryIt(answer(200, { network: { automate } }))).to.equal(automate);
    expect(await tryIt(noNetwork)).to.be.instanceOf(GelatoApiError);
  });

  it("registerCheckerTask validates everything before any key or RPC is used", async () => {
    const base = { chainId: 11155111, core: CORE, rpcUrl: "http://127.0.0.1:1", privateKey: KEY };
    const fail = (p: object, f: FetchLike = noNetwork) => registerCheckerTask({ ...base, ...p }, f).then(String, (e: Error) => e);
    expect(await fail({ privateKey: "0x12" })).to.be.instanceOf(GelatoTaskArgumentError);
    expect(await fail({ core: "nope" })).to.be.instanceOf(GelatoTaskArgumentError);
    expect(await fail({ chainId: 31337 })).to.be.instanceOf(GelatoUnsupportedNetworkError);
    expect(await fail({}, answer(404, {}))).to.be.instanceOf(GelatoUnsupportedNetworkError);
  });

  describe("against a fake JSON-RPC endpoint on 127.0.0.1", () => {
    let rpc: FakeServer;
    const chain = { id: 11155111, code: "0x6080", call: "0x" };
    before(async () => {
      rpc = await startFakeServer(async (_req, body) => {
        const msgs = JSON.parse(body.toString());
        const one = (m: { id: number; method: string }) => {
          const result =
            m.method === "eth_chainId" ? "0x" + chain.id.toString(16) : m.method === "net_version" ? String(chain.id) : m.method === "eth_getCode" ? chain.code : m.method === "eth_call" ? chain.call : null;
          return { jsonrpc: "2.0", id: m.id, result };
        };
        return json(200, Array.isArray(msgs) ? msgs.map(one) : one(msgs));
      });
    });
    after(() => rpc.close());
    const served = answer(200, { network: { automate: "0x2A6C106ae13B558BB9E2Ec64Bd2f1f7BEFF3A5E0" } });
    const attempt = () =>
      registerCheckerTask({ chainId: 11155111, core: CORE, rpcUrl: rpc.url, privateKey: KEY }, served).then(String, (e: Error) => e);

    it("names an RPC endpoint on another chain, a core with no code, a core without checker()", async () => {
      chain.id = 8119;
      const wrongChain = await attempt();
      expect(wrongChain).to.be.instanceOf(GelatoTaskArgumentError);
      expect((wrongChain as Error).message).to.match(/on chain 8119, not 11155111/);
      chain.id = 11155111;
      chain.code = "0x";
      expect(await attempt()).to.be.instanceOf(GelatoResolverError);
      chain.code = "0x6080";
      chain.call = "0x1234";
      const noChecker = await attempt();
      expect(noChecker).to.be.instanceOf(GelatoResolverError);
      expect((noChecker as Error).message).to.match(/checker\(\)/);
    });
  });
});
