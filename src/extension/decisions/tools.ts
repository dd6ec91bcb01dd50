import * as vscode from 'vscode';
import type { Analysis } from '../../core/analyze';
import { percentText, savingText, tokensText, usdText } from '../../core/decisions/markdown';
import { auditTools, toolAuditMarkdown, withoutTools, withoutToolsMarkdown, type ToolAudit, type ToolAuditRow, type WithoutToolsResult } from '../../core/decisions/tools';
import { formatTokens, modelLabel } from '../../core/format';
import type { DecisionDeps } from './deps';
import { html, revealAttrs, type Html } from './html';
import { TITLES } from './ids';
import type { ReportPanel, ReportView } from './panel';
import { fileName, resolveTarget, sourceOf, type Target } from './target';
import { figure, figures, header, markdownWithSource, notes, shareBar, totalProvenance, type Provenance } from './view';


/** The tool whose definition holds the cursor, if any. */
function toolAtCursor(target: Target): number | undefined {
  const editor = target.editor;
  if (!editor) return undefined;
  const offset = target.document.offsetAt(editor.selection.active);
  return target.doc.parts.find((p) => p.kind === 'tool' && p.range.start <= offset && offset <= p.range.end)?.index;
}

/**
 * "Token Lens: Audit Tool Overhead". From a tool's CodeLens with (uri, index): that tool is
 * highlighted and scrolled to; from the palette, the tool under the cursor is.
 */
export async function auditToolsCommand(deps: DecisionDeps, uri?: unknown, index?: unknown): Promise<void> {
  const target = await resolveTarget(deps.documents, deps.active, uri, `Token Lens: ${TITLES.tools}`);
  if (!target) return;
  if (!target.analysis.parts.some((p) => p.part.kind === 'tool')) {
    void vscode.window.showInformationMessage(`Token Lens: ${target.name} has no tool definitions to audit.`);
    return;
  }
  const focus = typeof index === 'number' && Number.isInteger(index) ? index : toolAtCursor(target);
  new ToolAuditReport(deps, target, focus).show();
}

/** One audit in its panel: follows the file as it changes, and the tools ticked off. */
class ToolAuditReport {
  private excluded = new Set<number>();
  private analysis: Analysis;
  private panel: ReportPanel | undefined;

  constructor(private readonly deps: DecisionDeps, private readonly target: Target, private readonly focus: number | undefined) {
    this.analysis = target.analysis;
  }

  show(): void {
    const { deps, target } = this;
    this.panel = deps.panels.open('tools', sourceOf(target), this.view(true), { onExclude: (indexes) => this.exclude(indexes) });
    this.panel.own(
      deps.documents.onDidChange((uri) => {
        if (uri.toString() === target.uri.toString()) this.refresh();
      }),
    );
  }

  private refresh(): void {
    const state = this.deps.documents.get(this.target.uri);
    if (!state?.analysis || state.parse?.status !== 'ok') return;
    const tools = new Set(state.analysis.parts.filter((p) => p.part.kind === 'tool').map((p) => p.part.index));
    this.excluded = new Set([...this.excluded].filter((i) => tools.has(i)));
    this.analysis = state.analysis;
    this.panel?.render(this.view(false), state.version);
  }

  private exclude(indexes: number[]): void {
    this.excluded = new Set(indexes);
    const without = this.without();
    this.panel?.patch('without', withoutSection(without, this.analysis), this.view(false, without));
  }

  private without(): WithoutToolsResult | undefined {
    return this.excluded.size > 0 ? withoutTools(this.analysis, this.excluded) : undefined;
  }

  private view(scroll: boolean, without = this.without()): ReportView {
    const a = this.analysis;
    const audit = auditTools(a, { threshold: this.deps.engine.optionsFor(this.target.uri).analyze.toolThreshold });
    const provenance = auditProvenance(a, audit);
    const name = fileName(this.target.uri);
    const md = toolAuditMarkdown(audit) + (without ? `\n\n${withoutToolsMarkdown(without)}` : '');
    return {
      title: `Tools · ${name}`,
      body: renderAudit(audit, a, name, provenance, this.excluded, this.focus, without),
      markdown: markdownWithSource(name, provenance, md),
      ...(scroll && this.focus !== undefined ? { scrollTo: `tool-${this.focus}` } : {}),
    };
  }
}

function auditProvenance(a: Analysis, audit: ToolAudit): Provenance {
  const t = a.total;
  if (!t.exact) return totalProvenance(t);
  if (!audit.toolsTotal.exact) return { exact: false, mixed: 'Total exact (count_tokens); ≈ some tools estimated.' };
  if (!audit.fixedOverhead.exact) return { exact: false, mixed: 'Total and every tool exact (count_tokens); the fixed tool-use prompt is ≈ apportioned from the remainder.' };
  return { exact: true };
}

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
function withoutSection(w: WithoutToolsResult | undefined, a: Analysis): Html {
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
