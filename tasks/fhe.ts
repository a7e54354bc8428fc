// FHE tasks: thin shells over lib/fhe. Against a `hardhat node` (mock) use --network localhost; the plugin's CLI API
// is initialised first, as scripts outside `hardhat test` must.
import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";

const PLUGIN = "fhe";

/** Runs a task body; a contract revert becomes a one-line error naming the contract error. */
function oneLine<A>(body: (a: A, hre: HardhatRuntimeEnvironment) => Promise<void>) {
  return async (a: A, hre: HardhatRuntimeEnvironment) => {
    const { revertReason } = await import("../lib/fhe/errors");
    try {
      await body(a, hre);
    } catch (e) {
      const reason = revertReason(e);
      if (reason) throw new HardhatPluginError(PLUGIN, `the contract refused: ${reason}`);
      throw e;
    }
  };
}

type Named = "PrivacyGateway" | "ConfidentialReputation";

/** Initialises the fhEVM CLI API and resolves contract addresses (flag, else deployments/<network>.fhe.json). */
async function fheEnv(hre: HardhatRuntimeEnvironment) {
  if (hre.network.name === "hardhat") {
    throw new HardhatPluginError(
      PLUGIN,
      "the fhEVM mock is not available in-process: start `hardhat node` and pass --network localhost"
    );
  }
  await hre.fhevm.initializeCLIApi();
  const { readFheDeployment } = await import("../lib/fhe/deploy");
  const { ConfidentialReputation__factory, PrivacyGateway__factory } = await import("../typechain-types");
  const addressOf = (flag: string, given: string | undefined, name: Named): string => {
    if (given) {
      if (!hre.ethers.isAddress(given)) throw new HardhatPluginError(PLUGIN, `--${flag} is not an address: "${given}"`);
      return given;
    }
    let address: string | undefined;
    try {
      address = readFheDeployment(hre.network.name).contracts[name];
    } catch (e) {
      throw new HardhatPluginError(PLUGIN, `${(e as Error).message}; or pass --${flag}`);
    }
    if (!address)
      throw new HardhatPluginError(PLUGIN, `the FHE deployment of ${hre.network.name} has no ${name}; pass --${flag}`);
    return address;
  };
  return {
    gateway: (given: string | undefined, runner: Signer) =>
      PrivacyGateway__factory.connect(addressOf("gateway", given, "PrivacyGateway"), runner),
    reputation: (given: string | undefined, runner: Signer) =>
      ConfidentialReputation__factory.connect(addressOf("reputation", given, "ConfidentialReputation"), runner),
  };
}

/** The signer for --account (an address among the configured accounts), else the first account. */
async function signerFor(hre: HardhatRuntimeEnvironment, account: string | undefined) {
  const signers = await hre.ethers.getSigners();
  if (signers.length === 0)
    throw new HardhatPluginError(PLUGIN, `no account configured for network ${hre.network.name}`);
  if (!account) return signers[0];
  const s = signers.find((x) => x.address.toLowerCase() === account.toLowerCase());
  if (!s) throw new HardhatPluginError(PLUGIN, `--account ${account} is not one of the configured accounts`);
  return s;
}

function jobIdOf(raw: string): bigint {
  if (!/^\d+$/.test(raw.trim()))
    throw new HardhatPluginError(PLUGIN, `--job must be a non-negative integer, got "${raw}"`);
  return BigInt(raw.trim());
}

task("job:gate", "Requester: encrypt a minimum score locally and set it as the job's eligibility threshold")
  .addParam("job", "job id", undefined, types.string)
  .addParam(
    "minScore",
    "minimum reputation score (0..2^32-1); only its ciphertext leaves this machine",
    undefined,
    types.string
  )
  .addOptionalParam(
    "gateway",
    "PrivacyGateway address (default: deployments/<network>.fhe.json)",
    undefined,
    types.string
  )
  .addOptionalParam("account", "requester account (default: first account)", undefined, types.string)
  .setAction(
    oneLine(async (a: { job: string; minScore: string; gateway?: string; account?: string }, hre) => {
      const { parseScore } = await import("../lib/fhe/types");
      const { setEncryptedMinScore } = await import("../lib/fhe/threshold");
      const jobId = jobIdOf(a.job);
      let minScore: bigint;
      try {
        minScore = parseScore(a.minScore, "--min-score");
      } catch (e) {
        throw new HardhatPluginError(PLUGIN, (e as Error).message);
      }
      const env = await fheEnv(hre);
      const requester = await signerFor(hre, a.account);
      const hash = await setEncryptedMinScore(hre.fhevm, env.gateway(a.gateway, requester), requester, jobId, minScore);
      console.log(`job ${jobId} is gated by an encrypted minimum score (tx ${hash})`);
    })
  );

