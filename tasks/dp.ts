import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import { dpSgdEpsilon } from "../lib/privacy/accountant";

/** One-line error naming the task and the bad argument, in the style of the other tasks ("bad --arg: problem"). */
function fail(arg: string, problem: string): never {
  throw new HardhatPluginError("v-oblivion", `dp:epsilon: bad --${arg}: ${problem}`);
}

/** Parses a required numeric CLI argument. */
function num(name: string, raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") fail(name, "missing");
  const v = Number(raw);
  if (!Number.isFinite(v)) fail(name, `"${raw}" is not a number`);
  return v;
}

/** Which argument a RangeError from the accountant's validateRun is about (its message starts with the name). */
function argOf(message: string): string {
  return message.split(" ")[0];
}

task("dp:epsilon", "Privacy spent by DP-SGD (Poisson sampling, RDP accountant): prints epsilon")
  .addParam("samples", "training set size N", undefined, types.string)
  .addParam("batch", "expected batch size (sampling rate q = batch / samples)", undefined, types.string)
  .addParam("sigma", "noise multiplier", undefined, types.string)
  .addParam("epochs", "number of epochs (steps = ceil(epochs * samples / batch))", undefined, types.string)
  .addParam("delta", "target delta", undefined, types.string)
  .addOptionalParam("conversion", "RDP to (eps, delta) conversion: improved | classic", "improved", types.string)
  .addFlag("json", 'print exactly {"epsilon": ...}')
  .setAction(async (a: Record<string, string> & { json: boolean }) => {
    if (a.conversion !== "improved" && a.conversion !== "classic") {
      fail("conversion", `"${a.conversion}" is not "improved" or "classic"`);
    }
    let r;
    try {
      r = dpSgdEpsilon({
        samples: num("samples", a.samples),
        batch: num("batch", a.batch),
        sigma: num("sigma", a.sigma),
        epochs: num("epochs", a.epochs),
        delta: num("delta", a.delta),
        conversion: a.conversion,
      });
    } catch (e) {
      if (e instanceof RangeError) fail(argOf(e.message), e.message);
      throw e;
    }
    if (a.json) console.log(JSON.stringify({ epsilon: r.epsilon }));
    else {
      console.log(
        `epsilon = ${r.epsilon.toFixed(4)} at delta = ${a.delta} (q = ${r.q.toPrecision(4)}, ${r.steps} steps, ` +
          `optimal RDP order ${r.order}, ${a.conversion} conversion)`,
      );
    }
  });
