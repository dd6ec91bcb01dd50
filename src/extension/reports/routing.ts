/** The "Preview Model Routing" report page: the matching rule, the two models side by side, the saving. No `vscode` import. */
import type { RouteSide, RoutingConfig, RoutingResult } from '../../core/decisions/routing';
import { savingText, tokensText, usdText } from '../../core/decisions/markdown';
import { formatTokens } from '../../core/format';
import type { Finding } from '../../core/types';
import { html, type Html } from './html';
import { figure, figures, findingNotes, header, notes, type Provenance } from './view';

/** The setting holding the routing rules. */
export const ROUTING_SETTING = 'tokenLens.routing';

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

