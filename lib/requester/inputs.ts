/** Reads one input file (see lib/requester/inputFormats.ts for the formats). */
import fs from "node:fs";
import { InputFormatError, parseInputs } from "./inputFormats";

export * from "./inputFormats";

export function readInputs(file: string): number[][] {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    if (!/\.(json|csv|npy)$/i.test(file)) return parseInputs(file, new Uint8Array());
    throw new InputFormatError(file, `cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseInputs(file, bytes);
}