task("eligibility:request", "Worker: ask whether your encrypted score reaches a job's encrypted minimum")
  .addParam("job", "job id", undefined, types.string)
  .addFlag("relay", "also decrypt the answer publicly and submit it yourself (otherwise a keeper does)")
  .addOptionalParam(
    "gateway",
    "PrivacyGateway address (default: deployments/<network>.fhe.json)",
    undefined,
    types.string
  )
  .addOptionalParam("account", "worker account (default: first account)", undefined, types.string)
  .setAction(
    oneLine(async (a: { job: string; relay: boolean; gateway?: string; account?: string }, hre) => {
      const { requestEligibility, relayEligibilityDecryption } = await import("../lib/fhe/eligibility");
      const jobId = jobIdOf(a.job);
      const env = await fheEnv(hre);
      const worker = await signerFor(hre, a.account);
      const gateway = env.gateway(a.gateway, worker);
      const handle = await requestEligibility(gateway, worker, jobId);
      console.log(`eligibility requested for job ${jobId} by ${worker.address} (encrypted answer ${handle})`);
      if (a.relay) {
        const r = await relayEligibilityDecryption(hre.fhevm, gateway, worker, jobId, worker.address);
        console.log(`${r.eligible ? "eligible" : "not eligible"} for job ${jobId} (tx ${r.txHash})`);
      }
    })
  );

task("eligibility:relay", "Keeper: publicly decrypt a pending eligibility answer and submit it with its proof")
  .addParam("job", "job id", undefined, types.string)
  .addParam("worker", "worker address", undefined, types.string)
  .addOptionalParam(
    "gateway",
    "PrivacyGateway address (default: deployments/<network>.fhe.json)",
    undefined,
    types.string
  )
  .addOptionalParam("account", "submitting account (default: first account)", undefined, types.string)
  .setAction(
    oneLine(async (a: { job: string; worker: string; gateway?: string; account?: string }, hre) => {
      const { relayEligibilityDecryption } = await import("../lib/fhe/eligibility");
      const jobId = jobIdOf(a.job);
      if (!hre.ethers.isAddress(a.worker))
        throw new HardhatPluginError(PLUGIN, `--worker is not an address: "${a.worker}"`);
      const env = await fheEnv(hre);
      const submitter = await signerFor(hre, a.account);
      const r = await relayEligibilityDecryption(
        hre.fhevm,
        env.gateway(a.gateway, submitter),
        submitter,
        jobId,
        a.worker
      );
      console.log(`${a.worker} is ${r.eligible ? "eligible" : "not eligible"} for job ${jobId} (tx ${r.txHash})`);
    })
  );

task(
  "job:rate",
  "Requester: rate a settled shard 0..5; the rating is encrypted locally and only raises the worker's encrypted score"
)
  .addParam("job", "job id", undefined, types.string)
  .addParam("shard", "shard index", undefined, types.string)
  .addParam("rating", "integer from 0 to 5", undefined, types.string)
  .addOptionalParam(
    "reputation",
    "ConfidentialReputation address (default: deployments/<network>.fhe.json)",
    undefined,
    types.string
  )
  .addOptionalParam("account", "requester account (default: first account)", undefined, types.string)
  .setAction(
    oneLine(async (a: { job: string; shard: string; rating: string; reputation?: string; account?: string }, hre) => {
      const { rateShard } = await import("../lib/fhe/rating");
      const jobId = jobIdOf(a.job);
      if (!/^\d+$/.test(a.shard.trim()))
        throw new HardhatPluginError(PLUGIN, `--shard must be a non-negative integer, got "${a.shard}"`);
      const rating = Number(a.rating);
      const env = await fheEnv(hre);
      const requester = await signerFor(hre, a.account);
      let hash: string;
      try {
        hash = await rateShard(
          hre.fhevm,
          env.reputation(a.reputation, requester),
          requester,
          jobId,
          BigInt(a.shard.trim()),
          rating
        );
      } catch (e) {
        if (e instanceof Error && /^rating must be/.test(e.message)) throw new HardhatPluginError(PLUGIN, e.message);
        throw e;
      }
      console.log(`shard ${a.shard} of job ${jobId} rated (tx ${hash})`);
    })
  );

