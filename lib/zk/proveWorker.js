// Child process that proves with snarkjs, so the caller's event loop (a worker watching the chain) stays free.
// (snarkjs cannot run in a worker thread: its web-worker dependency takes any non-main thread for its own.)
// Plain JS so that it runs without ts-node. IPC messages: { id, input, wasm, zkey } -> { id, proof,
// publicSignals, seconds, cpuSeconds, maxRssMB } or { id, error }. cpuSeconds counts every thread of this process
// (snarkjs' wasm workers included): a measure of the work that does not depend on how busy the machine is. The process keeps snarkjs' curve warm between proofs.
const snarkjs = require("snarkjs");

process.on("message", async (msg) => {
  const t0 = Date.now();
  const c0 = process.cpuUsage();
  try {
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(msg.input, msg.wasm, msg.zkey);
    const seconds = (Date.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpuSeconds = (c.user + c.system) / 1e6;
    process.send({ id: msg.id, proof, publicSignals, seconds, cpuSeconds, maxRssMB: process.resourceUsage().maxRSS / 1024 });
  } catch (e) {
    process.send({ id: msg.id, error: String((e && e.message) || e) });
  }
});
process.on("disconnect", () => process.exit(0));
