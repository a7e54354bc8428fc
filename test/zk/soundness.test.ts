/**
 * The soundness harness (test/zk/soundness.ts) over the example model, every zoo model and a model for each
 * circuit step kind as first, middle and last step; and the emitted and circom paths compared (constraint counts,
 * public signals, accepted witnesses) on the step models and the zoo. docs/zk.md says what each sweep checks.
 */
import { expect } from "chai";
import path from "node:path";
import { loadOrTrainMnistMlp } from "../../lib/devnet/mnist-model";
import { readOnnx } from "../../lib/onnx/read";
import { compileCircuit, generateCircuit } from "../../lib/zk/circuit";
import { emitR1cs } from "../../lib/zk/emit";
import { lowerGraph } from "../../lib/zk/lower";
import { circuitPlan } from "../../lib/zk/plan";
import { quantizeInput, quantizeModel, type QuantModel } from "../../lib/zk/quantize";
import { checkWitnesses, computeWitness, R1csChecker } from "../../lib/zk/witnessCheck";
import { backgroundDone, startInBackground } from "../helpers/background";
import { stepModels } from "./models";
import { forgedSweep, localSweep, type SweepStats } from "./soundness";
import { CACHE, stepCase, zooCase, zooModels } from "./soundness-cases";

const rows: string[] = [];

const shiftsOf = (q: QuantModel) => [...new Set(q.ops.flatMap((op) => ("shift" in op && op.shift > 0 ? [op.shift] : [])))];
const row = (name: string, what: string, s: SweepStats) => rows.push(`      ${name.padEnd(26)} ${what.padEnd(7)} ${String(s.perturbations).padStart(6)} perturbations ${(s.ms / 1000).toFixed(1).padStart(5)} s`);
const none = (s: SweepStats) => expect(s.findings.slice(0, 5).map((f) => `${f.kind}: ${f.what}`)).to.deep.equal([]);

async function emitted(q: QuantModel, batch: number, dir: string) {
  const e = (await emitR1cs(q, { batch, privateWeights: false }, dir, CACHE))!;
  expect(e, "emittable").to.not.equal(null);
  return { ...e, checker: R1csChecker.fromFile(e.r1cs) };
}

/** Compiles q's circom source and checks it against the emitted R1CS: sizes, public signals, both witnesses accepted. */
async function compareWithCircom(q: QuantModel, batch: number, dir: string, em: Awaited<ReturnType<typeof emitted>>, bytes: number[][]) {
  const c = await compileCircuit(generateCircuit(q, { batch, privateWeights: false }), dir);
  const cc = R1csChecker.fromFile(c.r1cs);
  const [a, b] = [cc.r1cs, em.checker.r1cs];
  expect([b.nConstraints, b.nVars, b.nOutputs, b.nPubInputs, b.nPrvInputs]).to.deep.equal([a.nConstraints, a.nVars, a.nOutputs, a.nPubInputs, a.nPrvInputs]);
  const cw = await computeWitness({ quant: q, compiler: "circom", r1cs: c.r1cs, wasm: c.wasm }, bytes, 77n, 0x5a17n);
  const ew = await computeWitness({ quant: q, compiler: "emit", r1cs: em.r1cs, wasm: em.hashWasm }, bytes, 77n, 0x5a17n);
  // one, outputCommitment, inputCommitment, the output cipher words, binding (layout 2)
  const nPub = 1 + a.nOutputs + a.nPubInputs;
  expect(ew.slice(0, nPub)).to.deep.equal(cw.slice(0, nPub));
  expect(cc.firstFailing(cw)).to.equal(-1);
  expect(em.checker.firstFailing(ew)).to.equal(-1);
}

// Its circuits are compiled ahead, in the background from the start of the run (test/zk/compile-ahead.ts).
startInBackground("soundness-circuits", path.join(__dirname, "compile-ahead.ts"), []);

