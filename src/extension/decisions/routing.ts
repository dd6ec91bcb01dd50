import { formatTokens } from '../../core/format';
import * as vscode from 'vscode';
import type { Analysis } from '../../core/analyze';
import { savingText, tokensText, usdText } from '../../core/decisions/markdown';
import { DEFAULT_ROUTING, routeFor, routingMarkdown, validateRouting, type RouteSide, type RoutingConfig, type RoutingResult } from '../../core/decisions/routing';
import type { ModelRegistry } from '../../core/models/registry';
import type { Finding } from '../../core/types';
import type { DecisionDeps } from './deps';
import { html, type Html } from './html';
import { ROUTING_SETTING, TITLES } from './ids';
import type { ReportView } from './panel';
import { resolveTarget, sourceOf } from './target';
import { figure, figures, findingNotes, header, markdownWithSource, notes, totalProvenance, type Provenance } from './view';


/** `tokenLens.routing`, checked: the rules to apply and what is wrong with the setting. */
export function readRouting(registry: ModelRegistry): { config: RoutingConfig; findings: Finding[] } {
  const raw = vscode.workspace.getConfiguration().get<unknown>(ROUTING_SETTING);
  return validateRouting(raw ?? DEFAULT_ROUTING, registry);
}

/** "Token Lens: Preview Model Routing": follows the file and the setting as they change. */
export async function previewRoutingCommand(deps: DecisionDeps, uri?: unknown): Promise<void> {
  const target = await resolveTarget(deps.documents, deps.active, uri, `Token Lens: ${TITLES.routing}`);
  if (!target) return;
  const name = target.name;
  const build = (a: Analysis): ReportView => {
    const { config, findings } = readRouting(deps.engine.registry);
    const result = routeFor(a, config, deps.engine.registry);
    const provenance = totalProvenance(a.total);
    return {
      title: `Routing · ${name}`,
      body: renderRouting(result, config, findings, name, provenance),
      markdown: markdownWithSource(name, provenance, routingMarkdown(result, config) + (findings.length ? `\n\nSetting ${ROUTING_SETTING}:\n${findings.map((f) => `- ${f.message}`).join('\n')}` : '')),
    };
  };
  const panel = deps.panels.open('routing', sourceOf(target), build(target.analysis), {
    onAction: (id) => (id === 'settings' ? vscode.commands.executeCommand('workbench.action.openSettings', ROUTING_SETTING) : undefined),
  });
  const refresh = () => {
    const state = deps.documents.get(target.uri);
    if (state?.analysis && state.parse?.status === 'ok') panel.render(build(state.analysis), state.version);
  };
  panel.own(
    deps.documents.onDidChange((u) => {
      if (u.toString() === target.uri.toString()) refresh();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(ROUTING_SETTING)) refresh();
    }),
  );
}

function sideRow(s: RouteSide, role: 'payload' | 'routed', requests: number): Html {
  const worstN = s.cost?.total === undefined ? undefined : s.cost.total * requests;
  return html`<tr class="${role === 'routed' ? 'best' : 'current'}"><th scope="row">${s.label} <span class="tag${role === 'routed' ? ' good' : ''}">${role === 'payload' ? "the payload's model" : 'routed'}</span></th>
  <td class="num">${tokensText(s.tokens, s.exact)}</td><td class="num">${usdText(s.cost?.input, s.exact)}</td><td class="num">${usdText(s.cost?.total, s.exact)}</td><td class="num">${usdText(worstN, s.exact)}</td></tr>`;
}

function ladder(result: RoutingResult, config: RoutingConfig): Html {
  const rules = config.rules.map((r, index) => ({ ...r, index })).sort((a, b) => a.maxTokens - b.maxTokens);
  const m = result.matched;
  const items = rules.map(
    (r) => html`<li class="${m.kind === 'rule' && m.index === r.index ? 'matched' : ''}"><span class="rule-when">≤ ${formatTokens(r.maxTokens)} tokens</span><span class="rule-arrow" aria-hidden="true">→</span><span class="rule-model">${r.model}</span></li>`,
  );
  items.push(html`<li class="${m.kind === 'fallback' ? 'matched' : ''}"><span class="rule-when">otherwise</span><span class="rule-arrow" aria-hidden="true">→</span><span class="rule-model">${config.fallback}</span></li>`);
  return html`<ol class="ladder" id="routing-rules">${items}</ol>`;
}

/** The page: which rule matches, the two models side by side, what the switch saves. */
export function renderRouting(result: RoutingResult, config: RoutingConfig, settingFindings: Finding[], name: string, provenance: Provenance): Html {
  const n = result.savings.requests;
  const exact = result.current.exact && result.routed.exact;
  const rule = result.matched.kind === 'rule' ? `rule ≤ ${formatTokens(result.matched.maxTokens)} tokens` : 'the fallback (over every rule)';
  const sign = (x: number | undefined) => (x === undefined ? '' : x > 1e-12 ? 'good' : x < -1e-12 ? 'warn' : '');
  const body = result.sameModel
    ? html`<div class="callout">The rule picks the payload's own model, <strong>${result.current.label}</strong>: nothing changes.</div>`
    : html`${figures([
        figure('Per request', savingText(result.savings.perRequest, exact), `input alone: ${savingText(result.savings.inputPerRequest, exact)}`, sign(result.savings.perRequest)),
        figure(`Per ${formatTokens(n)} requests`, savingText(result.savings.perRequests, exact), 'worst case: output up to max_tokens', sign(result.savings.perRequests)),
      ])}
<div class="table-wrap"><table class="grid" id="routing-table"><thead><tr><th scope="col">Model</th><th scope="col" class="num">Input tokens</th><th scope="col" class="num">Input / request</th><th scope="col" class="num">Worst case / request</th><th scope="col" class="num">Worst case × ${formatTokens(n)}</th></tr></thead>
<tbody>${sideRow(result.current, 'payload', n)}${sideRow(result.routed, 'routed', n)}</tbody></table></div>
${result.sameTokenizer ? '' : html`<p class="muted small">${result.routed.label} uses another tokenizer: its count is scaled from this one (≈).</p>`}`;
  return html`${header({
    kicker: 'Routing preview',
    title: result.sameModel ? `Stays on ${result.current.label}` : `Routed to ${result.routed.label}`,
    facts: [name, `${tokensText(result.tokens.tokens, result.tokens.exact)} input tokens on ${result.current.label}`, `matches ${rule}`],
    provenance,
    actions: [{ id: 'settings', label: 'Edit Routing Rules', secondary: true }],
  })}
<section><h2>Rules (${ROUTING_SETTING})</h2>${ladder(result, config)}</section>
<section><h2>What routing changes</h2>${body}</section>
${notes(findingNotes(result.findings), `On ${result.routed.label}`)}
${notes(findingNotes(settingFindings), `Problems with ${ROUTING_SETTING}`)}`;
}

