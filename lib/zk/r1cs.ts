/** Minimal reader of circom's .r1cs binary format (header and constraints), coefficients as BigInt. */
import fs from "node:fs";

export interface R1csTerm {
  wire: number;
  coef: bigint;
}

export interface R1cs {
  prime: bigint;
  nVars: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  nConstraints: number;
  /** Each constraint: [A, B, C] linear combinations, A*B = C. */
  constraints: [R1csTerm[], R1csTerm[], R1csTerm[]][];
}

function readLE(buf: Buffer, pos: number, n: number): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[pos + i]);
  return v;
}

export function readR1cs(file: string): R1cs {
  const buf = fs.readFileSync(file);
  if (buf.toString("latin1", 0, 4) !== "r1cs") throw new Error(`${file}: not an r1cs file`);
  const nSections = buf.readUInt32LE(8);
  const sections = new Map<number, { pos: number; len: number }>();
  let p = 12;
  for (let i = 0; i < nSections; i++) {
    const type = buf.readUInt32LE(p);
    const len = Number(buf.readBigUInt64LE(p + 4));
    sections.set(type, { pos: p + 12, len });
    p += 12 + len;
  }
  const h = sections.get(1);
  const cs = sections.get(2);
  if (!h || !cs) throw new Error(`${file}: missing header or constraints section`);
  let q = h.pos;
  const n8 = buf.readUInt32LE(q);
  const prime = readLE(buf, q + 4, n8);
  q += 4 + n8;
  const nVars = buf.readUInt32LE(q);
  const nOutputs = buf.readUInt32LE(q + 4);
  const nPubInputs = buf.readUInt32LE(q + 8);
  const nPrvInputs = buf.readUInt32LE(q + 12);
  const nConstraints = buf.readUInt32LE(q + 24);
  const constraints: R1cs["constraints"] = [];
  q = cs.pos;
  const lc = (): R1csTerm[] => {
    const n = buf.readUInt32LE(q);
    q += 4;
    const terms: R1csTerm[] = [];
    for (let i = 0; i < n; i++) {
      terms.push({ wire: buf.readUInt32LE(q), coef: readLE(buf, q + 4, n8) });
      q += 4 + n8;
    }
    return terms;
  };
  for (let c = 0; c < nConstraints; c++) constraints.push([lc(), lc(), lc()]);
  return { prime, nVars, nOutputs, nPubInputs, nPrvInputs, nConstraints, constraints };
}
