/** lib/util/dir-lock.ts: builders of one cache folder take turns; a lock whose holder is gone is taken over. */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { withDirLock } from "../lib/util/dir-lock";
import { sleep } from "../lib/util/retry";

describe("lib/util/dir-lock", function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dir-lock-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("runs one holder at a time and removes the lock after each", async () => {
    const events: string[] = [];
    const holder = (name: string) =>
      withDirLock(dir, async () => {
        events.push(`${name} in`);
        await sleep(60);
        events.push(`${name} out`);
        return name;
      }, 10);
    expect(await Promise.all([holder("a"), holder("b")])).to.deep.equal(["a", "b"]);
    expect(events).to.deep.equal(["a in", "a out", "b in", "b out"]);
    expect(fs.existsSync(path.join(dir, ".lock"))).to.equal(false);
  });

  it("takes over a lock whose holder has exited, and releases it when the holder throws", async () => {
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    fs.writeFileSync(path.join(dir, ".lock"), gone);
    expect(await withDirLock(dir, async () => "taken", 10)).to.equal("taken");
    await withDirLock(dir, async () => {
      throw new Error("build failed");
    }).then(
      () => expect.fail("resolved"),
      (e: Error) => expect(e.message).to.equal("build failed"),
    );
    expect(fs.existsSync(path.join(dir, ".lock"))).to.equal(false);
  });
});
