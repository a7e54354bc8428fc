/**
 * The connect menu: the wallets the browser announced (EIP-6963) through wagmi's injected connector, the connected
 * account with its balance, disconnect. No WalletConnect, no SDK.
 */
import { useState } from "react";
import { formatEther } from "viem";
import { useAccount, useBalance, useConnect, useConnectors, useDisconnect } from "wagmi";
import { describeFailure } from "../chain/errors";
import { useBlock } from "../chain/block";

export function ConnectMenu() {
  const { address, isConnected, connector } = useAccount();
  const connectors = useConnectors();
  const { connectAsync, isPending } = useConnect();
  const { disconnect } = useDisconnect();
  const { block } = useBlock();
  const { data: balance } = useBalance({ address, blockNumber: block || undefined, query: { enabled: !!address && block > 0n } });
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string>();

  if (isConnected && address) {
    return (
      <div className="connect">
        <span className="account" data-account={address.toLowerCase()} title={address}>
          {connector?.name} · {address.slice(0, 6)}…{address.slice(-4)}
          {balance ? ` · ${Number(formatEther(balance.value)).toFixed(4)} ETH` : ""}
        </span>
        <button onClick={() => disconnect()}>Disconnect</button>
      </div>
    );
  }
  // The generic "Injected" entry duplicates an announced wallet; show it only when nothing announced itself.
  const announced = connectors.filter((c) => c.id !== "injected");
  const list = announced.length ? announced : connectors;
  return (
    <div className="connect">
      <button id="connect" disabled={isPending} onClick={() => setOpen(!open)}>{isPending ? "Connecting…" : "Connect wallet"}</button>
      {open && (
        <ul className="menu">
          {list.map((c) => (
            <li key={c.uid}>
              <button
                data-connector={c.name}
                onClick={async () => {
                  setError(undefined);
                  try {
                    await connectAsync({ connector: c });
                    setOpen(false);
                  } catch (err) {
                    setError(describeFailure(err).text);
                  }
                }}
              >
                {c.icon ? <img src={c.icon} alt="" width={16} height={16} /> : null} {c.name}
              </button>
            </li>
          ))}
          {!list.length && <li>No browser wallet found. Install one (or import a development account into it).</li>}
        </ul>
      )}
      {error && <p className="tx rejected">{error}</p>}
    </div>
  );
}
