/**
 * Re-verify one audit record two ways and show both verdicts: on-chain (the app server staticcalls the record's
 * verifier on the proof from the settling transaction, lib/mesh/verify.ts) and in this page (snarkjs
 * `groth16.verify` against the model version's verification key read by CID, web/src/zk/reverify.ts, loaded only
 * on first use).
 */
import { useState } from "react";
import { usePublicClient } from "wagmi";
import { useApp } from "../app";
import type { RecordRef } from "../zk/reverify";

type Verdict = { text: string; ok: boolean };

async function onChain(id: string): Promise<Verdict> {
  const res = await fetch(`/api/audit/${id}/verify`, { method: "POST" });
  const body = (await res.json()) as { valid?: boolean; proofHashMatches?: boolean; error?: string };
  if (body.error) return { text: `on-chain: ${body.error}`, ok: false };
  return { text: `on-chain: ${body.valid ? "valid proof" : "INVALID proof"}, ${body.proofHashMatches ? "hash matches" : "hash MISMATCH"}`, ok: !!body.valid && !!body.proofHashMatches };
}

export function Reverify({ id, record, attr = "" }: { id: string; record: RecordRef; attr?: string }) {
  const { config } = useApp();
  const client = usePublicClient();
  const [chain, setChain] = useState<Verdict>();
  const [browser, setBrowser] = useState<Verdict>();
  const [busy, setBusy] = useState(false);

  async function run() {
    setBusy(true);
    setChain(undefined);
    setBrowser(undefined);
    const inPage = (async (): Promise<Verdict> => {
      try {
        const { reverifyInBrowser } = await import("../zk/reverify");
        const v = await reverifyInBrowser(client!, config.contracts, config.chainId, record);
        return { text: `in this browser (snarkjs): ${v.valid ? "valid proof" : "INVALID proof"}, ${v.proofHashMatches ? "hash matches" : "hash MISMATCH"}`, ok: v.valid && v.proofHashMatches };
      } catch (err) {
        return { text: `in this browser: ${(err as Error).message}`, ok: false };
      }
    })();
    const [c, b] = await Promise.all([onChain(id).catch((err: Error) => ({ text: `on-chain: ${err.message}`, ok: false })), inPage]);
    setChain(c);
    setBrowser(b);
    setBusy(false);
  }

  const done = chain && browser;
  const cls = busy ? "" : done ? (chain.ok && browser.ok ? "valid" : "invalid") : "";
  return (
    <>
      <button {...{ [`data-${attr}verify`]: id }} disabled={busy || !client} onClick={() => void run()}>re-verify</button>{" "}
      <span {...{ [`data-${attr}result`]: id }} className={cls}>
        {busy && "verifying…"}
        {chain && <span data-verdict="chain" className={chain.ok ? "valid" : "invalid"}>{chain.text}</span>}
        {browser && <> · <span data-verdict="browser" className={browser.ok ? "valid" : "invalid"}>{browser.text}</span></>}
      </span>
    </>
  );
}
