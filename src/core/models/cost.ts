/**
 * Cost math on token counts, and prompt-cache planning from a request body.
 *
 * Pure functions, no I/O, no `vscode` import. A price nobody states is reported as unknown
 * (`total: undefined` plus the missing field paths), never as $0.
 */
import type { CountBody, Finding, Json, JsonObject } from '../types';
import type { ModelInfo, PriceKey, Prices } from './registry';

/** Token counts of one request, by billing line. */
export interface Usage {
  /** Uncached input tokens (the part of the prompt neither written to nor read from cache). */
  inputTokens: number;
  cacheWrite5mTokens?: number;
  cacheWrite1hTokens?: number;
  cacheReadTokens?: number;
  /** Output tokens to price, e.g. `max_tokens` as the worst case; thinking is billed as output. */
  outputTokens?: number;
}

export interface CostOptions {
  /** Price through the Message Batches API (the model's `batchDiscount` off every line). */
  batch?: boolean;
}

/** USD per billing line. A line is undefined when it has tokens but no known price. */
export interface Cost {
  input?: number;
  cacheWrite5m?: number;
  cacheWrite1h?: number;
  /** cacheWrite5m + cacheWrite1h. */
  cacheWrite?: number;
  cacheRead?: number;
  output?: number;
  /** Sum of the lines; undefined as soon as one line is unknown. */
  total?: number;
  /**
   * The same request through the Batch API (every line at `1 - batchDiscount`), whatever
   * `opts.batch` says; equal to `total` when `batch` is set. Undefined when `total` is.
   */
  batchTotal?: number;
  /** input + cache writes + cache reads: what selects the price tier. */
  promptTokens: number;
  /** The long-context tier applied to the whole request. */
  longContext: boolean;
  batch: boolean;
  /** Field paths of the missing prices, e.g. `prices.cacheRead`, `longContext.prices.output`. */
  unknown: string[];
  /** Effective USD per million tokens per line after tier and batch discount (known ones only). */
  rates: Prices;
}

const MILLION = 1_000_000;

function tokens(name: string, v: number | undefined): number {
  const n = v ?? 0;
  if (!Number.isFinite(n) || n < 0) {
    throw new RangeError(`costOf: ${name} must be a non-negative number of tokens, got ${String(v)}`);
  }
  return n;
}

/**
 * Prices one request. The tier is chosen by the TOTAL prompt (uncached input + cache writes +
 * cache reads): above the model's `longContext.thresholdTokens` every line of the request uses
 * the long-context prices. A long-context price that is not stated is unknown; it never falls back
 * to the base price. The batch discount applies to every line (the Batch API discount and
 * prompt-caching multipliers stack). Lines with zero tokens cost 0 even when unpriced.
 * Throws RangeError on negative or non-finite token counts (a caller bug, not user input).
 */
export function costOf(model: ModelInfo, usage: Usage, opts: CostOptions = {}): Cost {
  const counts: Record<PriceKey, number> = {
    input: tokens('inputTokens', usage.inputTokens),
    cacheWrite5m: tokens('cacheWrite5mTokens', usage.cacheWrite5mTokens),
    cacheWrite1h: tokens('cacheWrite1hTokens', usage.cacheWrite1hTokens),
    cacheRead: tokens('cacheReadTokens', usage.cacheReadTokens),
    output: tokens('outputTokens', usage.outputTokens),
  };
  const promptTokens = counts.input + counts.cacheWrite5m + counts.cacheWrite1h + counts.cacheRead;
  const longContext = model.longContext !== undefined && promptTokens > model.longContext.thresholdTokens;
  const table = longContext ? model.longContext!.prices : model.prices;
  const base = longContext ? 'longContext.prices' : 'prices';
  const batch = opts.batch === true;
  const factor = batch ? 1 - model.batchDiscount : 1;

  const unknown: string[] = [];
  const rates: Prices = {};
  const line = (key: PriceKey): number | undefined => {
    const price = table[key];
    if (price !== undefined) rates[key] = price * factor;
    if (counts[key] === 0) return 0;
    if (price === undefined) {
      unknown.push(`${base}.${key}`);
      return undefined;
    }
    return (counts[key] * price * factor) / MILLION;
  };
  const input = line('input');
  const cacheWrite5m = line('cacheWrite5m');
  const cacheWrite1h = line('cacheWrite1h');
  const cacheRead = line('cacheRead');
  const output = line('output');
  const sum = (...xs: (number | undefined)[]) => (xs.some((x) => x === undefined) ? undefined : xs.reduce<number>((a, b) => a + b!, 0));
  const cacheWrite = sum(cacheWrite5m, cacheWrite1h);
  const total = sum(input, cacheWrite, cacheRead, output);
  const batchTotal = total === undefined ? undefined : batch ? total : total * (1 - model.batchDiscount);
  return {
    input,
    cacheWrite5m,
    cacheWrite1h,
    cacheWrite,
    cacheRead,
    output,
    total,
    batchTotal,
    promptTokens,
    longContext,
    batch,
    unknown,
    rates,
  };
}

