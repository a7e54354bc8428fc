/**
 * A lock on a cache folder that several processes may fill at once (two test runs, a background maker beside a
 * test): `f` runs while this process holds `<dir>/.lock` (created exclusively, holding the holder's pid); others wait
 * for it. A lock whose holder is gone is taken over.
 */
import fs from "node:fs";
import path from "node:path";
import { sleep } from "./retry";

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, someone else's
  }
};

export async function withDirLock<T>(dir: string, f: () => Promise<T>, pollMs = 200): Promise<T> {
  const lock = path.join(dir, ".lock");
  fs.mkdirSync(dir, { recursive: true });
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const holder = Number(fs.readFileSync(lock, "utf8").trim() || "0");
    // no pid yet: its holder is between creating and writing it
    if (holder > 0 && !alive(holder)) fs.rmSync(lock, { force: true });
    else await sleep(pollMs);
  }
  try {
    return await f();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
