import { task, types } from "hardhat/config";
import { ArgumentError } from "../lib/chain/args";
import { runTask } from "../lib/chain/taskContext";
import { Conversion, dpSgdEpsilon, maxRoundsForEpsilon } from "../lib/privacy/accountant";

/**
 * Numeric arguments of a dp:* task, parsed one by one; every failure is a one-line error naming the argument, in
 * the style of the other tasks ("bad --arg: problem"); runTask prefixes the task's name.
 */
class Args {
  constructor(private readonly raw: Record<string, unknown>) {}

  fail(arg: string, problem: string): never {
    throw new ArgumentError(arg, problem);
  }

  num(name: string, flag = name): number {
    const raw = this.raw[name] as string | undefined;
    if (raw === undefined || raw.trim() === "") this.fail(flag, "missing");
    const v = Number(raw);
    if (!Number.isFinite(v)) this.fail(flag, `"${raw}" is not a number`);
    return v;
  }

  conversion(): Conversion {
    const c = this.raw.conversion;
    if (c !== "improved" && c !== "classic") this.fail("conversion", `"${String(c)}" is not "improved" or "classic"`);
    return c;
  }

  /** Runs an accountant call, turning its RangeError (message starts with the argument's name) into a named error. */
  guard<T>(body: () => T, flags: Record<string, string> = {}): T {
    try {
      return body();
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      const name = e.message.split(" ")[0].replace(/:$/, "");
      this.fail(flags[name] ?? name, e.message);
    }
  }
}

task("dp:epsilon", "Privacy spent by DP-SGD (Poisson sampling, RDP accountant): prints epsilon")
  .addParam("samples", "training set size N", undefined, types.string)
  .addParam("batch", "expected batch size (sampling rate q = batch / samples)", undefined, types.string)
  .addParam("sigma", "noise multiplier", undefined, types.string)
  .addParam("epochs", "number of epochs (steps = ceil(epochs * samples / batch))", undefined, types.string)
  .addParam("delta", "target delta", undefined, types.string)
  .addOptionalParam("conversion", "RDP to (eps, delta) conversion: improved | classic", "improved", types.string)
  .addFlag("json", 'print {"epsilon", "delta", "q", "steps", "order", "conversion"}')
  .setAction(async (a: Record<string, unknown> & { json: boolean }) => runTask("dp:epsilon", async () => {
    const p = new Args(a);
    const conversion = p.conversion();
    const run = { samples: p.num("samples"), batch: p.num("batch"), sigma: p.num("sigma"), epochs: p.num("epochs"), delta: p.num("delta") };
    const r = p.guard(() => dpSgdEpsilon({ ...run, conversion }));
    if (a.json) console.log(JSON.stringify({ epsilon: r.epsilon, delta: run.delta, q: r.q, steps: r.steps, order: r.order, conversion }));
    else {
      console.log(
        `epsilon = ${r.epsilon.toFixed(4)} at delta = ${String(a.delta)} (q = ${r.q.toPrecision(4)}, ${r.steps} steps, ` +
          `optimal RDP order ${r.order}, ${conversion} conversion)`,
      );
    }
  }));

task("dp:budget", "Round budget of a DP training job: the most rounds whose epsilon stays within --epsilon")
  .addParam("samples", "examples held by one participant", undefined, types.string)
  .addParam("batch", "expected batch size of its local DP-SGD", undefined, types.string)
  .addParam("sigma", "noise multiplier", undefined, types.string)
  .addParam("localEpochs", "local epochs per round", undefined, types.string)
  .addParam("delta", "target delta", undefined, types.string)
  .addParam("epsilon", "privacy budget", undefined, types.string)
  .addOptionalParam("conversion", "RDP to (eps, delta) conversion: improved | classic", "improved", types.string)
  .addFlag("json", 'print {"rounds": ..., "stepsPerRound": ..., "maxSteps": ..., "epsilon": ...}')
  .setAction(async (a: Record<string, unknown> & { json: boolean }) => runTask("dp:budget", async () => {
    const p = new Args(a);
    const conversion = p.conversion();
    const job = {
      samples: p.num("samples"),
      batch: p.num("batch"),
      sigma: p.num("sigma"),
      localEpochs: p.num("localEpochs", "local-epochs"),
      delta: p.num("delta"),
      epsilon: p.num("epsilon"),
    };
    const b = p.guard(() => maxRoundsForEpsilon({ ...job, conversion }), { epochs: "local-epochs", accountant: "epsilon" });
    const spent = b.rounds > 0
      ? dpSgdEpsilon({ ...job, epochs: b.rounds * job.localEpochs, conversion }).epsilon
      : 0;
    const steps = b.rounds * b.stepsPerRound;
    if (a.json) {
      console.log(JSON.stringify({ rounds: b.rounds, stepsPerRound: b.stepsPerRound, steps, maxSteps: b.maxSteps, epsilon: spent }));
    } else {
      // maxSteps is what the budget allows; only whole rounds are run, so `steps` (rounds x steps per round) may be less.
      console.log(
        `${b.rounds} rounds of ${b.stepsPerRound} DP-SGD steps (${steps} steps; epsilon = ${String(a.epsilon)} at delta = ` +
          `${String(a.delta)} allows at most ${b.maxSteps}) spend epsilon = ${spent.toFixed(4)} (${conversion} conversion)`,
      );
    }
  }));
