/**
 * The default output: readable tables for a terminal. `count`: one row per file, then tools over
 * the threshold and diagnostics; `check`: one row per limit exceeded and a verdict; `diff`: the
 * files that changed and the totals. Every cell and line is passed through `visible` (control and
 * bidi characters of file names, model ids, tool names and messages as escapes), so one row is one
 * line and nothing in a file reaches the terminal as an escape sequence.
 */
import { formatUSD, usdText } from '../../core/format';
import type { EstimateReason } from '../../core/types';
import type { CountedFile, FileReport } from '../count';
import type { RenderContext } from './formats';
import { type CheckResult, type CommandResult, type ContextResult, type ContextServerEntry, type DiffResult, type DiffSide } from './model';
import { visible } from './escape/terminal';
import { changeText, offenderCells, offlineNote, signedTokens, signedUSD, tokens } from './text';

/** Why a count is an estimate, short enough for a table column (core/format's REASON_TEXT is the long form). */
const REASONS: Record<EstimateReason, string> = {
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

function sourceOf(f: CountedFile): string {
  return f.exact ? f.source : `estimate (${f.reason ? REASONS[f.reason] : REASONS.offline})`;
}

/**
 * One line on prompt caching for a file with breakpoints: what is cached, what the first request
 * (cache write) and a repeat (cache read) cost, and when caching pays off.
 */
function cacheLine(f: CountedFile): string | undefined {
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

/** Pads columns to their widest cell; the last column is left ragged. Cells are made `visible` first. */
function columns(raw: string[][], rightAligned: Set<number>): string {
  const rows = raw.map((r) => r.map(visible));
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
function formatTable(files: FileReport[], info: { offline: boolean; pricesAsOf: string }): string {
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
    if (f.costUSD.modes.length > 0) notes.push(`${f.path}: priced with ${f.costUSD.modes.join(', ')}`);
    if (f.costUSD.unconfirmed.length > 0) notes.push(`${f.path}: unconfirmed price (${f.costUSD.unconfirmed.join(', ')}): only third parties state it`);
    if (f.inputTokensBeforeContextEditing !== undefined) {
      notes.push(`${f.path}: context editing: ${tokens(f.inputTokensBeforeContextEditing, f.exact)} tokens before, ${tokens(f.inputTokens, f.exact)} after`);
    }
    const line = cacheLine(f);
    if (line) notes.push(`${f.path}: ${line}`);
  }
  for (const f of files) {
    if ('error' in f) notes.push(`${f.path}${f.line ? `:${f.line}` : ''}: error: ${f.error}`);
  }
  for (const f of counted) {
    for (const d of f.diagnostics) notes.push(`${f.path}${d.line ? `:${d.line}` : ''}: ${d.severity} ${d.code}: ${d.message}`);
  }
  if (notes.length > 0) lines.push('', ...notes.map(visible));

  const skipped = files.filter((f) => 'skipped' in f);
  const errors = files.filter((f) => 'error' in f).length;
  const exact = counted.filter((f) => f.exact).length;
  const summary = [`${counted.length} file${counted.length === 1 ? '' : 's'} counted (${exact} exact, ${counted.length - exact} estimated)`];
  if (skipped.length > 0) summary.push(`${skipped.length} skipped (not prompt or payload files: ${skipped.map((f) => f.path).join(', ')})`);
  if (errors > 0) summary.push(`${errors} with errors`);
  lines.push('', `${visible(summary.join('; '))}. Prices as of ${info.pricesAsOf}${info.offline ? '; offline estimates marked ≈' : ''}.`);
  return `${lines.join('\n').replace(/^\n/, '')}\n`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** `check`'s report: one row per limit exceeded (file:line), errors, and a verdict. */
function formatCheckTable(r: CheckResult): string {
  const lines: string[] = [];
  if (r.offenders.length > 0) {
    const rows = [['FILE:LINE', 'LIMIT', 'TOKENS', 'MAX', 'OVER BY', 'SET BY']];
    for (const o of r.offenders) {
      const c = offenderCells(o);
      rows.push([`${o.path}:${o.line}`, c.limit, c.amount, c.max, c.over, o.limitFrom]);
    }
    lines.push(columns(rows, new Set([2, 3, 4])), '');
    for (const o of r.offenders) if (o.rule === 'max-context-tokens' || o.rule === 'max-server-tokens') lines.push(visible(`${o.path}:${o.line}: ${o.message}`));
    if (r.offenders.some((o) => o.rule === 'max-context-tokens' || o.rule === 'max-server-tokens')) lines.push('');
  }
  for (const e of r.errors) lines.push(visible(`${e.path}${e.line ? `:${e.line}` : ''}: error: ${e.error}`));
  if (r.errors.length > 0) lines.push('');
  const s = r.summary;
  const context = r.context ? `the agent context of ${r.context.root} (${tokens(r.context.total.inputTokens, r.context.total.exact)} tokens)` : undefined;
  const files = `${plural(s.counted, 'file')} checked (${s.exact} exact, ${s.estimated} estimated)`;
  const checked = context ? (s.files === 0 ? `${context} checked` : `${context} and ${files}`) : files;
  const offenderFiles = new Set(r.offenders.map((o) => o.path)).size;
  const verdict =
    s.offenders > 0
      ? `✗ ${plural(s.offenders, 'limit')} exceeded in ${plural(offenderFiles, 'file')}; ${checked}`
      : s.errors > 0
        ? `✗ ${plural(s.errors, 'file')} could not be checked; ${checked}`
        : `✓ ${checked}: all within their limits`;
  const note = offlineNote(r);
  lines.push(`${verdict}${s.offenders > 0 && s.errors > 0 ? `; ${plural(s.errors, 'error')}` : ''}.${note ? ` ${note[0]!.toUpperCase()}${note.slice(1)}.` : ''}`);
  return `${lines.join('\n')}\n`;
}

/** Tokens of one side of a diff row. */
function sideTokens(s: DiffSide | null): string {
  if (!s) return '-';
  return 'error' in s ? 'error' : tokens(s.inputTokens, s.exact);
}

function sideUSD(s: DiffSide | null): string {
  if (!s) return '-';
  return 'error' in s ? 'error' : formatUSD(s.costUSD.input ?? undefined);
}

/** `diff`'s report: the files whose content changed, added or removed, and the totals. */
function formatDiffTable(r: DiffResult): string {
  const lines: string[] = [];
  const shown = r.files.filter((f) => f.status !== 'unchanged');
  const t = r.totals;
  if (shown.length > 0) {
    const rows = [['FILE', 'STATUS', `AT ${r.ref}`, 'NOW', 'CHANGE', 'COST BEFORE', 'COST NOW', 'COST CHANGE']];
    for (const f of shown) rows.push([f.path, f.status, sideTokens(f.before), sideTokens(f.after), changeText(f), sideUSD(f.before), sideUSD(f.after), signedUSD(f.delta.inputUSD)]);
    rows.push([
      'TOTAL',
      '',
      tokens(t.before.inputTokens, t.before.exact),
      tokens(t.after.inputTokens, t.after.exact),
      signedTokens(t.delta.inputTokens, t.before.exact && t.after.exact),
      formatUSD(t.before.inputUSD),
      formatUSD(t.after.inputUSD),
      signedUSD(t.delta.inputUSD),
    ]);
    lines.push(columns(rows, new Set([2, 3, 5, 6, 7])), '');
  }
  for (const e of r.errors) lines.push(visible(`${e.path}${e.line ? `:${e.line}` : ''}: error${e.side === 'ref' ? ` at ${r.ref}` : ''}: ${e.error}`));
  if (r.errors.length > 0) lines.push('');
  const f = t.files;
  const counts = `${f.changed} changed, ${f.added} added, ${f.removed} removed, ${f.unchanged} unchanged`;
  const commit = r.commit ? ` (${r.commit.slice(0, 12)})` : '';
  const head = shown.length === 0 ? `No prompt or payload file changed since ${r.ref}${commit} (${plural(f.unchanged, 'file')} unchanged)` : `${counts} since ${r.ref}${commit}`;
  const note = offlineNote(r);
  const unpriced = t.unpriced > 0 ? `; ${plural(t.unpriced, 'file')} without a price left out of the costs` : '';
  lines.push(`${visible(head)}. Costs are input cost per request, prices as of ${r.pricesAsOf}${unpriced}${note ? `; ${note}` : ''}.`);
  return `${lines.join('\n')}\n`;
}

/** Share of the context window, `1.2%`. */
export function windowPercent(share: number | null): string {
  if (share === null) return '';
  const p = share * 100;
  if (p > 0 && p < 0.1) return '<0.1%';
  return `${p >= 10 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** Why a server's tools are not in the count, in words, with what to do. */
export function serverStatusText(s: ContextServerEntry): string {
  if (s.status === 'ok') return s.cached ? 'tools from the cache of an earlier run' : 'tools listed now';
  return s.status === 'failed' ? `failed: ${s.message ?? 'unknown error'}` : (s.message ?? `not started (${s.reason})`);
}

/** `context`'s report: the total, then per source, per server and per tool, largest first. */
function formatContextTable(r: ContextResult): string {
  const t = r.total;
  const lines: string[] = [];
  const pct = windowPercent(t.windowShare);
  const reason = t.exact ? '' : ` (estimate: ${t.reason ? REASONS[t.reason as EstimateReason] ?? t.reason : REASONS.offline})`;
  lines.push(visible(`Context footprint of ${r.root} on ${r.model}: ${tokens(t.inputTokens, t.exact)} tokens before the user types${pct ? `, ${pct} of the ${tokens(t.contextWindow ?? 0)}-token window` : ''}, ${usdText(t.costUSD ?? undefined, t.exact)} per request${reason}.`), '');
  const rows = [['SOURCE', 'KIND', 'UP FRONT', 'COST', 'ON USE']];
  for (const s of r.sources) {
    const up = s.upFront.inputTokens > 0 || s.onUse.inputTokens === 0;
    rows.push([s.importedFrom ? `  ${s.name}` : s.name, s.kind, up ? tokens(s.upFront.inputTokens, s.upFront.exact) : '-', up ? usdText(s.costUSD ?? undefined, s.upFront.exact) : '', s.onUse.inputTokens > 0 ? tokens(s.onUse.inputTokens, s.onUse.exact) : '-']);
  }
  for (const s of r.servers) {
    const known = s.status === 'ok';
    rows.push([`${s.name} (${s.path}:${s.line})`, `mcp ${s.transport}`, known ? tokens(s.upFront.inputTokens, s.upFront.exact) : '?', known ? usdText(s.costUSD ?? undefined, s.upFront.exact) : '-', s.deferred.inputTokens > 0 ? `${tokens(s.deferred.inputTokens, s.deferred.exact)} deferred` : '-']);
    for (const tool of s.tools) rows.push([`  ${tool.name}`, tool.deferred ? 'tool, deferred' : 'tool', tool.deferred ? '-' : tokens(tool.inputTokens, tool.exact), '', tool.deferred ? tokens(tool.inputTokens, tool.exact) : '']);
  }
  rows.push(['framing', 'remainder', tokens(r.framing.inputTokens, r.framing.exact), '', '']);
  rows.push(['TOTAL', '', tokens(t.inputTokens, t.exact), usdText(t.costUSD ?? undefined, t.exact), '']);
  lines.push(columns(rows, new Set([2, 3, 4])), '');
  for (const s of r.servers) {
    if (s.status === 'ok' && !s.cached) continue;
    // A not-started message names the server itself ("MCP server 'github' (npx …) was not started: …").
    lines.push(visible(s.status === 'not-started' && s.message ? s.message : `MCP server ${s.name}: ${serverStatusText(s)}`));
  }
  for (const p of r.problems) lines.push(visible(`${p.path}${p.line ? `:${p.line}` : ''}: ${p.severity}: ${p.message}`));
  lines.push(visible(r.notCounted));
  const note = offlineNote(r);
  if (note) lines.push(`${note[0]!.toUpperCase()}${note.slice(1)}.`);
  return `${lines.join('\n')}\n`;
}

/** The readable report of any command. */
export function renderTable(result: CommandResult, _ctx: RenderContext): string {
  switch (result.command) {
    case 'count':
      return formatTable(result.files, { offline: result.offline, pricesAsOf: result.pricesAsOf });
    case 'check':
      return formatCheckTable(result);
    case 'diff':
      return formatDiffTable(result);
    case 'context':
      return formatContextTable(result);
  }
}
