/**
 * Offset ↔ line/column conversion. Line breaks are `\n`, `\r\n` and a lone `\r`, as in
 * `vscode.TextDocument`; lines and columns are 0-based, columns in UTF-16 code units.
 */

/** A 0-based line and column. */
export interface LinePosition {
  line: number;
  column: number;
}

/** Precomputed line starts of one text, for many offset lookups in O(log lines) each. */
export class LineIndex {
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    const len = text.length;
    for (let i = 0; i < len; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) starts.push(i + 1);
      else if (c === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.starts = starts;
  }

  /** Number of lines (a text without line breaks has one). */
  get lineCount(): number {
    return this.starts.length;
  }

  /** 0-based line and column of `offset` (clamped to the text). */
  position(offset: number): LinePosition {
    const off = Math.max(0, Math.min(Number.isFinite(offset) ? Math.floor(offset) : 0, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= off) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: off - (this.starts[lo] ?? 0) };
  }

  /** Offset of a 0-based line and column (both clamped). */
  offsetAt(line: number, column: number): number {
    const l = Math.max(0, Math.min(line, this.starts.length - 1));
    const start = this.starts[l] ?? 0;
    const next = l + 1 < this.starts.length ? (this.starts[l + 1] ?? this.text.length) : this.text.length;
    return Math.max(start, Math.min(start + Math.max(0, column), next));
  }
}

let cached: LineIndex | undefined;

/** A line index for `text`, reusing the previous one when called again with the same text. */
export function lineIndexOf(text: string): LineIndex {
  if (cached === undefined || cached.text !== text) cached = new LineIndex(text);
  return cached;
}

/**
 * 0-based line and column of `offset` in `text`. Repeated calls with the same text reuse the
 * precomputed line starts, so looking up many offsets is cheap.
 */
export function lineOf(text: string, offset: number): LinePosition {
  return lineIndexOf(text).position(offset);
}
