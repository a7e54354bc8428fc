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

/** An R1CS whose linear combination names one wire twice: readers disagree on it (Z-03; snarkjs keeps the last term,
 *  a reader that sums gets another circuit), so no key is made from one. */
export class R1csDuplicateTermError extends Error {
  constructor(file: string, constraint: number, wire: number) {
    super(`${file}: constraint ${constraint} has two terms on wire ${wire}; an R1CS with duplicate terms is ambiguous and is refused`);
    this.name = "R1csDuplicateTermError";
  }
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
  const lc = (c: number): R1csTerm[] => {
    const n = buf.readUInt32LE(q);
    q += 4;
    const terms: R1csTerm[] = [];
    let sorted = true;
    for (let i = 0; i < n; i++) {
      const wire = buf.readUInt32LE(q);
      if (i > 0 && wire <= terms[i - 1].wire) sorted = false;
      terms.push({ wire, coef: readLE(buf, q + 4, n8) });
      q += 4 + n8;
    }
    if (!sorted) {
      const seen = new Set<number>();
      for (const t of terms) {
        if (seen.has(t.wire)) throw new R1csDuplicateTermError(file, c, t.wire);
        seen.add(t.wire);
      }
    }
    return terms;
  };
  for (let c = 0; c < nConstraints; c++) constraints.push([lc(c), lc(c), lc(c)]);
  return { prime, nVars, nOutputs, nPubInputs, nPrvInputs, nConstraints, constraints };
}
