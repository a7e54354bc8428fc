import { expect } from "chai";
import { setupLabel, setupOf } from "../lib/chain/setupKind";

// The setup kind every screen shows (model:list, job:status, mesh, the dashboard's marketplace): one pure function
// over what the registry records.
describe("setup kind (lib/chain/setupKind.ts setupOf)", () => {
  const owner = "0x" + "11".repeat(20);
  const [a, b, c] = ["0x" + "aa".repeat(20), "0x" + "bb".repeat(20), "0x" + "cc".repeat(20)];
  const NO_PARENT = 0xffffffff;
  const rec = (contributor: string, parent: number) => ({ contributor, parent });

  it("DEV names its single party, the owner; a version without a ceremony is external", () => {
    const dev = setupOf({ devSetup: true }, owner, null);
    expect(dev).to.deep.include({ kind: "dev", finalized: true, recorded: 0 });
    expect(setupLabel(dev)).to.equal(`DEV setup (single party: 0x1111111111111111111111111111111111111111)`);
    expect(setupOf({ devSetup: false }, owner, null).kind).to.equal("external");
  });

  it("an open ceremony counts every recorded contribution; a finalized one names only the chain ending at its tip, each contributor once", () => {
    // 0 (a) ← 1 (b, refused off-chain: not built on) ; 0 ← 2 (c) ← 3 (a again): the finalizer named tip 3
    const contributions = [rec(a, NO_PARENT), rec(b, 0), rec(c, 0), rec(a, 2)];
    const open = setupOf({ devSetup: false }, owner, { finalized: false, tip: 0, ptauHash: "0x01", contributions });
    expect(open).to.deep.include({ kind: "ceremony", finalized: false, recorded: 4 });
    expect(setupLabel(open)).to.equal("ceremony OPEN, 4 contributions so far (no jobs until finalized)");
    const done = setupOf({ devSetup: false }, owner, { finalized: true, tip: 3n, ptauHash: "0x01", contributions });
    expect(done.contributors.map((x) => x.toLowerCase())).to.deep.equal([a, c]);
    expect(done.recorded).to.equal(4);
    expect(setupLabel(done)).to.match(/^ceremony, 2 contributors: 0x[aA]{40}, 0x[cC]{40}$/);
  });
});
