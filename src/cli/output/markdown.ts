/**
 * `--markdown`: compact reports for a pull-request comment. A header line with the verdict and
 * totals, then a table; estimates marked `≈`, and "(offline estimates)" in the header when
 * every number is one.
 */
import { formatUSD, usdText } from '../../core/format';
import type { CountedFile } from '../count';
import type { RenderContext } from './formats';
import { type CheckResult, type CommandResult, type ContextResult, type CountResult, type DiffResult, type RunInfo } from './model';
import { code, plain } from './escape/markdown';
import { changeText, offenderCells, signedTokens, signedUSD, tokens } from './text';
import { serverStatusText, windowPercent } from './table';

function offline(info: RunInfo): string {
  return info.offline ? ' (offline estimates)' : '';
}

function table(header: string[], align: ('l' | 'r')[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${align.map((a) => (a === 'r' ? '--:' : '---')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function footer(info: RunInfo, extra = ''): string {
  return `<sub>Token Lens ${info.version} · prices as of ${info.pricesAsOf}${info.config ? ` · limits from ${code(info.config)}` : ''}${extra}</sub>`;
}

/** The pricing modes and unconfirmed prices of a file's cost, after its input cost: ` (fast mode ×2)`. */
function priceNote(f: CountedFile): string {
  const notes = [...f.costUSD.modes, ...(f.costUSD.unconfirmed.length > 0 ? ['unconfirmed price'] : [])];
  return notes.length > 0 ? ` (${plain(notes.join(', '))})` : '';
}

function countMarkdown(r: CountResult): string {
  const counted = r.files.filter((f): f is CountedFile => 'inputTokens' in f);
  const allExact = counted.every((f) => f.exact);
  const sum = counted.reduce((n, f) => n + f.inputTokens, 0);
  const lines = [`### Token Lens: ${counted.length} file${counted.length === 1 ? '' : 's'}, ${tokens(sum, allExact)} input tokens${offline(r)}`, ''];
  if (counted.length > 0) {
    lines.push(
      ...table(
        ['File', 'Model', 'Tokens', 'Input cost', 'Max total'],
        ['l', 'l', 'r', 'r', 'r'],
        counted.map((f) => [
          code(f.path),
          code(f.model),
          tokens(f.inputTokens, f.exact),
          `${formatUSD(f.costUSD.input ?? undefined)}${priceNote(f)}`,
          f.maxTokens !== undefined ? formatUSD(f.costUSD.total ?? undefined) : '–',
        ]),
      ),
      '',
    );
  }
  const problems = r.files.flatMap((f) => ('error' in f ? [`- ❌ ${code(`${f.path}${f.line ? `:${f.line}` : ''}`)}: ${plain(f.error)}`] : []));
  const warnings = counted.flatMap((f) => f.diagnostics.filter((d) => d.severity !== 'info').map((d) => `- ⚠️ ${code(`${f.path}${d.line ? `:${d.line}` : ''}`)}: ${plain(d.message)}`));
  if (problems.length + warnings.length > 0) lines.push(...problems, ...warnings, '');
  lines.push(footer(r));
  return `${lines.join('\n')}\n`;
}

function checkMarkdown(r: CheckResult): string {
  const s = r.summary;
  const files = new Set(r.offenders.map((o) => o.path)).size;
  const head =
    s.offenders > 0
      ? `❌ ${s.offenders} limit${s.offenders === 1 ? '' : 's'} exceeded in ${files} file${files === 1 ? '' : 's'}`
      : s.errors > 0
        ? `❌ ${s.errors} file${s.errors === 1 ? '' : 's'} could not be checked`
        : `✅ all ${s.counted} file${s.counted === 1 ? '' : 's'} within their limits`;
  const lines = [`### Token Lens check: ${head}${offline(r)}`, ''];
  if (r.offenders.length > 0) {
    lines.push(
      ...table(
        ['File', 'Limit', 'Tokens / USD', 'Max', 'Over by', 'Set by'],
        ['l', 'l', 'r', 'r', 'r', 'l'],
        r.offenders.map((o) => {
          const c = offenderCells(o);
          const limit = o.rule === 'budget' ? 'budget per request' : o.rule === 'max-tool-tokens' ? `tool ${code(o.tool ?? '')}` : plain(c.limit);
          return [code(`${o.path}:${o.line}`), limit, c.amount, c.max, c.over, code(o.limitFrom)];
        }),
      ),
      '',
    );
  }
  if (r.errors.length > 0) lines.push(...r.errors.map((e) => `- ❌ ${code(`${e.path}${e.line ? `:${e.line}` : ''}`)}: ${plain(e.error)}`), '');
  lines.push(footer(r, ` · ${s.counted} file${s.counted === 1 ? '' : 's'} checked (${s.exact} exact, ${s.estimated} estimated)`));
  return `${lines.join('\n')}\n`;
}

function diffMarkdown(r: DiffResult): string {
  const t = r.totals;
  const exact = t.before.exact && t.after.exact;
  const changed = r.files.filter((f) => f.status !== 'unchanged');
  const lines = [
    `### Token Lens vs ${code(r.ref)}: ${signedTokens(t.delta.inputTokens, exact)} input tokens (${signedUSD(t.delta.inputUSD)}) in ${changed.length} file${changed.length === 1 ? '' : 's'}${offline(r)}`,
    '',
  ];
  if (changed.length > 0) {
    const side = (s: (typeof changed)[number]['before']) => (!s ? '–' : 'error' in s ? 'error' : tokens(s.inputTokens, s.exact));
    lines.push(
      ...table(
        ['File', `At ${plain(r.ref)}`, 'Now', 'Change', 'Cost change'],
        ['l', 'r', 'r', 'r', 'r'],
        [
          ...changed.map((f) => [code(f.path), side(f.before), side(f.after), changeText(f), signedUSD(f.delta.inputUSD)]),
          [`**Total** (${t.files.changed} changed, ${t.files.added} new, ${t.files.removed} removed, ${t.files.unchanged} unchanged)`, tokens(t.before.inputTokens, t.before.exact), tokens(t.after.inputTokens, t.after.exact), `**${signedTokens(t.delta.inputTokens, exact)}**`, `**${signedUSD(t.delta.inputUSD)}**`],
        ],
      ),
      '',
    );
  } else {
    lines.push(`No prompt or payload file changed (${t.files.unchanged} unchanged).`, '');
  }
  if (r.errors.length > 0) lines.push(...r.errors.map((e) => `- ❌ ${code(`${e.path}${e.line ? `:${e.line}` : ''}`)}${e.side === 'ref' ? ` at ${code(r.ref)}` : ''}: ${plain(e.error)}`), '');
  lines.push(footer(r, `${r.commit ? ` · ${code(r.ref)} is ${r.commit.slice(0, 12)}` : ''} · costs are input cost per request`));
  return `${lines.join('\n')}\n`;
}

function contextMarkdown(r: ContextResult): string {
  const t = r.total;
  const pct = windowPercent(t.windowShare);
  const lines = [`### Token Lens: agent context ${tokens(t.inputTokens, t.exact)} tokens before the user types${pct ? ` (${pct} of the window)` : ''}, ${usdText(t.costUSD ?? undefined, t.exact)} per request${offline(r)}`, ''];
  const rows: string[][] = [
    ...r.sources.filter((s) => s.upFront.inputTokens > 0).map((s) => [code(s.name), s.kind, tokens(s.upFront.inputTokens, s.upFront.exact), usdText(s.costUSD ?? undefined, s.upFront.exact)]),
    ...r.servers.map((s) => [`${code(s.name)} (MCP, ${s.tools.length} tools)`, s.status === 'ok' ? 'mcp' : plain(serverStatusText(s)), s.status === 'ok' ? tokens(s.upFront.inputTokens, s.upFront.exact) : '?', s.status === 'ok' ? usdText(s.costUSD ?? undefined, s.upFront.exact) : '–']),
    ['framing', 'remainder', tokens(r.framing.inputTokens, r.framing.exact), ''],
    ['**Total**', '', `**${tokens(t.inputTokens, t.exact)}**`, `**${usdText(t.costUSD ?? undefined, t.exact)}**`],
  ];
  lines.push(...table(['Source', 'Kind', 'Tokens', 'Input cost'], ['l', 'l', 'r', 'r'], rows), '');
  for (const p of r.problems.filter((p) => p.severity !== 'info')) lines.push(`- ${p.severity === 'error' ? '❌' : '⚠️'} ${code(`${p.path}${p.line ? `:${p.line}` : ''}`)}: ${plain(p.message)}`);
  if (r.problems.length > 0) lines.push('');
  lines.push(plain(r.notCounted), '', footer(r, ` · on ${code(r.model)}`));
  return `${lines.join('\n')}\n`;
}

/** The pull-request comment of any command. */
export function renderMarkdown(result: CommandResult, _ctx: RenderContext): string {
  switch (result.command) {
    case 'count':
      return countMarkdown(result);
    case 'check':
      return checkMarkdown(result);
    case 'diff':
      return diffMarkdown(result);
    case 'context':
      return contextMarkdown(result);
  }
}
