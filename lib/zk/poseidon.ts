/**
 * circomlib's Poseidon (the hash the circuits use), built once per process or page. Browser-safe: no Node imports;
 * loaded on first use, so the dashboard's bundle takes circomlibjs in a lazy chunk (the CLI requires it then).
 */

/** BN254 scalar field order r: every public signal and commitment lives below it. */
export const FIELD_R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

type Poseidon = ((xs: bigint[]) => unknown) & { F: { toObject(x: unknown): bigint } };
let poseidonP: Promise<Poseidon> | null = null;

/** Poseidon of 1 to 16 field elements, as a bigint below r. */
export async function poseidonHasher(): Promise<(xs: bigint[]) => bigint> {
  const p = await (poseidonP ??= import("circomlibjs").then((m) => m.buildPoseidon()));
  return (xs: bigint[]) => p.F.toObject(p(xs));
}
