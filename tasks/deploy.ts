/** `deploy`: deploys the protocol to the selected network and writes deployments/<network>.json (safe to re-run). */
import path from "node:path";
import { keccak256 } from "ethers";
import { task, types } from "hardhat/config";
import { artifactCreationCode, deployOrReuse } from "../lib/chain/deployments";
import { parseAddress, parseUint } from "../lib/chain/args";
import { runTask } from "../lib/chain/taskContext";
import { signerFor } from "../lib/chain/signer";

task("deploy", "Deploy ModelRegistry, InferenceAudit and OblivionCore; writes deployments/<network>.json")
  .addOptionalParam("owner", "protocol owner (default: the deployer)")
  .addOptionalParam("treasury", "treasury (default: the deployer)")
  .addOptionalParam("unbonding", "unbonding period in seconds", "3600", types.string)
  .addOptionalParam("from", "index of the deployer's signer", "0", types.string)
  .addFlag("fresh", "replace a live deployment (its file and the FHE/training files bound to it are moved aside)")
  .setAction(async (args: { owner?: string; treasury?: string; unbonding: string; from: string; fresh: boolean }, hre) =>
    runTask("deploy", async () => {
      const config = {
        owner: args.owner === undefined ? undefined : parseAddress("owner", args.owner),
        treasury: args.treasury === undefined ? undefined : parseAddress("treasury", args.treasury),
        unbondingPeriod: Number(parseUint("unbonding", args.unbonding, 60n, 30n * 86400n)),
      };
      const deployer = await signerFor(hre, args.from);
      const code = await artifactCreationCode(hre.artifacts);
      // The core pins the TrainingJobs that this same build produced (train:deploy deploys exactly that code).
      const managerCodeHash = keccak256((await hre.artifacts.readArtifact("TrainingJobs")).bytecode);
      const r = await deployOrReuse(hre.network.name, deployer, { ...config, managerCodeHash }, { code, fresh: args.fresh });
      if (r.previousGone) console.log(`the previous deployment on ${hre.network.name} is gone: ${r.previousGone}`);
      for (const m of r.movedAside) console.log(`moved ${path.basename(m.from)} aside to ${path.basename(m.to)}`);
      const { deployment } = r;
      console.log(`${r.changed ? "deployed" : "unchanged"} on ${hre.network.name} (chain ${deployment.chainId}, block ${deployment.block?.number ?? "?"})`);
      for (const [name, c] of Object.entries(deployment.contracts)) console.log(`  ${name.padEnd(15)} ${c.address}`);
      if (r.movedAside.some((m) => m.from.endsWith(".fhe.json"))) console.log(`run fhe:deploy again for the new core`);
      if (r.movedAside.some((m) => m.from.endsWith(".training.json"))) console.log(`run train:deploy again for the new core`);
    }),
  );
