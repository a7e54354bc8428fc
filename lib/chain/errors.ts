/** Turns a failed contract call into one line naming the custom error and its arguments. */
import { Interface, type InterfaceAbi } from "ethers";
import {
  OblivionCore__factory,
  ModelRegistry__factory,
  InferenceAudit__factory,
  Groth16VerifierAdapter__factory,
} from "../../typechain-types";

const KNOWN: [string, Interface][] = [
  ["OblivionCore", new Interface(OblivionCore__factory.abi as InterfaceAbi)],
  ["ModelRegistry", new Interface(ModelRegistry__factory.abi as InterfaceAbi)],
  ["InferenceAudit", new Interface(InferenceAudit__factory.abi as InterfaceAbi)],
  ["Groth16VerifierAdapter", new Interface(Groth16VerifierAdapter__factory.abi as InterfaceAbi)],
];

function revertData(err: unknown): string | undefined {
  let e = err as { data?: unknown; error?: unknown; info?: { error?: { data?: unknown } } } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.data === "string" && e.data.startsWith("0x")) return e.data;
    if (typeof e.info?.error?.data === "string") return e.info.error.data as string;
    e = e.error as typeof e;
  }
  return undefined;
}

/** "OblivionCore.InsufficientFreeStake(available=1, needed=2)" for a decodable revert, else the error's message. */
export function describeError(err: unknown): string {
  const data = revertData(err);
  if (data && data.length >= 10) {
    for (const [name, iface] of KNOWN) {
      const parsed = iface.parseError(data);
      if (parsed) {
        const args = parsed.fragment.inputs.map((inp, i) => `${inp.name}=${String(parsed.args[i])}`).join(", ");
        return `${name}.${parsed.name}(${args})`;
      }
    }
  }
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split("\n")[0];
}

/** The custom error's bare name (e.g. "ShardNotOpen"), to tell a lost race from a real fault; undefined if none. */
export function revertName(err: unknown): string | undefined {
  const named = (err as { revert?: { name?: string } } | undefined)?.revert?.name;
  if (named) return named;
  const data = revertData(err);
  if (!data || data.length < 10) return undefined;
  for (const [, iface] of KNOWN) {
    const parsed = iface.parseError(data);
    if (parsed) return parsed.name;
  }
  return undefined;
}
