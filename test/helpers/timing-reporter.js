/**
 * Mocha's spec reporter plus, at the end, the wall time of each test file (hooks included), slowest first, so a
 * CI log says where the suite's minutes go. Set in hardhat.config.ts (mocha.reporter).
 */
"use strict";
const path = require("node:path");
const { Spec } = require("mocha").reporters;

class TimedSpec extends Spec {
  constructor(runner, options) {
    super(runner, options);
    const started = new Map();
    const spent = new Map();
    runner.on("suite", (s) => {
      if (s.parent && s.parent.root && s.file) started.set(s, Date.now());
    });
    runner.on("suite end", (s) => {
      const t = started.get(s);
      if (t === undefined) return;
      const file = path.relative(process.cwd(), s.file);
      spent.set(file, (spent.get(file) ?? 0) + (Date.now() - t));
    });
    runner.once("end", () => {
      const rows = [...spent].sort((a, b) => b[1] - a[1]);
      const total = rows.reduce((n, [, ms]) => n + ms, 0);
      console.log(`\n  time per file (${(total / 60_000).toFixed(1)} min in all), slowest first:`);
      for (const [file, ms] of rows.slice(0, 25)) console.log(`  ${(ms / 1000).toFixed(1).padStart(8)} s  ${file}`);
    });
  }
}

module.exports = TimedSpec;
