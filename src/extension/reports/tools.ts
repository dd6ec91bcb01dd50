/** The "Audit Tool Overhead" report page: one row per tool, the fixed tool-use prompt, the without-section. No `vscode` import. */
import type { Analysis } from '../../core/analyze';
import { percentText, savingText, tokensText, usdText } from '../../core/decisions/markdown';
import type { ToolAudit, ToolAuditRow, WithoutToolsResult } from '../../core/decisions/tools';
import { formatTokens, modelLabel } from '../../core/format';
import { html, revealAttrs, type Html } from './html';
import { figure, figures, header, notes, shareBar, type Provenance } from './view';

/** A tool's row, and below it a row with the reasons it is heavy (full width, so the table stays narrow). */
function toolRows(r: ToolAuditRow, excluded: boolean, focus: boolean, threshold: number): Html {
  const cls = [r.overThreshold ? 'over' : '', focus ? 'focus' : '', excluded ? 'excluded' : ''].filter(Boolean).join(' ');
  const reveal = revealAttrs({ start: r.range.start, end: r.range.end, part: `tool:${r.index}` }, r.name);
  const why = r.reasons.length > 0
    ? html`<tr id="tool-${r.index}-why" class="why ${cls}"><td></td><td colspan="4"><ul class="reasons">${r.reasons.map((x) => html`<li>${x.message}</li>`)}</ul></td></tr>`
    : html``;
  return html`<tr id="tool-${r.index}" class="${cls}${r.reasons.length > 0 ? ' has-why' : ''}">
  <td class="check"><input type="checkbox" data-tool="${r.index}"${excluded ? '' : html` checked`} aria-label="${`Include ${r.name}`}"></td>
  <th scope="row"><span class="link"${reveal}>${r.name}</span>${r.overThreshold ? html` <span class="tag warn">over ${formatTokens(threshold)}</span>` : ''}</th>
  <td class="num">${tokensText(r.tokens, r.exact)}</td>
  <td class="share-cell">${shareBar(r.share, r.overThreshold)}</td>
  <td class="num">${usdText(r.costPerRequests, r.exact)}</td>
</tr>${why}`;
}

/** "What the request becomes without the tools ticked off": one line, kept in view at the bottom. */
export function withoutSection(w: WithoutToolsResult | undefined, a: Analysis): Html {
  if (!w) return html`<p class="muted">Untick tools to see what the request costs without them.</p>`;
  const exact = w.after.exact;
  const names = w.excluded.map((t) => t.name).join(', ');
  const share = percentText(w.before.tokens > 0 ? w.saved.tokens / w.before.tokens : 0);
  const output = a.doc.maxTokens !== undefined ? ` (with output up to max_tokens ${formatTokens(a.doc.maxTokens)})` : '';
  return html`<p><strong>Without ${names}:</strong> ${tokensText(w.before.tokens, w.before.exact)} → <strong>${tokensText(w.after.tokens, exact)}</strong> input tokens (−${tokensText(w.saved.tokens, w.saved.exact)}, ${share}) · per request ${savingText(w.savingsPerRequest, exact)} · per ${formatTokens(w.requests)} requests <strong class="good">${savingText(w.savingsPerRequests, exact)}</strong>${output}.</p>
${notes(w.notes.map((text) => ({ level: /reject|remove or change/.test(text) ? 'warning' : 'info', text })))}`;
}

/** The page: summary, one row per tool (heaviest first), the fixed prompt apart, the without-section. */
export function renderAudit(audit: ToolAudit, a: Analysis, name: string, provenance: Provenance, excluded: ReadonlySet<number>, focus: number | undefined, without: WithoutToolsResult | undefined): Html {
  const n = formatTokens(audit.requests);
  const f = audit.fixedOverhead;
  const sorted = [...audit.rows].sort((x, y) => y.tokens - x.tokens);
  const allTools = audit.rows.reduce((s, r) => s + (r.costPerRequests ?? NaN), 0) + (f.costPerRequests ?? NaN);
  const model = modelLabel(audit.model, audit.modelId);
  return html`${header({
    kicker: 'Tool overhead',
    title: `${audit.rows.length} tool${audit.rows.length === 1 ? '' : 's'} · ${tokensText(audit.toolsTotal.tokens + f.tokens, audit.toolsTotal.exact && f.exact)} tokens on every request`,
    facts: [name, model, `threshold ${formatTokens(audit.threshold)} tokens (tokenLens.toolOverheadThreshold)`, 'costs at the input price'],
    provenance,
  })}
${figures([
  figure('Tool definitions', tokensText(audit.toolsTotal.tokens, audit.toolsTotal.exact), `${percentText(audit.toolsTotal.share)} of ${tokensText(audit.total.tokens, audit.total.exact)}`),
  figure('Fixed tool-use prompt', tokensText(f.tokens, f.exact), 'added once to any request with tools'),
  figure('Over the threshold', String(audit.overThreshold.length), audit.overThreshold.length > 0 ? sorted.filter((r) => r.overThreshold).map((r) => r.name).join(', ') : 'none', audit.overThreshold.length > 0 ? 'warn' : ''),
  figure(`All tools per ${n} requests`, usdText(Number.isNaN(allTools) ? undefined : allTools, audit.toolsTotal.exact && f.exact)),
])}
<section class="table-wrap">
<table class="grid" id="tools-table">
  <thead><tr><th scope="col" class="check"><span class="visually-hidden">Included</span></th><th scope="col">Tool</th><th scope="col" class="num">Tokens</th><th scope="col">Share of request</th><th scope="col" class="num">Per ${n} requests</th></tr></thead>
  <tbody>${sorted.map((r) => toolRows(r, excluded.has(r.index), r.index === focus, audit.threshold))}</tbody>
  <tfoot><tr class="fixed"><td></td><th scope="row">fixed tool-use prompt</th><td class="num">${tokensText(f.tokens, f.exact)}</td><td class="share-cell">${shareBar(f.share)}</td><td class="num">${usdText(f.costPerRequests, f.exact)}</td></tr>
  <tr class="why"><td></td><td colspan="4" class="muted">The hidden system prompt the API adds to any request with tools; it goes only when every tool goes.</td></tr></tfoot>
</table>
</section>
${audit.rows.some((r) => r.reasons.length > 0) ? html`<p class="muted small">Under each heavy tool: why, read from its schema (figures from the local estimator).</p>` : ''}
<section id="without" class="without" aria-live="polite">${withoutSection(without, a)}</section>`;
}
