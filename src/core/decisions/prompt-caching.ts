/**
 * Prompt caching advice: what the payload's `cache_control` breakpoints cost and save, and for a
 * payload without any, where one (or up to four) would save the most.
 *
 * Billing (shared/reference, "Prompt caching"): the first request writes the cached prefix (at
 * the 5-minute or 1-hour write price), a repeat within the TTL reads it (cache-read price), the
 * rest of the prompt is plain input; a prefix below the model's minimum cacheable length is not
 * cached. Pricing is {@link cachedRequestCost}'s, so it matches the analysis and the CLI.
 *
 * Pure TypeScript, no `vscode` import.
 */
import { breakpointRange, CACHE_MISS_CODES, countPrefix, estimatedPrefix, type Analysis, type TokenCount } from '../analyze';
import type { CountingClient } from '../client/counting-client';
import { formatTokens } from '../format';
import { cachedRequestCost, type CachedRequestCost } from '../models/cache-pricing';
import type { PricingModes } from '../models/cost';
import { MAX_CACHE_BREAKPOINTS, type Breakpoint, type CacheTtl } from '../payload/cache-breakpoints';
import type { ModelInfo } from '../models/types';
import type { Finding, Json, SourceRange } from '../types';
import { savingText, table, tokensText, usdText } from './markdown';
import { isObject } from '../is-object';

/** One existing breakpoint and its prefix. */
export interface ExistingBreakpoint {
  breakpoint: Breakpoint;
  tokens: number;
  exact: boolean;
  /** Cached on a repeat (long enough, within the first four). */
  cached: boolean;
  /** Below the model's minimum cacheable length: not cached. */
  belowMinimum: boolean;
  /** The part carrying it, to reveal. */
  range?: SourceRange;
}

/** Cost of many identical requests within the TTL: the first writes, the others read. */
export interface RepeatedCost {
  requests: number;
  /** first + (requests - 1) × repeat. */
  cached?: number;
  /** requests × uncached. */
  uncached?: number;
  /** uncached - cached. */
  savings?: number;
}

/** The payload's own breakpoints, priced. */
export interface ExistingCacheReport {
  breakpoints: ExistingBreakpoint[];
  /** Costs as the analysis computed them (worst-case output at max_tokens included in each). */
  cost: CachedRequestCost;
  repeated: RepeatedCost;
}

/** Pricing of one breakpoint placement at one TTL. */
export interface PlacementPricing {
  /** The first request (writes the cache), total. */
  firstRequest?: number;
  /** A repeat within the TTL (reads it), total. */
  repeatRequest?: number;
  /** The request without caching, total. */
  uncachedRequest?: number;
  /** uncached - repeat. 0 when the prefix is not cached. */
  savingsPerRepeat?: number;
  /** Requests after which caching has cost no more than not caching. */
  breakEvenRequests?: number;
  repeated: RepeatedCost;
}

/** Where a breakpoint could go in a payload without any. */
export interface CacheCandidate {
  location: 'tools' | 'system' | 'messages';
  /** "end of tools", "end of system", "end of user #3". */
  label: string;
  /** Index of the message (messages) or of the last tool (tools); 0 for system. */
  index: number;
  /**
   * Where `cache_control` goes: the last tool, the last system block, the last content block of
   * the message. A string system prompt or message content must first become a text block:
   * then the path names the string and `needsBlockForm` is set.
   */
  path: (string | number)[];
  needsBlockForm: boolean;
  /** The part to reveal. */
  range?: SourceRange;
  /** Tokens of the prompt up to and including this point. */
  tokens: number;
  exact: boolean;
  belowMinimum: boolean;
  /** Inside or after the last user message: caches only for identical repeats of the whole turn. */
  inLastTurn: boolean;
  pricing: Record<CacheTtl, PlacementPricing>;
}

/** A recommended set of breakpoints. */
export interface CacheSetRecommendation {
  /** In prompt order. */
  breakpoints: CacheCandidate[];
  /** The set's cost (writes at the last, reads up to it), like the best single breakpoint's. */
  pricing: Record<CacheTtl, PlacementPricing>;
}