/**
 * Formats USD for display. `undefined` (or NaN) -> "price unknown". From $1 up: cents with
 * thousands separators ("$12.35", "$1,234.57"). Below $1: two significant digits, at least two
 * decimals, trailing zeros beyond that dropped ("$0.037", "$0.03", "$0.50", "$0.000042").
 * Non-zero amounts below $0.000001 -> "<$0.000001". Negative amounts get a leading minus.
 */
export function formatUSD(amount: number | undefined): string {
  if (amount === undefined || !Number.isFinite(amount)) return 'price unknown';
  if (amount === 0) return '$0.00';
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  if (abs < 0.000001) return `${sign}<$0.000001`;
  const rounded = abs < 1 ? Number(abs.toPrecision(2)) : abs;
  if (rounded >= 1) {
    return `${sign}$${rounded.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  }
  const decimals = Math.max(2, -Math.floor(Math.log10(rounded)) + 1);
  let text = rounded.toFixed(decimals);
  while (text.endsWith('0') && text.length - text.indexOf('.') - 1 > 2) text = text.slice(0, -1);
  return `${sign}$${text}`;
}

// ---------------------------------------------------------------------------------------------
// Prompt caching

export type CacheTtl = '5m' | '1h';

/** The API accepts at most this many cache breakpoints per request. */
export const MAX_CACHE_BREAKPOINTS = 4;

/** One `cache_control` marker, in the order the API builds the prompt: tools, system, messages. */
export interface Breakpoint {
  /** 0-based position among the request's breakpoints. */
  index: number;
  /** `request` is the top-level `cache_control` (automatic caching of the whole prompt). */
  location: 'tools' | 'system' | 'messages' | 'request';
  /** Path of the block carrying `cache_control`, e.g. `['messages', 2, 'content', 0]`; `[]` for `request`. */
  path: (string | number)[];
  ttl: CacheTtl;
  /** The `ttl` as written when it is neither "5m" nor "1h" (then priced as "5m"). */
  invalidTtl?: string;
  /** Human label: "tool get_weather", "system block 2", "user #3, block 1 (text)". */
  label: string;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function marker(block: Json | undefined): { ttl: CacheTtl; invalidTtl?: string } | undefined {
  if (!isObject(block)) return undefined;
  const cc = block['cache_control'];
  if (!isObject(cc)) return undefined;
  const ttl = cc['ttl'];
  if (ttl === undefined || ttl === '5m') return { ttl: '5m' };
  if (ttl === '1h') return { ttl: '1h' };
  return { ttl: '5m', invalidTtl: typeof ttl === 'string' ? ttl : JSON.stringify(ttl) };
}

function blockType(block: Json): string {
  return isObject(block) && typeof block['type'] === 'string' ? block['type'] : 'block';
}

/**
 * Lists every `cache_control` of a request in prompt order: tools, then system blocks, then
 * message content blocks (including blocks nested in a `tool_result`), then the top-level
 * `cache_control`, which caches everything up to the last block. A string `system` or string
 * message content cannot carry one. More than {@link MAX_CACHE_BREAKPOINTS} are all listed:
 * see {@link checkCacheBreakpoints}.
 */
export function cacheBreakpoints(body: CountBody): Breakpoint[] {
  const out: Omit<Breakpoint, 'index'>[] = [];
  // A file's `tools` may be anything (the parser keeps a non-array with a warning).
  (Array.isArray(body.tools) ? body.tools : []).forEach((tool, i) => {
    const m = marker(tool);
    if (!m) return;
    const name = isObject(tool) && typeof tool['name'] === 'string' ? tool['name'] : `#${i + 1}`;
    out.push({ location: 'tools', path: ['tools', i], ...m, label: `tool ${name}` });
  });
  if (Array.isArray(body.system)) {
    body.system.forEach((block, j) => {
      const m = marker(block);
      if (m) out.push({ location: 'system', path: ['system', j], ...m, label: `system block ${j + 1}` });
    });
  }
  body.messages.forEach((message, i) => {
    if (!isObject(message) || !Array.isArray(message['content'])) return;
    const role = typeof message['role'] === 'string' ? message['role'] : 'message';
    message['content'].forEach((block, j) => {
      const where = `${role} #${i + 1}, block ${j + 1} (${blockType(block)})`;
      if (isObject(block) && Array.isArray(block['content'])) {
        block['content'].forEach((inner, k) => {
          const m = marker(inner);
          if (m) {
            out.push({
              location: 'messages',
              path: ['messages', i, 'content', j, 'content', k],
              ...m,
              label: `${where} item ${k + 1} (${blockType(inner)})`,
            });
          }
        });
      }
      const m = marker(block);
      if (m) out.push({ location: 'messages', path: ['messages', i, 'content', j], ...m, label: where });
    });
  });
  const top = marker({ cache_control: body.cache_control ?? null });
  if (top) out.push({ location: 'request', path: [], ...top, label: 'request (automatic caching: up to the last block)' });
  return out.map((b, index) => ({ index, ...b }));
}

