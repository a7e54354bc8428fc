/** A wallet on another chain gets one prompt with a working switch (adding the chain when the wallet lacks it). */
import { useState } from "react";
import { useAccount, useSwitchChain } from "wagmi";
import { describeFailure } from "../chain/errors";
import { useApp } from "../app";

export function NetworkGuard() {
  const { chainId, isConnected } = useAccount();
  const { config } = useApp();
  const { switchChainAsync, isPending } = useSwitchChain();
  const [error, setError] = useState<string>();
  if (!isConnected || chainId === config.chainId) return null;
  return (
    <div className="banner wrong-network" id="wrong-network">
      Your wallet is on chain {chainId}; this market runs on {config.network} (chain {config.chainId}).
      <button
        id="switch-network"
        disabled={isPending}
        onClick={async () => {
          setError(undefined);
          try {
            await switchChainAsync({ chainId: config.chainId });
          } catch (err) {
            setError(describeFailure(err).text);
          }
        }}
      >
        {isPending ? "Switching…" : `Switch to ${config.network}`}
      </button>
      {error && <span className="tx failed"> {error}</span>}
    </div>
  );
}