/** Advice for a payload without breakpoints. */
export interface CacheSuggestion {
  /** Every candidate considered, in prompt order. */
  candidates: CacheCandidate[];
  /** The single breakpoint that saves the most on an identical repeat. */
  best?: CacheCandidate;
  /**
   * The best breakpoint before the last user turn: what to cache when each request ends with a
   * new question (undefined when there is nothing cacheable before it).
   */
  bestIfLastTurnVaries?: CacheSuggestion['best'];
  /**
   * Up to four breakpoints: the best one, plus earlier section ends (before the last turn, end
   * of system, end of tools) that are long enough to cache, so an edit to a later section still
   * reads the earlier ones from the cache. Extra breakpoints add nothing to the first request.
   */
  bestSet?: CacheSetRecommendation;
  /** Why nothing is recommended. */
  reason?: string;
}

export interface CacheAdvice {
  modelId: string;
  model: ModelInfo | undefined;
  /** Tokens of the whole prompt. */
  total: TokenCount;
  /** Shortest prefix the model caches; undefined when unknown (then every prefix is assumed cached). */
  minCacheableTokens?: number;
  /** `max_tokens` priced as worst-case output in every cost (0 when the request sets none). */
  outputTokens: number;
  /** N of the repeated-cost figures. */
  requests: number;
  /** Every number here exact. */
  exact: boolean;
  /**
   * Why the cache will miss, found in the file (the analysis' cache-miss findings: content that
   * looks generated inside a cached prefix, tools after a cached block, a prefix below the
   * minimum, ...), in the order the analysis found them. Listed first by the report.
   */
  misses: Finding[];
  /** The payload's own breakpoints, when it has any and the model is known. */
  existing?: ExistingCacheReport;
  /** Where to put breakpoints, for a payload without any (or always with `alwaysSuggest`). */
  suggestion?: CacheSuggestion;
  /** Why there is no advice (unknown model, no price). */
  reason?: string;
}

export interface CacheAdviceOptions {
  /** For exact candidate prefixes; without it they are estimated. */
  client?: CountingClient;
  signal?: AbortSignal;
  /** N of the repeated-cost figures. Default 1,000. */
  requests?: number;
  /** At most this many message ends are candidates (the latest ones). Default 8. */
  maxMessageCandidates?: number;
  /** Suggest placements even when the payload already has breakpoints. */
  alwaysSuggest?: boolean;
}



/** Cost of `requests` identical requests within the TTL. */
export function repeatedCost(cost: Pick<CachedRequestCost, 'first' | 'repeat' | 'uncached'>, requests: number): RepeatedCost {
  const F = cost.first.total;
  const R = cost.repeat.total;
  const U = cost.uncached.total;
  const out: RepeatedCost = { requests };
  if (F !== undefined && R !== undefined) out.cached = F + Math.max(0, requests - 1) * R;
  if (U !== undefined) out.uncached = requests * U;
  if (out.cached !== undefined && out.uncached !== undefined) out.savings = out.uncached - out.cached;
  return out;
}

function placementPricing(cost: CachedRequestCost, requests: number): PlacementPricing {
  const p: PlacementPricing = { repeated: repeatedCost(cost, requests) };
  if (cost.first.total !== undefined) p.firstRequest = cost.first.total;
  if (cost.repeat.total !== undefined) p.repeatRequest = cost.repeat.total;
  if (cost.uncached.total !== undefined) p.uncachedRequest = cost.uncached.total;
  if (cost.savingsPerRepeat !== undefined) p.savingsPerRepeat = cost.savingsPerRepeat;
  if (cost.breakEvenRequests !== undefined) p.breakEvenRequests = cost.breakEvenRequests;
  return p;
}

/**
 * Prices prefixes as breakpoints of one request at each TTL (every breakpoint with that TTL), with
 * the request's pricing modes (fast mode, data residency). `prefixTokens` in prompt order.
 */
