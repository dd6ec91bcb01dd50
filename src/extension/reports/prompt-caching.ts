/** The "Advise on Prompt Caching" report page: existing breakpoints priced, or where to put one. No `vscode` import. */
import type { CacheAdvice, CacheCandidate, ExistingCacheReport } from '../../core/decisions/prompt-caching';
import { savingText, tokensText, usdText } from '../../core/decisions/markdown';
import { formatTokens, modelLabel } from '../../core/format';
import type { ParsedDocument } from '../../core/types';
import { html, partReveal, revealAttrs, type Html } from './html';
import { figure, figures, findingNotes, header, notes, type Provenance } from './view';

/** Reveals the tool, system prompt or message that carries (or would carry) a breakpoint. */
function reveal(doc: ParsedDocument, location: string, index: number, label: string): Html {
  const kind = location === 'tools' ? 'tool' : location === 'system' ? 'system' : location === 'messages' ? 'message' : undefined;
  return kind ? revealAttrs(partReveal(doc, kind, index), label) : html``;
}

function existingSection(e: ExistingCacheReport, advice: CacheAdvice, doc: ParsedDocument): Html {
  const c = e.cost;
  const ex = advice.exact;
  const n = formatTokens(advice.requests);
  const rows = e.breakpoints.map((b) => {
    const [, index] = b.breakpoint.path;
    const status = b.cached ? html`<span class="tag good">cached</span>` : b.belowMinimum ? html`<span class="tag warn">not cached: below the minimum</span>` : html`<span class="tag">not cached</span>`;
    return html`<tr class="${b.belowMinimum ? 'over' : ''}"><th scope="row"><span class="link"${reveal(doc, b.breakpoint.location, typeof index === 'number' ? index : 0, b.breakpoint.label)}>${b.breakpoint.label}</span></th><td>${b.breakpoint.ttl}</td><td class="num">${tokensText(b.tokens, b.exact)}</td><td>${status}</td></tr>`;
  });
  const breakEven = c.breakEvenRequests !== undefined ? `after ${formatTokens(c.breakEvenRequests)} request${c.breakEvenRequests === 1 ? '' : 's'}` : 'never, as placed';
  return html`<section><h2>Cached prefixes</h2>
${figures([
  figure('First request', usdText(c.first.total, ex), 'writes the cache'),
  figure('Each repeat', usdText(c.repeat.total, ex), `reads it · ${savingText(c.savingsPerRepeat, ex)}`, 'good'),
  figure('Without caching', usdText(c.uncached.total, ex), 'every request'),
  figure('Breaks even', breakEven, 'identical requests within the TTL'),
  figure(`${n} requests`, usdText(e.repeated.cached, ex), `vs ${usdText(e.repeated.uncached, ex)} uncached · ${savingText(e.repeated.savings, ex)}`, 'good'),
])}
<div class="table-wrap"><table class="grid" id="cache-breakpoints"><thead><tr><th scope="col">Breakpoint</th><th scope="col">TTL</th><th scope="col" class="num">Prefix tokens</th><th scope="col">On a repeat</th></tr></thead><tbody>${rows}</tbody></table></div>
${notes(findingNotes(c.findings.filter((f) => !advice.misses.some((m) => m.code === f.code))))}
</section>`;
}

function candidateRow(c: CacheCandidate, best: CacheCandidate | undefined, doc: ParsedDocument): Html {
  const a = c.pricing['5m'];
  const b = c.pricing['1h'];
  const isBest = c === best;
  const tags = [isBest ? html` <span class="tag good">★ best</span>` : '', c.belowMinimum ? html` <span class="tag warn">below minimum</span>` : '', c.inLastTurn ? html` <span class="tag">last turn</span>` : ''];
  return html`<tr class="${isBest ? 'best' : ''}${c.belowMinimum ? ' dim' : ''}">
  <th scope="row"><span class="link"${reveal(doc, c.location, c.index, c.label)}>${c.label}</span>${tags}</th>
  <td class="num">${tokensText(c.tokens, c.exact)}</td>
  <td class="num">${usdText(a.firstRequest, c.exact)}<div class="sub">1h: ${usdText(b.firstRequest, c.exact)}</div></td>
  <td class="num">${usdText(a.repeatRequest, c.exact)}</td>
  <td class="num">${c.belowMinimum ? '–' : usdText(a.savingsPerRepeat, c.exact)}</td>
  <td class="num">${c.belowMinimum ? '–' : html`${a.breakEvenRequests ?? '–'}<div class="sub">1h: ${b.breakEvenRequests ?? '–'}</div>`}</td>
</tr>`;
}

