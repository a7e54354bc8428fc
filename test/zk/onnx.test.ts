import { expect } from "chai";
import * as ort from "onnxruntime-node";
import { readOnnx } from "../../lib/onnx/read";
import { buildOnnxModel } from "../../lib/onnx/write";
import { floatForward, lowerGraph } from "../../lib/zk/lower";
import { createOnnxSession } from "../../lib/runtime/onnx";
import { cnnOnnx, dagOnnx, mlpOnnx, rng } from "./models";

async function ortRun(bytes: Uint8Array, x: Float64Array, dims: number[]) {
  const s = await ort.InferenceSession.create(bytes);
  const r = await s.run({ [s.inputNames[0]]: new ort.Tensor("float32", Float32Array.from(x), dims) });
  return Array.from(r[s.outputNames[0]].data as Float32Array);
}

describe("onnx: write and read", function () {
  it("reads an MLP, a CNN and a graph (tensor used twice, residual Add, Mul, Concat, BatchNorm, Sigmoid, Tanh) whose float forward pass matches onnxruntime", async () => {
    const r = rng(3);
    for (const [bytes, dims] of [[mlpOnnx(1, [5, 4, 3]), [1, 5]], [cnnOnnx(2), [1, 1, 6, 6]], [dagOnnx(3), [1, 6]]] as const) {
      const x = Float64Array.from({ length: (dims as readonly number[]).reduce((a: number, b: number) => a * b, 1) }, r);
      const ours = floatForward(lowerGraph(readOnnx(bytes)), x);
      const theirs = await ortRun(bytes, x, [...dims]);
      theirs.forEach((v, i) => expect(ours[i]).to.be.closeTo(v, 1e-5));
    }
  });

  it("folds MatMul + Add and reads Reshape", async () => {
    const W = Float32Array.from([1, -2, 0.5, 3, 0, 1]);
    const bytes = buildOnnxModel({
      inputs: [{ name: "x", dims: ["N", 1, 3] }], outputs: [{ name: "y", dims: ["N", 2] }],
      initializers: [{ name: "W", dims: [3, 2], data: W }, { name: "b", dims: [2], data: Float32Array.from([0.25, -0.5]) }],
      nodes: [{ op: "Flatten", inputs: ["x"], outputs: ["f"] }, { op: "MatMul", inputs: ["f", "W"], outputs: ["m"] }, { op: "Add", inputs: ["m", "b"], outputs: ["y"] }],
    });
    const ir = readOnnx(bytes);
    expect(ir.layers.map((l) => l.kind)).to.deep.equal(["reshape", "dense"]);
    const x = Float64Array.from([0.5, 1, -1]);
    const ours = floatForward(lowerGraph(ir), x);
    const theirs = await ortRun(bytes, x, [1, 1, 3]);
    theirs.forEach((v, i) => expect(ours[i]).to.be.closeTo(v, 1e-6));
  });

  it("rejects an unsupported operator in one line naming operator, node and the PyTorch construct", () => {
    const one = (op: string, name: string) =>
      buildOnnxModel({ inputs: [{ name: "x", dims: ["N", 4] }], outputs: [{ name: "y", dims: ["N", 4] }], initializers: [], nodes: [{ op, inputs: ["x"], outputs: ["y"], name }] });
    for (const [op, construct] of [["Elu", "nn.ELU"], ["Resize", "nn.Upsample"], ["Exp", "torch.exp"], ["Selu", "nn.SELU"]]) {
      let msg = "";
      try {
        readOnnx(one(op, "n1"));
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).to.match(new RegExp(`^unsupported ONNX operator ${op} \\(node "n1"\\): .*${construct.replace(".", "\\.")}`));
      expect(msg).to.not.include("\n");
    }
    // Softmax is taken only as the output head
    const mid = buildOnnxModel({
      inputs: [{ name: "x", dims: ["N", 4] }], outputs: [{ name: "y", dims: ["N", 4] }], initializers: [],
      nodes: [{ op: "Softmax", inputs: ["x"], outputs: ["s"], name: "sm", attributes: { axis: 1 } }, { op: "Relu", inputs: ["s"], outputs: ["y"] }],
    });
    expect(() => readOnnx(mid)).to.throw(/unsupported ONNX operator Softmax \(node "sm"\): Softmax is taken only as the output head/);
  });

  it("names nn.LayerNorm when its pre-opset-17 export (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div) is refused", () => {
    const eps = { name: "eps", dims: [1], data: Float32Array.from([1e-5]) };
    const two = { name: "two", dims: [1], data: Float32Array.from([2]) };
    const bytes = buildOnnxModel({
      inputs: [{ name: "x", dims: ["N", 4] }], outputs: [{ name: "y", dims: ["N", 4] }], initializers: [eps, two],
      nodes: [
        { op: "ReduceMean", inputs: ["x"], outputs: ["mu"], name: "ln/ReduceMean", attributes: { axes: [-1], keepdims: 1 } },
        { op: "Sub", inputs: ["x", "mu"], outputs: ["d"] },
        { op: "Pow", inputs: ["d", "two"], outputs: ["d2"] },
        { op: "ReduceMean", inputs: ["d2"], outputs: ["var"], attributes: { axes: [-1], keepdims: 1 } },
        { op: "Add", inputs: ["var", "eps"], outputs: ["ve"] },
        { op: "Sqrt", inputs: ["ve"], outputs: ["sd"] },
        { op: "Div", inputs: ["d", "sd"], outputs: ["y"] },
      ],
    });
    expect(() => readOnnx(bytes)).to.throw(/^unsupported ONNX operator ReduceMean \(node "ln\/ReduceMean"\): nn\.LayerNorm divides by a data-dependent variance.*starts an nn\.LayerNorm/);
    // a lone mean over activations keeps its own hint
    const mean = buildOnnxModel({
      inputs: [{ name: "x", dims: ["N", 4] }], outputs: [{ name: "y", dims: ["N", 1] }], initializers: [],
      nodes: [{ op: "ReduceMean", inputs: ["x"], outputs: ["y"], name: "m", attributes: { axes: [-1], keepdims: 1 } }],
    });
    expect(() => readOnnx(mean)).to.throw(/ReduceMean \(node "m"\): x\.mean\(dim\) over activations is not supported/);
  });

  it("rejects a malformed file with a clear error", () => {
    expect(() => readOnnx(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0x7f, 1, 2]))).to.throw(/malformed ONNX file/);
    expect(() => readOnnx(new Uint8Array(0))).to.throw(/malformed ONNX file/);
  });

  it("rejects bad attributes", () => {
    const bytes = buildOnnxModel({
      inputs: [{ name: "x", dims: ["N", 2, 4, 4] }], outputs: [{ name: "y", dims: ["N", 2, 2, 2] }], initializers: [],
      nodes: [{ op: "MaxPool", inputs: ["x"], outputs: ["y"], name: "pool", attributes: { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 } }],
    });
    expect(() => readOnnx(bytes)).to.throw(/operator MaxPool \(node "pool"\): ceil_mode=1 is not supported/);
  });

  it("runtime: runs a batch on cpu; cuda requested falls back to cpu with a warning where CUDA is missing", async () => {
    const bytes = mlpOnnx(1, [5, 4, 3]);
    const warnings: string[] = [];
    const log = { info() {}, error() {}, progress() {}, child() { return log; }, warn: (m: string) => warnings.push(m) };
    const s = await createOnnxSession(bytes, { inputShape: [5], provider: "cuda", log });
    if (s.provider === "cpu") expect(warnings.join(" ")).to.match(/CUDA execution provider unavailable.*falling back to cpu/);
    const x = [Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5]), Float64Array.from([1, 0, 1, 0, 1])];
    const out = await s.run(x);
    expect(out.length).to.equal(2);
    out.forEach((o, i) => Array.from(floatForward(lowerGraph(readOnnx(bytes)), x[i])).forEach((v, j) => expect(o[j]).to.be.closeTo(v, 1e-5)));
  });
});
