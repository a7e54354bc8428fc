/** The app's shell: config context, navigation between screens (hash routes), the wallet bar. */
import { createContext, lazy, Suspense, useContext, useEffect, useState, type ReactNode } from "react";
import type { AppConfig } from "./config";
import { useBlock } from "./chain/block";
import { ConnectMenu } from "./wallet/ConnectMenu";
import { NetworkGuard } from "./wallet/NetworkGuard";
import { Marketplace } from "./screens/Marketplace";

const AppContext = createContext<{ config: AppConfig } | undefined>(undefined);
export const useApp = () => {
  const v = useContext(AppContext);
  if (!v) throw new Error("useApp outside the app");
  return v;
};
export const AppConfigProvider = ({ config, children }: { config: AppConfig; children: ReactNode }) => (
  <AppContext.Provider value={{ config }}>{children}</AppContext.Provider>
);

// Screens other than the first load on demand (their code is not in the initial bundle).
const SCREENS: Record<string, { title: string; view: React.ComponentType }> = {
  market: { title: "Marketplace", view: Marketplace },
  models: { title: "My models", view: lazy(() => import("./screens/Models")) },
  sandbox: { title: "Inference sandbox", view: lazy(() => import("./screens/Sandbox")) },
  history: { title: "Verifiable history", view: lazy(() => import("./screens/History")) },
  workers: { title: "Worker hub", view: lazy(() => import("./screens/Workers")) },
  training: { title: "Training", view: lazy(() => import("./screens/Training")) },
  mesh: { title: "Mesh", view: lazy(() => import("./screens/Mesh")) },
};

function route(): string {
  const r = location.hash.replace(/^#\/?/, "").split("?")[0];
  return r in SCREENS ? r : "market";
}

export function App() {
  const [screen, setScreen] = useState(route);
  const { block } = useBlock();
  const { config } = useApp();
  useEffect(() => {
    const on = () => setScreen(route());
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  const View = SCREENS[screen].view;
  return (
    <>
      <header>
        <h1>V-Oblivion</h1>
        <nav>
          {Object.entries(SCREENS).map(([k, s]) => (
            <a key={k} href={`#/${k}`} className={k === screen ? "active" : ""} data-screen={k}>{s.title}</a>
          ))}
        </nav>
        <span className="chain" id="chain-line">{config.network} · chain {config.chainId} · block {block.toString()}</span>
        <ConnectMenu />
      </header>
      <NetworkGuard />
      <main id={`screen-${screen}`}>
        <Suspense fallback={<p>Loading…</p>}>
          <View />
        </Suspense>
      </main>
    </>
  );
}
