/**
 * `npm run docs:interface`: writes docs/interface.md, the contracts' public interface generated from the NatSpec
 * that solc puts in each compiled interface's metadata (userdoc and devdoc). Run after `npm run build`.
 */
import fs from "node:fs";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const BUILD_INFO = path.join(ROOT, "artifacts", "build-info");

interface Doc {
  notice?: string;
  details?: string;
  title?: string;
  params?: Record<string, string>;
  returns?: Record<string, string>;
}
interface Meta {
  output: {
    userdoc: { notice?: string; methods?: Record<string, Doc>; events?: Record<string, Doc>; errors?: Record<string, Doc[]> };
    devdoc: Doc & { methods?: Record<string, Doc>; events?: Record<string, Doc>; errors?: Record<string, Doc[]> };
  };
}

const line = (s?: string) => (s ?? "").replace(/\s+/g, " ").trim();

function render(name: string, meta: Meta): string {
  const u = meta.output.userdoc;
  const d = meta.output.devdoc;
  const out = [`## ${name}`, "", line(d.title ? `${d.title}: ${u.notice ?? ""}` : u.notice), ""];
  if (d.details) out.push(`> ${line(d.details)}`, "");
  const section = (title: string, userMap: Record<string, Doc | Doc[]> | undefined, devMap: Record<string, Doc | Doc[]> | undefined) => {
    const keys = [...new Set([...Object.keys(userMap ?? {}), ...Object.keys(devMap ?? {})])].sort();
    if (keys.length === 0) return;
    out.push(`### ${title}`, "", "| signature | description |", "|---|---|");
    for (const k of keys) {
      const first = (x: Doc | Doc[] | undefined) => (Array.isArray(x) ? x[0] : x);
      const ud = first(userMap?.[k]);
      const dd = first(devMap?.[k]);
      const params = Object.entries(dd?.params ?? {}).map(([p, t]) => `\`${p}\`: ${line(t)}`);
      const rets = Object.entries(dd?.returns ?? {}).map(([p, t]) => `returns \`${p}\`: ${line(t)}`);
      const text = [line(ud?.notice), line(dd?.details), ...params, ...rets].filter(Boolean).join("<br>");
      out.push(`| \`${k}\` | ${text.replace(/\|/g, "\\|")} |`);
    }
    out.push("");
  };
  section("Functions", u.methods, d.methods);
  section("Events", u.events, d.events);
  section("Errors", u.errors, d.errors);
  return out.join("\n");
}

function main(): void {
  if (!fs.existsSync(BUILD_INFO)) throw new Error("no artifacts/build-info: run `npm run build` first");
  const seen = new Map<string, Meta>();
  for (const f of fs.readdirSync(BUILD_INFO)) {
    const b = JSON.parse(fs.readFileSync(path.join(BUILD_INFO, f), "utf8"));
    for (const [src, contracts] of Object.entries(b.output.contracts as Record<string, Record<string, { metadata?: string }>>)) {
      if (!src.startsWith("contracts/interfaces/")) continue;
      for (const [name, c] of Object.entries(contracts)) if (c.metadata) seen.set(name, JSON.parse(c.metadata) as Meta);
    }
  }
  const names = [...seen.keys()].sort();
  const md = [
    "# Contract interfaces",
    "",
    "Generated from the NatSpec of `contracts/interfaces/` by `npm run docs:interface` (scripts/natspec.ts). The",
    "implementations `@inheritdoc` these texts.",
    "",
    ...names.map((n) => render(n, seen.get(n)!)),
  ].join("\n");
  fs.writeFileSync(path.join(ROOT, "docs", "interface.md"), md + "\n");
  console.log(`docs/interface.md: ${names.length} interfaces (${names.join(", ")})`);
}

main();
