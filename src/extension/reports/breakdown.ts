/** The "Show Token Breakdown" report page: a stacked bar in request order, a treemap by size, the parts table. No `vscode` import. */
import type { Analysis } from '../../core/analyze';
import { breakdownMarkdown, breakdownOf, type Breakdown, type BreakdownSegment } from '../../core/decisions/breakdown';
import { percentText, tokensText } from '../../core/decisions/markdown';
import { modelLabel, usdText } from '../../core/format';
import { modesSuffix } from '../../core/models/cost';
import type { ReportView } from '../decisions/panel';
import { html, revealAttrs, type Html, type RevealData } from './html';
import { squarify } from './treemap';
import { header, markdownWithSource, shareBar, totalProvenance } from './view';

/** SVG user units of the stacked bar (it stretches to the panel's width). */
const BAR_W = 1000;
const BAR_H = 40;
/** The treemap's proportions (its CSS aspect-ratio is the same). */
const MAP_W = 160;
const MAP_H = 100;

/** The CSS class (colour) of a segment. */
function kindClass(s: BreakdownSegment, threshold: number): string {
  if (s.kind === 'message') return s.label.startsWith('assistant') ? 'k-assistant' : 'k-user';
  if (s.kind === 'tool') return s.tokens > threshold ? 'k-tool-over' : 'k-tool';
  return `k-${s.kind}`;
}

/** What a click on a segment reveals: the part, or for images and documents the first part holding them. */
function revealOf(s: BreakdownSegment): RevealData | undefined {
  if (!s.range) return undefined;
  const data: RevealData = { start: s.range.start, end: s.range.end };
  // A part's segment carries the part's range and index (no search through the parts).
  if (s.kind === 'system' || s.kind === 'message' || s.kind === 'tool') data.part = `${s.kind}:${s.index ?? 0}`;
  return data;
}

function tip(s: BreakdownSegment): string {
  return `${s.label} · ${tokensText(s.tokens, s.exact)} tokens · ${percentText(s.share)}`;
}

function segmentAttrs(s: BreakdownSegment, threshold: number, i: number): Html {
  const data = revealOf(s);
  return html` class="seg ${kindClass(s, threshold)}" data-seg="${i}" data-tip="${tip(s)}"${data ? revealAttrs(data, s.label) : html` aria-label="${tip(s)}"`}`;
}

function stackedBar(b: Breakdown, threshold: number): Html {
  const total = b.segments.reduce((n, s) => n + s.tokens, 0);
  let x = 0;
  const rects = b.segments.map((s, i) => {
    const w = total > 0 ? (s.tokens / total) * BAR_W : 0;
    const r = html`<rect x="${x.toFixed(3)}" y="0" width="${w.toFixed(3)}" height="${BAR_H}"${segmentAttrs(s, threshold, i)}></rect>`;
    x += w;
    return s.tokens > 0 ? r : html``;
  });
  return html`<svg class="stacked" id="breakdown-bar" viewBox="0 0 ${BAR_W} ${BAR_H}" preserveAspectRatio="none" role="group" aria-label="Tokens by part, in request order">${rects}</svg>`;
}

/**
 * The treemap: cells positioned in percent of a box of MAP_W × MAP_H (the page's script applies
 * `data-box`, as a Content-Security-Policy without inline styles requires), so labels keep the
 * editor's font size at any panel width.
 */
function treemap(b: Breakdown, threshold: number): Html {
  const cells = squarify(b.segments.map((s, i) => ({ value: s.tokens, item: { s, i } })), 0, 0, MAP_W, MAP_H);
  const pct = (v: number, of: number) => ((100 * v) / of).toFixed(3);
  const boxes = cells.map(({ x, y, w, h, item: { s, i } }) => {
    const box = `${pct(x, MAP_W)},${pct(y, MAP_H)},${pct(w, MAP_W)},${pct(h, MAP_H)}`;
    return html`<div data-box="${box}"${segmentAttrs(s, threshold, i)}><span class="cell-label">${s.label}</span><span class="cell-value">${tokensText(s.tokens, s.exact)} · ${percentText(s.share)}</span></div>`;
  });
  return html`<div class="treemap" id="breakdown-treemap" role="group" aria-label="Tokens by part, largest first">${boxes}</div>`;
}

function legend(b: Breakdown, threshold: number): Html {
  const rows = b.segments.map((s, i) => {
    const data = revealOf(s);
    return html`<tr data-seg="${i}"><th scope="row"><span class="swatch ${kindClass(s, threshold)}" aria-hidden="true"></span><span class="${data ? 'link' : ''}"${data ? revealAttrs(data, s.label) : ''}>${s.label}</span></th><td class="num">${tokensText(s.tokens, s.exact)}</td><td class="share-cell">${shareBar(s.share, kindClass(s, threshold) === 'k-tool-over')}</td></tr>`;
  });
  return html`<div class="table-wrap"><table class="grid compact" id="breakdown-table"><thead><tr><th scope="col">Part</th><th scope="col" class="num">Tokens</th><th scope="col">Share</th></tr></thead><tbody>${rows}</tbody>
<tfoot><tr><th scope="row">total</th><td class="num strong">${tokensText(b.total.tokens, b.total.exact)}</td><td></td></tr>${b.beforeContextEditing !== undefined ? html`<tr id="before-context-editing"><th scope="row">before context editing</th><td class="num">${tokensText(b.beforeContextEditing, b.total.exact)}</td><td></td></tr>` : ''}</tfoot></table></div>`;
}

/** The colour key, for the kinds of part this request has. */
function keys(b: Breakdown, threshold: number): Html {
  const present = new Set(b.segments.filter((s) => s.tokens > 0).map((s) => kindClass(s, threshold)));
  const all: [string, string][] = [
    ['k-system', 'system'],
    ['k-user', 'user'],
    ['k-assistant', 'assistant'],
    ['k-tool', 'tool'],
    ['k-tool-over', `tool over ${threshold.toLocaleString('en-US')}`],
    ['k-images', 'images'],
    ['k-documents', 'documents'],
    ['k-tool-prompt', 'tool-use prompt'],
    ['k-framing', 'framing'],
  ];
  return html`<ul class="keys" aria-hidden="true">${all.filter(([k]) => present.has(k)).map(([k, label]) => html`<li><span class="swatch ${k}"></span>${label}</li>`)}</ul>`;
}

/** The page for one analysis: stacked bar in request order, treemap by size, the table. */
export function breakdownView(a: Analysis, name: string, threshold: number): ReportView {
  const b = breakdownOf(a);
  const t = a.total;
  const provenance = totalProvenance(t);
  const body = html`${header({
    kicker: 'Token breakdown',
    title: `${tokensText(b.total.tokens, b.total.exact)} input tokens`,
    facts: [
      name,
      modelLabel(a.model, a.modelId),
      `${usdText(a.cost?.input, t.exact)} input per request${modesSuffix(a.cost)}`,
      `${b.segments.length} parts`,
      'updates as you edit',
      'click a part to show it in the editor',
    ],
    provenance,
  })}
<section class="chart"><h2>In request order</h2>${stackedBar(b, threshold)}
${keys(b, threshold)}</section>
<section class="chart"><h2>By size</h2>${treemap(b, threshold)}</section>
<section><h2>Parts</h2>${legend(b, threshold)}</section>`;
  return { title: `Breakdown · ${name}`, body, markdown: markdownWithSource(name, provenance, breakdownMarkdown(b)) };
}
