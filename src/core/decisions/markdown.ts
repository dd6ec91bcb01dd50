/**
 * Small Markdown helpers for the decision renderers: GitHub-flavoured tables that survive any
 * cell text (pipes and line breaks escaped), and the number formats Token Lens uses everywhere.
 */
import { formatTokens, usdText } from '../format';

/** `12,345`, `≈12,345` when not exact. */
export const tokensText = formatTokens;

export { usdText };

/** A signed saving: "saves $0.12" / "costs $0.12 more" / "no change". */
export function savingText(amount: number | undefined, exact = true): string {
  if (amount === undefined) return 'price unknown';
  if (Math.abs(amount) < 1e-12) return 'no change';
  return amount > 0 ? `saves ${usdText(amount, exact)}` : `costs ${usdText(-amount, exact)} more`;
}

/** `12.3%` of a share in [0, 1]. */
export function percentText(share: number): string {
  if (!Number.isFinite(share)) return '–';
  const pct = share * 100;
  return `${pct >= 10 || pct === 0 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

/** A table cell: pipes escaped, line breaks turned into spaces. */
export function cell(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ').replace(/\|/g, '\\|');
}

/** A Markdown table. `align` per column: `l` (default) or `r`. */
export function table(header: string[], rows: string[][], align: ('l' | 'r')[] = []): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `|${header.map((_, i) => (align[i] === 'r' ? '--:' : '---')).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
