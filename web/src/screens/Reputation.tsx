/**
 * A worker's encrypted reputation, decrypted in this tab by the account itself (EIP-712 user decryption). Any other
 * account asking is refused by the ACL: the page says so. The fhEVM client is loaded only when asked.
 */
import { useState } from "react";
import { isAddress, type Address, type Hex } from "viem";
import { useAccount, usePublicClient, useWalletClient } from "wagmi";
import { useApp } from "../app";
import { describeFailure } from "../chain/errors";
import { reputationAbi } from "../generated/abis";

type Typed = { domain: Record<string, unknown>; types: Record<string, { name: string; type: string }[]>; primaryType: string; message: Record<string, unknown> };

/** uint fields as bigint, as viem encodes them. */
function normalize(t: Typed): Typed {
  const fields = t.types[t.primaryType] ?? [];
  const message = { ...t.message };
  for (const f of fields) if (/^u?int/.test(f.type) && message[f.name] !== undefined) message[f.name] = BigInt(message[f.name] as string);
  const domain = { ...t.domain, ...(t.domain.chainId !== undefined ? { chainId: Number(t.domain.chainId) } : {}) };
  return { ...t, domain, message };
}

export default function Reputation({ me }: { me: string }) {
  const { config } = useApp();
  const client = usePublicClient();
  const { address } = useAccount();
  const { data: wallet } = useWalletClient();
  const [of, setOf] = useState(me);
  const [state, setState] = useState<{ busy?: boolean; result?: { successes: bigint; failures: bigint; score: bigint }; error?: string }>({});
  const contract = config.contracts.reputation;
  if (!contract) return <div className="card" id="reputation"><h3>Reputation</h3><p>This deployment has no confidential reputation (deploy it with <code>npx hardhat fhe:deploy</code>).</p></div>;

  async function decrypt() {
    if (!client || !wallet || !address || !isAddress(of)) return;
    setState({ busy: true });
    try {
      const read = (fn: "successesOf" | "failuresOf" | "scoreOf") => client.readContract({ address: contract!, abi: reputationAbi, functionName: fn, args: [of as Address] }) as Promise<Hex>;
      const [successes, failures, score] = await Promise.all([read("successesOf"), read("failuresOf"), read("scoreOf")]);
      const { decryptReputation } = await import("../fhe/decrypt");
      const result = await decryptReputation(config.rpcUrl, config.chainId, contract!, { successes, failures, score }, {
        address,
        signTypedData: (t) => wallet!.signTypedData({ account: address, ...normalize(t) } as never),
      });
      setState({ result });
    } catch (err) {
      const f = describeFailure(err);
      const acl = /not authorized|ACL|not allowed|permission/i.test(f.text);
      setState({ error: acl ? `Refused: the ACL lets only ${of} decrypt this reputation (${f.text})` : f.text });
    }
  }

  return (
    <div className="card" id="reputation">
      <h3>Encrypted reputation</h3>
      <div className="row">
        <input id="reputation-of" value={of} onChange={(e) => setOf(e.target.value)} size={44} />
        <button id="decrypt" disabled={state.busy || !isAddress(of)} onClick={() => void decrypt()}>{state.busy ? "Decrypting…" : "Decrypt in this tab"}</button>
      </div>
      {state.result && (
        <dl id="reputation-result">
          <dt>settled</dt><dd id="rep-successes">{state.result.successes.toString()}</dd>
          <dt>slashed</dt><dd id="rep-failures">{state.result.failures.toString()}</dd>
          <dt>score</dt><dd id="rep-score">{state.result.score.toString()}</dd>
        </dl>
      )}
      {state.error && <p className="tx failed" id="reputation-error">{state.error}</p>}
    </div>
  );
}
