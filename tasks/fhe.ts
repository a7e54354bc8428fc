/**
 * FHE tasks: `job:gate`, `job:rate`, `eligibility:request`, `eligibility:relay`, `reputation:show`, `reputation:replay`,
 * `fhe:deploy`.
 * Thin shells over lib/fhe. Against a `hardhat node` (the fhEVM mock) pass --network localhost: the plugin's CLI API
 * is initialised first, as every script outside `hardhat test` must.
 */
import { task, types } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { parseAddress, parseUint } from "../lib/chain/args";
import { runTask } from "../lib/chain/taskContext";
import { requireRunningChain, signerFor } from "../lib/chain/signer";

const FROM = "index of the signer to use";
const FROM_ARG = (a: { from: string }) => Number(parseUint("from", a.from, 0n, 1000n));

/** Whether the plugin is initialised in this process (it throws on any access otherwise). */
function pluginReady(hre: HardhatRuntimeEnvironment): boolean {
  try {
    void hre.fhevm.isMock;
    return true;
  } catch (e) {
    if (/not initialized/.test((e as Error).message)) return false;
    throw e;
  }
}

/** The fhEVM API, the signer and the FHE contracts (flag, else deployments/<network>.fhe.json). */
async function fheContext(
  hre: HardhatRuntimeEnvironment,
  from: number,
  given: { gateway?: string; reputation?: string }
) {
  requireRunningChain(hre);
  // In-process the plugin sets its mock up only under `hardhat test`; elsewhere its CLI API must be initialised.
  if (hre.network.name !== "hardhat") await hre.fhevm.initializeCLIApi();
  else if (!pluginReady(hre)) {
    throw new Error(
      "the fhEVM mock runs in-process only under `hardhat test`: start `hardhat node`, pass --network localhost"
    );
  }
  const { readFheDeployment } = await import("../lib/fhe/deploy");
  const { ConfidentialReputation__factory, PrivacyGateway__factory } = await import("../typechain-types");
  const signer = await signerFor(hre, from);
  const addressOf = (flag: "gateway" | "reputation", name: "PrivacyGateway" | "ConfidentialReputation") => {
    if (given[flag] !== undefined) return parseAddress(flag, given[flag]);
    const address = readFheDeployment(hre.network.name).contracts[name];
    if (!address) throw new Error(`the FHE deployment of ${hre.network.name} has no ${name}; pass --${flag}`);
    return address;
  };
  return {
    fhevm: hre.fhevm,
    signer,
    gateway: () => PrivacyGateway__factory.connect(addressOf("gateway", "PrivacyGateway"), signer),
    reputation: () =>
      ConfidentialReputation__factory.connect(addressOf("reputation", "ConfidentialReputation"), signer),
  };
}

/** The core of the network's protocol deployment, checked to still exist on its chain. */
async function deployedCore(hre: HardhatRuntimeEnvironment): Promise<string> {
  const { readLiveDeployment } = await import("../lib/chain/deployments");
  return (await readLiveDeployment(hre.network.name, hre.ethers.provider)).contracts.OblivionCore.address;
}

const GATEWAY = "PrivacyGateway address (default: deployments/<network>.fhe.json)";
const REPUTATION = "ConfidentialReputation address (default: deployments/<network>.fhe.json)";

task("job:gate", "Requester: encrypt a minimum score locally and set it as the job's eligibility threshold")
  .addParam("job", "job id")
  .addParam("minScore", "minimum reputation score (0..2^32-1); only its ciphertext leaves this machine")
  .addOptionalParam("gateway", GATEWAY)
  .addOptionalParam("from", FROM, "0", types.string)
  .setAction(async (a: { job: string; minScore: string; gateway?: string; from: string }, hre) =>
    runTask("job:gate", async () => {
      const { MAX_UINT32 } = await import("../lib/fhe/types");
      const { setEncryptedMinScore } = await import("../lib/fhe/threshold");
      const jobId = parseUint("job", a.job);
      const minScore = parseUint("min-score", a.minScore, 0n, MAX_UINT32);
      const c = await fheContext(hre, FROM_ARG(a), a);
      const hash = await setEncryptedMinScore(c.fhevm, c.gateway(), c.signer, jobId, minScore);
      console.log(`job ${jobId} is gated by an encrypted minimum score (tx ${hash})`);
    })
  );

task("job:rate", "Requester: rate a settled shard 0..5, encrypted locally; it only raises the worker's encrypted score")
  .addParam("job", "job id")
  .addParam("shard", "shard index")
  .addParam("rating", "integer from 0 to 5")
  .addOptionalParam("reputation", REPUTATION)
  .addOptionalParam("from", FROM, "0", types.string)
  .setAction(async (a: { job: string; shard: string; rating: string; reputation?: string; from: string }, hre) =>
    runTask("job:rate", async () => {
      const { MAX_RATING, rateShard } = await import("../lib/fhe/rating");
      const jobId = parseUint("job", a.job);
      const shard = parseUint("shard", a.shard);
      const rating = Number(parseUint("rating", a.rating, 0n, BigInt(MAX_RATING)));
      const c = await fheContext(hre, FROM_ARG(a), a);
      const hash = await rateShard(c.fhevm, c.reputation(), c.signer, jobId, shard, rating);
      console.log(`shard ${shard} of job ${jobId} rated (tx ${hash})`);
    })
  );

