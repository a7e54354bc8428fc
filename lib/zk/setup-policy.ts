/**
 * The setup rules the reference software applies before value moves. On a chain that is not a local development
 * chain, a DEV-setup model is refused unless the user opted in (requester: `job:post --accept-dev-setup`; worker:
 * `acceptDevSetup` in its config). A ceremony model is used only after its transcript verifies (`verifySetup`,
 * cached by final key), and a requester is told in one line whom it trusts.
 */
import type { Signer } from "ethers";
import type { ModelRegistry } from "../../typechain-types";
import { isLocalChain } from "../chain/setupKind";
import type { ContentStore } from "../storage";
import type { Logger } from "../util/log";
import { CeremonyError } from "./ceremony-error";
import { trustLine, verifySetup, type SetupVerdict } from "./ceremony-chain";

interface PolicyCtx {
  registry: ModelRegistry;
  store: ContentStore;
  cacheDir?: string;
  log?: Logger;
}

/** Checks a version's setup for use on this chain; returns the verdict or throws a named CeremonyError. */
export async function checkSetupForUse(ctx: PolicyCtx & { chainId: bigint }, modelId: bigint, version: number, acceptDevSetup: boolean, optIn: string): Promise<SetupVerdict> {
  const v = await verifySetup(ctx, modelId, version);
  if (v.kind === "dev" && !isLocalChain(ctx.chainId) && !acceptDevSetup) {
    throw new CeremonyError("DevSetupRefused", `model ${modelId} v${v.version} has a DEV setup: its owner can forge proofs; on chain ${ctx.chainId} it needs ${optIn}`);
  }
  if (v.kind === "ceremony" && !v.ok) throw new CeremonyError("SetupRefused", `model ${modelId} v${v.version}: ${v.error}`);
  return v;
}

/** job:post's check: the one line saying whom the requester trusts (throws DevSetupRefused / SetupRefused). */
export async function requesterSetupCheck(ctx: Omit<PolicyCtx, "store"> & { store: ContentStore; requester: Signer }, modelId: bigint, version: number, acceptDevSetup: boolean): Promise<string> {
  const chainId = (await ctx.requester.provider!.getNetwork()).chainId;
  const ver = version === 0 ? Number((await ctx.registry.getModel(modelId)).versionCount) : version;
  const v = await checkSetupForUse({ ...ctx, chainId }, modelId, ver, acceptDevSetup, "--accept-dev-setup");
  return `setup: ${trustLine(v, await ctx.requester.getAddress())}`;
}
