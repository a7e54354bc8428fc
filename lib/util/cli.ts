/**
 * How a failed command ends: one line on stderr and exit code 1, on any terminal. Hardhat 2 prints the stack of
 * every error when it thinks it runs on CI (ci-info, or Linux without a display server: every headless GPU box), and
 * `An unexpected error occurred:` plus a stack for any error that is not its own. So the task that the command line
 * named prints its own failure and exits; a task run from another task or a test still throws, and
 * `--show-stack-traces` (or HARDHAT_SHOW_STACK_TRACES=true) gives Hardhat's full report back.
 *
 * Hardhat's own argument errors (unknown task or flag, missing parameter, unknown network) happen before any task
 * runs: `checkCliArguments`, called at the end of hardhat.config.ts, runs Hardhat's own parser on the command line
 * first and reports its error the same way.
 */
import { ArgumentsParser } from "hardhat/internal/cli/ArgumentsParser";
import { HardhatContext } from "hardhat/internal/context";
import { HARDHAT_PARAM_DEFINITIONS } from "hardhat/internal/core/params/hardhat-params";
import { getEnvHardhatArguments } from "hardhat/internal/core/params/env-variables";
import { HardhatError } from "hardhat/internal/core/errors";
import path from "node:path";

/** Whether the user asked for Hardhat's stack traces. */
export function stackTracesWanted(argv = process.argv, env = process.env): boolean {
  return argv.includes("--show-stack-traces") || env.HARDHAT_SHOW_STACK_TRACES === "true";
}

/** Whether this process is the Hardhat command line (not mocha, ts-node or a script of ours). */
export function isHardhatCli(): boolean {
  const main = require.main?.filename ?? "";
  const dir = path.join("hardhat", "internal", "cli");
  return main.endsWith(path.join(dir, "bootstrap.js")) || main.endsWith(path.join(dir, "cli.js"));
}

let entry: { scope?: string; task: string; network?: string } | null | undefined;

/** The task the command line names, parsed by Hardhat's own parser; null outside the Hardhat CLI. */
function parseEntry(): { scope?: string; task: string; network?: string; args: string[] } | null {
  if (!isHardhatCli()) return null;
  const parser = new ArgumentsParser();
  const env = getEnvHardhatArguments(HARDHAT_PARAM_DEFINITIONS, process.env);
  const { hardhatArguments, allUnparsedCLAs } = parser.parseHardhatArguments(HARDHAT_PARAM_DEFINITIONS, env, process.argv.slice(2));
  const dsl = HardhatContext.getHardhatContext().tasksDSL;
  const { scopeName, taskName, unparsedCLAs } = parser.parseScopeAndTaskNames(
    allUnparsedCLAs,
    dsl.getTaskDefinitions(),
    dsl.getScopesDefinitions(),
  );
  return { scope: scopeName, task: taskName, network: hardhatArguments.network, args: unparsedCLAs };
}

/** The entry task's name ("job:post"), or undefined when this process is not running one from the command line. */
export function cliEntryTask(): string | undefined {
  if (entry === undefined) {
    try {
      const e = parseEntry();
      entry = e && { scope: e.scope, task: e.task, network: e.network };
    } catch {
      entry = null;
    }
  }
  return entry ? (entry.scope ? `${entry.scope}:${entry.task}` : entry.task) : undefined;
}

/** Prints `Error: <line>` (the first line only) on stderr and ends the process with exit code 1. */
export function failOneLine(line: string): never {
  process.stderr.write(`Error: ${line.split("\n")[0]}\n`);
  process.exit(1);
}

/**
 * Runs Hardhat's own parsing of the command line (task name, its parameters, the network) before Hardhat does, so
 * that its errors are one line too. Does nothing outside the Hardhat CLI or with --show-stack-traces.
 */
export function checkCliArguments(networks: string[], unknownTaskHint = ""): void {
  if (!isHardhatCli() || stackTracesWanted()) return;
  try {
    const e = parseEntry();
    if (!e) return;
    if (process.argv.includes("--help") || e.task === "help") return;
    const dsl = HardhatContext.getHardhatContext().tasksDSL;
    const def = dsl.getTaskDefinition(e.scope, e.task);
    if (def === undefined) {
      const name = e.scope ? `${e.scope} ${e.task}` : e.task;
      failOneLine(`unknown task "${name}"${unknownTaskHint || " (npx hardhat --help lists the tasks)"}`);
    }
    new ArgumentsParser().parseTaskArguments(def, e.args);
    if (e.network !== undefined && e.network !== "hardhat" && !networks.includes(e.network)) {
      failOneLine(`unknown network "${e.network}": hardhat.config.ts defines ${[...new Set(["hardhat", ...networks])].join(", ")}`);
    }
  } catch (err) {
    if (!HardhatError.isHardhatError(err)) throw err;
    // HH303: unrecognized task (on a fresh clone the project's tasks appear after the first build)
    const hint = /^HH303:/.test(err.message) ? unknownTaskHint : "";
    failOneLine(err.message.replace(/^HH\d+: /, "") + hint);
  }
}
