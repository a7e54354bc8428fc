/** What any account holds in the protocol: its withdrawable core balance, its wallet, and its stake if it works. */
import type { OblivionCore } from "../../typechain-types";
import { formatEth } from "../util/format";

export interface AccountBalance {
  account: string;
  /** Pull balance on the core (earnings, owner and protocol fees, refunds, bounties): `withdraw` pays it out. */
  withdrawableWei: bigint;
  /** The account's native balance on the chain. */
  walletWei: bigint;
  /** Present when the account is a registered worker. */
  stake?: { stakeWei: bigint; lockedWei: bigint; unbondingWei: bigint };
  /** Read at this block. */
  block: number;
}

export async function accountBalance(core: OblivionCore, account: string): Promise<AccountBalance> {
  const provider = core.runner!.provider!;
  const block = await provider.getBlockNumber();
  const [withdrawableWei, walletWei, w] = await Promise.all([
    core.balanceOf(account, { blockTag: block }),
    provider.getBalance(account, block),
    core.getWorker(account, { blockTag: block }),
  ]);
  const stake = w.registered ? { stakeWei: w.stake, lockedWei: w.locked, unbondingWei: w.unbonding } : undefined;
  return { account, withdrawableWei, walletWei, stake, block };
}

/** The lines `balance` prints. */
export function describeBalance(b: AccountBalance): string[] {
  const lines = [
    `${b.account}: withdrawable ${formatEth(b.withdrawableWei)} on the core (withdraw pays it out), wallet ${formatEth(b.walletWei)}`,
  ];
  if (b.stake) lines.push(`  worker stake ${formatEth(b.stake.stakeWei)} (locked ${formatEth(b.stake.lockedWei)}), unbonding ${formatEth(b.stake.unbondingWei)}`);
  lines.push(`  as of block ${b.block}`);
  return lines;
}
