/** Where the tools keep local state: content store, job secrets, worker keys, artifact caches. */
import path from "node:path";
import { REPO_ROOT } from "./processes";

/** $OBLIVION_HOME, or .oblivion/ in the repository. */
export function oblivionHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.OBLIVION_HOME ?? path.join(REPO_ROOT, ".oblivion"));
}