function suggestionSection(advice: CacheAdvice, doc: ParsedDocument): Html {
  const s = advice.suggestion!;
  const n = formatTokens(advice.requests);
  let advise: Html = html``;
  if (s.best) {
    const p = s.best.pricing['5m'];
    const varies = s.bestIfLastTurnVaries && s.bestIfLastTurnVaries !== s.best ? s.bestIfLastTurnVaries : undefined;
    advise = html`<div class="callout good" id="cache-best">
  <p><strong>★ Put a breakpoint at the ${s.best.label}</strong> (5-minute TTL): each repeat ${savingText(p.savingsPerRepeat, s.best.exact)}; ${n} requests cost ${usdText(p.repeated.cached, s.best.exact)} instead of ${usdText(p.repeated.uncached, s.best.exact)}${p.breakEvenRequests !== undefined ? `, breaking even after ${formatTokens(p.breakEvenRequests)} request${p.breakEvenRequests === 1 ? '' : 's'}` : ''}.</p>
  ${s.best.needsBlockForm ? html`<p>The content there is a string: make it a text block (<code>{"type": "text", "text": …}</code>) to carry <code>cache_control</code>.</p>` : ''}
  ${varies ? html`<p>If every request ends with a new user turn: <strong>${varies.label}</strong>, each repeat ${savingText(varies.pricing['5m'].savingsPerRepeat, varies.exact)}.</p>` : ''}
  ${s.bestSet && s.bestSet.breakpoints.length > 1 ? html`<p>Best set (up to 4): ${s.bestSet.breakpoints.map((c) => c.label).join(', ')}: the same cost as the best one alone, and earlier sections stay cached when a later one changes.</p>` : ''}
</div>`;
  } else if (s.reason) {
    advise = html`<div class="callout">${s.reason}</div>`;
  }
  const table = s.candidates.length
    ? html`<div class="table-wrap"><table class="grid" id="cache-candidates"><thead><tr><th scope="col">Breakpoint at</th><th scope="col" class="num">Prefix tokens</th><th scope="col" class="num">First request</th><th scope="col" class="num">Each repeat</th><th scope="col" class="num">Saves per repeat</th><th scope="col" class="num">Breaks even after</th></tr></thead><tbody>${s.candidates.map((c) => candidateRow(c, s.best, doc))}</tbody></table></div>`
    : html``;
  return html`<section><h2>Where to cache</h2>${advise}${table}${s.candidates.length ? html`<p class="muted small">Costs per request with a 5-minute TTL (1-hour below); the request's worst-case output is included in each.</p>` : ''}</section>`;
}

/** Why the cache will miss: listed before everything else, each on the line that breaks the prefix. */
function missesSection(advice: CacheAdvice): Html {
  return html`<section id="cache-misses"><h2>Why the cache will miss</h2>${notes(findingNotes(advice.misses))}</section>`;
}

/** The page: existing breakpoints priced, or where to put one. */
export function renderCache(advice: CacheAdvice, target: { name: string; doc: ParsedDocument }, provenance: Provenance, suggested: boolean): Html {
  const min = advice.minCacheableTokens !== undefined ? `minimum cacheable prefix ${formatTokens(advice.minCacheableTokens)} tokens` : 'minimum cacheable prefix unknown (assumed cached)';
  const title = advice.existing
    ? `${advice.existing.breakpoints.length} cache breakpoint${advice.existing.breakpoints.length === 1 ? '' : 's'}`
    : advice.suggestion?.best
      ? `Best breakpoint: ${advice.suggestion.best.label}`
      : 'No breakpoint would pay off';
  const actions = advice.existing && !suggested ? [{ id: 'suggest', label: 'Suggest Placements Anyway', secondary: true }] : [];
  return html`${header({
    kicker: 'Prompt caching',
    title,
    facts: [target.name, modelLabel(advice.model, advice.modelId), `prompt ${tokensText(advice.total.tokens, advice.total.exact)} tokens`, min, ...(advice.outputTokens > 0 ? [`costs include ${formatTokens(advice.outputTokens)} output tokens (max_tokens)`] : [])],
    provenance,
    actions: [...actions, { id: 'refresh', label: 'Recount', secondary: true }],
  })}
${advice.reason ? html`<div class="callout warn">${advice.reason}</div>` : ''}
${advice.misses.length > 0 ? missesSection(advice) : ''}
${advice.existing ? existingSection(advice.existing, advice, target.doc) : ''}
${advice.suggestion ? suggestionSection(advice, target.doc) : ''}`;
}
