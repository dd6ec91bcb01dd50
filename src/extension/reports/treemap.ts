/** Squarified treemap layout (Bruls, Huizing, van Wijk): pure, no `vscode` import. */

export interface TreemapRect<T> {
  x: number;
  y: number;
  w: number;
  h: number;
  item: T;
}

interface Cell<T> {
  area: number;
  item: T;
}

/** The worst aspect ratio of a row of areas laid along a side of length `side`. */
function worst(row: readonly number[], side: number): number {
  const sum = row.reduce((a, b) => a + b, 0);
  if (sum <= 0 || side <= 0) return Infinity;
  let max = 0;
  for (const r of row) max = Math.max(max, (side * side * r) / (sum * sum), (sum * sum) / (side * side * r));
  return max;
}

/**
 * Lays out items with positive values in the rectangle (x, y, w, h), largest first, as rectangles
 * whose areas are proportional to the values and whose sides are as square as the greedy
 * algorithm gets them. Items with a value of 0 or less are left out.
 */
export function squarify<T>(items: readonly { value: number; item: T }[], x: number, y: number, w: number, h: number): TreemapRect<T>[] {
  const total = items.reduce((s, i) => s + Math.max(0, i.value), 0);
  if (total <= 0 || w <= 0 || h <= 0) return [];
  const cells: Cell<T>[] = items
    .filter((i) => i.value > 0)
    .sort((a, b) => b.value - a.value)
    .map((i) => ({ area: (i.value / total) * w * h, item: i.item }));
  const out: TreemapRect<T>[] = [];
  let rect = { x, y, w, h };
  let row: Cell<T>[] = [];
  const layout = () => {
    const sum = row.reduce((s, c) => s + c.area, 0);
    if (rect.w >= rect.h) {
      // A column along the left side.
      const width = sum / rect.h;
      let cy = rect.y;
      for (const c of row) {
        const ch = c.area / width;
        out.push({ x: rect.x, y: cy, w: width, h: ch, item: c.item });
        cy += ch;
      }
      rect = { x: rect.x + width, y: rect.y, w: rect.w - width, h: rect.h };
    } else {
      // A row along the top.
      const height = sum / rect.w;
      let cx = rect.x;
      for (const c of row) {
        const cw = c.area / height;
        out.push({ x: cx, y: rect.y, w: cw, h: height, item: c.item });
        cx += cw;
      }
      rect = { x: rect.x, y: rect.y + height, w: rect.w, h: rect.h - height };
    }
    row = [];
  };
  for (const cell of cells) {
    const side = Math.min(rect.w, rect.h);
    const areas = row.map((c) => c.area);
    if (row.length === 0 || worst([...areas, cell.area], side) <= worst(areas, side)) row.push(cell);
    else {
      layout();
      row.push(cell);
    }
  }
  if (row.length > 0) layout();
  return out;
}
