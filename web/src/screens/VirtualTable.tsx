/** A table that renders only the rows in view (fixed row height): 10,000 records scroll like 20. */
import { useState, type ReactNode } from "react";

export function VirtualTable<T>({ rows, columns, row, height = 480, rowHeight = 28, id }: { rows: T[]; columns: string[]; row: (r: T, i: number) => ReactNode; height?: number; rowHeight?: number; id?: string }) {
  const [top, setTop] = useState(0);
  const first = Math.max(0, Math.floor(top / rowHeight) - 5);
  const count = Math.ceil(height / rowHeight) + 10;
  const visible = rows.slice(first, first + count);
  return (
    <div className="vtable" id={id} style={{ height, overflowY: "auto" }} onScroll={(e) => setTop(e.currentTarget.scrollTop)} data-rows={rows.length}>
      <table>
        <thead>
          <tr>{columns.map((c) => <th key={c}>{c}</th>)}</tr>
        </thead>
        <tbody>
          <tr style={{ height: first * rowHeight }} aria-hidden />
          {visible.map((r, i) => row(r, first + i))}
          <tr style={{ height: Math.max(0, (rows.length - first - visible.length) * rowHeight) }} aria-hidden />
        </tbody>
      </table>
    </div>
  );
}
