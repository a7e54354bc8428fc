declare module "circomlibjs" {
  export function buildPoseidon(): Promise<unknown>;
}
