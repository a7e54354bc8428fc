import { task, types } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import { dpSgdEpsilon } from "../lib/privacy/accountant";

/** Parses a required numeric CLI argument; a one-line named error otherwise. */
function num(name: string, raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") throw new HardhatPluginError("dp:epsilon", `missing --${name}`);
  const v = Number(raw);
  if (!Number.isFinite(v)) throw new HardhatPluginError("dp:epsilon", `--${name} must be a number, got "${raw}"`);
  return v;
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
      throw new HardhatPluginError("dp:epsilon", `--conversion must be "improved" or "classic", got "${a.conversion}"`);
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
      if (e instanceof RangeError) throw new HardhatPluginError("dp:epsilon", e.message);
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
