/** A 28×28 drawing pad (white on black, like MNIST) and an image upload scaled to the same grid; gives 784 floats in [0, 1]. */
import { useEffect, useRef } from "react";

const SIDE = 28;
const SCALE = 8;

function readGrid(canvas: HTMLCanvasElement): number[] {
  const small = document.createElement("canvas");
  small.width = small.height = SIDE;
  const ctx = small.getContext("2d")!;
  ctx.drawImage(canvas, 0, 0, SIDE, SIDE);
  const px = ctx.getImageData(0, 0, SIDE, SIDE).data;
  return Array.from({ length: SIDE * SIDE }, (_, i) => px[i * 4] / 255);
}

export function DrawPad({ onChange }: { onChange: (v: number[]) => void }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const drawing = useRef(false);
  const clear = () => {
    const ctx = ref.current!.getContext("2d")!;
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, SIDE * SCALE, SIDE * SCALE);
  };
  useEffect(clear, []);
  const at = (e: React.PointerEvent) => {
    const r = ref.current!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const stroke = (e: React.PointerEvent) => {
    if (!drawing.current) return;
    const ctx = ref.current!.getContext("2d")!;
    const [x, y] = at(e);
    ctx.fillStyle = "#fff";
    ctx.beginPath();
    ctx.arc(x, y, SCALE * 1.2, 0, Math.PI * 2);
    ctx.fill();
  };
  return (
    <div className="drawpad">
      <canvas
        ref={ref}
        className="draw"
        width={SIDE * SCALE}
        height={SIDE * SCALE}
        onPointerDown={(e) => ((drawing.current = true), stroke(e))}
        onPointerMove={stroke}
        onPointerUp={() => ((drawing.current = false), onChange(readGrid(ref.current!)))}
      />
      <div className="row">
        <button className="secondary" onClick={() => (clear(), onChange(readGrid(ref.current!)))}>Clear</button>
        <label>
          or an image{" "}
          <input
            type="file"
            accept="image/*"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (!f) return;
              const img = await createImageBitmap(f);
              const ctx = ref.current!.getContext("2d")!;
              ctx.drawImage(img, 0, 0, SIDE * SCALE, SIDE * SCALE);
              onChange(readGrid(ref.current!));
            }}
          />
        </label>
      </div>
    </div>
  );
}
