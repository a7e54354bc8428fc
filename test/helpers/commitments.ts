/** Poseidon input commitments of the fixture circuits, computed off-circuit as a requester would. */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { buildPoseidon } = require("circomlibjs");

type Poseidon = ((inputs: bigint[]) => Uint8Array) & { F: { toObject(x: Uint8Array): bigint } };
let poseidon: Promise<Poseidon> | undefined;

/** Poseidon(x[0], x[1]): the fixture's inputCommitment. */
export async function fixtureInputCommitment(x: [bigint, bigint]): Promise<bigint> {
  const p = await (poseidon ??= buildPoseidon());
  return p.F.toObject(p(x));
}

/** Poseidon(w): the private fixture's modelCommitment. */
export async function fixtureModelCommitment(w: bigint): Promise<bigint> {
  const p = await (poseidon ??= buildPoseidon());
  return p.F.toObject(p([w]));
}
