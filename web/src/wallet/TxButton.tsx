/** A button that sends one transaction and shows its states underneath (useTx). */
import type { ReactNode } from "react";
import type { TransactionReceipt } from "viem";
import { TxStatus } from "./TxStatus";
import type { TxRequest, useTx } from "./useTx";

/** `hidden`: the button is gone (its action no longer applies) but its transaction's status line stays. */
export function TxButton({ tx, request, children, id, disabled, hidden, onDone }: { tx: ReturnType<typeof useTx>; request: () => TxRequest | undefined; children: ReactNode; id?: string; disabled?: boolean; hidden?: boolean; onDone?: (receipt: TransactionReceipt | undefined) => void }) {
  return (
    <div className="txbutton" data-txbutton={id}>
      <button
        id={id}
        hidden={hidden}
        disabled={disabled || tx.busy}
        onClick={async () => {
          const r = request();
          if (!r) return;
          // (not `onDone?.(await tx.send(r))`: an optional call skips evaluating its argument when there is no callee)
          const receipt = await tx.send(r);
          onDone?.(receipt);
        }}
      >
        {children}
      </button>
      <TxStatus state={tx.state} />
    </div>
  );
}
