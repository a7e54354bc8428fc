/**
 * Requester input formats (browser-safe: no file system): one input vector per row, read into number[][] and split into shards of B vectors.
 *   .json  an array of equal-length arrays of finite numbers
 *   .csv   one vector per line, comma-separated numbers; a first line of non-numeric names is taken as a header
 *   .npy   NumPy array, dtype float32 (<f4), float64 (<f8) or uint8 (|u1), C order, little endian; shape (N, ...)
 *          gives N vectors of the product of the other dimensions (an (N, 28, 28) image stack gives N x 784)
 */
/** The file is not a well-formed input file of its kind; the message names the file and where. */
export class InputFormatError extends Error {
  override name = "InputFormatError";
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** The shard size is not a positive integer. */
export class InvalidShardSizeError extends Error {
  override name = "InvalidShardSizeError";
}

function checkRectangular(file: string, rows: number[][]): number[][] {
  if (rows.length === 0) throw new InputFormatError(file, "no input vectors");
  const width = rows[0].length;
  if (width === 0) throw new InputFormatError(file, "vectors are empty");
  rows.forEach((r, i) => {
    if (r.length !== width) throw new InputFormatError(file, `vector ${i} has ${r.length} values, vector 0 has ${width}`);
  });
  return rows;
}

export function parseJsonInputs(text: string, file = "<json>"): number[][] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputFormatError(file, `not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(data)) throw new InputFormatError(file, "expected a JSON array of vectors");
  const rows = data.map((row, i) => {
    if (!Array.isArray(row)) throw new InputFormatError(file, `element ${i} is not an array`);
    return row.map((v, j) => {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new InputFormatError(file, `element ${i}[${j}] is ${JSON.stringify(v)}, not a finite number`);
      }
      return v;
    });
  });
  return checkRectangular(file, rows);
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseCsvInputs(text: string, file = "<csv>"): number[][] {
  const lines = text.split(/\r?\n/);
  const rows: number[][] = [];
  lines.forEach((line, n) => {
    if (line.trim() === "") return;
    const fields = line.split(",").map((f) => f.trim());
    if (rows.length === 0 && n === 0 && fields.every((f) => f !== "" && !NUMBER.test(f))) return; // header
    rows.push(
      fields.map((f, col) => {
        if (!NUMBER.test(f)) throw new InputFormatError(file, `line ${n + 1}, column ${col + 1}: ${JSON.stringify(f)} is not a number`);
        return Number(f);
      }),
    );
  });
  return checkRectangular(file, rows);
}

const NPY_MAGIC = "\x93NUMPY";
const NPY_DTYPES: Record<string, { size: number; read: (v: DataView, off: number) => number }> = {
  "<f4": { size: 4, read: (v, o) => v.getFloat32(o, true) },
  "<f8": { size: 8, read: (v, o) => v.getFloat64(o, true) },
  "|u1": { size: 1, read: (v, o) => v.getUint8(o) },
  "<u1": { size: 1, read: (v, o) => v.getUint8(o) },
};

/** Parses the header dict of a .npy file, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } */
function parseNpyHeader(file: string, header: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new InputFormatError(file, `malformed .npy header ${JSON.stringify(header.trim())}`);
  }
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => {
      if (!/^\d+$/.test(s)) throw new InputFormatError(file, `malformed .npy shape (${shapeText})`);
      return Number(s);
    });
  return { descr, fortran: fortran === "True", shape };
}

export function parseNpyInputs(bytes: Uint8Array, file = "<npy>"): number[][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 10 || latin1(bytes.subarray(0, 6)) !== NPY_MAGIC) {
    throw new InputFormatError(file, "not a .npy file (missing \\x93NUMPY magic)");
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw new InputFormatError(file, `unsupported .npy format version ${major}.${bytes[7]}`);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new InputFormatError(file, "truncated .npy header");
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLen;
  if (bytes.length < dataStart) throw new InputFormatError(file, "truncated .npy header");
  const header = major === 3 ? new TextDecoder().decode(bytes.subarray(8 + lenBytes, dataStart)) : latin1(bytes.subarray(8 + lenBytes, dataStart));
  const { descr, fortran, shape } = parseNpyHeader(file, header);
  const dtype = NPY_DTYPES[descr];
  if (!dtype) throw new InputFormatError(file, `unsupported dtype '${descr}' (want <f4, <f8 or |u1, little endian)`);
  if (fortran) throw new InputFormatError(file, "Fortran-order arrays are not supported (save with C order)");
  if (shape.length === 0) throw new InputFormatError(file, "a 0-d array holds no vectors");
  const rows = shape[0];
  const width = shape.slice(1).reduce((a, b) => a * b, 1);
  const expected = rows * width * dtype.size;
  if (bytes.length - dataStart !== expected) {
    throw new InputFormatError(file, `shape (${shape.join(", ")}) of ${descr} needs ${expected} data bytes, file has ${bytes.length - dataStart}`);
  }
  const out: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const row = new Array<number>(width);
    for (let c = 0; c < width; c++) {
      const v = dtype.read(view, dataStart + (r * width + c) * dtype.size);
      if (!Number.isFinite(v)) throw new InputFormatError(file, `value [${r}][${c}] is ${v}, not a finite number`);
      row[c] = v;
    }
    out.push(row);
  }
  return checkRectangular(file, out);
}

/** Splits vectors into consecutive shards of `batch` vectors; the last shard holds the remainder. */
export function shardInputs<T>(vectors: T[], batch: number): T[][] {
  if (!Number.isInteger(batch) || batch < 1) throw new InvalidShardSizeError(`shard size must be a positive integer, got ${batch}`);
  const shards: T[][] = [];
  for (let i = 0; i < vectors.length; i += batch) shards.push(vectors.slice(i, i + batch));
  return shards;
}

/** A .npy file (format 1.0, C order) of float32 vectors, as numpy.save writes it: magic, header padded to 64, data. */
export function encodeNpy(vectors: ArrayLike<number>[]): Uint8Array {
  const width = vectors[0]?.length ?? 0;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${vectors.length}, ${width}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += " ".repeat(pad % 64) + "\n";
  const out = new Uint8Array(10 + header.length + vectors.length * width * 4);
  out.set(latin1Bytes(NPY_MAGIC), 0);
  out[6] = 1;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(latin1Bytes(header), 10);
  vectors.forEach((v, r) => {
    if (v.length !== width) throw new Error(`vector ${r} has ${v.length} values, the first has ${width}`);
    for (let c = 0; c < width; c++) view.setFloat32(10 + header.length + (r * width + c) * 4, v[c], true);
  });
  return out;
}

const latin1 = (b: Uint8Array) => String.fromCharCode(...b);
const latin1Bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** Parses an input file's bytes by its extension (.json, .csv, .npy). */
export function parseInputs(file: string, bytes: Uint8Array): number[][] {
  const ext = (/\.[^.\/]+$/.exec(file)?.[0] ?? "").toLowerCase();
  if (![".json", ".csv", ".npy"].includes(ext)) {
    throw new InputFormatError(file, `unknown input format "${ext}" (want .json, .csv or .npy)`);
  }
  if (ext === ".npy") return parseNpyInputs(bytes, file);
  const text = new TextDecoder().decode(bytes);
  return ext === ".json" ? parseJsonInputs(text, file) : parseCsvInputs(text, file);
}
