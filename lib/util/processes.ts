/** Child processes the tools start (a Hardhat node, workers, keepers), always stopped by PID. */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { isTransportError, sleep } from "./retry";
import { rpcChainId } from "../chain/connect";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
const HARDHAT_BIN = path.join(REPO_ROOT, "node_modules", ".bin", "hardhat");

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Whether nothing listens on 127.0.0.1:`port` (tries to bind it, then lets it go). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" ? resolve(false) : reject(err)));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

export interface ManagedProcess {
  child: ChildProcess;
  pid: number;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

export function startProcess(cmd: string, args: string[], opts: SpawnOptions = {}): ManagedProcess {
  // detached: the child leads its own process group, so stop() reaches its children too.
  const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true, ...opts });
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  const pid = child.pid;
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const stop = async (graceMs = 5_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
      }
    };
    kill("SIGTERM");
    const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      kill("SIGKILL");
      await exited;
    }
  };
  return { child, pid, stop, exited };
}

/** Waits until a JSON-RPC endpoint answers eth_chainId. */
export async function waitForRpc(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await rpcChainId(url);
      return;
    } catch (err) {
      if (!isTransportError(err)) throw err;
    }
    if (Date.now() > deadline) throw new Error(`RPC endpoint ${url} did not answer within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** Starts `hardhat node` on 127.0.0.1 (the binary itself, so that its PID is the node's). */
export async function startHardhatNode(port?: number): Promise<{ url: string; port: number; proc: ManagedProcess }> {
  const p = port ?? (await freePort());
  // A parent run with --network X exports HARDHAT_NETWORK=X, which `hardhat node` refuses (HH605): it serves only "hardhat".
  const { HARDHAT_NETWORK: _parentNetwork, ...env } = process.env;
  const proc = startProcess(HARDHAT_BIN, ["node", "--hostname", "127.0.0.1", "--port", String(p)], { env });
  let log = "";
  proc.child.stdout?.on("data", (d) => (log = (log + d).slice(-4000)));
  proc.child.stderr?.on("data", (d) => (log = (log + d).slice(-4000)));
  const url = `http://127.0.0.1:${p}`;
  try {
    await Promise.race([
      waitForRpc(url),
      proc.exited.then((code) => {
        throw new Error(`hardhat node exited with code ${code} before answering:\n${log}`);
      }),
    ]);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { url, port: p, proc };
}