task("eligibility:request", "Worker: ask whether your encrypted score reaches a job's encrypted minimum")
  .addParam("job", "job id")
  .addFlag("relay", "also decrypt the answer publicly and submit it yourself (otherwise a keeper does)")
  .addOptionalParam("gateway", GATEWAY)
  .addOptionalParam("from", FROM, "0", types.string)
  .setAction(async (a: { job: string; relay: boolean; gateway?: string; from: string }, hre) =>
    runTask("eligibility:request", async () => {
      const { requestEligibility, relayEligibilityDecryption } = await import("../lib/fhe/eligibility");
      const jobId = parseUint("job", a.job);
      const c = await fheContext(hre, FROM_ARG(a), a);
      const handle = await requestEligibility(c.gateway(), c.signer, jobId);
      console.log(`eligibility requested for job ${jobId} by ${c.signer.address} (encrypted answer ${handle})`);
      if (a.relay) {
        const r = await relayEligibilityDecryption(c.fhevm, c.gateway(), c.signer, jobId, c.signer.address);
        console.log(`${r.eligible ? "eligible" : "not eligible"} for job ${jobId} (tx ${r.txHash})`);
      }
    })
  );

task("eligibility:relay", "Keeper: publicly decrypt a pending eligibility answer and submit it with its proof")
  .addParam("job", "job id")
  .addParam("worker", "worker address")
  .addOptionalParam("gateway", GATEWAY)
  .addOptionalParam("from", FROM, "0", types.string)
  .setAction(async (a: { job: string; worker: string; gateway?: string; from: string }, hre) =>
    runTask("eligibility:relay", async () => {
      const { relayEligibilityDecryption } = await import("../lib/fhe/eligibility");
      const jobId = parseUint("job", a.job);
      const worker = parseAddress("worker", a.worker);
      const c = await fheContext(hre, FROM_ARG(a), a);
      const r = await relayEligibilityDecryption(c.fhevm, c.gateway(), c.signer, jobId, worker);
      console.log(`${worker} is ${r.eligible ? "eligible" : "not eligible"} for job ${jobId} (tx ${r.txHash})`);
    })
  );

task("reputation:show", "Worker: decrypt your own reputation (only you can)")
  .addOptionalParam("reputation", REPUTATION)
  .addOptionalParam("from", FROM, "0", types.string)
  .addFlag("json", "print {worker, successes, failures, score} as JSON")
  .setAction(async (a: { reputation?: string; from: string; json: boolean }, hre) =>
    runTask("reputation:show", async () => {
      const { decryptOwnReputation, describeReputation } = await import("../lib/fhe/reputation");
      const c = await fheContext(hre, FROM_ARG(a), a);
      const s = await decryptOwnReputation(c.fhevm, c.reputation(), c.signer);
      // with the protocol deployed on this chain (layout local), the core says whether the account is a worker at all
      const { deploymentPath, readLiveDeployment, attach } = await import("../lib/chain/deployments");
      const fs = await import("node:fs");
      const registered = hre.network.name !== "hardhat" && fs.existsSync(deploymentPath(hre.network.name))
        ? (await attach(await readLiveDeployment(hre.network.name, hre.ethers.provider), c.signer).core.getWorker(c.signer.address)).registered
        : undefined;
      if (a.json) {
        const { toJson } = await import("../lib/chain/taskContext");
        console.log(toJson({ worker: c.signer.address, registered, ...s }));
      } else {
        console.log(describeReputation(c.signer.address, s, registered));
      }
    })
  );

