/**
 * Debian's Chromium through playwright-core, and a wallet for it without an extension: an EIP-1193 provider added
 * by `context.addInitScript`, announced by EIP-6963 and set as `window.ethereum`. It forwards JSON-RPC to the local
 * hardhat node (whose development accounts are unlocked: no key lives in the page) and answers as a wallet would:
 * the chosen account for eth_requestAccounts, wallet_switchEthereumChain (4902 for an unknown chain), and code 4001
 * when the test asks it to reject the next signature. The app has no test-only connector: wagmi's injected() finds it.
 */
import fs from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: the browser tests need Debian's chromium (apt-get install -y chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** Runs in the page before any of its scripts. */
function injectWallet({ rpcUrl, account }: { rpcUrl: string; account: string }) {
  type Listener = (...args: unknown[]) => void;
  // the page's window (the test process compiles without the DOM library)
  const win = globalThis as unknown as {
    ethereum: unknown;
    __wallet: unknown;
    dispatchEvent(e: unknown): void;
    addEventListener(type: string, fn: () => void): void;
    CustomEvent: new (type: string, init: { detail: unknown }) => unknown;
  };
  const listeners: Record<string, Set<Listener>> = {};
  const state = { account, reject: false, chainId: null as string | null };
  const emit = (ev: string, ...args: unknown[]) => listeners[ev]?.forEach((fn) => fn(...args));
  const fail = (code: number, message: string, data?: unknown) => Object.assign(new Error(message), { code, data });
  let id = 0;
  const rpc = async (method: string, params: unknown[] = []) => {
    const res = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }) });
    const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw fail(body.error.code, body.error.message, body.error.data);
    return body.result;
  };
  const provider = {
    async request({ method, params = [] }: { method: string; params?: unknown[] }) {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [state.account];
        case "eth_chainId":
          return state.chainId ?? rpc("eth_chainId");
        case "wallet_switchEthereumChain": {
          const want = String((params[0] as { chainId: string }).chainId).toLowerCase();
          const real = String(await rpc("eth_chainId")).toLowerCase();
          if (Number(want) !== Number(real)) throw fail(4902, `Unrecognized chain ID "${want}"`);
          state.chainId = null;
          emit("chainChanged", real);
          return null;
        }
        case "wallet_addEthereumChain":
          return null;
        case "eth_sendTransaction":
        case "eth_signTypedData_v4":
        case "personal_sign":
          if (state.reject) {
            state.reject = false;
            throw fail(4001, "User rejected the request.");
          }
          if (state.chainId) throw fail(4901, "the wallet is on another chain");
          if (method === "eth_sendTransaction") (params[0] as { from?: string }).from = state.account;
          return rpc(method, params);
        default:
          return rpc(method, params);
      }
    },
    on(ev: string, fn: Listener) {
      (listeners[ev] ??= new Set()).add(fn);
      return provider;
    },
    removeListener(ev: string, fn: Listener) {
      listeners[ev]?.delete(fn);
      return provider;
    },
  };
  win.ethereum = provider;
  win.__wallet = {
    state,
    use(a: string) {
      state.account = a;
      emit("accountsChanged", [a]);
    },
    chain(c: string | null) {
      state.chainId = c;
      rpc("eth_chainId").then((real) => emit("chainChanged", c ?? real));
    },
  };
  const info = { uuid: "9d1c5c1e-7b8a-4c39-9d7e-000000000017", name: "Test Wallet", icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='16' height='16'/%3E", rdns: "org.voblivion.testwallet" };
  const announce = () => win.dispatchEvent(new win.CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  win.addEventListener("eip6963:requestProvider", announce);
  announce();
}

export interface WalletPage {
  context: BrowserContext;
  page: Page;
  /** Switches the wallet's account (accountsChanged). */
  use(address: string): Promise<void>;
  /** Makes the wallet decline the next signature request (code 4001). */
  rejectNext(): Promise<void>;
  /** Reports another chain id (wrong network) or, with null, the node's own again. */
  chain(chainId: string | null): Promise<void>;
}

export async function walletPage(browser: Browser, rpcUrl: string, account: string, onProblem: (line: string) => void): Promise<WalletPage> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  await context.addInitScript(injectWallet, { rpcUrl, account });
  const page = await context.newPage();
  page.on("response", (r) => void (r.status() >= 400 && onProblem(`${r.status()} ${r.url()}`)));
  page.on("console", (m) => void ((m.type() === "error" || process.env.DASH_DEBUG) && onProblem(`console ${m.type()}: ${m.text()}`)));
  page.on("pageerror", (e) => onProblem(`pageerror: ${e.message}`));
  const w = (fn: string, arg: unknown) => page.evaluate(([f, a]) => (globalThis as unknown as Record<string, Record<string, (x: unknown) => void>>).__wallet[f as string](a), [fn, arg] as const);
  return {
    context,
    page,
    use: (a) => w("use", a),
    rejectNext: () => page.evaluate(() => void ((globalThis as unknown as { __wallet: { state: { reject: boolean } } }).__wallet.state.reject = true)),
    chain: (c) => w("chain", c),
  };
}
