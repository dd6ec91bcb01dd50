/**
 * What a request with prompt-caching breakpoints costs: the first request (cache writes), a
 * repeat within the TTL (cache reads), the break-even number of requests.
 *
 * Pure functions, no I/O, no `vscode` import.
 */
import { MAX_CACHE_BREAKPOINTS, type CacheTtl } from '../payload/cache-breakpoints';
import type { Finding } from '../types';
import { costOf, type Cost, type CostOptions } from './cost';
import { fieldStatus } from './provenance';
import type { ModelInfo } from './types';

/** Token counts of a request's cache prefixes, from counting each {@link prefixBody}. */
export interface CachePlan {
  /** Tokens of the prefix ending at each breakpoint, in breakpoint order. */
  prefixTokens: number[];
  /** Tokens of the whole prompt. */
  totalTokens: number;
  /** TTL of each breakpoint (missing entries: "5m"). */
  ttl: CacheTtl[];
  /** Whether each prefix count is exact (missing entries: exact); findings mark estimates `≈`. */
  exact?: boolean[];
}

/** What happens to one breakpoint's prefix. */
export interface CacheSegment {
  prefixTokens: number;
  ttl: CacheTtl;
  /** False when the prefix is below the model's minimum (billed as plain input) or beyond the 4th. */
  cached: boolean;
  /** One of the first four, but below the model's minimum (it has a `cache-prefix-below-minimum` finding). */
  belowMinimum: boolean;
}

export interface CachedRequestCost {
  /** The first request: it writes the cache. */
  first: Cost;
  /** A repeat within the TTL with the same prefix: it reads the cache. */
  repeat: Cost;
  /** The same request without any caching, for comparison. */
  uncached: Cost;
  /** Tokens written per TTL on the first request, read on a repeat, and never cached. */
  tokens: { write5m: number; write1h: number; read: number; uncached: number };
  /**
   * Smallest number of identical requests (within the TTL) after which caching costs no more
   * than not caching: 1 when even the first request is no dearer. Undefined when nothing is
   * cached, caching never pays off, or a price is unknown.
   */
  breakEvenRequests?: number;
  /** uncached.total - repeat.total: what each repeat saves. */
  savingsPerRepeat?: number;
  segments: CacheSegment[];
  findings: Finding[];
}

/**
 * Prices a cached request from counted prefixes. Billing follows the API's rules: cache writes
 * are charged at the 1-hour rate up to the last 1-hour breakpoint and at the 5-minute rate from
 * there to the last breakpoint; a repeat reads everything up to the last breakpoint; the rest is
 * uncached input. Prefixes shorter than the model's `minCacheableTokens` are not cached (their
 * tokens are cached by a later breakpoint that is long enough, or billed as input). When the
 * model's minimum is unknown, every prefix is assumed cached and an info finding says so.
 * Only the first {@link MAX_CACHE_BREAKPOINTS} breakpoints count; more is a finding.
 */
export function cachedRequestCost(model: ModelInfo, plan: CachePlan, outputTokens = 0, opts: CostOptions = {}): CachedRequestCost {
  const findings: Finding[] = [];
  const total = plan.totalTokens;
  if (!Number.isFinite(total) || total < 0) throw new RangeError(`cachedRequestCost: totalTokens must be >= 0, got ${total}`);
  if (plan.prefixTokens.length > MAX_CACHE_BREAKPOINTS) {
    findings.push({
      severity: 'error',
      code: 'too-many-cache-breakpoints',
      message: `${plan.prefixTokens.length} cache breakpoints; the API accepts at most ${MAX_CACHE_BREAKPOINTS}, so only the first ${MAX_CACHE_BREAKPOINTS} are priced (and the real request is rejected).`,
    });
  }
  const min = model.minCacheableTokens;
  // A minimum only third parties state (or on which they disagree) is said to be unconfirmed.
  const minNote = min !== undefined && fieldStatus(model, 'minCacheableTokens') !== 'confirmed' ? ' (unconfirmed: sources disagree or only third parties state it)' : '';
  const segments: CacheSegment[] = [];
  let previous = 0;
  let adjusted = false;
  plan.prefixTokens.forEach((raw, i) => {
    if (!Number.isFinite(raw) || raw < 0) throw new RangeError(`cachedRequestCost: prefixTokens[${i}] must be >= 0, got ${raw}`);
    const p = Math.min(total, Math.max(raw, previous));
    if (p !== raw) adjusted = true;
    previous = p;
    const ttl = plan.ttl[i] ?? '5m';
    const inLimit = i < MAX_CACHE_BREAKPOINTS;
    const longEnough = min === undefined || p >= min;
    segments.push({ prefixTokens: p, ttl, cached: inLimit && longEnough, belowMinimum: inLimit && !longEnough });
    if (inLimit && !longEnough) {
      const approx = plan.exact?.[i] === false ? '≈' : '';
      findings.push({
        severity: 'warning',
        code: 'cache-prefix-below-minimum',
        message: `Cache breakpoint ${i + 1} covers ${approx}${p.toLocaleString('en-US')} tokens, below the ${min!.toLocaleString('en-US')}-token minimum of ${model.displayName}${minNote}: it is not cached and those tokens are billed as plain input unless a later breakpoint caches them. Move it later or drop it.`,
      });
    }
  });
  if (adjusted) {
    findings.push({
      severity: 'info',
      code: 'cache-prefix-inconsistent',
      message: 'Some cache prefix counts were larger than the whole prompt or smaller than an earlier prefix; they were clamped.',
    });
  }
  const cached = segments.filter((s) => s.cached);
  if (min === undefined && cached.length > 0) {
    findings.push({
      severity: 'info',
      code: 'cache-minimum-unknown',
      message: `The minimum cacheable prefix of ${model.displayName} is not known; every breakpoint is assumed cached. Short prefixes (a few thousand tokens or fewer) may not be.`,
    });
  }
  const last = cached.reduce((m, s) => Math.max(m, s.prefixTokens), 0);
  const last1h = cached.filter((s) => s.ttl === '1h').reduce((m, s) => Math.max(m, s.prefixTokens), 0);
  const tokens = { write5m: last - last1h, write1h: last1h, read: last, uncached: total - last };
  const first = costOf(model, { inputTokens: tokens.uncached, cacheWrite5mTokens: tokens.write5m, cacheWrite1hTokens: tokens.write1h, outputTokens }, opts);
  const repeat = costOf(model, { inputTokens: tokens.uncached, cacheReadTokens: tokens.read, outputTokens }, opts);
  const uncached = costOf(model, { inputTokens: total, outputTokens }, opts);
  let breakEvenRequests: number | undefined;
  let savingsPerRepeat: number | undefined;
  const W = first.total;
  const R = repeat.total;
  const U = uncached.total;
  if (W !== undefined && R !== undefined && U !== undefined) {
    savingsPerRepeat = U - R;
    if (last > 0) {
      const eps = 1e-12;
      if (W <= U + eps) breakEvenRequests = 1;
      else if (R < U - eps) breakEvenRequests = Math.max(1, Math.ceil((W - R) / (U - R) - 1e-9));
    }
  }
  return { first, repeat, uncached, tokens, breakEvenRequests, savingsPerRepeat, segments, findings };
}