export function pricePlacement(model: ModelInfo, prefixTokens: number[], totalTokens: number, outputTokens: number, requests = 1000, modes?: PricingModes): Record<CacheTtl, PlacementPricing> {
  const at = (ttl: CacheTtl) => placementPricing(cachedRequestCost(model, { prefixTokens, totalTokens, ttl: prefixTokens.map(() => ttl) }, outputTokens, modes ? { modes } : {}), requests);
  return { '5m': at('5m'), '1h': at('1h') };
}

function partRange(analysis: Analysis, kind: 'tool' | 'system' | 'message', index: number): SourceRange | undefined {
  const part = analysis.doc.parts.find((p) => p.kind === kind && (kind === 'system' || p.index === index));
  return part ? (part.anchor ?? part.range) : undefined;
}

/** The last user message's index, or -1. */
function lastUserIndex(messages: Json[]): number {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (isObject(m) && m['role'] === 'user') return i;
  }
  return -1;
}

/** A place a breakpoint could go, before counting: see {@link cacheCandidates}. */
export interface CandidatePlacement {
  location: CacheCandidate['location'];
  label: string;
  index: number;
  path: (string | number)[];
  needsBlockForm: boolean;
  range?: SourceRange;
  inLastTurn: boolean;
  /** A breakpoint whose prefix is this candidate's, for prefixBody / estimatedPrefix. */
  breakpoint: Breakpoint;
  /** The whole prompt: the candidate's count is the analysis' total. */
  whole: boolean;
}

/**
 * Where a breakpoint could go: the end of the tools, of the system prompt and of each message
 * (the latest `maxMessages`), in prompt order. Empty tool lists, empty system prompts and empty
 * messages offer none. The placeholder message of a document without messages is no candidate.
 */
