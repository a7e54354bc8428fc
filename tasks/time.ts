/**
 * `time:advance`: moves a local development chain's clock forward and mines a block, for unbonding periods and training
 * round windows. Refused on any other network.
 */
import { task } from "hardhat/config";
import { parseUint } from "../lib/chain/args";
import { runTask } from "../lib/chain/taskContext";
import { advanceLocalTime } from "../lib/chain/time";

task("time:advance", "Local chain only: move the clock forward by --seconds and mine a block (draws and deadlines proceed)")
  .addParam("seconds", "seconds to move the clock forward")
  .setAction(async (a: { seconds: string }, hre) =>
    runTask("time:advance", async () => {
      const seconds = Number(parseUint("seconds", a.seconds, 1n, 10n ** 9n));
      const r = await advanceLocalTime(hre.network.name, hre.ethers.provider, seconds);
      console.log(`advanced ${seconds} s: block ${r.block} at ${new Date(r.timestamp * 1000).toISOString()}`);
    }),
  );
