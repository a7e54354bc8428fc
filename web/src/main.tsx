/** Entry: read the server's config, build wagmi for its chain, render (the release agent runs beside every screen). */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createRoot } from "react-dom/client";
import { WagmiProvider } from "wagmi";
import { App, AppConfigProvider } from "./app";
import { ReleaseAgentHost } from "./chain/agent";
import { BlockProvider } from "./chain/block";
import { loadConfig } from "./config";
import { wagmiConfig } from "./wagmi";
import "./style.css";

const root = createRoot(document.getElementById("root")!);
loadConfig().then(
  (config) => {
    const queries = new QueryClient({ defaultOptions: { queries: { refetchOnWindowFocus: false, retry: 1, staleTime: 500 } } });
    root.render(
      <WagmiProvider config={wagmiConfig(config)}>
        <QueryClientProvider client={queries}>
          <AppConfigProvider config={config}>
            <BlockProvider>
              <ReleaseAgentHost>
                <App />
              </ReleaseAgentHost>
            </BlockProvider>
          </AppConfigProvider>
        </QueryClientProvider>
      </WagmiProvider>,
    );
  },
  (err: Error) => root.render(<p className="tx failed">The dashboard could not load its configuration: {err.message}</p>),
);
