/** `deploy`: deploys the protocol to the selected network and writes deployments/<network>.json (safe to re-run). */
import { task, types } from "hardhat/config";
import { artifactCreationCode, deployOrReuse } from "../lib/chain/deployments";
import { parseAddress, parseUint } from "../lib/chain/args";
import { runTask } from "../lib/chain/taskContext";

task("deploy", "Deploy ModelRegistry, InferenceAudit and OblivionCore; writes deployments/<network>.json")
  .addOptionalParam("owner", "protocol owner (default: the deployer)")
  .addOptionalParam("treasury", "treasury (default: the deployer)")
  .addOptionalParam("unbonding", "unbonding period in seconds", "3600", types.string)
  .setAction(async (args: { owner?: string; treasury?: string; unbonding: string }, hre) =>
    runTask("deploy", async () => {
      const config = {
        owner: args.owner === undefined ? undefined : parseAddress("owner", args.owner),
        treasury: args.treasury === undefined ? undefined : parseAddress("treasury", args.treasury),
        unbondingPeriod: Number(parseUint("unbonding", args.unbonding, 60n, 30n * 86400n)),
      };
      const [deployer] = await hre.ethers.getSigners();
      const code = await artifactCreationCode(hre.artifacts);
      const { deployment, changed } = await deployOrReuse(hre.network.name, deployer, config, { code });
      console.log(`${changed ? "deployed" : "unchanged"} on ${hre.network.name} (chain ${deployment.chainId})`);
      for (const [name, c] of Object.entries(deployment.contracts)) console.log(`  ${name.padEnd(15)} ${c.address}`);
    }),
  );
