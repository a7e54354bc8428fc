// Child process that proves with snarkjs, so the caller's event loop (a worker watching the chain) stays free.
// (snarkjs cannot run in a worker thread: its web-worker dependency takes any non-main thread for its own.)
// Plain JS so that it runs without ts-node. IPC messages (advanced serialization): { id, input, wasm, zkey } or,
// for circuits whose R1CS was emitted directly, { id, wtns (bytes), wasm, zkey } -> { id, proof,
// publicSignals, seconds, cpuSeconds, maxRssMB } or { id, error }. cpuSeconds counts every thread of this process
// (snarkjs' wasm workers included): a measure of the work that does not depend on how busy the machine is.
//
// Between proofs the process keeps, per circuit, the compiled witness calculator and the proving key in memory
// (keyed by path, size and mtime, so a rebuilt artifact is picked up): on the MNIST B=1 circuit that takes the witness
// from ~300 ms to ~35 ms and the proof from ~1.2 s to ~0.75 s, since snarkjs otherwise recompiles the wasm and reads
// the zkey through small file reads on every call. snarkjs keeps its curve warm itself.
const fs = require("node:fs");
const snarkjs = require("snarkjs");
const { WitnessCalculatorBuilder } = require("circom_runtime");
const { unstringifyBigInts } = require("ffjavascript").utils;

const MAX_CIRCUITS = 4;
const cache = new Map(); // key -> { wc, zkey }

function fileKey(file) {
  const st = fs.statSync(file);
  return `${file}:${st.size}:${st.mtimeMs}`;
}

async function circuit(wasmFile, zkeyFile) {
  const key = `${fileKey(wasmFile)}|${fileKey(zkeyFile)}`;
  let c = cache.get(key);
  if (c) {
    cache.delete(key); // most recently used goes last
  } else {
    const wc = await WitnessCalculatorBuilder(fs.readFileSync(wasmFile));
    c = { wc, zkey: { type: "mem", data: new Uint8Array(fs.readFileSync(zkeyFile)) } };
    if (cache.size >= MAX_CIRCUITS) cache.delete(cache.keys().next().value);
  }
  cache.set(key, c);
  return c;
}

async function prove(input, wasmFile, zkeyFile, wtns) {
  const c = await circuit(wasmFile, zkeyFile);
  if (wtns) return snarkjs.groth16.prove(c.zkey, { type: "mem", data: wtns }); // emitted circuits: witness made by the caller
  if (c.wc.circom_version() !== 2) return snarkjs.groth16.fullProve(input, wasmFile, zkeyFile); // circom 1 witness format
  const bin = await c.wc.calculateWTNSBin(unstringifyBigInts(input), 0);
  return snarkjs.groth16.prove(c.zkey, { type: "mem", data: bin });
}

process.on("message", async (msg) => {
  const t0 = Date.now();
  const c0 = process.cpuUsage();
  try {
    const { proof, publicSignals } = await prove(msg.input, msg.wasm, msg.zkey, msg.wtns);
    const seconds = (Date.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpuSeconds = (c.user + c.system) / 1e6;
    process.send({ id: msg.id, proof, publicSignals, seconds, cpuSeconds, maxRssMB: process.resourceUsage().maxRSS / 1024 });
  } catch (e) {
    process.send({ id: msg.id, error: String((e && e.message) || e) });
  }
});
process.on("disconnect", () => process.exit(0));
// Ctrl-C and a process-group SIGTERM reach this child too; it ends when its parent disconnects (a graceful stop lets
// the in-flight proof finish first), or when the parent dies and the channel closes.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});
