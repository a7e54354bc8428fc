/** The part of circomlibjs (untyped) that lib/zk/poseidon.ts loads. */
declare module "circomlibjs" {
  export function buildPoseidon(): Promise<((xs: bigint[]) => unknown) & { F: { toObject(x: unknown): bigint } }>;
}
