/** `path.join` as node-tkms and node-tfhe use it (to name their .wasm next to themselves). */
export function join(...parts: string[]): string {
  return parts.filter(Boolean).join("/").replace(/\/+/g, "/");
}

export default { join };
