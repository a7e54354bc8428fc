/** Typed access to the parts of snarkjs (which ships no types) that the test fixtures use. */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const snarkjs = require("snarkjs");

export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: string;
  curve: string;
}

export interface Snarkjs {
  powersOfTau: {
    newAccumulator(curve: unknown, power: number, file: string): Promise<unknown>;
    contribute(oldFile: string, newFile: string, name: string, entropy: string): Promise<unknown>;
    preparePhase2(oldFile: string, newFile: string): Promise<unknown>;
  };
  zKey: {
    newZKey(r1cs: string, ptau: string, zkey: string): Promise<unknown>;
    contribute(oldZkey: string, newZkey: string, name: string, entropy: string): Promise<unknown>;
    exportVerificationKey(zkey: string): Promise<unknown>;
    exportSolidityVerifier(zkey: string, templates: Record<string, string>): Promise<string>;
  };
  groth16: {
    fullProve(input: Record<string, unknown>, wasm: string, zkey: string): Promise<{ proof: Groth16Proof; publicSignals: string[] }>;
    verify(vkey: unknown, publicSignals: string[], proof: Groth16Proof): Promise<boolean>;
    exportSolidityCallData(proof: Groth16Proof, publicSignals: string[]): Promise<string>;
  };
  curves: { getCurveFromName(name: string): Promise<{ terminate(): Promise<void> }> };
}

export default snarkjs as Snarkjs;

/** Runs a script's main, then stops the curve threads; a failure sets a non-zero exit code. */
export function runMain(main: () => Promise<void>): void {
  main()
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(releaseCurve);
}

/** Stops the worker threads of the bn128 curve singleton, so the process can exit. */
export async function releaseCurve(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  if (g.curve_bn128) {
    await g.curve_bn128.terminate();
    g.curve_bn128 = undefined;
  }
}
