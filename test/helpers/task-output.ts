/** Runs a Hardhat task in-process and returns what it printed with console.log. */
import hre from "hardhat";

export async function taskOutput(name: string, args: Record<string, unknown>): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => lines.push(a.join(" "));
  try {
    await hre.run(name, args);
  } finally {
    console.log = log;
  }
  return lines.join("\n");
}
