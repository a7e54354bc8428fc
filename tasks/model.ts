/** Model tasks: `model:register` (ONNX -> circuit, setup, verifier, registry), `model:version` and `model:prove`. */
import fs from "node:fs";
import { task, types } from "hardhat/config";
import { parseAmount, parseUint } from "../lib/chain/args";
import { runTask, taskContext, toJson } from "../lib/chain/taskContext";
import { formatEth } from "../lib/util/format";
import { readInputs } from "../lib/requester/inputs";
import { createContentStore, type ContentStore } from "../lib/storage";
import { createLogger, type Logger } from "../lib/util/log";
import { headLabel, predictedClass } from "../lib/zk/head";
import { argmax } from "../lib/zk/quantize";
import { proveRegistered } from "../lib/zk/proveRegistered";
import { publishOnnxVersion, registerOnnxModel, type BuildRequest, type Registered } from "../lib/zk/register";
import { checkCanPublish, planRegistration } from "../lib/chain/owner";
import { registerCeremonyModel as registerCeremony, type CeremonyRegistered } from "../lib/zk/ceremony-chain";

task("model:register", "Compile an ONNX model into a circuit, set it up, deploy its verifier and register it")
  .addParam("onnx", "ONNX file")
  .addParam("name", "model name")
  .addParam("fee", "owner fee per inference, in ETH (e.g. 0.001)")
  .addOptionalParam("batch", "inputs per proof", "1", types.string)
  .addFlag("privateWeights", "keep weights private (witness + Poseidon model commitment)")
  .addOptionalParam("ptau", "prepared phase-1 powers-of-tau file: opens a setup ceremony (without it: a DEV setup)")
  .addOptionalParam("ceremonyBlocks", "with --ptau: blocks the ceremony stays open for contributions", "40", types.string)
  .addOptionalParam("calibration", "calibration inputs (.json array of vectors, .csv or .npy)")
  .addFlag("newVersion", "the owner already has a model of this name: publish this as its next version (the fee is unchanged: model:fee)")
  .addFlag("force", "the owner already has a model of this name: register a second one anyway")
  .addOptionalParam("from", "index of the owner's signer", "0", types.string)
  .setAction(async (a: BuildArgs & { name: string; fee: string; newVersion: boolean; force: boolean; from: string }, hre) =>
    runTask("model:register", async () => {
      const build = buildRequest(a);
      const fee = parseAmount("fee", a.fee, { allowZero: true });
      const ctx = await taskContext(hre, a.from);
      const owner = await ctx.signer.getAddress();
      const plan = await planRegistration(ctx.registry, owner, a.name, { newVersion: a.newVersion, force: a.force, fee });
      if (plan.action === "register" && plan.sameName.length > 0) console.log(`--force: ${owner} already owns "${a.name}" as ${plan.sameName.map((id) => `#${id}`).join(", ")}; registering another`);
      await withStore(async (store, log) => {
        if (a.ptau) {
          const modelId = plan.action === "publish" ? plan.modelId : undefined;
          return printCeremony(await registerCeremony({ ...build, ptau: a.ptau, name: a.name, feePerInference: fee, modelId, deadlineBlocks: ceremonyBlocks(a), log }, ctx.registry, ctx.signer, store));
        }
        const r = plan.action === "publish"
          ? await publishOnnxVersion({ ...build, modelId: plan.modelId, log }, ctx.registry, ctx.signer, store)
          : await registerOnnxModel({ ...build, name: a.name, feePerInference: fee, log }, ctx.registry, ctx.signer, store);
        printRegistered(r, plan.action === "publish" ? undefined : fee);
      }, "model:register");
    }),
  );

task("model:version", "Model owner: publish a new version of a model from an ONNX file (posted jobs keep theirs)")
  .addParam("model", "model id")
  .addParam("onnx", "ONNX file")
  .addOptionalParam("batch", "inputs per proof", "1", types.string)
  .addFlag("privateWeights", "keep weights private (witness + Poseidon model commitment)")
  .addOptionalParam("ptau", "prepared phase-1 powers-of-tau file: opens a setup ceremony (without it: a DEV setup)")
  .addOptionalParam("ceremonyBlocks", "with --ptau: blocks the ceremony stays open for contributions", "40", types.string)
  .addOptionalParam("calibration", "calibration inputs (.json array of vectors, .csv or .npy)")
  .addOptionalParam("from", "index of the owner's signer", "0", types.string)
  .setAction(async (a: BuildArgs & { model: string; from: string }, hre) =>
    runTask("model:version", async () => {
      const modelId = parseUint("model", a.model, 1n);
      const build = buildRequest(a);
      const ctx = await taskContext(hre, a.from);
      await checkCanPublish(ctx.registry, modelId, await ctx.signer.getAddress());
      await withStore(async (store, log) => {
        if (a.ptau) return printCeremony(await registerCeremony({ ...build, ptau: a.ptau, modelId, deadlineBlocks: ceremonyBlocks(a), log }, ctx.registry, ctx.signer, store));
        printRegistered(await publishOnnxVersion({ ...build, modelId, log }, ctx.registry, ctx.signer, store));
      }, "model:version");
    }),
  );

interface BuildArgs {
  onnx: string;
  batch: string;
  privateWeights: boolean;
  ptau?: string;
  ceremonyBlocks: string;
  calibration?: string;
}

const ceremonyBlocks = (a: BuildArgs) => Number(parseUint("ceremonyBlocks", a.ceremonyBlocks, 2n, 10_000_000n));

/** What model:register and model:version print about a version whose ceremony they opened. */
function printCeremony(r: CeremonyRegistered): void {
  console.log(`model id ${r.modelId} version ${r.version}: setup CEREMONY open until block ${r.deadline}`);
  console.log(`ptau ${r.ptau.hash32} (2^${r.ptau.power}, ${r.ptau.source === "published" ? "on the published Hermez list" : `verified, ${r.ptau.contributions} phase-1 contributions`})`);
  console.log(`owner's contribution #0 ${r.firstContribution}; r1cs ${r.cids.r1csCid}, ptau ${r.cids.ptauCid}`);
  console.log(`constraints ${r.artifacts.constraints}, batch ${r.artifacts.batch}, circuit hash ${r.artifacts.circuitHash}; next: model:contribute, then model:finalize after block ${r.deadline}`);
}

/** The ONNX file and build options of model:register and model:version, checked before any chain call. */
function buildRequest(a: BuildArgs): BuildRequest {
  if (!fs.existsSync(a.onnx)) throw new Error(`--onnx: file not found: ${a.onnx}`);
  const batch = Number(parseUint("batch", a.batch, 1n, 1024n));
  const calibration = a.calibration ? readInputs(a.calibration) : undefined;
  return { onnx: new Uint8Array(fs.readFileSync(a.onnx)), batch, privateWeights: a.privateWeights, ptau: a.ptau, calibration };
}

async function withStore(body: (store: ContentStore, log: Logger) => Promise<void>, source: string): Promise<void> {
  const store = createContentStore();
  try {
    await body(store, createLogger({ source }));
  } finally {
    await store.close();
  }
}

/** What model:register and model:version print about the version they made. */
function printRegistered(r: Registered, fee?: bigint): void {
  const art = r.artifacts;
  console.log(`model id ${r.modelId} version ${r.version}${art.dev ? " (DEV-SETUP: single-party development setup, not for production)" : ""}`);
  console.log(`verifier ${r.verifier} (vetted Groth16VkVerifier deployed by the registry, ${r.verifierBytes} bytes)`);
  console.log(`constraints ${art.constraints}, batch ${art.batch}, public signals ${art.publicSignals}`);
  const ortPct = art.deviation.onnxruntimeAgreement === undefined ? "" : `, ${(100 * art.deviation.onnxruntimeAgreement).toFixed(2)}% with onnxruntime`;
  const setupTime = art.fromCache ? `cached in .cache/ (it took ${art.setupSeconds.toFixed(1)} s when it ran)` : `${art.setupSeconds.toFixed(1)} s`;
  console.log(`setup ${art.setupMethod} ${setupTime}${fee === undefined ? "" : `, fee ${formatEth(fee)} per inference`}, circuit hash ${art.circuitHash}`);
  console.log(`quantization: max deviation ${art.deviation.maxAbsDeviation.toExponential(3)}, argmax agreement ${(100 * art.deviation.argmaxAgreement).toFixed(2)}%${ortPct} on ${art.deviation.samples} calibration inputs`);
  console.log(`committed outputs: ${headLabel(art.quant.head)}`);
  for (const ap of art.quant.approximations ?? []) {
    console.log(`approximation: ${ap.fn} at node "${ap.node}", ${ap.segments} segment(s), worst-case error ${ap.maxAbsError.toExponential(2)} over the quantized input range`);
  }
  if (art.modelCommitment) console.log(`model commitment ${art.modelCommitment}`);
}

task("model:prove", "Run a registered model on one batch, prove it, and check the proof with the on-chain verifier")
  .addParam("model", "model id")
  .addParam("input", "JSON file: array of B input vectors")
  .addOptionalParam("out", "write the proof, signals and outputs as JSON here")
  .addOptionalParam("modelVersion", "model version (default: latest)")
  .addOptionalParam("job", "job id for the binding", "0", types.string)
  .addOptionalParam("shard", "shard index for the binding", "0", types.string)
  .addFlag("clamp", "clamp inputs outside the calibration range instead of refusing them")
  .addFlag("allowDisagreement", "prove even when the circuit's argmax differs from the float model's (a near tie)")
  .setAction(async (a: { model: string; input: string; out?: string; modelVersion?: string; job: string; shard: string; clamp: boolean; allowDisagreement: boolean }, hre) =>
    runTask("model:prove", async () => {
      const modelId = parseUint("model", a.model, 1n);
      const inputs = readInputs(a.input);
      const ctx = await taskContext(hre);
      const store = createContentStore();
      const log = createLogger({ source: "model:prove" });
      try {
        const r = await proveRegistered({ registry: ctx.registry, core: ctx.core, signer: ctx.signer, store, log }, modelId, inputs, {
          version: a.modelVersion === undefined ? undefined : Number(parseUint("modelVersion", a.modelVersion, 1n, 2n ** 32n - 1n)),
          jobId: parseUint("job", a.job),
          shardIndex: parseUint("shard", a.shard),
          clamp: a.clamp,
          allowDisagreement: a.allowDisagreement,
        });
        if (r.clamped) console.log(`clamped ${r.clamped} input value${r.clamped === 1 ? "" : "s"} to the calibration range (--clamp)`);
        if (!r.argmaxAgree) console.log("float and circuit argmax differ (--allow-disagreement): the proof is of the circuit's answer");
        const dev = r.artifacts.dev ? " DEV-SETUP" : "";
        r.floatOutputs.forEach((f, i) => console.log(`input ${i}: class ${predictedClass(r.artifacts.quant.head, f)} float [${f.map((v) => v.toFixed(4)).join(", ")}] circuit argmax ${argmax(r.circuitOutputs[i])}`));
        console.log(`model ${modelId} v${r.version}${dev}: proved in ${r.proveSeconds.toFixed(2)} s, max deviation ${r.maxDeviation.toExponential(3)}`);
        console.log(`on-chain verifier ${r.verifier}: ${r.onChainValid ? "valid" : "INVALID"}`);
        if (a.out) {
          fs.writeFileSync(a.out, toJson({ modelId, version: r.version, proof: r.proofBytes, publicSignals: r.publicSignals, binding: r.binding, floatOutputs: r.floatOutputs, circuitOutputs: r.circuitOutputs, proveSeconds: r.proveSeconds, devSetup: r.artifacts.dev }));
          console.log(`wrote ${a.out}`);
        }
        if (!r.onChainValid) throw new Error("the on-chain verifier rejected the proof");
      } finally {
        await store.close();
      }
    }),
  );
