import { task, types } from "hardhat/config";
import { parseAddress } from "../lib/chain/args";
import { runTask } from "../lib/chain/taskContext";

const TASK = "keeper:gelato";

task(TASK, "Registers OblivionCore's checker() with Gelato Automate (networks Gelato serves only)")
  .addParam("core", "OblivionCore address")
  .addOptionalParam("name", "Gelato task name", undefined, types.string)
  .setAction(async (args: { core: string; name?: string }, hre) => runTask(TASK, async () => {
    // Loaded here, not at config time: the SDK drags in ethers 5 and axios.
    const { registerCheckerTask } = await import("../keepers/gelato");
    const net = hre.network.config as { url?: string; accounts?: unknown; chainId?: number };
    const accounts = Array.isArray(net.accounts) ? (net.accounts as string[]) : [];
    const core = parseAddress("core", args.core);
    if (!net.url) throw new Error(`network ${hre.network.name} has no RPC URL; use --network <name>`);
    if (accounts.length === 0) throw new Error(`network ${hre.network.name} has no account key; set PRIVATE_KEY`);
    const chainId = net.chainId ?? Number(await hre.network.provider.send("eth_chainId"));
    const res = await registerCheckerTask({ chainId, core, name: args.name, rpcUrl: net.url, privateKey: accounts[0] });
    console.log(`Gelato task ${res.taskId} created in tx ${res.txHash}`);
  }));
