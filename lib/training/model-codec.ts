/**
 * The global model as exchanged between rounds (what a job's model CID points to): "VOM1", uint32 big-endian layer
 * count L+1, the L+1 layer widths as uint32 big-endian, then the flat parameter vector (lib/ml/mlp.ts order) in the
 * canonical VOU1 update encoding. Bit-exact round trip, so every participant starts a round from the same bytes.
 */
import { MlpModel, mlpFromParameters, mlpParameters, mlpShape } from "../ml/mlp";
import { decodeUpdate, encodeUpdate } from "../ml/update";

const MAGIC = [0x56, 0x4f, 0x4d, 0x31]; // "VOM1"

export function encodeModel(model: MlpModel): Uint8Array {
  const shape = mlpShape(model);
  const params = encodeUpdate(mlpParameters(model));
  const head = 8 + 4 * shape.length;
  const out = new Uint8Array(head + params.length);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, shape.length, false);
  shape.forEach((w, i) => view.setUint32(8 + 4 * i, w, false));
  out.set(params, head);
  return out;
}

export function decodeModel(bytes: Uint8Array): MlpModel {
  if (bytes.length < 8 || MAGIC.some((m, i) => bytes[i] !== m)) throw new RangeError("model: not a VOM1 encoding");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(4, false);
  const head = 8 + 4 * n;
  if (n < 2 || bytes.length < head) throw new RangeError(`model: bad layer count ${n}`);
  const shape = Array.from({ length: n }, (_, i) => view.getUint32(8 + 4 * i, false));
  return mlpFromParameters(shape, decodeUpdate(bytes.subarray(head)));
}
