/** A button that sends one transaction and shows its states underneath (useTx). */
import type { ReactNode } from "react";
import type { TransactionReceipt } from "viem";
import { TxStatus } from "./TxStatus";
import type { TxRequest, useTx } from "./useTx";

export function TxButton({ tx, request, children, id, disabled, onDone }: { tx: ReturnType<typeof useTx>; request: () => TxRequest | undefined; children: ReactNode; id?: string; disabled?: boolean; onDone?: (receipt: TransactionReceipt | undefined) => void }) {
  return (
    <div className="txbutton" data-txbutton={id}>
      <button
        id={id}
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
