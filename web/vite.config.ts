/** The dashboard's build: Vite 8 + React, ABIs generated from the Hardhat artifacts first, output in web/dist. */
import fs from "node:fs";
import path from "node:path";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { writeWebAbis } from "./abis";

const root = path.resolve(__dirname, "..");
const shim = (name: string) => path.join(__dirname, "src", "fhe", "shims", `${name}.ts`);
/** The WASM the fhEVM client reads at load (see src/fhe/shims/fs.ts), emitted under fhe/. */
const FHE_WASM = [path.join(root, "node_modules", "node-tkms", "kms_lib_bg.wasm"), path.join(root, "node_modules", "node-tfhe", "tfhe_bg.wasm")];

export default defineConfig({
  root: __dirname,
  base: "/",
  plugins: [
    { name: "oblivion-abis", buildStart: () => void writeWebAbis(root) },
    {
      name: "oblivion-fhe-wasm",
      generateBundle() {
        for (const f of FHE_WASM) this.emitFile({ type: "asset", fileName: `fhe/${path.basename(f)}`, source: fs.readFileSync(f) });
      },
    },
    {
      // lib/crypto/envelope.ts seals with node:crypto under Node; the page gets the same GCM on @noble/ciphers.
      name: "oblivion-browser-aes",
      enforce: "pre",
      resolveId(source, importer) {
        if (source === "./aes" && importer && path.normalize(importer) === path.join(root, "lib", "crypto", "envelope.ts")) return path.join(root, "lib", "crypto", "aes.browser.ts");
        return null;
      },
    },
    react(),
  ],
  // Node built-ins that the fhEVM client's CJS modules require at load; only its lazy chunk reaches them.
  // circomlibjs: only its Poseidon (lib/zk/commitment.ts), without the package index's EdDSA/MiMC modules that
  // need Node's Buffer at load.
  resolve: {
    alias: [
      { find: /^fs$/, replacement: shim("fs") },
      { find: /^path$/, replacement: shim("path") },
      { find: /^util$/, replacement: shim("util") },
      { find: /^circomlibjs$/, replacement: path.join(root, "node_modules", "circomlibjs", "src", "poseidon_wasm.js") },
    ],
  },
  define: { __dirname: JSON.stringify("/fhe") },
  build: {
    outDir: path.join(__dirname, "dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
  },
  logLevel: "warn",
});
