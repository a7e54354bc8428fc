import { expect } from "chai";

/** Whether the run is `npm run coverage` (solidity-coverage's instrumented build). */
export const UNDER_COVERAGE = process.env.SOLIDITY_COVERAGE === "true";

/**
 * An absolute gas bound: it holds for the real build; the instrumented build under `npm run coverage` costs more, so
 * there the call still runs and only the bound is not checked (as in the G-03 to G-06 tests).
 */
export function expectGasBelow(gas: bigint, label: string | bigint, bound?: bigint): void {
  const [limit, what] = typeof label === "bigint" ? [label, "gas"] : [bound!, label];
  if (!UNDER_COVERAGE) expect(gas, what).to.be.lessThan(limit);
}
