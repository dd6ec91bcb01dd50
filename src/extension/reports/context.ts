/** The "Show Context Footprint" report page: the total, a bar of the parts, the sources, the MCP servers and their tools. No `vscode` import. */
import * as path from 'node:path';
import type { Footprint } from '../../core/context/footprint';
import { percentText, tokensText } from '../../core/decisions/markdown';
import { formatUSD, modelLabel, usdText } from '../../core/format';
import type { Provenance } from '../../core/provenance';
import type { ReportView } from '../decisions/panel';
import { html } from './html';
import { figure, figures, header, markdownWithSource, notes, shareBar } from './view';

const BAR_W = 1000;
const BAR_H = 40;

interface Part {
  label: string;
  kind: string;
  tokens: number;
  exact: boolean;
}

/** Every up-front part in the order of the table, framing last. */
function partsOf(fp: Footprint): Part[] {
  return [
    ...fp.sources.filter((s) => s.upFront.tokens > 0).map((s) => ({ label: s.source.name, kind: s.source.kind === 'memory' || s.source.kind === 'import' ? 'k-system' : 'k-user', tokens: s.upFront.tokens, exact: s.upFront.exact })),
    ...fp.servers.filter((s) => s.upFront.tokens > 0).map((s) => ({ label: `${s.server.name} (MCP)`, kind: 'k-tool', tokens: s.upFront.tokens, exact: s.upFront.exact })),
    { label: 'framing', kind: 'k-framing', tokens: Math.max(0, fp.framing.tokens), exact: fp.framing.exact },
  ];
}

/** The footprint's provenance, as the other reports say it. */
export function footprintProvenance(fp: Footprint): Provenance {
  const t = fp.total;
  return t.exact ? { exact: true } : { exact: false, ...(t.reason ? { reason: t.reason } : {}), ...(t.message ? { message: t.message } : {}) };
}

/** The Markdown of "Copy as Markdown". */
export function footprintMarkdown(fp: Footprint): string {
  const t = fp.total;
  const rows = [
    '| Source | Kind | Tokens | Share |',
    '|---|---|--:|--:|',
    ...partsOf(fp).map((p) => `| ${p.label} | ${p.kind.replace('k-', '')} | ${tokensText(p.tokens, p.exact)} | ${percentText(t.tokens > 0 ? p.tokens / t.tokens : 0)} |`),
    `| **Total** | | **${tokensText(t.tokens, t.exact)}** | |`,
  ];
  const servers = fp.servers.filter((s) => s.list.status !== 'ok').map((s) => `- ${s.server.name}: ${s.list.status === 'ok' ? '' : s.list.message}`);
  return [`### Context footprint: ${tokensText(t.tokens, t.exact)} tokens before you type (${modelLabel(fp.model, fp.modelId)}, ${usdText(fp.costUSD, t.exact)} per request)`, '', ...rows, '', ...servers, "Not counted: the agent's own system prompt and built-in tools."].join('\n');
}

