/**
 * The page's assets, served from the repository (web/mesh/): index.html, style.css, and app.ts compiled to an ES
 * module with the TypeScript compiler's transpileModule at server start (no bundler; the page has no dependencies).
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { REPO_ROOT } from "../util/processes";

export const PAGE_DIR = path.join(REPO_ROOT, "web", "mesh");

export interface PageAsset {
  type: string;
  body: Buffer;
}

/** Compiles app.ts (types stripped, imports of type-only modules elided) and reads the static files. */
export function loadPageAssets(dir = PAGE_DIR): Map<string, PageAsset> {
  const read = (f: string) => {
    const file = path.join(dir, f);
    if (!fs.existsSync(file)) throw new Error(`mesh page asset ${file} is missing`);
    return fs.readFileSync(file, "utf8");
  };
  const out = ts.transpileModule(read("app.ts"), {
    fileName: "app.ts",
    reportDiagnostics: true,
    compilerOptions: { target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.ES2020, strict: true },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length) throw new Error(`web/mesh/app.ts does not compile: ${ts.flattenDiagnosticMessageText(errors[0].messageText, " ")}`);
  return new Map<string, PageAsset>([
    ["/", { type: "text/html; charset=utf-8", body: Buffer.from(read("index.html")) }],
    ["/style.css", { type: "text/css; charset=utf-8", body: Buffer.from(read("style.css")) }],
    ["/app.js", { type: "text/javascript; charset=utf-8", body: Buffer.from(out.outputText) }],
  ]);
}
