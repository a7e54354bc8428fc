/**
 * Writes ONNX models (IR 8) from a small plain-object spec with onnx-proto. Used by the ML code to export trained
 * models and by tests to build tiny models. The signature is a team-wide convention (docs: notes/TEAM.md).
 */
import { onnx } from "onnx-proto";

export interface OnnxValueSpec {
  name: string;
  /** Dimensions; a string is a symbolic dimension such as "N". */
  dims: (number | string)[];
}

export interface OnnxInitializerSpec {
  name: string;
  dims: number[];
  data: Float32Array;
}

export interface OnnxNodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, number | number[] | string>;
}

export interface OnnxModelSpec {
  inputs: OnnxValueSpec[];
  outputs: OnnxValueSpec[];
  initializers: OnnxInitializerSpec[];
  nodes: OnnxNodeSpec[];
  opset?: number;
}

/** Attributes that ONNX types as FLOAT even when the value happens to be an integer (Gemm alpha=1, say). */
const FLOAT_ATTRIBUTES = new Set(["alpha", "beta", "epsilon", "momentum", "gamma", "bias", "lambd", "ratio"]);

function valueInfo(v: OnnxValueSpec): onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: v.dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: number | number[] | string): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === "string") return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) {
    if (FLOAT_ATTRIBUTES.has(name) || value.some((x) => !Number.isInteger(x))) return { name, type: T.FLOATS, floats: value };
    return { name, type: T.INTS, ints: value };
  }
  if (FLOAT_ATTRIBUTES.has(name) || !Number.isInteger(value)) return { name, type: T.FLOAT, f: value };
  return { name, type: T.INT, i: value };
}

/** Builds a serialized ONNX ModelProto (IR version 8, default opset 13) from `spec`. */
export function buildOnnxModel(spec: OnnxModelSpec): Uint8Array {
  for (const init of spec.initializers) {
    const size = init.dims.reduce((a, b) => a * b, 1);
    if (size !== init.data.length) {
      throw new Error(`buildOnnxModel: initializer "${init.name}" has ${init.data.length} values but dims [${init.dims}] need ${size}`);
    }
  }
  const graph: onnx.IGraphProto = {
    name: "graph",
    input: spec.inputs.map(valueInfo),
    output: spec.outputs.map(valueInfo),
    initializer: spec.initializers.map((i) => ({
      name: i.name,
      dims: i.dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(i.data.buffer.slice(i.data.byteOffset, i.data.byteOffset + i.data.byteLength)),
    })),
    node: spec.nodes.map((n, k) => ({
      opType: n.op,
      name: n.name ?? `${n.op}_${k}`,
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attributes ?? {}).map(([key, v]) => attribute(key, v)),
    })),
  };
  const model: onnx.IModelProto = {
    irVersion: 8,
    producerName: "v-oblivion",
    opsetImport: [{ domain: "", version: spec.opset ?? 13 }],
    graph,
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
