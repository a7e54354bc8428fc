/**
 * The README is the manual: every `npx hardhat <task> …` it prints (code blocks and inline code) must parse as the
 * task's real arguments: the task exists, every --flag is one of its parameters (or Hardhat's own), each value-taking
 * parameter has a value, and every required parameter is given outside the optional [ … ] groups.
 */
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { HARDHAT_PARAM_DEFINITIONS } from "hardhat/internal/core/params/hardhat-params";

const README = path.join(__dirname, "..", "README.md");
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (s: string) => s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const GLOBAL = new Set(Object.values(HARDHAT_PARAM_DEFINITIONS).map((d) => kebab(d.name)));
const GLOBAL_FLAGS = new Set(Object.values(HARDHAT_PARAM_DEFINITIONS).filter((d) => d.isFlag).map((d) => kebab(d.name)));

/** Every `npx hardhat …` command line of a markdown text (continuations joined, comments dropped). */
function hardhatCommands(markdown: string): string[] {
  const found: string[] = [];
  const take = (line: string) => {
    const at = line.indexOf("npx hardhat ");
    if (at >= 0) found.push(line.slice(at + "npx hardhat ".length).replace(/\s+#.*$/, "").trim());
  };
  for (const block of markdown.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)) {
    for (const line of block[1].replace(/\\\n\s*/g, " ").split("\n")) take(line);
  }
  const prose = markdown.replace(/```[\s\S]*?```/g, "");
  for (const span of prose.matchAll(/`([^`\n]+)`/g)) take(span[1]);
  return found;
}

/** What is wrong with one command line against the registered tasks; empty when it parses. */
function commandProblems(line: string): string[] {
  const tokens = line.replace(/<[^>]*>/g, "VALUE").split(/\s+/).filter(Boolean);
  const name = tokens.shift()!;
  const def = hre.tasks[name];
  if (!def) return [`unknown task "${name}"`];
  const problems: string[] = [];
  const given = new Set<string>();
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const open = (tokens[i].match(/\[/g) ?? []).length;
    const tok = tokens[i].replace(/[[\]]/g, "");
    depth += open;
    const closeAfter = (tokens[i].match(/]/g) ?? []).length;
    if (tok.startsWith("--")) {
      const flag = tok.slice(2);
      const param = def.paramDefinitions[camel(flag)];
      if (GLOBAL.has(flag)) {
        if (!GLOBAL_FLAGS.has(flag)) i++;
      } else if (!param) {
        problems.push(`${name}: --${flag} is not a parameter of the task`);
        if (tokens[i + 1] !== undefined && !tokens[i + 1].replace(/[[\]]/g, "").startsWith("--")) i++; // its value
      } else {
        if (depth === 0) given.add(param.name);
        if (!param.isFlag) {
          const value = tokens[i + 1]?.replace(/[[\]]/g, "");
          if (value === undefined || value.startsWith("--")) problems.push(`${name}: --${flag} needs a value`);
          else {
            i++;
            depth -= (tokens[i].match(/]/g) ?? []).length;
          }
        }
      }
    } else if (tok && depth === 0 && def.positionalParamDefinitions.length === 0) {
      problems.push(`${name}: stray word "${tok}"`);
    }
    depth -= closeAfter;
  }
  for (const p of Object.values(def.paramDefinitions)) {
    if (!p.isOptional && !p.isFlag && !given.has(p.name)) problems.push(`${name}: required --${kebab(p.name)} missing`);
  }
  return problems;
}

describe("README commands", () => {
  it("every `npx hardhat …` line of the README parses as its task's real arguments", () => {
    const commands = hardhatCommands(fs.readFileSync(README, "utf8"));
    expect(commands.length, "commands found in the README").to.be.greaterThan(30);
    const problems = commands.flatMap((c) => commandProblems(c).map((p) => `${p}   (in: npx hardhat ${c})`));
    expect(problems, problems.join("\n")).to.deep.equal([]);
  });

  it("the checker catches drift: an unknown task, an unknown flag, a missing value, a missing required parameter", () => {
    expect(commandProblems("job:sttus --job 1")).to.deep.equal(['unknown task "job:sttus"']);
    expect(commandProblems("job:status --job 1 --shard 2 --network localhost")).to.deep.equal(["job:status: --shard is not a parameter of the task"]);
    expect(commandProblems("job:status --network localhost")).to.deep.equal(["job:status: required --job missing"]);
    expect(commandProblems("stake --amount --from 2")).to.include("stake: --amount needs a value");
    // a required parameter only inside an optional group is not given
    expect(commandProblems("stake [--amount 1] --from 2")).to.deep.equal(["stake: required --amount missing"]);
    expect(commandProblems("withdraw [--stake] --from 2 --network localhost")).to.deep.equal([]);
  });
});
