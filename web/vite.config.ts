/** The dashboard's build: Vite 8 + React, ABIs generated from the Hardhat artifacts first, output in web/dist. */
import path from "node:path";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { writeWebAbis } from "./abis";

const root = path.resolve(__dirname, "..");

export default defineConfig({
  root: __dirname,
  base: "/",
  plugins: [{ name: "oblivion-abis", buildStart: () => void writeWebAbis(root) }, react()],
  build: {
    outDir: path.join(__dirname, "dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
  },
  logLevel: "warn",
});