task("fhe:deploy", "Deploy the FHE contracts (layout local | fhe | settlement) into deployments/<network>.fhe.json")
  .addParam("layout", "local: one chain with the fhEVM; fhe / settlement: the two sides of a split layout")
  .addOptionalParam(
    "core",
    "local: the core (default: deployments/<network>.json's; updater, directory; wired when the deployer owns it); settlement: core to wire"
  )
  .addOptionalParam("sourceChainId", "fhe: settlement chain id")
  .addOptionalParam("sourceCore", "fhe: core address on the settlement chain")
  .addOptionalParam("fheChainId", "settlement: FHE chain id")
  .addOptionalParam("gateway", "settlement: PrivacyGateway address on the FHE chain")
  .addOptionalParam("relayers", "fhe / settlement: comma-separated relayer addresses")
  .addOptionalParam("threshold", "fhe / settlement: signatures required", "1", types.string)
  .addOptionalParam("owner", "fhe / settlement: owner of the relayer sets (default: deployer); the reputation has no owner")
  .addOptionalParam("pointPrice", "local / fhe: wei of protocol fee per reputation point (immutable)", "25000000000000", types.string)
  .addOptionalParam("scoreStep", "local / fhe: threshold granularity of the privacy gateway (immutable)", "10", types.string)
  .addOptionalParam("from", "index of the deployer's signer", "0", types.string)
  .setAction(async (a: Record<string, string | undefined>, hre) =>
    runTask("fhe:deploy", async () => {
      const d = await import("../lib/fhe/deploy");
      const quorum = () => {
        const relayers = (a.relayers ?? "").split(",").map((r, i) => parseAddress(`relayers[${i}]`, r.trim()));
        const q = { relayers, threshold: Number(parseUint("threshold", a.threshold, 1n, BigInt(relayers.length))) };
        d.checkQuorum(q);
        return q;
      };
      const owner = a.owner === undefined ? undefined : parseAddress("owner", a.owner);
      const params = {
        pointPrice: parseUint("point-price", a.pointPrice, 1n),
        scoreStep: Number(parseUint("score-step", a.scoreStep, 1n, 2n ** 32n - 1n)),
      };
      const deployer = await signerFor(hre, a.from);
      const chainId = (await hre.ethers.provider.getNetwork()).chainId;
      let contracts: import("../lib/fhe/deploy").FheDeployment["contracts"];
      const wire = async (core: string, gate: string, hook?: string) => {
        if (await d.wireCore(deployer, core, gate, hook)) {
          console.log(`core ${core} now uses gate ${gate}${hook ? ` and hook ${hook}` : ""}`);
        } else {
          const calls = `${hook ? `setReputationHook(${hook}) and ` : ""}setEligibilityGate(${gate})`;
          console.log(`the deployer does not own core ${core}: its owner must call ${calls}`);
        }
      };
      if (a.layout === "local") {
        const core = a.core !== undefined ? parseAddress("core", a.core) : await deployedCore(hre);
        const c = await d.deployLocalFhe(deployer, core, params);
        contracts = {
          ConfidentialReputation: await c.reputation.getAddress(),
          PrivacyGateway: await c.gateway.getAddress(),
        };
        await wire(core, contracts.PrivacyGateway!, contracts.ConfidentialReputation);
      } else if (a.layout === "fhe") {
        const source = {
          chainId: parseUint("source-chain-id", a.sourceChainId),
          core: parseAddress("source-core", a.sourceCore),
        };
        const c = await d.deployFheChain(deployer, source, quorum(), owner, params);
        contracts = {
          ConfidentialReputation: await c.reputation.getAddress(),
          ReputationRelayReceiver: await c.receiver.getAddress(),
          PrivacyGateway: await c.gateway.getAddress(),
        };
      } else if (a.layout === "settlement") {
        const fhe = { chainId: parseUint("fhe-chain-id", a.fheChainId), gateway: parseAddress("gateway", a.gateway) };
        const c = await d.deploySettlementGate(deployer, fhe, quorum(), owner);
        contracts = { RelayedEligibilityGate: await c.gate.getAddress() };
        if (a.core !== undefined) await wire(parseAddress("core", a.core), contracts.RelayedEligibilityGate!);
      } else {
        throw new Error(`bad --layout: "${a.layout}" is not local, fhe or settlement`);
      }
      const file = d.writeFheDeployment({
        network: hre.network.name,
        chainId: chainId.toString(),
        layout: a.layout,
        contracts,
      });
      console.log(`${JSON.stringify(contracts)} -> ${file}`);
    })
  );

task("reputation:replay", "Anyone: replay every reputation hook call the core holds as pending (failed on gas or HCU)")
  .addOptionalParam("fromBlock", "first block to look for ReputationHookFailed events", "0", types.string)
  .addOptionalParam("from", FROM, "0", types.string)
  .setAction(async (a: { fromBlock: string; from: string }, hre) =>
    runTask("reputation:replay", async () => {
      const { taskContext } = await import("../lib/chain/taskContext");
      const { replayPendingHooks } = await import("../lib/fhe/hook-replay");
      const fromBlock = Number(parseUint("from-block", a.fromBlock, 0n, 2n ** 48n));
      const ctx = await taskContext(hre, FROM_ARG(a));
      const done = await replayPendingHooks(ctx.core, ctx.signer, fromBlock);
      if (done.length === 0) return console.log("no pending reputation hook calls");
      for (const r of done) {
        const what = `${r.settled ? "onSettled" : "onSlashed"} job ${r.jobId} shard ${r.shardIndex} worker ${r.worker}`;
        console.log(r.txHash ? `replayed ${what} (tx ${r.txHash})` : `still pending: ${what}: ${r.error}`);
      }
    })
  );
