/** The line under a transaction button: each state in words, the hash once there is one. */
import type { TxState } from "./useTx";

const short = (h: string) => `${h.slice(0, 10)}…${h.slice(-6)}`;

export function TxStatus({ state }: { state: TxState }) {
  switch (state.s) {
    case "idle":
      return null;
    case "checking":
      return <p className="tx signing" data-tx="checking">Checking the transaction against the chain…</p>;
    case "signing":
      return <p className="tx signing" data-tx="signing">Waiting for your signature in the wallet…</p>;
    case "pending":
      return <p className="tx pending" data-tx="pending">Pending: {short(state.hash)}</p>;
    case "confirmed":
      return <p className="tx confirmed" data-tx="confirmed">Confirmed in block {state.block.toString()} ({short(state.hash)}){state.note ? ` · ${state.note}` : ""}</p>;
    case "reverted":
      return <p className="tx reverted" data-tx="reverted">Reverted: <code>{state.text}</code></p>;
    case "rejected":
      return <p className="tx rejected" data-tx="rejected">{state.text}</p>;
    case "dropped":
      return <p className="tx dropped" data-tx="dropped">Dropped: {short(state.hash)} is no longer known to the node and was not mined. Nothing was spent; send it again.</p>;
    case "failed":
      return <p className="tx failed" data-tx="failed">{state.text}</p>;
  }
}
