/**
 * A TCP proxy on 127.0.0.1 that can be cut (every connection dropped, new ones refused) and restored: an RPC outage.
 * `onUpstream` sees every byte a client sends through it (what the server behind it receives).
 */
import net from "node:net";

export interface TcpProxy {
  port: number;
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** New connections go to this port from now on (another node behind the same URL: a reset chain). */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, onUpstream?: (chunk: Buffer) => void): Promise<TcpProxy> {
  let target = targetPort;
  const sockets = new Set<net.Socket>();
  const make = () =>
    net.createServer((client) => {
      const upstream = net.connect(target, "127.0.0.1");
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
        s.on("error", () => s.destroy()); // a cut connection errors on both ends: that is the point
      }
      if (onUpstream) client.on("data", (c: Buffer) => onUpstream(c));
      client.pipe(upstream).pipe(client);
    });
  let server = make();
  const listen = (port: number) => new Promise<number>((res, rej) => server.once("error", rej).listen(port, "127.0.0.1", () => res((server.address() as net.AddressInfo).port)));
  const port = await listen(0);
  const closeServer = () => new Promise<void>((res) => server.close(() => res()));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async cut() {
      const closed = closeServer();
      for (const s of sockets) s.destroy();
      await closed;
    },
    async restore() {
      server = make();
      await listen(port);
    },
    retarget(p) {
      target = p;
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (server.listening) await closeServer();
    },
  };
}
