import { formatUSD } from '../core/models/cost';
import type { CountedFile, FileReport } from './count';

const REASONS: Record<string, string> = {
  'no-key': 'no API key',
  offline: 'offline',
  untrusted: 'untrusted workspace',
  'rate-limited': 'rate limited',
  unauthorized: 'key rejected',
  'unknown-model': 'unknown model',
  rejected: 'API rejected request',
  'uncountable-content': 'partly uncountable',
  network: 'API unreachable',
  timeout: 'API timed out',
  'server-error': 'API error',
  'too-large': 'too large',
};

export function tokens(n: number, exact: boolean): string {
  return `${exact ? '' : '≈'}${n.toLocaleString('en-US')}`;
}

function sourceOf(f: CountedFile): string {
  return f.exact ? f.source : `estimate (${REASONS[f.reason ?? ''] ?? f.reason ?? 'offline'})`;
}

/**
 * One line on prompt caching for a file with breakpoints: what is cached, what the first request
 * (cache write) and a repeat (cache read) cost, and when caching pays off.
 */
export function cacheLine(f: CountedFile): string | undefined {
  const c = f.cache;
  if (!c) return undefined;
  const n = c.breakpoints.length;
  const what = `${n} breakpoint${n === 1 ? '' : 's'}`;
  const cached = c.tokens.read;
  if (cached === 0) return `cache: nothing cached (${what}; every prefix is below the model's minimum)`;
  const head = `cache: ${tokens(cached, c.exact)} of ${tokens(f.inputTokens, f.exact)} tokens cached (${what})`;
  const usd = (v: number | null) => formatUSD(v ?? undefined);
  const costs = `first request ${usd(f.costUSD.cacheFirstRequest)}, repeats ${usd(f.costUSD.cacheRepeatRequest)}, uncached ${usd(c.uncachedRequest)}`;
  const n2 = f.costUSD.cacheBreakEvenRequests;
  const priced = f.costUSD.cacheFirstRequest !== null && f.costUSD.cacheRepeatRequest !== null && c.uncachedRequest !== null;
  const payoff = !priced ? '' : n2 === null ? '; never pays off' : n2 === 1 ? '; pays off from the first request' : `; pays off after ${n2} identical requests`;
  return `${head}; ${costs}${payoff}`;
}

/** Pads columns to their widest cell; the last column is left ragged. */
function columns(rows: string[][], rightAligned: Set<number>): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => {
          if (c === r.length - 1) return cell;
          const pad = ' '.repeat(widths[c]! - [...cell].length);
          return rightAligned.has(c) ? pad + cell : cell + pad;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The human-readable report: one row per file, then tools over the threshold and diagnostics. */
export function formatTable(files: FileReport[], info: { offline: boolean; pricesAsOf: string }): string {
  const counted = files.filter((f): f is CountedFile => 'inputTokens' in f);
  const lines: string[] = [];
  if (counted.length > 0) {
    const rows = [['FILE', 'KIND', 'MODEL', 'TOKENS', 'INPUT', 'MAX TOTAL', 'SOURCE']];
    for (const f of counted) {
      rows.push([
        f.path,
        f.kind,
        f.model,
        tokens(f.inputTokens, f.exact),
        formatUSD(f.costUSD.input ?? undefined),
        f.maxTokens !== undefined ? formatUSD(f.costUSD.total ?? undefined) : '-',
        sourceOf(f),
      ]);
    }
    lines.push(columns(rows, new Set([3, 4, 5])));
  }
  const notes: string[] = [];
  for (const f of counted) {
    const line = cacheLine(f);
    if (line) notes.push(`${f.path}: ${line}`);
  }
  for (const f of files) {
    if ('error' in f) notes.push(`${f.path}${f.line ? `:${f.line}` : ''}: error: ${f.error}`);
  }
  for (const f of counted) {
    for (const d of f.diagnostics) notes.push(`${f.path}${d.line ? `:${d.line}` : ''}: ${d.severity} ${d.code}: ${d.message}`);
  }
  if (notes.length > 0) lines.push('', ...notes);

  const skipped = files.filter((f) => 'skipped' in f);
  const errors = files.filter((f) => 'error' in f).length;
  const exact = counted.filter((f) => f.exact).length;
  const summary = [`${counted.length} file${counted.length === 1 ? '' : 's'} counted (${exact} exact, ${counted.length - exact} estimated)`];
  if (skipped.length > 0) summary.push(`${skipped.length} skipped (not prompt or payload files: ${skipped.map((f) => f.path).join(', ')})`);
  if (errors > 0) summary.push(`${errors} with errors`);
  lines.push('', `${summary.join('; ')}. Prices as of ${info.pricesAsOf}${info.offline ? '; offline estimates marked ≈' : ''}.`);
  return `${lines.join('\n').replace(/^\n/, '')}\n`;
}