describe("zk soundness harness: every wire bound, no forged witness accepted", function () {
  before(() => backgroundDone("soundness-circuits"));
  after(() => console.log(rows.join("\n")));

  for (const m of stepModels()) {
    it(`${m.name}: every wire changed alone or by a forger fails a constraint; circom gives the same circuit`, async () => {
      const { q, cal, batch, bytes, dir } = stepCase(m);
      expect(circuitPlan(q).map((s) => s.kind).join(",")).to.equal(m.plan);
      const em = await emitted(q, batch, dir);
      // registration's own check: the witness of calibration inputs satisfies the R1CS with the reference's outputs
      await checkWitnesses({ quant: q, compiler: "emit", r1cs: em.r1cs, wasm: em.hashWasm }, [bytes, cal.slice(2, 2 + batch).map((x) => quantizeInput(q, x))], em.checker);
      const honest = await computeWitness({ quant: q, compiler: "emit", r1cs: em.r1cs, wasm: em.hashWasm }, bytes, 5n, 0x5a17n);
      const shifts = [...shiftsOf(q), q.rangeBits];
      const local = localSweep(em.checker, honest, { shifts });
      row(m.plan, "local", local);
      none(local);
      // the public outputs too (G-07: each output cipher word is pinned by its mask and out word, the commitments by
      // their hashes): every one changed alone fails a constraint, so the witness fixes what the settlement carries.
      // (The binding is the verifier's input, not the prover's: only its square's constraint mentions it.)
      const pub = localSweep(em.checker, honest, { from: 1, to: 1 + em.checker.r1cs.nOutputs, shifts });
      row(m.plan, "public", pub);
      none(pub);
      const forged = await forgedSweep(em.checker, { q, hashWasm: em.hashWasm, bytes, binding: 5n }, { shifts, budget: 150 });
      row(m.plan, "forged", forged);
      none(forged);
      await compareWithCircom(q, batch, `${dir}-circom`, em, bytes);
    });
  }

  it("the example model (MNIST 784-56-10): every wire changed alone or by a forger fails a constraint", async () => {
    const trained = loadOrTrainMnistMlp();
    const cal = trained.data.trainX.slice(0, 256);
    const q = quantizeModel(lowerGraph(readOnnx(trained.onnx)), cal);
    const bytes = [quantizeInput(q, cal[0])];
    const em = await emitted(q, 1, path.join(CACHE, "sound", generateCircuit(q, { batch: 1, privateWeights: false }).hash.slice(2, 14)));
    const honest = await computeWitness({ quant: q, compiler: "emit", r1cs: em.r1cs, wasm: em.hashWasm }, bytes, 5n);
    const local = localSweep(em.checker, honest, { shifts: shiftsOf(q) });
    row("example MNIST", "local", local);
    none(local);
    const forged = await forgedSweep(em.checker, { q, hashWasm: em.hashWasm, bytes, binding: 5n }, { shifts: shiftsOf(q), budget: 40 });
    row("example MNIST", "forged", forged);
    none(forged);
  });

  describe("the PyTorch zoo", () => {
    const zoo = zooModels();
    for (const m of zoo.models) {
      it(`${m.name}: every wire changed alone fails a constraint; sampled forgers on emitted ones`, async () => {
        const { q, gen, bytes, emittable, dir, circomDir } = zooCase(m, zoo.calibration);
        let checker: R1csChecker;
        let honest: bigint[];
        if (emittable) {
          const em = await emitted(q, 1, dir);
          checker = em.checker;
          honest = await computeWitness({ quant: q, compiler: "emit", r1cs: em.r1cs, wasm: em.hashWasm }, bytes, 5n);
          const forged = await forgedSweep(checker, { q, hashWasm: em.hashWasm, bytes, binding: 5n }, { budget: 30 });
          row(m.name, "forged", forged);
          none(forged);
          if (circomDir) await compareWithCircom(q, 1, circomDir, em, bytes);
        } else {
          // compiled where buildModelArtifacts (the zoo test) compiles it, so it is compiled once per run
          const c = await compileCircuit(gen, dir);
          checker = R1csChecker.fromFile(c.r1cs);
          honest = await computeWitness({ quant: q, compiler: "circom", r1cs: c.r1cs, wasm: c.wasm }, bytes, 5n);
          expect(checker.firstFailing(honest)).to.equal(-1);
        }
        const local = localSweep(checker, honest, { full: checker.r1cs.nVars < 20000 });
        row(m.name, "local", local);
        none(local);
      });
    }
  });
});