/**
 * Findings about a request's breakpoints: more than four (`too-many-cache-breakpoints`, the API
 * rejects the request) and a `ttl` other than "5m"/"1h" (`cache-ttl-invalid`).
 */
export function checkCacheBreakpoints(breakpoints: Breakpoint[]): Finding[] {
  const findings: Finding[] = [];
  if (breakpoints.length > MAX_CACHE_BREAKPOINTS) {
    const extra = breakpoints.slice(MAX_CACHE_BREAKPOINTS).map((b) => b.label).join('; ');
    findings.push({
      severity: 'error',
      code: 'too-many-cache-breakpoints',
      message: `The request has ${breakpoints.length} cache_control breakpoints; the API accepts at most ${MAX_CACHE_BREAKPOINTS}. Remove ${breakpoints.length - MAX_CACHE_BREAKPOINTS} (after the 4th: ${extra}).`,
    });
  }
  for (const b of breakpoints) {
    if (b.invalidTtl !== undefined) {
      findings.push({
        severity: 'error',
        code: 'cache-ttl-invalid',
        message: `cache_control on ${b.label} has ttl ${b.invalidTtl}; use "5m" (the default) or "1h".`,
      });
    }
  }
  return findings;
}

function settingsOf(body: CountBody): Partial<CountBody> {
  const out: Partial<CountBody> = {};
  if (body.tool_choice !== undefined) out.tool_choice = body.tool_choice;
  if (body.thinking !== undefined) out.thinking = body.thinking;
  if (body.output_config !== undefined) out.output_config = body.output_config;
  if (body.speed !== undefined) out.speed = body.speed;
  return out;
}

/**
 * The request body up to and including the breakpoint's block, for counting the cached prefix:
 * - tools breakpoint: the tools up to it, no system, no messages;
 * - system breakpoint: all tools, the system blocks up to it, no messages;
 * - message breakpoint: all tools and system, earlier messages whole, and the breakpoint's message
 *   cut after its block (a nested `tool_result` item cuts the `tool_result`'s content too);
 * - `request` (top-level): the whole body.
 * Request settings (`tool_choice`, `thinking`, `output_config`, `speed`) are kept because they
 * shape the rendered prompt; the top-level `cache_control` is dropped. A `tool_choice` naming a
 * tool that is cut off becomes `{ type: "any" }` (same hidden tool prompt, still valid).
 * Prefixes ending in tools or system have `messages: []`: the counting client must add its
 * placeholder message and subtract its cost, as for tools-only documents.
 */
export function prefixBody(body: CountBody, breakpoint: Breakpoint): CountBody {
  // Shares everything it does not cut with `body` (no copy of megabytes per breakpoint): read only.
  if (breakpoint.location === 'request') return { ...body };
  const out: CountBody = { messages: [], ...(settingsOf(body) as Partial<CountBody>) };
  const [, first, , second, , third] = breakpoint.path;
  const i = typeof first === 'number' ? first : 0;
  if (breakpoint.location === 'tools') {
    out.tools = (body.tools ?? []).slice(0, i + 1);
    const tc = out.tool_choice;
    if (isObject(tc) && tc['type'] === 'tool') {
      const names = out.tools.map((t) => (isObject(t) ? t['name'] : undefined));
      if (!names.includes(tc['name'] ?? null)) out.tool_choice = { type: 'any' };
    }
    return out;
  }
  if (body.tools !== undefined) out.tools = body.tools;
  if (breakpoint.location === 'system') {
    out.system = Array.isArray(body.system) ? body.system.slice(0, i + 1) : (body.system ?? null);
    return out;
  }
  if (body.system !== undefined) out.system = body.system;
  const messages = body.messages.slice(0, i + 1);
  const last = messages[i];
  if (isObject(last) && Array.isArray(last['content']) && typeof second === 'number') {
    const content = last['content'].slice(0, second + 1);
    const block = content[second];
    if (typeof third === 'number' && isObject(block) && Array.isArray(block['content'])) {
      content[second] = { ...block, content: block['content'].slice(0, third + 1) };
    }
    messages[i] = { ...last, content };
  }
  out.messages = messages;
  return out;
}

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
        message: `Cache breakpoint ${i + 1} covers ${approx}${p.toLocaleString('en-US')} tokens, below the ${min!.toLocaleString('en-US')}-token minimum of ${model.displayName}: it is not cached and those tokens are billed as plain input unless a later breakpoint caches them. Move it later or drop it.`,
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
