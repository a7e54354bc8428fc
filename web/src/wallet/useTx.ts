/**
 * One transaction's life as the user sees it: simulated first (a revert is shown decoded before anything is signed),
 * then waiting for the signature, pending with its hash, confirmed or reverted. A declined signature is a calm line;
 * a replaced transaction follows its replacement; one the node no longer knows after DROP_MS is shown as dropped.
 */
import { useState } from "react";
import { TransactionNotFoundError, WaitForTransactionReceiptTimeoutError, type Abi, type Address, type Hash, type TransactionReceipt } from "viem";
import { useAccount, usePublicClient, useWalletClient } from "wagmi";
import { useApp } from "../app";
import { describeFailure, decodeRevert } from "../chain/errors";

export type TxState =
  | { s: "idle" }
  | { s: "checking" }
  | { s: "signing" }
  | { s: "pending"; hash: Hash }
  | { s: "confirmed"; hash: Hash; block: bigint; note?: string }
  | { s: "reverted"; hash?: Hash; text: string }
  | { s: "rejected"; text: string }
  | { s: "dropped"; hash: Hash }
  | { s: "failed"; text: string };

/** A transaction the node has not seen for this long (and which has no receipt) is dropped. */
export const DROP_MS = 120_000;

export interface TxRequest {
  address: Address;
  abi: Abi;
  functionName: string;
  args?: readonly unknown[];
  value?: bigint;
}

export function useTx(label: string) {
  const [state, setState] = useState<TxState>({ s: "idle" });
  const client = usePublicClient();
  const { data: wallet } = useWalletClient();
  const { address, chainId } = useAccount();
  const { config } = useApp();

  async function send(req: TxRequest): Promise<TransactionReceipt | undefined> {
    if (!client || !wallet || !address) {
      setState({ s: "failed", text: "connect a wallet first" });
      return undefined;
    }
    if (chainId !== config.chainId) {
      setState({ s: "failed", text: `switch the wallet to ${config.network} (chain ${config.chainId}) first` });
      return undefined;
    }
    try {
      setState({ s: "checking" });
      const { request } = await client.simulateContract({ ...req, account: address } as never);
      setState({ s: "signing" });
      const hash = await wallet.writeContract(request as never);
      setState({ s: "pending", hash });
      let note: string | undefined;
      const receipt = await client.waitForTransactionReceipt({
        hash,
        pollingInterval: 1000,
        timeout: DROP_MS,
        onReplaced: (r) => {
          note = `${r.reason}: replaced by ${r.transaction.hash}`;
          setState({ s: "pending", hash: r.transaction.hash });
        },
      });
      if (receipt.status === "success") {
        setState({ s: "confirmed", hash: receipt.transactionHash, block: receipt.blockNumber, note });
        return receipt;
      }
      setState({ s: "reverted", hash: receipt.transactionHash, text: await revertReason(receipt.transactionHash) });
      return undefined;
    } catch (err) {
      if (err instanceof WaitForTransactionReceiptTimeoutError || err instanceof TransactionNotFoundError) {
        setState((st) => (st.s === "pending" ? { s: "dropped", hash: st.hash } : { s: "failed", text: describeFailure(err).text }));
        return undefined;
      }
      const f = describeFailure(err);
      setState(f.kind === "rejected" ? { s: "rejected", text: f.text } : f.kind === "revert" ? { s: "reverted", text: f.text } : { s: "failed", text: f.text });
      return undefined;
    }

    /** Why a mined transaction reverted: replay it as a call at its block. */
    async function revertReason(hash: Hash): Promise<string> {
      const tx = await client!.getTransaction({ hash });
      try {
        await client!.call({ to: tx.to ?? undefined, data: tx.input, value: tx.value, account: tx.from, blockNumber: tx.blockNumber ?? undefined });
        return "reverted (no reason returned)";
      } catch (err) {
        const f = describeFailure(err);
        return f.text;
      }
    }
  }

  return { label, state, send, reset: () => setState({ s: "idle" }), busy: state.s === "checking" || state.s === "signing" || state.s === "pending" };
}

export { decodeRevert };
