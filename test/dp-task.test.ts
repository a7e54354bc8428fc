import { expect } from "chai";
import hre from "hardhat";

async function runCapture(args: Record<string, unknown>, name = "dp:epsilon"): Promise<string> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(" "));
  try {
    await hre.run(name, args);
  } finally {
    console.log = orig;
  }
  return lines.join("\n");
}

describe("tasks dp:epsilon and dp:budget", () => {
  const base = { samples: "60000", batch: "150", sigma: "1.3", epochs: "15", delta: "1e-5" };

  it("--json prints epsilon with its q, steps and RDP order (TF Privacy figure 0.7242234026…)", async () => {
    const out = await runCapture({ ...base, json: true });
    const parsed = JSON.parse(out);
    expect(Object.keys(parsed)).to.deep.equal(["epsilon", "delta", "q", "steps", "order", "conversion"]);
    expect(parsed.epsilon).to.be.closeTo(0.7242234026109595, 1e-6);
    expect(parsed).to.deep.include({ delta: 1e-5, q: 150 / 60000, steps: 6000, conversion: "improved" });
    expect(parsed.order).to.be.a("number");
  });

  it("prints a human line with the classic conversion on request", async () => {
    const out = await runCapture({ ...base, conversion: "classic", json: false });
    expect(out).to.match(/^epsilon = 0\.9419 at delta = 1e-5 .*6000 steps, optimal RDP order 19, classic/);
  });

  it("names the bad argument", async () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ sigma: "abc" }, /^dp:epsilon: bad --sigma: "abc" is not a number$/],
      [{ batch: "70000" }, /^dp:epsilon: bad --batch: batch \(70000\) must not exceed samples/],
      [{ delta: "2" }, /^dp:epsilon: bad --delta: delta must be in \(0, 1\)/],
      [{ epochs: "0" }, /^dp:epsilon: bad --epochs: epochs must be a positive number/],
      [{ samples: "1.5" }, /^dp:epsilon: bad --samples: samples must be a positive integer/],
      [{ sigma: "" }, /^dp:epsilon: bad --sigma: missing$/],
      [{ conversion: "fast" }, /^dp:epsilon: bad --conversion: "fast" is not/],
    ];
    for (const [override, re] of bad) {
      let err: Error | undefined;
      try {
        await runCapture({ ...base, json: true, conversion: "improved", ...override });
      } catch (e) {
        err = e as Error;
      }
      expect(err, JSON.stringify(override)).to.be.instanceOf(Error);
      expect(err!.message).to.match(re);
      expect(err!.message).to.not.contain("\n");
    }
  });

  describe("dp:budget", () => {
    const job = { samples: "2000", batch: "100", sigma: "1.2", localEpochs: "1", delta: "1e-5", epsilon: "4", conversion: "improved" };

    it("prints the round budget and the epsilon it spends", async () => {
      const out = JSON.parse(await runCapture({ ...job, json: true }, "dp:budget"));
      expect(out.stepsPerRound).to.equal(20);
      expect(out.rounds).to.equal(Math.floor(out.maxSteps / 20));
      expect(out.steps).to.equal(out.rounds * 20);
      expect(out.epsilon).to.be.at.most(4).and.greaterThan(3);
      const text = await runCapture({ ...job, json: false }, "dp:budget");
      // the steps named are rounds x steps per round; the budget's own maximum is named as such
      expect(text).to.match(new RegExp(`^${out.rounds} rounds of 20 DP-SGD steps \\(${out.steps} steps; .* allows at most ${out.maxSteps}\\)`));
    });

    it("names the bad argument", async () => {
      for (const [override, re] of [
        [{ localEpochs: "x" }, /^dp:budget: bad --local-epochs: "x" is not a number$/],
        [{ localEpochs: "-1" }, /^dp:budget: bad --local-epochs: epochs must be a positive number/],
        [{ epsilon: "0" }, /^dp:budget: bad --epsilon: accountant: epsilon budget must be > 0/],
        [{ batch: "5000" }, /^dp:budget: bad --batch: /],
      ] as [Record<string, string>, RegExp][]) {
        let err: Error | undefined;
        try {
          await runCapture({ ...job, json: true, ...override }, "dp:budget");
        } catch (e) {
          err = e as Error;
        }
        expect(err?.message, JSON.stringify(override)).to.match(re);
      }
    });
  });
});
