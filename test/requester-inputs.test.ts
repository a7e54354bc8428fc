import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  InputFormatError,
  InvalidShardSizeError,
  parseCsvInputs,
  parseJsonInputs,
  parseNpyInputs,
  readInputs,
  shardInputs,
} from "../lib/requester/inputs";

/** Builds a .npy file the way numpy.save does: magic, version, header dict padded with spaces to 64 bytes, data. */
function npy(descr: string, shape: number[], values: number[], opts: { major?: number; fortran?: boolean } = {}): Uint8Array {
  const major = opts.major ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? "True" : "False"}, 'shape': ${shapeText}, }`;
  const pre = 8 + (major === 1 ? 2 : 4);
  header += " ".repeat(64 - ((pre + header.length + 1) % 64)) + "\n";
  const size = descr.endsWith("8") ? 8 : descr.endsWith("4") ? 4 : 1;
  const data = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    if (size === 8) data.writeDoubleLE(v, i * 8);
    else if (size === 4) data.writeFloatLE(v, i * 4);
    else data.writeUInt8(v, i);
  });
  const lenField = Buffer.alloc(major === 1 ? 2 : 4);
  if (major === 1) lenField.writeUInt16LE(header.length);
  else lenField.writeUInt32LE(header.length);
  return Buffer.concat([Buffer.from("\x93NUMPY", "latin1"), Buffer.from([major, 0]), lenField, Buffer.from(header, "latin1"), data]);
}

describe("requester inputs: JSON, CSV, .npy", () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "oblivion-inputs-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, body: string | Uint8Array) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, body);
    return f;
  };

  it("reads JSON arrays of vectors", () => {
    expect(readInputs(write("a.json", "[[1, 2.5], [-3, 4e-2]]"))).to.deep.equal([[1, 2.5], [-3, 0.04]]);
    expect(() => parseJsonInputs("{", "x.json")).to.throw(InputFormatError, /x.json: not valid JSON/);
    expect(() => parseJsonInputs('{"a":1}')).to.throw(InputFormatError, /array of vectors/);
    expect(() => parseJsonInputs("[[1, 2], 3]")).to.throw(InputFormatError, /element 1 is not an array/);
    expect(() => parseJsonInputs('[[1, "2"]]')).to.throw(InputFormatError, /element 0\[1\] is "2"/);
    expect(() => parseJsonInputs("[[1, 2], [3]]")).to.throw(InputFormatError, /vector 1 has 1 values, vector 0 has 2/);
    expect(() => parseJsonInputs("[]")).to.throw(InputFormatError, /no input vectors/);
  });

  it("reads CSV, one vector per line, with an optional header", () => {
    expect(readInputs(write("a.csv", "1,2,3\n4.5, -6 ,7e1\n\n"))).to.deep.equal([[1, 2, 3], [4.5, -6, 70]]);
    expect(parseCsvInputs("x0,x1\r\n0.5,1\r\n")).to.deep.equal([[0.5, 1]]);
    expect(() => parseCsvInputs("1,2\n3,abc\n", "b.csv")).to.throw(InputFormatError, /b.csv: line 2, column 2: "abc" is not a number/);
    expect(() => parseCsvInputs("1,2\n3\n")).to.throw(InputFormatError, /vector 1 has 1 values/);
    expect(() => parseCsvInputs("1,,2\n")).to.throw(InputFormatError, /column 2/);
  });

  it("reads .npy float32, float64 and uint8, versions 1 and 2, image stacks flattened", () => {
    const f32 = readInputs(write("a.npy", npy("<f4", [2, 3], [0.5, 1, 1.5, 2, 2.5, -3])));
    expect(f32).to.deep.equal([[0.5, 1, 1.5], [2, 2.5, -3]]);
    expect(parseNpyInputs(npy("<f8", [1, 2], [0.1, 0.2], { major: 2 }))).to.deep.equal([[0.1, 0.2]]);
    const images = parseNpyInputs(npy("|u1", [2, 2, 2], [0, 1, 2, 3, 252, 253, 254, 255]));
    expect(images).to.deep.equal([[0, 1, 2, 3], [252, 253, 254, 255]]);
    expect(parseNpyInputs(npy("<f4", [3], [1, 2, 3]))).to.deep.equal([[1], [2], [3]]);
  });

  it("names malformed .npy files", () => {
    expect(() => parseNpyInputs(Buffer.from("PK\x03\x04 not numpy"), "z.npy")).to.throw(InputFormatError, /z.npy: not a .npy file/);
    expect(() => parseNpyInputs(npy(">f4", [1, 1], [1]))).to.throw(InputFormatError, /unsupported dtype '>f4'/);
    expect(() => parseNpyInputs(npy("<i8", [1, 1], [1]))).to.throw(InputFormatError, /unsupported dtype '<i8'/);
    expect(() => parseNpyInputs(npy("<f4", [2, 2], [1, 2, 3, 4], { fortran: true }))).to.throw(InputFormatError, /Fortran/);
    const good = npy("<f4", [2, 2], [1, 2, 3, 4]);
    expect(() => parseNpyInputs(good.subarray(0, good.length - 1))).to.throw(InputFormatError, /needs 16 data bytes, file has 15/);
    expect(() => parseNpyInputs(good.subarray(0, 30))).to.throw(InputFormatError, /truncated/);
    expect(() => parseNpyInputs(npy("<f4", [1, 1], [NaN]))).to.throw(InputFormatError, /not a finite number/);
    const broken = Buffer.from(good);
    broken.write("'shope'", broken.indexOf("'shape'"), "latin1");
    expect(() => parseNpyInputs(broken)).to.throw(InputFormatError, /malformed .npy header/);
  });

  it("names unknown extensions and missing files", () => {
    expect(() => readInputs(write("a.txt", "1,2"))).to.throw(InputFormatError, /unknown input format ".txt"/);
    expect(() => readInputs(path.join(dir, "absent.csv"))).to.throw(InputFormatError, /cannot read \(ENOENT\)/);
  });

  it("splits into shards of B vectors", () => {
    const v = [[1], [2], [3], [4], [5]];
    expect(shardInputs(v, 2)).to.deep.equal([[[1], [2]], [[3], [4]], [[5]]]);
    expect(shardInputs(v, 5)).to.deep.equal([v]);
    expect(shardInputs(v, 8)).to.deep.equal([v]);
    expect(() => shardInputs(v, 0)).to.throw(InvalidShardSizeError);
    expect(() => shardInputs(v, 1.5)).to.throw(InvalidShardSizeError);
  });
});