export function cacheCandidates(analysis: Analysis, maxMessages = 8): CandidatePlacement[] {
  const { doc } = analysis;
  const body = doc.body;
  const out: CandidatePlacement[] = [];
  const messages = doc.placeholder ? [] : body.messages;
  const tools = Array.isArray(body.tools) ? body.tools : [];
  const hasSystem = Array.isArray(body.system) ? body.system.length > 0 : typeof body.system === 'string' && body.system.length > 0;
  const last = lastUserIndex(messages);
  const bp = (location: Breakpoint['location'], path: (string | number)[], label: string): Breakpoint => ({ index: 0, location, path, ttl: '5m', label });
  if (tools.length > 0) {
    const i = tools.length - 1;
    out.push({
      location: 'tools',
      label: 'end of tools',
      index: i,
      path: ['tools', i],
      needsBlockForm: false,
      ...optional('range', partRange(analysis, 'tool', i)),
      inLastTurn: false,
      breakpoint: bp('tools', ['tools', i], 'end of tools'),
      whole: !hasSystem && messages.length === 0,
    });
  }
  if (hasSystem) {
    const blocks = Array.isArray(body.system) ? body.system : undefined;
    const j = blocks ? blocks.length - 1 : 0;
    out.push({
      location: 'system',
      label: 'end of system',
      index: 0,
      path: blocks ? ['system', j] : ['system'],
      needsBlockForm: !blocks,
      ...optional('range', partRange(analysis, 'system', 0)),
      inLastTurn: false,
      breakpoint: bp('system', ['system', j], 'end of system'),
      whole: messages.length === 0,
    });
  }
  const first = Math.max(0, messages.length - maxMessages);
  for (let i = first; i < messages.length; i++) {
    const m = messages[i];
    if (!isObject(m)) continue;
    const content = m['content'];
    const role = typeof m['role'] === 'string' ? m['role'] : 'message';
    let path: (string | number)[];
    let needsBlockForm = false;
    if (typeof content === 'string') {
      if (content.length === 0) continue;
      path = ['messages', i, 'content'];
      needsBlockForm = true;
    } else if (Array.isArray(content) && content.length > 0) {
      path = ['messages', i, 'content', content.length - 1];
    } else continue;
    const label = `end of ${role} #${i + 1}`;
    out.push({
      location: 'messages',
      label,
      index: i,
      path,
      needsBlockForm,
      ...optional('range', partRange(analysis, 'message', i)),
      inLastTurn: last >= 0 && i >= last,
      breakpoint: bp('messages', ['messages', i], label),
      whole: i === messages.length - 1,
    });
  }
  return out;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Counts one candidate prefix: exact through the client (placeholder subtracted), else estimated. */
async function countCandidate(analysis: Analysis, c: CandidatePlacement, client: CountingClient | undefined, signal: AbortSignal | undefined): Promise<TokenCount | undefined> {
  const { doc, total, estimate, family, model } = analysis;
  if (c.whole) return { tokens: total.tokens, exact: total.exact };
  if (!client) return { tokens: estimatedPrefix(doc.body, c.breakpoint, estimate, family, total.tokens), exact: false };
  // Counted as the analysis counts the breakpoints a file already has.
  const counted = await countPrefix(client, model?.id ?? analysis.modelId, doc, c.breakpoint, estimate, family, total, signal);
  return counted ? { tokens: counted.tokens, exact: counted.exact } : undefined;
}

function bestOf(list: CacheCandidate[]): CacheCandidate | undefined {
  let best: CacheCandidate | undefined;
  for (const c of list) {
    const s = c.pricing['5m'].savingsPerRepeat;
    if (c.belowMinimum || s === undefined || s <= 0) continue;
    if (!best || s > (best.pricing['5m'].savingsPerRepeat ?? 0)) best = c;
  }
  return best;
}

/**
 * Prompt caching advice for an analysed request.
 * - With breakpoints (and a known model): each prefix (reusing the analysis' `cachePrefixes` and
 *   `cache`), which are below the model's minimum, the first request vs each repeat, the
 *   break-even number of requests, and the cost of `requests` requests with and without caching.
 * - Without breakpoints: the candidate placements of {@link cacheCandidates}, each prefix counted
 *   (exact through `client`, the prefix body with the placeholder message subtracted as the
 *   analysis does; else estimated), priced at both TTLs, and the recommendations: the best
 *   single breakpoint by savings per repeat request among those at or above the minimum, the best
 *   one before the last user turn, and the best set of up to four.
 * Every cost includes the worst-case output at max_tokens, which caching does not change.
 * Resolves to undefined once `signal` is aborted.
 */
export async function adviseCache(analysis: Analysis, options: CacheAdviceOptions = {}): Promise<CacheAdvice | undefined> {
  const requests = options.requests ?? 1000;
  const { model, doc, total } = analysis;
  const outputTokens = doc.maxTokens ?? 0;
  const advice: CacheAdvice = {
    modelId: analysis.modelId,
    model,
    total: { tokens: total.tokens, exact: total.exact },
    outputTokens,
    requests,
    exact: total.exact,
    misses: analysis.findings.filter((f) => CACHE_MISS_CODES.has(f.code)),
  };
  if (!model) {
    advice.reason = `Unknown model "${analysis.modelId}": cache prices are not known.`;
    return advice;
  }
  if (model.minCacheableTokens !== undefined) advice.minCacheableTokens = model.minCacheableTokens;
  const min = model.minCacheableTokens ?? 0;

  if (analysis.cache && analysis.cachePrefixes) {
    const cache = analysis.cache;
    const breakpoints = analysis.cachePrefixes.map((p, i): ExistingBreakpoint => {
      const segment = cache.segments[i];
      const tokens = segment?.prefixTokens ?? p.tokens;
      const b: ExistingBreakpoint = {
        breakpoint: p.breakpoint,
        tokens,
        exact: p.exact,
        cached: segment?.cached ?? false,
        belowMinimum: segment?.belowMinimum ?? false,
      };
      const range = breakpointRange(analysis.doc, p.breakpoint);
      if (range) b.range = range;
      return b;
    });
    advice.existing = { breakpoints, cost: cache, repeated: repeatedCost(cache, requests) };
    advice.exact = advice.exact && breakpoints.every((b) => b.exact);
  }

  const hasBreakpoints = (analysis.cachePrefixes?.length ?? 0) > 0;
  if (hasBreakpoints && !options.alwaysSuggest) return advice;

  const raw = cacheCandidates(analysis, options.maxMessageCandidates ?? 8);
  const counts = await Promise.all(raw.map((c) => countCandidate(analysis, c, options.client, options.signal)));
  if (options.signal?.aborted || counts.some((c) => c === undefined)) return undefined;
  let previous = 0;
  const candidates = raw.map((c, i): CacheCandidate => {
    const counted = counts[i]!;
    // Prefixes grow along the prompt and never exceed it, whatever the estimate says.
    const tokens = Math.min(total.tokens, Math.max(previous, counted.tokens));
    previous = tokens;
    const out: CacheCandidate = {
      location: c.location,
      label: c.label,
      index: c.index,
      path: c.path,
      needsBlockForm: c.needsBlockForm,
      tokens,
      exact: counted.exact && tokens === counted.tokens,
      belowMinimum: tokens < min,
      inLastTurn: c.inLastTurn,
      pricing: pricePlacement(model, [tokens], total.tokens, outputTokens, requests, analysis.modes),
    };
    if (c.range) out.range = c.range;
    return out;
  });
  advice.exact = advice.exact && candidates.every((c) => c.exact);
  const suggestion: CacheSuggestion = { candidates };
  const best = bestOf(candidates);
  if (!best) {
    suggestion.reason =
      candidates.length === 0
        ? 'Nothing to cache: the request has no tools, system prompt or messages to put a breakpoint on.'
        : min > 0 && candidates.every((c) => c.belowMinimum)
          ? `Every possible prefix is below the ${formatTokens(min)}-token minimum of ${model.displayName}: caching would not apply (the whole prompt is ${tokensText(total.tokens, total.exact)} tokens).`
          : 'Caching would not save anything at these prices.';
  } else {
    suggestion.best = best;
    const earlier = bestOf(candidates.filter((c) => !c.inLastTurn));
    if (earlier) suggestion.bestIfLastTurnVaries = earlier;
    // The best, then earlier section ends, each cacheable and distinct, at most four.
    const set: CacheCandidate[] = [best];
    const add = (c: CacheCandidate | undefined) => {
      if (!c || set.length >= MAX_CACHE_BREAKPOINTS || set.includes(c) || c.belowMinimum) return;
      if (set.some((s) => s.tokens === c.tokens)) return; // same prefix, nothing gained
      set.push(c);
    };
    add(earlier);
    add(candidates.find((c) => c.location === 'system'));
    add(candidates.find((c) => c.location === 'tools'));
    const ordered = candidates.filter((c) => set.includes(c));
    suggestion.bestSet = { breakpoints: ordered, pricing: pricePlacement(model, ordered.map((c) => c.tokens), total.tokens, outputTokens, requests, analysis.modes) };
  }
  advice.suggestion = suggestion;
  return advice;
}

function ttlLabel(ttl: CacheTtl): string {
  return ttl === '5m' ? '5-minute' : '1-hour';
}

/** A copyable Markdown report of a {@link CacheAdvice}. */
export function cacheAdviceMarkdown(advice: CacheAdvice): string {
  const model = advice.model?.displayName ?? advice.modelId;
  const ex = advice.exact;
  const lines: string[] = [];
  const min = advice.minCacheableTokens !== undefined ? `minimum cacheable prefix ${formatTokens(advice.minCacheableTokens)} tokens` : 'minimum cacheable prefix unknown (assumed cached)';
  lines.push(`**Prompt caching on ${model}** · prompt ${tokensText(advice.total.tokens, advice.total.exact)} tokens · ${min} · ${ex ? 'exact counts' : '≈ some counts estimated'}${advice.outputTokens > 0 ? ` · costs include ${formatTokens(advice.outputTokens)} output tokens (max_tokens)` : ''}`);
  if (advice.reason) return [...lines, '', advice.reason].join('\n');
  if (advice.misses.length > 0) {
    lines.push('', `**Why the cache will miss (${advice.misses.length})**`, '');
    for (const f of advice.misses) lines.push(`- ${f.severity === 'info' ? '' : '⚠ '}${f.message}`);
  }
  const n = formatTokens(advice.requests);
  if (advice.existing) {
    const e = advice.existing;
    lines.push('', table(
      ['Breakpoint', 'TTL', 'Prefix tokens', 'Cached'],
      e.breakpoints.map((b) => [b.breakpoint.label, b.breakpoint.ttl, tokensText(b.tokens, b.exact), b.cached ? 'yes' : b.belowMinimum ? 'no: below minimum' : 'no']),
      ['l', 'l', 'r', 'l'],
    ));
    const c = e.cost;
    lines.push(
      '',
      `First request (writes the cache): ${usdText(c.first.total, ex)} · each repeat within the TTL (reads it): ${usdText(c.repeat.total, ex)} · without caching: ${usdText(c.uncached.total, ex)}.`,
      c.breakEvenRequests !== undefined ? `Breaks even after ${formatTokens(c.breakEvenRequests)} request${c.breakEvenRequests === 1 ? '' : 's'}; each repeat ${savingText(c.savingsPerRepeat, ex)}.` : 'Caching does not pay off as placed.',
      `${n} requests within the TTL: ${usdText(e.repeated.cached, ex)} cached vs ${usdText(e.repeated.uncached, ex)} uncached (${savingText(e.repeated.savings, ex)}).`,
    );
    for (const f of c.findings) if (!advice.misses.some((m) => m.code === f.code)) lines.push(`- ${f.message}`);
  }
  const s = advice.suggestion;
  if (s) {
    if (s.candidates.length > 0) {
      lines.push('', table(
        ['Breakpoint at', 'Prefix tokens', 'First request (5m / 1h)', 'Repeat', 'Saves per repeat', 'Break-even (5m / 1h)'],
        s.candidates.map((c) => {
          const a = c.pricing['5m'];
          const b = c.pricing['1h'];
          const mark = c === s.best ? ' ★' : '';
          return [
            `${c.label}${mark}`,
            `${tokensText(c.tokens, c.exact)}${c.belowMinimum ? ' (below minimum)' : ''}`,
            `${usdText(a.firstRequest, c.exact)} / ${usdText(b.firstRequest, c.exact)}`,
            usdText(a.repeatRequest, c.exact),
            c.belowMinimum ? '–' : usdText(a.savingsPerRepeat, c.exact),
            c.belowMinimum ? '–' : `${a.breakEvenRequests ?? '–'} / ${b.breakEvenRequests ?? '–'}`,
          ];
        }),
        ['l', 'r', 'r', 'r', 'r', 'r'],
      ));
    }
    if (s.best) {
      const p = s.best.pricing['5m'];
      lines.push('', `★ **Best single breakpoint: ${s.best.label}** (${ttlLabel('5m')} TTL): each repeat ${savingText(p.savingsPerRepeat, s.best.exact)}; ${n} requests ${usdText(p.repeated.cached, s.best.exact)} instead of ${usdText(p.repeated.uncached, s.best.exact)}.${s.best.needsBlockForm ? ' The content is a string: make it a text block to carry cache_control.' : ''}`);
      if (s.bestIfLastTurnVaries && s.bestIfLastTurnVaries !== s.best) {
        lines.push(`If every request ends with a new user turn: **${s.bestIfLastTurnVaries.label}**, each repeat ${savingText(s.bestIfLastTurnVaries.pricing['5m'].savingsPerRepeat, s.bestIfLastTurnVaries.exact)}.`);
      }
      if (s.bestSet && s.bestSet.breakpoints.length > 1) {
        lines.push(`Best set (up to ${MAX_CACHE_BREAKPOINTS}): ${s.bestSet.breakpoints.map((c) => c.label).join(', ')}: the same cost as the best one alone, and earlier sections stay cached when a later one changes.`);
      }
    } else if (s.reason) lines.push('', s.reason);
  }
  return lines.join('\n');
}