/** The page for one workspace folder's footprint. */
export function footprintView(fp: Footprint): ReportView {
  const t = fp.total;
  const name = path.basename(fp.root);
  const provenance = footprintProvenance(fp);
  const parts = partsOf(fp);
  let x = 0;
  const rects = parts.map((p) => {
    const w = t.tokens > 0 ? (p.tokens / t.tokens) * BAR_W : 0;
    const r = p.tokens > 0 ? html`<rect x="${x.toFixed(3)}" y="0" width="${w.toFixed(3)}" height="${BAR_H}" class="seg ${p.kind}" data-tip="${p.label} · ${tokensText(p.tokens, p.exact)} tokens" aria-label="${p.label} · ${tokensText(p.tokens, p.exact)} tokens"></rect>` : html``;
    x += w;
    return r;
  });
  const share = fp.windowShare !== undefined ? percentText(fp.windowShare) : 'unknown';
  const sourceRows = fp.sources.map(
    (s) => html`<tr><th scope="row">${s.source.importedFrom ? html`<span class="muted">↳ </span>` : ''}${s.source.name}</th><td>${s.source.kind}</td><td class="num">${s.upFront.tokens > 0 ? tokensText(s.upFront.tokens, s.upFront.exact) : '–'}</td><td class="num">${s.onUse.tokens > 0 ? tokensText(s.onUse.tokens, s.onUse.exact) : '–'}</td><td class="share-cell">${shareBar(t.tokens > 0 ? s.upFront.tokens / t.tokens : 0)}</td></tr>`,
  );
  const servers = fp.servers.map((s) => {
    const status = s.list.status === 'ok' ? `${s.tools.length} tools${s.list.cached ? ' (cached list)' : ''}` : s.list.message;
    const tools = s.tools.map((tool) => html`<tr><th scope="row">${tool.tool.name}</th><td>${tool.deferred ? 'deferred' : 'up front'}</td><td class="num">${tokensText(tool.tokens, tool.exact)}</td><td class="share-cell">${shareBar(t.tokens > 0 && !tool.deferred ? tool.tokens / t.tokens : 0)}</td></tr>`);
    return html`<section><h2>${s.server.name} <span class="muted">(MCP ${s.server.transport}, ${path.basename(s.server.configFile)}:${s.server.line ?? 1})</span></h2><p>${s.list.status === 'ok' ? `${tokensText(s.upFront.tokens, s.upFront.exact)} tokens up front · ${status}` : status}</p>
${s.tools.length > 0 ? html`<div class="table-wrap"><table class="grid compact"><thead><tr><th scope="col">Tool</th><th scope="col">Loaded</th><th scope="col" class="num">Tokens</th><th scope="col">Share</th></tr></thead><tbody>${tools}</tbody></table></div>` : ''}</section>`;
  });
  const body = html`${header({
    kicker: 'Context footprint',
    title: `${tokensText(t.tokens, t.exact)} tokens before you type`,
    facts: [name, modelLabel(fp.model, fp.modelId), `${share} of the context window`, 'updates as the sources change'],
    provenance,
  })}
${figures([figure('Every request', `${tokensText(t.tokens, t.exact)} tokens`, `${usdText(fp.costUSD, t.exact)} input`), figure('Context window', share, fp.contextWindow ? `of ${fp.contextWindow.toLocaleString('en-US')} tokens` : undefined), figure('Framing', tokensText(fp.framing.tokens, fp.framing.exact), 'parts + framing = total')])}
<section class="chart"><h2>Parts</h2><svg class="stacked" id="context-bar" viewBox="0 0 ${BAR_W} ${BAR_H}" preserveAspectRatio="none" role="group" aria-label="Tokens by part">${rects}</svg></section>
<section><h2>Sources</h2><div class="table-wrap"><table class="grid compact" id="context-sources"><thead><tr><th scope="col">Source</th><th scope="col">Kind</th><th scope="col" class="num">Up front</th><th scope="col" class="num">On use</th><th scope="col">Share</th></tr></thead><tbody>${sourceRows}</tbody>
<tfoot><tr><th scope="row">framing</th><td>remainder</td><td class="num">${tokensText(fp.framing.tokens, fp.framing.exact)}</td><td></td><td></td></tr><tr><th scope="row">total</th><td></td><td class="num strong">${tokensText(t.tokens, t.exact)}</td><td class="num">${formatUSD(fp.costUSD)}</td><td></td></tr></tfoot></table></div></section>
${servers}
${notes([...fp.problems.map((p) => ({ level: p.severity, text: `${path.basename(p.file)}${p.line ? `:${p.line}` : ''}: ${p.message}` })), { level: 'info' as const, text: "Not counted: the agent's own system prompt and built-in tools (not in the workspace), and MCP servers whose tools are not known." }], 'Notes')}`;
  return { title: `Context · ${name}`, body, markdown: markdownWithSource(name, provenance, footprintMarkdown(fp)) };
}
