/**
 * Who signs a task's transactions: one rule on every network.
 *
 * - A key in `PRIVATE_KEY` (several: comma-separated) is the network's accounts, on localhost as on a remote chain:
 *   `--from` indexes those keys (0 when omitted). A `--from` beyond them is an error, never another account.
 * - Without it, `--from <index>` is one of the node's own accounts (a `hardhat node`'s development accounts).
 * - `OBLIVION_PRIVATE_KEY` is the key of the long-running processes (worker:run, keeper:run). A task run with it set
 *   signs as that account or fails: it never signs as another one in silence.
 * - The in-process `hardhat` network vanishes when the command exits: a task that needs a chain refuses it on the
 *   command line (tests and scripts run tasks in-process on purpose).
 */
import { Wallet } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { ArgumentError, parseUint } from "./args";
import { cliEntryTask } from "../util/cli";

/** The tasks' key variable, and the long-running processes' one. */
export const TASK_KEY_ENV = "PRIVATE_KEY";
export const PROCESS_KEY_ENV = "OBLIVION_PRIVATE_KEY";

const KEY_RE = /^0x[0-9a-fA-F]{64}$/;

/**
 * The keys of `PRIVATE_KEY` (comma-separated), or an error naming the bad entry (never its value). Read by
 * hardhat.config.ts for every network's `accounts`, and checked again here before a task signs.
 */
export function envTaskKeys(env: NodeJS.ProcessEnv = process.env): { keys: string[]; problem?: string } {
  const raw = env[TASK_KEY_ENV];
  if (raw === undefined || raw.trim() === "") return { keys: [] };
  const keys = raw.split(",").map((k) => k.trim());
  const bad = keys.findIndex((k) => !KEY_RE.test(k));
  if (bad >= 0) {
    const which = keys.length > 1 ? `entry ${bad} of ${TASK_KEY_ENV}` : TASK_KEY_ENV;
    return { keys: [], problem: `${which} is not 0x followed by 64 hex digits` };
  }
  return { keys };
}

/** The builtin tasks under which the in-process chain is what the user meant (tests, scripts, the console). */
const IN_PROCESS_ENTRIES = new Set(["test", "run", "console", "coverage"]);

/**
 * Throws unless the selected network is a chain that outlives this command: `--network hardhat` (the default when
 * --network is forgotten) is refused when the command line itself named a project task.
 */
export function requireRunningChain(hre: { network: { name: string } }, entry = cliEntryTask()): void {
  if (hre.network.name !== "hardhat" || entry === undefined || IN_PROCESS_ENTRIES.has(entry)) return;
  throw new Error(
    "--network hardhat is an in-process chain that is gone when this command exits: start `npx hardhat node` in another terminal and pass --network localhost",
  );
}

/** `--from` as given (undefined: omitted) to an account index. */
export function parseFrom(from: string | number | undefined): number {
  if (from === undefined) return 0;
  return Number(parseUint("from", String(from), 0n, 1000n));
}

/**
 * The signer a task uses: `--from` among the network's accounts, under the rule above. Checks the network first
 * (requireRunningChain). A task without --from (`from` undefined: job:status, model:list) only reads, so
 * OBLIVION_PRIVATE_KEY is not checked against its account 0.
 */
export async function signerFor(hre: HardhatRuntimeEnvironment, from?: string | number, env: NodeJS.ProcessEnv = process.env): Promise<HardhatEthersSigner> {
  requireRunningChain(hre);
  const index = parseFrom(from);
  const inProcess = hre.network.name === "hardhat"; // tests: Hardhat's own accounts, no environment keys
  const { keys, problem } = envTaskKeys(env);
  if (!inProcess && problem) throw new Error(`${problem}; unset it or give the account key`);
  if (!inProcess && keys.length > 0 && index >= keys.length) {
    const range = keys.length === 1 ? "--from 0, or omit it" : `--from 0..${keys.length - 1}`;
    throw new ArgumentError("from", `${index}, but ${TASK_KEY_ENV} holds ${keys.length} key${keys.length === 1 ? "" : "s"} (${range}); to sign as node account ${index}, unset ${TASK_KEY_ENV}`);
  }
  const signers = await hre.ethers.getSigners();
  if (!inProcess && keys.length > 0) {
    const configured = signers.map((s) => s.address.toLowerCase());
    const expected = keys.map((k) => new Wallet(k).address.toLowerCase());
    if (expected.some((a, i) => configured[i] !== a)) {
      throw new Error(`${TASK_KEY_ENV} is set but network ${hre.network.name} does not sign with it (its accounts in hardhat.config.ts are not taken from ${TASK_KEY_ENV})`);
    }
  }
  const signer = signers[index];
  if (!signer) {
    const hint = signers.length === 0 ? `: set ${TASK_KEY_ENV}=0x… (the account's key)` : "";
    throw new ArgumentError("from", `no account ${index} on network ${hre.network.name} (${signers.length} available)${hint}`);
  }
  const processKey = env[PROCESS_KEY_ENV];
  if (!inProcess && from !== undefined && keys.length === 0 && processKey !== undefined && processKey.trim() !== "") {
    if (!KEY_RE.test(processKey.trim())) throw new Error(`${PROCESS_KEY_ENV} is set but is not 0x followed by 64 hex digits`);
    const keyAddress = new Wallet(processKey.trim()).address;
    if (keyAddress.toLowerCase() !== signer.address.toLowerCase()) {
      throw new Error(
        `${PROCESS_KEY_ENV} is set (account ${keyAddress}) but this task would sign as ${signer.address} (--from ${index}): tasks sign with ${TASK_KEY_ENV}=0x… or --from; set one of them for that account, or unset ${PROCESS_KEY_ENV}`,
      );
    }
  }
  return signer;
}

/**
 * For the long-running processes, which sign with their own key (`OBLIVION_PRIVATE_KEY`, or keeper:run --key): a
 * `PRIVATE_KEY` for another account would be passed over in silence, so it is an error.
 */
export function checkProcessKey(processKey: string | undefined, who: string, env: NodeJS.ProcessEnv = process.env): void {
  const { keys } = envTaskKeys(env);
  if (keys.length === 0 || processKey === undefined || !KEY_RE.test(processKey.trim())) return; // the process names a missing key itself
  const own = new Wallet(processKey.trim()).address;
  if (keys.some((k) => new Wallet(k).address === own)) return;
  throw new Error(`${TASK_KEY_ENV} is set for another account than ${own}, the key ${who} signs with: unset ${TASK_KEY_ENV} for this command`);
}
