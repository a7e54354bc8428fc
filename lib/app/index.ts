/**
 * The dashboard's local server: builds the web app if its sources changed, then serves it with the mesh's live
 * snapshot and the routes the screens need, on 127.0.0.1 only. `npx hardhat app` and `npm run app` start it.
 *
 *   GET  /api/config                chain id, RPC URL, deployment block and contract addresses
 *   POST /api/models/prepare        compile + set up + store an uploaded ONNX; GET /api/models/prepare/:id polls it
 *   /api/v0/*, /ipfs/*              the content server (Kubo RPC subset, trustless gateway), token added to writes
 *   + the mesh routes (lib/mesh/server.ts): /api/snapshot, /api/events, /api/audit/:id/verify
 * No route takes or returns a data key: the page prepares, seals, releases and reads a job's results itself
 * (web/src/requester/tab.ts) and keeps the keys in IndexedDB.
 */
import { ZeroAddress, type JsonRpcProvider } from "ethers";
import { attach, deploymentsDir as defaultDir, type Deployment } from "../chain/deployments";
import type { DeploymentGoneError } from "../chain/identity";
import { findFheDeployment } from "../fhe/cli";
import { startMesh } from "../mesh";
import type { Route } from "../mesh/server";
import type { TrainingSource } from "../mesh/training";
import type { ContentStore } from "../storage";
import type { Logger } from "../util/log";
import { ensureWebBundle, WEB_DIST } from "./bundle";
import { handle, readJson, sameOrigin, sendJson } from "./http";
import { MAX_MODEL_BYTES, RegistrationRuns, type PrepareRequest } from "./registration";
import { loadStaticFiles } from "./static";
import { contentServerFor, storageProxy, type StorageEndpoint } from "./storageProxy";
import { hostPort, servedUrls } from "../requester/content";

export interface AppOptions {
  network: string;
  rpcUrl?: string;
  /** The RPC URL the browser uses (default: rpcUrl). */
  publicRpcUrl?: string;
  port?: number;
  pollMs?: number;
  store: ContentStore;
  /** The content server the page's storage routes go to (default: one started over `store` when it is embedded). */
  content?: StorageEndpoint;
  /**
   * Where workers on other machines read this requester's content (`app --serve` / `--content-url`, as for
   * `job:post`): "host:port" serves the embedded store there; `contentUrls` are published instead when given.
   * Every release the tab builds carries the resulting endpoints (lib/requester/content.ts).
   */
  serve?: string;
  contentUrls?: string[];
  log: Logger;
  /** Cache of compiled circuits and setups for registrations (default .cache/zk). */
  zkCacheRoot?: string;
  training?: TrainingSource;
  deploymentsDir?: string;
  onGone?: (err: DeploymentGoneError) => void;
}

export async function appConfig(o: AppOptions, d: Deployment, provider: JsonRpcProvider, fromBlock: number, storage: boolean, contentEndpoints: string[] = []) {
  const { core } = attach(d, provider);
  const manager = await core.collateralManager();
  const fhe = findFheDeployment(o.network, o.deploymentsDir ?? defaultDir());
  return {
    network: o.network,
    chainId: Number(d.chainId),
    rpcUrl: o.publicRpcUrl ?? o.rpcUrl,
    fromBlock,
    contracts: {
      core: d.contracts.OblivionCore.address,
      registry: d.contracts.ModelRegistry.address,
      audit: d.contracts.InferenceAudit.address,
      ...(manager !== ZeroAddress ? { training: manager } : {}),
      ...(fhe?.contracts.ConfidentialReputation ? { reputation: fhe.contracts.ConfidentialReputation } : {}),
      ...(fhe?.contracts.PrivacyGateway ? { gateway: fhe.contracts.PrivacyGateway } : {}),
    },
    storage,
    contentEndpoints,
  };
}

export async function startApp(o: AppOptions) {
  if (ensureWebBundle((m) => o.log.info(m))) o.log.info("dashboard built", { dir: WEB_DIST });
  const files = loadStaticFiles(WEB_DIST);
  const registrations = new RegistrationRuns(o.store, o.zkCacheRoot);
  const onError = (err: Error) => o.log.error("app: request failed", { reason: err.message.split("\n")[0] });
  const bind = o.serve && o.serve !== "off" ? hostPort(o.serve) : undefined;
  const own = o.content ? undefined : await contentServerFor(o.store, bind);
  const content = o.content ?? own;
  const endpoints = o.contentUrls ?? (own && bind ? servedUrls(bind.host, Number(new URL(own.url).port)) : []);
  if (bind && !own) o.log.warn("--serve ignored: the content store is not the embedded one (Kubo/Pinata serve their own content)");
  const server = await startMesh({
    network: o.network,
    rpcUrl: o.rpcUrl,
    port: o.port,
    pollMs: o.pollMs,
    training: o.training,
    log: o.log,
    deploymentsDir: o.deploymentsDir,
    onGone: o.onGone,
    files,
    routes: async ({ deployment, provider, fromBlock }) => {
      const config = await appConfig(o, deployment, provider, fromBlock, !!content, endpoints);
      const post = (path: string, limit: number, fn: (body: never) => Promise<unknown>): Route => (req, res, url) => {
        if (url.pathname !== path || req.method !== "POST") return false;
        if (!sameOrigin(req)) return (sendJson(res, 403, { error: "cross-origin request refused" }), true);
        handle(res, async () => fn(await readJson(req, limit)), onError);
        return true;
      };
      return [
        (req, res, url) => (url.pathname === "/api/config" && req.method === "GET" ? (sendJson(res, 200, config), true) : false),
        post("/api/models/prepare", (MAX_MODEL_BYTES * 4) / 3 + 4096, async (b: PrepareRequest) => ({ id: registrations.start(b) })),
        (req, res, url) => {
          const m = /^\/api\/models\/prepare\/([0-9]+)$/.exec(url.pathname);
          if (!m || req.method !== "GET") return false;
          handle(res, async () => registrations.get(m[1]), onError);
          return true;
        },
        ...(content ? [storageProxy(content)] : []),
      ];
    },
  }).catch(async (err: Error) => {
    await own?.close();
    throw err;
  });
  return {
    ...server,
    bundle: files.sizes(),
    contentEndpoints: endpoints,
    close: async () => {
      await server.close();
      await own?.close();
    },
  };
}
