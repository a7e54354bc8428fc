/**
 * One-line refusals for ONNX operators the circuit compiler does not take, naming the PyTorch construct that
 * exports them where that helps the model owner. docs/zk.md lists what is supported.
 */

const LAYER_NORM = "nn.LayerNorm divides by a data-dependent variance; use nn.BatchNorm (folded at inference)";

const HINTS: Record<string, string> = {
  LSTM: "recurrent layers (nn.LSTM) are not supported; use a convolution or an MLP over the unrolled sequence",
  GRU: "recurrent layers (nn.GRU) are not supported; use a convolution or an MLP over the unrolled sequence",
  RNN: "recurrent layers (nn.RNN) are not supported; use a convolution or an MLP over the unrolled sequence",
  Resize: "nn.Upsample / F.interpolate is not supported",
  Upsample: "nn.Upsample / F.interpolate is not supported",
  ConvTranspose: "nn.ConvTranspose2d is not supported",
  LayerNormalization: LAYER_NORM,
  InstanceNormalization: "nn.InstanceNorm divides by a data-dependent variance; use nn.BatchNorm (folded at inference)",
  GroupNormalization: "nn.GroupNorm divides by a data-dependent variance; use nn.BatchNorm (folded at inference)",
  ReduceMean: "x.mean(dim) over activations is not supported; nn.AdaptiveAvgPool2d(1) exports GlobalAveragePool, which is",
  ReduceSum: "x.sum(dim) over activations is not supported; nn.AdaptiveAvgPool2d(1) exports GlobalAveragePool, which is",
  ReduceMax: "x.max(dim) over activations is not supported; nn.AdaptiveMaxPool2d(1) / MaxPool is",
  Exp: "torch.exp of an activation is not supported (Softmax is taken only as the output head)",
  Log: "torch.log of an activation is not supported (LogSoftmax is taken only as the output head)",
  Pow: "x ** p of an activation is not supported; x * x (Mul of two activations) is",
  Sqrt: "torch.sqrt of an activation is not supported",
  Reciprocal: "1 / x of an activation is not supported",
  Einsum: "torch.einsum is not supported; write it as nn.Linear / MatMul by a constant",
  Slice: "slicing an activation (x[:, a:b]) is not supported; torch.split/chunk of constants is folded",
  Split: "torch.split / torch.chunk of an activation is not supported",
  Elu: "nn.ELU is not supported; nn.LeakyReLU, nn.PReLU, nn.ReLU6, nn.Hardswish, nn.SiLU and nn.GELU are",
  Selu: "nn.SELU is not supported; nn.LeakyReLU, nn.PReLU, nn.ReLU6, nn.Hardswish, nn.SiLU and nn.GELU are",
  Softplus: "nn.Softplus is not supported; nn.SiLU, nn.Sigmoid and nn.Tanh are",
  Mish: "nn.Mish is not supported; nn.SiLU and nn.GELU are",
  Gelu: "the opset-20 Gelu operator is not supported; export at opset <= 17 (Erf form), which is",
  Embedding: "nn.Embedding is not supported",
  Where: "torch.where on activations is not supported",
  TopK: "torch.topk is not supported; ArgMax at the output is",
};

/** The one-line error for an operator with no lowering. */
export function unsupportedOperator(op: string, node: string, detail?: string): Error {
  const hint = detail ?? HINTS[op];
  return new Error(`unsupported ONNX operator ${op} (node "${node}")${hint ? `: ${hint}` : ""} (docs/zk.md lists the supported operators)`);
}

/** The part of an ONNX node the pattern below reads. */
interface GraphNode {
  opType?: string | null;
  input?: string[] | null;
  output?: string[] | null;
}

/**
 * The hint for a node that starts a LayerNorm as exporters below opset 17 write it (ReduceMean(x), then
 * Sub(x, mean), Pow/Mul, ReduceMean, Add(eps), Sqrt, Div): the model owner meets the first node, ReduceMean, and
 * must read that it is nn.LayerNorm. Undefined when `node` is not such a start.
 */
export function decomposedLayerNormHint(nodes: GraphNode[], node: GraphNode): string | undefined {
  if (node.opType !== "ReduceMean") return undefined;
  const x = node.input?.[0];
  const mean = node.output?.[0];
  if (!x || !mean) return undefined;
  const centred = nodes.find((n) => n.opType === "Sub" && n.input?.[0] === x && n.input?.[1] === mean);
  return centred ? `${LAYER_NORM} (this ReduceMean starts an nn.LayerNorm exported as ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div)` : undefined;
}