task("reputation:show", "Worker: decrypt your own reputation (only you can)")
  .addOptionalParam(
    "reputation",
    "ConfidentialReputation address (default: deployments/<network>.fhe.json)",
    undefined,
    types.string
  )
  .addOptionalParam("account", "worker account (default: first account)", undefined, types.string)
  .addFlag("json", "print {worker, successes, failures, score} as JSON")
  .setAction(
    oneLine(async (a: { reputation?: string; account?: string; json: boolean }, hre) => {
      const { decryptOwnReputation } = await import("../lib/fhe/reputation");
      const env = await fheEnv(hre);
      const worker = await signerFor(hre, a.account);
      const s = await decryptOwnReputation(hre.fhevm, env.reputation(a.reputation, worker), worker);
      if (a.json) {
        console.log(
          JSON.stringify({
            worker: worker.address,
            successes: Number(s.successes),
            failures: Number(s.failures),
            score: Number(s.score),
          })
        );
      } else {
        console.log(`${worker.address}: ${s.successes} settled, ${s.failures} slashed, score ${s.score}`);
      }
    })
  );

task("fhe:deploy", "Deploy the FHE contracts (layout local | fhe | settlement) into deployments/<network>.fhe.json")
  .addParam(
    "layout",
    "local: one chain with the fhEVM; fhe / settlement: the two sides of a split layout",
    undefined,
    types.string
  )
  .addOptionalParam("core", "local: the core (reputation updater and job directory)", undefined, types.string)
  .addOptionalParam("sourceChainId", "fhe: settlement chain id", undefined, types.string)
  .addOptionalParam("sourceCore", "fhe: core address on the settlement chain", undefined, types.string)
  .addOptionalParam("fheChainId", "settlement: FHE chain id", undefined, types.string)
  .addOptionalParam("gateway", "settlement: PrivacyGateway address on the FHE chain", undefined, types.string)
  .addOptionalParam("relayers", "fhe / settlement: comma-separated relayer addresses", undefined, types.string)
  .addOptionalParam("threshold", "fhe / settlement: signatures required", "1", types.string)
  .addOptionalParam(
    "owner",
    "owner of the reputation and relayer sets (default: deployer; must acceptOwnership)",
    undefined,
    types.string
  )
  .setAction(
    oneLine(async (a: Record<string, string | undefined>, hre) => {
      const d = await import("../lib/fhe/deploy");
      const need = (flag: string, v: string | undefined): string => {
        if (!v) throw new HardhatPluginError(PLUGIN, `--layout ${a.layout} needs --${flag}`);
        return v;
      };
      const address = (flag: string, v: string | undefined): string => {
        if (!hre.ethers.isAddress(need(flag, v)))
          throw new HardhatPluginError(PLUGIN, `--${flag} is not an address: "${v}"`);
        return v!;
      };
      const uint = (flag: string, v: string | undefined): bigint => {
        if (!/^\d+$/.test(need(flag, v)))
          throw new HardhatPluginError(PLUGIN, `--${flag} must be a non-negative integer, got "${v}"`);
        return BigInt(v!);
      };
      const quorum = () => {
        const q = {
          relayers: need("relayers", a.relayers)
            .split(",")
            .map((r) => r.trim()),
          threshold: Number(uint("threshold", a.threshold)),
        };
        for (const r of q.relayers)
          if (!hre.ethers.isAddress(r)) throw new HardhatPluginError(PLUGIN, `--relayers holds a non-address: "${r}"`);
        try {
          d.checkQuorum(q);
        } catch (e) {
          throw new HardhatPluginError(PLUGIN, (e as Error).message);
        }
        return q;
      };
      const owner = a.owner ? address("owner", a.owner) : undefined;
      const [deployer] = await hre.ethers.getSigners();
      const chainId = (await hre.ethers.provider.getNetwork()).chainId;
      let contracts: import("../lib/fhe/deploy").FheDeployment["contracts"];
      if (a.layout === "local") {
        const c = await d.deployLocalFhe(deployer, address("core", a.core), owner);
        contracts = {
          ConfidentialReputation: await c.reputation.getAddress(),
          PrivacyGateway: await c.gateway.getAddress(),
        };
      } else if (a.layout === "fhe") {
        const source = {
          chainId: uint("source-chain-id", a.sourceChainId),
          core: address("source-core", a.sourceCore),
        };
        const c = await d.deployFheChain(deployer, source, quorum(), owner);
        contracts = {
          ConfidentialReputation: await c.reputation.getAddress(),
          ReputationRelayReceiver: await c.receiver.getAddress(),
          PrivacyGateway: await c.gateway.getAddress(),
        };
      } else if (a.layout === "settlement") {
        const fhe = { chainId: uint("fhe-chain-id", a.fheChainId), gateway: address("gateway", a.gateway) };
        const c = await d.deploySettlementGate(deployer, fhe, quorum(), owner);
        contracts = { RelayedEligibilityGate: await c.gate.getAddress() };
      } else {
        throw new HardhatPluginError(PLUGIN, `--layout must be local, fhe or settlement, got "${a.layout}"`);
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
