// hardhat-toolbox's plugins, loaded one by one: Hardhat Ignition is not used here, and the gas reporter only when
// REPORT_GAS asks for it; the two would be a third of every Hardhat start (every task, worker and keeper).
import "@nomicfoundation/hardhat-chai-matchers";
import "@nomicfoundation/hardhat-ethers";
import "@nomicfoundation/hardhat-verify";
import "@typechain/hardhat";
import "solidity-coverage";
import type {} from "hardhat-gas-reporter/dist/type-extensions";
import "@fhevm/hardhat-plugin";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, TASK_TEST_GET_TEST_FILES, TASK_TEST_RUN_MOCHA_TESTS } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";
import fs from "node:fs";
import path from "node:path";
import { checkCliArguments } from "./lib/util/cli";
import { envTaskKeys } from "./lib/chain/signer";
// eslint-disable-next-line @typescript-eslint/no-var-requires
if (process.env.REPORT_GAS) require("hardhat-gas-reporter");

// Every file in tasks/ registers its own Hardhat tasks. They use the typechain bindings, which the first compile of
// a fresh clone generates: until then (`npm run build`, which `npm test` and `npm run demo` run first) only
// Hardhat's own tasks exist.
const tasksDir = path.join(__dirname, "tasks");
const typechainReady = fs.existsSync(path.join(__dirname, "typechain-types", "index.ts"));
if (typechainReady && fs.existsSync(tasksDir) && !process.env.HARDHAT_SKIP_TASKS) {
  for (const f of fs.readdirSync(tasksDir).sort()) {
    if (f.endsWith(".ts")) require(path.join(tasksDir, f));
  }
}

const SOLC_VERSION = "0.8.28";

// Hardhat downloads solc from the internet; use the solc-js build shipped in the npm `solc` package instead.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async (args: { solcVersion: string }, _hre, runSuper) => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const solc = require("solc");
  const bundled = solc.version().split("+")[0];
  if (args.solcVersion !== bundled) return runSuper(args);
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: args.solcVersion,
    longVersion: solc.version(),
  };
});

// Test files are test/**/*.test.ts; helpers and fixtures beside them are not run as suites.
subtask(TASK_TEST_GET_TEST_FILES).setAction(async (args: { testFiles: string[] }, _hre, runSuper) => {
  const files: string[] = await runSuper(args);
  return args.testFiles.length > 0 ? files : files.filter((f) => f.endsWith(".test.ts"));
});

// Under `npm run coverage` the tasks loaded above imported the typechain factories before solidity-coverage compiled
// the instrumented build and regenerated them: without this, whatever a test deploys through lib/ (FHE contracts,
// relay contracts, devnets) would be the uninstrumented build and go unmeasured. The test files get fresh copies of the
// project's modules; tasks run in-process keep the copies they loaded (tasks/ itself is not reloaded: its modules
// registered the tasks, and a test that reaches one through a tasks/ import must find it registered).
subtask(TASK_TEST_RUN_MOCHA_TESTS).setAction(async (args, _hre, runSuper) => {
  if (process.env.SOLIDITY_COVERAGE) {
    const own = (id: string) => id.startsWith(__dirname + path.sep) && !id.includes(`${path.sep}node_modules${path.sep}`) && id !== __filename && !id.startsWith(path.join(__dirname, "tasks") + path.sep);
    for (const id of Object.keys(require.cache)) if (own(id)) delete require.cache[id];
  }
  return runSuper(args);
});

// PRIVATE_KEY (comma-separated keys) is every network's accounts, localhost included: one rule for local and remote
// chains (lib/chain/signer.ts; a malformed key is reported there, in one line, when a task signs).
const accounts = envTaskKeys().keys;

const config: HardhatUserConfig = {
  solidity: {
    compilers: [{ version: SOLC_VERSION, settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun" } }],
    // The core and TrainingJobs compile through the IR pipeline: it keeps them under the 24 KiB code-size limit (legacy: over it).
    // Under coverage too: the instrumented core's submitResult is "Stack too deep" on the legacy pipeline
    // (.solcover.js sets the minimal Yul optimizer steps solidity-coverage needs for IR builds).
    overrides: {
      "contracts/OblivionCore.sol": {
        version: SOLC_VERSION,
        settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun", viaIR: true },
      },
      "contracts/training/TrainingJobs.sol": {
        version: SOLC_VERSION,
        settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "cancun", viaIR: true },
      },
    },
  },
  networks: {
    // Under coverage the network runs Prague: from Osaka on, EIP-7825 caps a transaction at 2^24 gas, and deploying the
    // instrumented core (about 73 KB of code, with its scanner and release check) costs more than that. The same
    // settings serve the `hardhat node` children of the e2e and CLI tests, which deploy the instrumented build from the
    // artifacts: no code-size limit and solidity-coverage's block gas limit, as it sets for the in-process network.
    hardhat: process.env.SOLIDITY_COVERAGE
      ? { hardfork: "prague", allowUnlimitedContractSize: true, blockGasLimit: 0x1fffffffffffff }
      : { allowUnlimitedContractSize: false },
    localhost: {
      url: process.env.LOCAL_RPC_URL ?? "http://127.0.0.1:8545",
      ...(accounts.length > 0 ? { accounts } : {}),
      // under coverage the node's default transaction gas (2^24) is below an instrumented deployment
      ...(process.env.SOLIDITY_COVERAGE ? { gas: 100_000_000 } : {}),
    },
    shardeumTestnet: {
      url: process.env.SHARDEUM_TESTNET_RPC_URL ?? "https://api-mezame.shardeum.org",
      chainId: 8119,
      accounts,
    },
    shardeum: {
      url: process.env.SHARDEUM_RPC_URL ?? "https://api.shardeum.org",
      chainId: 8118,
      accounts,
    },
    fhevm: {
      url: process.env.FHEVM_RPC_URL ?? "https://ethereum-sepolia-rpc.publicnode.com",
      chainId: Number(process.env.FHEVM_CHAIN_ID ?? 11155111),
      accounts,
    },
  },
  mocha: { timeout: 600_000, reporter: path.join(__dirname, "test", "helpers", "timing-reporter.js") },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  gasReporter: { enabled: !!process.env.REPORT_GAS },
};

// A bad task name, flag or network is one line and exit code 1 on any terminal (lib/util/cli.ts).
checkCliArguments(Object.keys(config.networks ?? {}), typechainReady ? "" : " (a fresh clone: `npm run build` first)");

export default config;
