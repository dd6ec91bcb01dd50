import type { CountingClient, CountResult } from './client/counting-client';
import { estimateRemoved, estimateRequest, type EstimateBreakdown } from './estimator';
import { cachedRequestCost, type CachedRequestCost } from './models/cache-pricing';
import { costOf, type Cost, type PricingModes } from './models/cost';
import { pricingModeFindings, pricingModesOf } from './models/pricing-modes';
import type { BudgetUSD } from './config/project';
import type { ModelRegistry } from './models/registry';
import { guessTokenizer } from './models/model-ids';
import type { ModelInfo } from './models/types';
import { cacheBreakpoints, checkCacheBreakpoints, prefixBody, type Breakpoint } from './payload/cache-breakpoints';
import { formatTokens, formatUSD, usdText } from './format';
import { breakpointCovers } from './payload/cache-breakpoints';
import { partOfPath, type VolatileKind, type VolatileSpot } from './payload/volatile';
import { estimateOf, uncountableOf, uncountedEstimateOf } from './prepare';
import { checkContextWindow, checkLifecycle, checkThinking, checkToolChoice, checkUnknownModel, hasInterleavedThinking, batchWorstCaseOutput } from './models/rules';
import { PLACEHOLDER_MESSAGE } from './payload';
import type { CountBody, CountRequest, CountSource, EstimateReason, Finding, Json, ParsedDocument, PayloadPart, SourceRange, TokenizerFamily } from './types';
import { partlyCounted, splitUncountable } from './uncountable';

/** What the analysis needs to know beyond the document. */
export interface AnalyzeOptions {
  registry: ModelRegistry;
  /** The model to use when the document names none. */
  defaultModel: string;
  /** A model that wins over the document's own (`--model`). */
  modelOverride?: string;
  /** Tools heavier than this many tokens get a warning. */
  toolThreshold: number;
  /** Tokens per request; over it, a warning. */
  budget?: number;
  /** Dollar budgets per request; over one, a warning (see {@link BudgetUSD}). */
  budgetUSD?: BudgetUSD;
  /**
   * Fast mode / data residency for files that do not say (settings, `.tokenlens.json`); the
   * request's own `speed` / `inference_geo` (or a prompt's front matter) wins.
   */
  pricing?: PricingModes;
  today?: Date;
}

/**
 * Dollar limits next to the token budget (see `config/project.ts`): `input` is the input cost of
 * one request, `worstCase` one request with `max_tokens` of output (input only when the file sets
 * none), `per1000` the input cost of 1,000 requests. Priced with the request's pricing modes.
 */
export type { BudgetUSD };

/** A number and whether it is exact. */
export interface TokenCount {
  tokens: number;
  exact: boolean;
}

export interface PartCount extends TokenCount {
  part: PayloadPart;
}

/** The tokens of the prompt prefix that ends at one `cache_control` breakpoint. */
export interface CachePrefixCount extends TokenCount {
  breakpoint: Breakpoint;
}

export interface TotalCount extends TokenCount {
  source: CountSource;
  /** Why it is an estimate. */
  reason?: EstimateReason;
  /** The reason in words (the API's own message where there is one). */
  message?: string;
  /** When the exact number was obtained. */
  at?: number;
  /**
   * The exact count before context editing (`context_management.original_input_tokens`), when
   * the request has `context_management` and the API reported it; `tokens` is then the count after.
   */
  beforeContextEditing?: number;
}

export interface Analysis {
  doc: ParsedDocument;
  /** The model id as asked for (document, override or default). */
  modelId: string;
  model: ModelInfo | undefined;
  family: TokenizerFamily;
  total: TotalCount;
  parts: PartCount[];
  /**
   * What the parts do not account for: message framing and the hidden tool-use system prompt.
   * Exact when the total and every tool count are.
   */
  overhead: TokenCount;
  estimate: EstimateBreakdown;
  /** Cost of one request: input, plus worst-case output at `max_tokens` when the file sets it. */
  cost: Cost | undefined;
  /** Fast mode / data residency the cost is priced with (the request's, else the settings'). */
  modes: PricingModes;
  /**
   * The same request through the Message Batches API: worst-case output at `max_tokens`, up to
   * the batch limit (the larger one when `betas` names the model's batch output beta).
   */
  batchCost?: Cost;
  /**
   * Prompt caching, when the body has `cache_control` breakpoints and the model is known: the
   * first request (cache writes), a repeat within the TTL (cache reads) and the break-even point,
   * each with worst-case output at `max_tokens` like {@link cost}. Priced from `cachePrefixes`.
   */
  cache?: CachedRequestCost;
  /**
   * The prefix counted at each breakpoint, in breakpoint order, when `cache` is set. Exact when
   * counted by the API; estimated otherwise (and then `cache` is an estimate too).
   */
  cachePrefixes?: CachePrefixCount[];
  findings: Finding[];
}

/** Family of an analysis without any model id; an unknown id gets the family its version implies (`guessTokenizer`). */
const UNKNOWN_FAMILY: TokenizerFamily = 'claude-4.7';

/** A tool with a name no real tool has, so per-tool counts always have tools to be measured against. */
const REFERENCE_TOOL: Json = {
  name: 'token_lens_reference',
  description: 'Reference.',
  input_schema: { type: 'object', properties: {} },
};

function resolveModel(doc: ParsedDocument, options: AnalyzeOptions) {
  const modelId = options.modelOverride ?? doc.model ?? options.defaultModel;
  const model = options.registry.resolve(modelId);
  return { modelId, model, family: model?.tokenizer ?? (modelId ? guessTokenizer(modelId) : UNKNOWN_FAMILY) };
}

/**
 * The id the API is asked with: the table's own id. Short names ("sonnet") and other-case
 * spellings are ours, not the API's, and an alias and its model then share cached counts.
 */
function apiModelOf(modelId: string, model: ModelInfo | undefined): string {
  return model?.id ?? modelId;
}

/**
 * The request whose count is a document's total (before the placeholder's share is taken off):
 * what the count cache knows the document by.
 */
export function countRequestOf(doc: ParsedDocument, options: AnalyzeOptions): CountRequest {
  const { modelId, model } = resolveModel(doc, options);
  return { model: apiModelOf(modelId, model), ...uncountableOf(doc).countable };
}

/** Tokens the placeholder message itself adds, which a document without messages must not be charged. */
function placeholderShare(estimate: EstimateBreakdown, doc: ParsedDocument): number {
  return doc.placeholder ? (estimate.messages[0] ?? 0) : 0;
}

/**
 * The local estimate of a document: immediate, no I/O. Every number is marked as an estimate.
 * Cache prefixes are estimated from the same breakdown (only a message cut by a breakpoint is
 * estimated again), so this stays cheap enough to run on every keystroke.
 */
export function estimateDocument(doc: ParsedDocument, options: AnalyzeOptions, reason: EstimateReason = 'offline', message?: string): Analysis {
  const { modelId, model, family } = resolveModel(doc, options);
  const estimate = estimateOf(doc, family);
  const tokens = Math.max(0, estimate.total - placeholderShare(estimate, doc));
  const parts = doc.parts.map((part) => ({ part, tokens: estimatedPart(estimate, part), exact: false }));
  const total: TotalCount = { tokens, exact: false, source: 'estimate', reason, ...(message ? { message } : {}) };
  const breakpoints = cacheBreakpoints(doc.body);
  const prefixes = model ? breakpoints.map((breakpoint) => ({ breakpoint, tokens: estimatedPrefix(doc.body, breakpoint, estimate, family, tokens), exact: false })) : undefined;
  return finish(doc, options, { modelId, model, family, estimate, total, parts, breakpoints, prefixes });
}

/**
 * The exact count where the API can give one: the whole request in one call, each tool in one
 * call (cached by its own content, so an edit costs one call per edited tool), each cache prefix
 * in one call (likewise cached), system and messages apportioned by the estimate. Whatever cannot
 * be counted exactly is estimated and marked so. Falls back to the estimate, with its reason, when
 * the API cannot answer the whole request. Resolves to undefined once `signal` is aborted.
 */
export async function analyzeDocument(doc: ParsedDocument, options: AnalyzeOptions, client: CountingClient, signal?: AbortSignal): Promise<Analysis | undefined> {
  if (signal?.aborted) return undefined;
  const { modelId, model, family } = resolveModel(doc, options);
  const apiModel = apiModelOf(modelId, model);
  const estimate = estimateOf(doc, family);
  const { countable, removed } = uncountableOf(doc);

  const whole = await countAdded(client, apiModel, countable, doc.placeholder, signal);
  if (whole.status === 'cancelled' || signal?.aborted) return undefined;
  if (whole.status === 'failed') return estimateDocument(doc, options, whole.reason, whole.message);

  // What the endpoint refused to count is estimated and added: the total is then an estimate.
  const uncountedTokens = removed.length > 0 ? uncountedEstimateOf(doc, family) : 0;
  const total: TotalCount =
    removed.length > 0
      ? { ...partlyCounted(whole.tokens, removed, uncountedTokens), at: whole.at }
      : { tokens: whole.tokens, exact: true, source: whole.source, at: whole.at };
  if (whole.original !== undefined && removed.length === 0) total.beforeContextEditing = whole.original;

  const breakpoints = cacheBreakpoints(doc.body);
  const [toolCounts, prefixes] = await Promise.all([
    countTools(client, apiModel, doc, countable, signal),
    // Without a model there is no price to put on the cache: no calls for it.
    model ? countPrefixes(client, apiModel, doc, breakpoints, estimate, family, total, signal) : Promise.resolve(undefined),
  ]);
  if (toolCounts === undefined || prefixes === null || signal?.aborted) return undefined;

  const parts = apportion(doc, estimate, total.tokens, toolCounts);
  return finish(doc, options, { modelId, model, family, estimate, total, parts, breakpoints, prefixes });
}

/**
 * Parts of a counted document: tools counted exactly where they could be; the other parts by
 * their estimate, scaled so that, with the framing and hidden tool prompt the estimate also
 * foresees, they fill exactly what the total leaves after the exact tools. The parts then never
 * add up to more than the total, whichever way the estimate errs.
 */
function apportion(doc: ParsedDocument, estimate: EstimateBreakdown, totalTokens: number, toolCounts: Map<number, number>): PartCount[] {
  let exactSum = 0;
  let estimateOfExact = 0;
  for (const [index, tokens] of toolCounts) {
    exactSum += tokens;
    estimateOfExact += estimate.tools[index] ?? 0;
  }
  const estimatedRest = estimate.total - placeholderShare(estimate, doc) - estimateOfExact;
  const rest = totalTokens - exactSum;
  const scale = estimatedRest > 0 && rest >= 0 ? rest / estimatedRest : 1;
  return doc.parts.map((part): PartCount => {
    const exactTool = part.kind === 'tool' ? toolCounts.get(part.index) : undefined;
    if (exactTool !== undefined) return { part, tokens: exactTool, exact: true };
    // Rounded down (with a little slack for floating point) so the scaled parts never overshoot.
    return { part, tokens: Math.max(0, Math.floor(estimatedPart(estimate, part) * scale + 1e-9)), exact: false };
  });
}

/** The tokens a body adds to a request: its count, less the placeholder's when it has one. */
export async function countAdded(client: CountingClient, model: string, body: CountBody, placeholder: boolean, signal?: AbortSignal): Promise<CountResult> {
  const [full, base] = await Promise.all([
    client.count({ model, ...body }, signal),
    placeholder ? client.count({ model, messages: [PLACEHOLDER_MESSAGE] }, signal) : undefined,
  ]);
  if (!base || full.status !== 'exact') return full;
  if (base.status !== 'exact') return base;
  const out: CountResult = { ...full, tokens: Math.max(0, full.tokens - base.tokens) };
  if (full.original !== undefined) out.original = Math.max(0, full.original - base.tokens);
  return out;
}

/**
 * Exact per-tool counts: each tool is counted beside a fixed reference tool under a fixed tiny
 * message, less that reference request. The hidden tool-use system prompt is in both, so what
 * remains is the tool's own cost. Each request depends on the tool alone, so the cache answers
 * for every tool that did not change. Tools that could not be counted are left out of the map.
 */
async function countTools(client: CountingClient, model: string, doc: ParsedDocument, countable: CountBody, signal?: AbortSignal): Promise<Map<number, number> | undefined> {
  const tools = doc.body.tools;
  if (!Array.isArray(tools) || tools.length === 0) return new Map();
  const countableTools = new Set(countable.tools ?? []);
  return countToolMarginals(client, model, tools.map((tool) => (countableTools.has(tool) ? tool : undefined)), signal);
}

/**
 * Each tool's own cost, measured beside {@link REFERENCE_TOOL} under the placeholder message, less
 * the reference request (see countTools); also how the context footprint counts MCP tools.
 * `undefined` entries are skipped; tools that could not be counted are left out of the map.
 * Undefined when cancelled.
 */
export async function countToolMarginals(client: CountingClient, model: string, tools: (Json | undefined)[], signal?: AbortSignal): Promise<Map<number, number> | undefined> {
  const counts = new Map<number, number>();
  if (tools.every((t) => t === undefined)) return counts;
  const base = { model, messages: [PLACEHOLDER_MESSAGE] };
  const reference = await client.count({ ...base, tools: [REFERENCE_TOOL] }, signal);
  if (reference.status === 'cancelled') return undefined;
  if (reference.status !== 'exact') return counts;
  const results = await Promise.all(tools.map((tool) => (tool !== undefined ? client.count({ ...base, tools: [REFERENCE_TOOL, tool] }, signal) : undefined)));
  if (results.some((r) => r?.status === 'cancelled')) return undefined;
  results.forEach((r, index) => {
    if (r?.status === 'exact') counts.set(index, Math.max(0, r.tokens - reference.tokens));
  });
  return counts;
}

/**
 * The prefix at each breakpoint, counted through the client: the {@link prefixBody}, with the
 * placeholder message added (and its count subtracted) when the prefix ends in tools or system,
 * like a tools-only document. Each prefix request depends on the prefix's content alone, so the
 * cache answers for prefixes that did not change. The top-level (`request`) breakpoint is the
 * whole request. Content the endpoint refuses is estimated and added; a prefix the API cannot
 * count is estimated. `null` when cancelled.
 */
async function countPrefixes(
  client: CountingClient,
  model: string,
  doc: ParsedDocument,
  breakpoints: Breakpoint[],
  estimate: EstimateBreakdown,
  family: TokenizerFamily,
  total: TotalCount,
  signal?: AbortSignal,
): Promise<CachePrefixCount[] | null> {
  const results = await Promise.all(breakpoints.map((breakpoint) => countPrefix(client, model, doc, breakpoint, estimate, family, total, signal)));
  return results.some((r) => r === null) ? null : (results as CachePrefixCount[]);
}

/**
 * The prefix ending at one breakpoint, counted through the client (see {@link countPrefixes});
 * also how the caching advice counts a breakpoint it proposes. `null` when cancelled.
 */
export async function countPrefix(
  client: CountingClient,
  model: string,
  doc: ParsedDocument,
  breakpoint: Breakpoint,
  estimate: EstimateBreakdown,
  family: TokenizerFamily,
  total: TokenCount,
  signal?: AbortSignal,
): Promise<CachePrefixCount | null> {
  if (breakpoint.location === 'request') return { breakpoint, tokens: total.tokens, exact: total.exact };
  const prefix = prefixBody(doc.body, breakpoint);
  const { countable, removed } = splitUncountable(prefix);
  const placeholder = countable.messages.length === 0;
  const body = placeholder ? { ...countable, messages: [PLACEHOLDER_MESSAGE] as Json[] } : countable;
  const counted = await countAdded(client, model, body, placeholder, signal);
  if (counted.status === 'cancelled') return null;
  if (counted.status === 'failed') {
    return { breakpoint, tokens: estimatedPrefix(doc.body, breakpoint, estimate, family, total.tokens), exact: false };
  }
  if (removed.length === 0) return { breakpoint, tokens: counted.tokens, exact: true };
  return { breakpoint, tokens: counted.tokens + estimateRemoved(prefix, countable, family), exact: false };
}

/**
 * The estimated tokens of the prefix ending at `breakpoint`, from the whole request's estimate:
 * tools and system prefixes leave out the request framing (as their exact counts leave out the
 * placeholder request), a message prefix has everything before its message plus the estimate of
 * the message cut after the breakpoint's block. Only that message (or the system blocks up to a
 * system breakpoint) is estimated again.
 */
export function estimatedPrefix(body: CountBody, breakpoint: Breakpoint, estimate: EstimateBreakdown, family: TokenizerFamily, totalTokens: number): number {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const [, first] = breakpoint.path;
  const i = typeof first === 'number' ? first : 0;
  const allTools = estimate.toolOverhead + sum(estimate.tools);
  switch (breakpoint.location) {
    case 'request':
      return totalTokens;
    case 'tools':
      return estimate.toolOverhead + sum(estimate.tools.slice(0, i + 1));
    case 'system': {
      const blocks = Array.isArray(body.system) ? body.system : [];
      const system = i + 1 >= blocks.length ? estimate.system : Math.min(estimate.system, estimateRequest({ messages: [], system: blocks.slice(0, i + 1) }, family).system);
      return allTools + system;
    }
    case 'messages': {
      const message = body.messages[i];
      const whole = estimate.messages[i] ?? 0;
      // The message alone, cut where prefixBody cuts it (only that message is copied).
      const cut = prefixBody({ messages: message === undefined ? [] : [message] }, { ...breakpoint, path: ['messages', 0, ...breakpoint.path.slice(2)] });
      const part = Math.min(whole, estimateRequest(cut, family).messages[0] ?? 0);
      return Math.min(totalTokens, estimate.framing + allTools + estimate.system + sum(estimate.messages.slice(0, i)) + part);
    }
  }
}

function estimatedPart(estimate: EstimateBreakdown, part: PayloadPart): number {
  switch (part.kind) {
    case 'system':
      return estimate.system;
    case 'message':
      return estimate.messages[part.index] ?? 0;
    case 'tool':
      return estimate.tools[part.index] ?? 0;
  }
}

interface Counted {
  modelId: string;
  model: ModelInfo | undefined;
  family: TokenizerFamily;
  estimate: EstimateBreakdown;
  total: TotalCount;
  parts: PartCount[];
  breakpoints: Breakpoint[];
  /** Undefined when the model is unknown (nothing to price the cache with). */
  prefixes: CachePrefixCount[] | undefined;
}

function finish(doc: ParsedDocument, options: AnalyzeOptions, counted: Counted): Analysis {
  const { modelId, model, family, estimate, total, parts, breakpoints, prefixes } = counted;
  const accounted = parts.reduce((sum, p) => sum + p.tokens, 0);
  // The remainder is only as exact as every number it is taken from.
  const overhead: TokenCount = { tokens: Math.max(0, total.tokens - accounted), exact: total.exact && parts.every((p) => p.exact) };
  const outputTokens = doc.maxTokens;
  const modes = pricingModesOf(doc, options.pricing);
  const cost = model ? costOf(model, { inputTokens: total.tokens, ...(outputTokens !== undefined ? { outputTokens } : {}) }, { modes }) : undefined;
  const analysis: Analysis = { doc, modelId, model, family, total, parts, overhead, estimate, cost, modes, findings: [] };
  if (model) {
    const batchOutput = batchWorstCaseOutput(model, outputTokens, doc.betas);
    analysis.batchCost = costOf(model, { inputTokens: total.tokens, ...(batchOutput !== undefined ? { outputTokens: batchOutput } : {}) }, { batch: true, modes });
  }
  if (model && prefixes && prefixes.length > 0) {
    analysis.cache = cachedRequestCost(
      model,
      { prefixTokens: prefixes.map((p) => p.tokens), totalTokens: total.tokens, ttl: prefixes.map((p) => p.breakpoint.ttl), exact: prefixes.map((p) => p.exact) },
      outputTokens ?? 0,
      { modes },
    );
    analysis.cachePrefixes = prefixes;
  }
  analysis.findings = findingsFor(analysis, options, breakpoints);
  return analysis;
}

/** Everything worth telling about an analysed document, parser findings included. */
function findingsFor(a: Analysis, options: AnalyzeOptions, breakpoints: Breakpoint[]): Finding[] {
  const { doc, model, total } = a;
  const findings: Finding[] = [...doc.findings];
  const approx = total.exact ? '' : '≈';

  if (!model) {
    findings.push(...checkUnknownModel(a.modelId, options.registry).map((f) => withRange(f, doc.modelRange)));
  } else {
    const successor = model.successor ? options.registry.resolve(model.successor) : undefined;
    findings.push(...checkLifecycle(model, options.today ?? new Date(), successor).map((f) => withRange(f, doc.modelRange)));
    findings.push(...modelFindings(model, doc, total.tokens));
    findings.push(
      ...pricingModeFindings(
        model,
        a.modes,
        { ...(doc.speedRange ? { speed: doc.speedRange } : {}), ...(doc.inferenceGeoRange ? { inferenceGeo: doc.inferenceGeoRange } : {}) },
        { speed: doc.speed === undefined, inferenceGeo: doc.inferenceGeo === undefined },
      ),
    );
    findings.push(...boundThinking(model, doc, options.budget !== undefined && total.tokens > options.budget));
  }

  // Why the cache will miss first: the most expensive surprise a file with breakpoints can hold.
  findings.push(...cacheMissFindings(a, breakpoints));
  findings.push(...cacheFindings(a, breakpoints));

  if (options.budget !== undefined && total.tokens > options.budget) {
    findings.push({
      severity: 'warning',
      code: 'over-budget',
      message: `${approx}${formatTokens(total.tokens)} input tokens is over the budget of ${formatTokens(options.budget)} per request.`,
      range: { start: 0, end: 0 },
    });
  }

  if (options.budgetUSD) {
    for (const o of budgetUSDOffences(a, options.budgetUSD)) {
      findings.push({ severity: 'warning', code: 'over-budget-usd', message: o.message, range: { start: 0, end: 0 } });
    }
  }

  for (const p of a.parts) {
    if (p.part.kind === 'tool' && p.tokens > options.toolThreshold) {
      findings.push({
        severity: 'warning',
        code: 'tool-over-threshold',
        message: `Tool "${p.part.name ?? p.part.label}" costs ${p.exact ? '' : '≈'}${formatTokens(p.tokens)} tokens on every request (threshold ${formatTokens(options.toolThreshold)}): shorten its description or schema, or load it on demand.`,
        range: p.part.anchor ?? p.part.range,
      });
    }
  }

  if (doc.body.context_management !== undefined && total.beforeContextEditing === undefined) {
    findings.push({
      severity: 'info',
      code: 'context-editing-not-counted',
      message: total.exact
        ? 'The request has context_management, but the API did not report a count before context editing; the total is as the API counted it.'
        : 'The request has context_management: this estimate is before context editing. The count_tokens API applies the edits and reports both numbers; count with an API key to see the count after editing.',
    });
  }

  for (const item of uncountableOf(doc).removed) {
    const part = doc.parts.find((p) => (item.toolIndex !== undefined ? p.kind === 'tool' && p.index === item.toolIndex : p.kind === 'message' && p.index === item.messageIndex));
    findings.push({
      severity: 'info',
      code: 'uncountable-content',
      message: `The token counting endpoint cannot count ${item.what} (${item.path}); it is estimated.`,
      ...(part ? { range: part.anchor ?? part.range } : {}),
    });
  }
  return findings;
}

/** One dollar budget a request goes over. */
export interface BudgetUSDOffence {
  /** Which limit: input per request, worst case per request, input per 1,000 requests. */
  rule: keyof BudgetUSD;
  /** What the request costs under that rule, USD. */
  usd: number;
  limit: number;
  message: string;
}

/** Names of the dollar rules, as messages, SARIF and the JSON report write them. */
export const BUDGET_USD_RULES: Record<keyof BudgetUSD, string> = {
  input: 'input per request',
  worstCase: 'worst case per request (input + max_tokens output)',
  per1000: 'input per 1,000 requests',
};

/**
 * The dollar budgets `a` goes over, priced with its pricing modes (fast mode, data residency),
 * each with one message. A budget whose price is unknown is not checked (no offence).
 */
export function budgetUSDOffences(a: Analysis, budget: BudgetUSD): BudgetUSDOffence[] {
  const cost = a.cost;
  if (!cost) return [];
  const approx = a.total.exact ? '' : '≈';
  const modes = cost.modifiers.length > 0 ? ` (${cost.modifiers.map((m) => m.label).join(', ')})` : '';
  const out: BudgetUSDOffence[] = [];
  const check = (rule: keyof BudgetUSD, usd: number | undefined) => {
    const limit = budget[rule];
    if (limit === undefined || usd === undefined || !(usd > limit)) return;
    out.push({ rule, usd, limit, message: `${approx}${formatUSD(usd)} ${BUDGET_USD_RULES[rule]} is over the dollar budget of ${formatUSD(limit)}${modes}.` });
  };
  check('input', cost.input);
  check('worstCase', cost.total);
  check('per1000', cost.input === undefined ? undefined : cost.input * 1000);
  return out;
}

/**
 * What `model` says to this request, each finding on its place in the source: the context window
 * (at `inputTokens`), thinking (with the request's effort and interleaved-thinking beta) and
 * forced tool choice. Also what a routing preview checks on the model it routes to.
 */
export function modelFindings(model: ModelInfo, doc: ParsedDocument, inputTokens: number): Finding[] {
  const effort = effortOf(doc.body.output_config);
  const thinking = { interleaved: hasInterleavedThinking(doc.betas), ...(effort !== undefined ? { effort } : {}) };
  return [
    ...checkContextWindow(model, inputTokens, doc.maxTokens, doc.betas).map((f) => withRange(f, f.code === 'max-tokens-batch-only' ? (doc.maxTokensRange ?? doc.modelRange) : doc.modelRange)),
    ...checkThinking(model, doc.body.thinking, doc.maxTokens, thinking).map((f) => withRange(f, doc.thinkingRange)),
    ...checkToolChoice(model, doc.body.tool_choice),
  ];
}

/**
 * On a model that binds thinking blocks to the conversation before them (`trimInvalidatesThinking`,
 * docs: build-with-claude/preserved-thinking), a conversation with thinking in an assistant turn
 * before the last message: dropping or editing anything before such a block makes the API reject
 * the request (400). One info on the first such turn; a warning when the request is over its
 * budget (trimming it is the next step).
 */
function boundThinking(model: ModelInfo, doc: ParsedDocument, overBudget: boolean): Finding[] {
  if (!model.trimInvalidatesThinking || doc.kind !== 'payload' || doc.placeholder) return [];
  const messages = doc.body.messages;
  const turns = messages.flatMap((m, i) => {
    if (i === messages.length - 1 || !isObjectJson(m) || m['role'] !== 'assistant' || !Array.isArray(m['content'])) return [];
    const n = m['content'].filter((b) => isObjectJson(b) && (b['type'] === 'thinking' || b['type'] === 'redacted_thinking')).length;
    return n > 0 ? [{ index: i, n }] : [];
  });
  if (turns.length === 0) return [];
  const blocks = turns.reduce((sum, t) => sum + t.n, 0);
  const part = doc.parts.find((p) => p.kind === 'message' && p.index === turns[0]!.index);
  return [{
    severity: overBudget ? 'warning' : 'info',
    code: 'thinking-bound-to-prefix',
    message: `${model.displayName} binds each of the ${blocks} thinking block${blocks === 1 ? '' : 's'} in earlier turns to the system prompt, tools and messages before it: dropping or editing earlier turns makes the API reject the request (400, "bound to a different conversation") unless the thinking is removed from the turns that stay.${overBudget ? ' The request is over its budget: "Trim Conversation to Budget" drops the oldest turns and removes that thinking.' : ''}`,
    ...(part ? { range: part.anchor ?? part.range } : {}),
  }];
}

/** `output_config.effort` when the body sets it to a string. */
function effortOf(outputConfig: Json | undefined): string | undefined {
  if (typeof outputConfig !== 'object' || outputConfig === null || Array.isArray(outputConfig)) return undefined;
  const effort = outputConfig['effort'];
  return typeof effort === 'string' ? effort : undefined;
}

/**
 * Breakpoint findings (too many, bad ttl) and pricing findings (a prefix below the model's
 * minimum, ...), each pointed at the part that carries its breakpoint.
 */
function cacheFindings(a: Analysis, breakpoints: Breakpoint[]): Finding[] {
  if (breakpoints.length === 0) return [];
  const at = (b: Breakpoint | undefined) => (b ? breakpointRange(a.doc, b) : undefined);
  const findings: Finding[] = [];
  // Listed whole first for "too many", then one breakpoint at a time so each ttl finding gets its range.
  for (const f of checkCacheBreakpoints(breakpoints)) {
    if (f.code !== 'cache-ttl-invalid') findings.push(withRange(f, at(breakpoints[4])));
  }
  for (const b of breakpoints) {
    for (const f of checkCacheBreakpoints([b])) findings.push(withRange(f, at(b)));
  }
  const cache = a.cache;
  if (cache) {
    // cachedRequestCost reports below-minimum prefixes in breakpoint order: the same order as its flags.
    const short = cache.segments.flatMap((s, i) => (s.belowMinimum ? [i] : []));
    let next = 0;
    for (const f of cache.findings) {
      if (f.code === 'too-many-cache-breakpoints') continue; // already reported, with its range
      const prefix = f.code === 'cache-prefix-below-minimum' ? a.cachePrefixes?.[short[next++] ?? -1] : undefined;
      findings.push(withRange(f, at(prefix?.breakpoint)));
    }
  }
  return findings;
}

/** Codes of the findings that say why a prompt cache will miss (listed first by the caching advice). */
export const CACHE_MISS_CODES = new Set(['cache-volatile-content', 'cache-tools-after-breakpoint', 'cache-control-on-thinking', 'cache-prefix-below-minimum']);

const VOLATILE_WHAT: Record<VolatileKind, string> = {
  timestamp: 'A timestamp',
  date: 'The current date',
  uuid: 'A UUID',
  'request-id': 'A request id',
  random: 'A random-looking value',
  'unsorted-json': 'A JSON tool result with keys in no fixed order',
  'generated-tool-name': 'A generated-looking tool name',
};

/** Tokens a miss at `path` re-writes: from the last cached prefix before it to the last cached prefix. */
export interface CacheMiss {
  /** The breakpoint whose prefix (and every later one) the change invalidates. */
  breakpoint: Breakpoint;
  /** Tokens written again on each request instead of read. */
  tokens: number;
  exact: boolean;
  ttl: Breakpoint['ttl'];
  /** Cache-write cost of `tokens` for `requests` requests, and what reading them would have cost. */
  writeUSD?: number;
  readUSD?: number;
}

/**
 * What a change at `path` costs: every cached breakpoint whose prefix includes it misses, so the
 * tokens from the last cached prefix before `path` up to the last cached prefix are written again
 * instead of read. Undefined when no cached breakpoint includes `path`.
 */
export function cacheMissAt(a: Analysis, breakpoints: Breakpoint[], path: readonly (string | number)[], requests = 1000): CacheMiss | undefined {
  const { cache, cachePrefixes, model } = a;
  if (!cache || !cachePrefixes || !model) return undefined;
  let before = 0;
  let last = 0;
  let first: number | undefined;
  let lastIndex = -1;
  let exact = true;
  cache.segments.forEach((s, i) => {
    if (!s.cached) return;
    const b = breakpoints[i] ?? cachePrefixes[i]?.breakpoint;
    if (!b) return;
    if (breakpointCovers(b, path)) {
      if (first === undefined) first = i;
      if (s.prefixTokens >= last) {
        last = s.prefixTokens;
        lastIndex = i;
      }
      exact = exact && (cachePrefixes[i]?.exact ?? false);
    } else {
      before = Math.max(before, s.prefixTokens);
      exact = exact && (cachePrefixes[i]?.exact ?? false);
    }
  });
  if (first === undefined || lastIndex < 0) return undefined;
  const tokens = Math.max(0, last - before);
  const ttl = cache.segments[lastIndex]!.ttl;
  const write = costOf(model, ttl === '1h' ? { inputTokens: 0, cacheWrite1hTokens: tokens } : { inputTokens: 0, cacheWrite5mTokens: tokens }, { modes: a.modes });
  const read = costOf(model, { inputTokens: 0, cacheReadTokens: tokens }, { modes: a.modes });
  const miss: CacheMiss = { breakpoint: breakpoints[first] ?? cachePrefixes[first]!.breakpoint, tokens, exact, ttl };
  if (write.total !== undefined) miss.writeUSD = write.total * requests;
  if (read.total !== undefined) miss.readUSD = read.total * requests;
  return miss;
}

function missCost(miss: CacheMiss, perRequest: boolean): string {
  const n = `${miss.exact ? '' : '≈'}${formatTokens(miss.tokens)}`;
  const ttl = miss.ttl === '1h' ? '1-hour' : '5-minute';
  if (!perRequest) {
    return `each change re-writes ${n} tokens to the cache (${usdText(miss.writeUSD !== undefined ? miss.writeUSD / 1000 : undefined, miss.exact)} at the ${ttl} write price) instead of reading them`;
  }
  const extra = miss.writeUSD !== undefined && miss.readUSD !== undefined ? `, ${usdText(miss.writeUSD - miss.readUSD, miss.exact)} more than reading them` : '';
  return `every request re-writes ${n} tokens to the cache instead of reading them: ${usdText(miss.writeUSD, miss.exact)} per 1,000 requests at the ${ttl} write price${extra}`;
}

/**
 * Why a cache will miss, found in the file: content inside a cached prefix that looks generated
 * per request (on its own line), tools written after a cached system/message block (they are
 * part of that prefix all the same), and `cache_control` on a thinking block. Each says the
 * tokens re-written every time and what that costs per 1,000 requests.
 */
function cacheMissFindings(a: Analysis, breakpoints: Breakpoint[]): Finding[] {
  if (breakpoints.length === 0) return [];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  for (const spot of a.doc.volatile ?? []) {
    if (findings.length >= 10) break;
    const miss = cacheMissAt(a, breakpoints, spot.path);
    if (!miss || miss.tokens === 0 || seen.has(spot.sample)) continue;
    seen.add(spot.sample);
    findings.push(volatileFinding(a, spot, miss));
  }
  findings.push(...toolsAfterBreakpoint(a, breakpoints));
  a.doc.body.messages.forEach((m, i) => {
    if (!isObjectJson(m) || !Array.isArray(m['content'])) return;
    m['content'].forEach((block, j) => {
      if (isObjectJson(block) && (block['type'] === 'thinking' || block['type'] === 'redacted_thinking') && block['cache_control'] !== undefined) {
        const part = a.doc.parts.find((p) => p.kind === 'message' && p.index === i);
        findings.push({
          severity: 'error',
          code: 'cache-control-on-thinking',
          message: `${part?.label ?? `message #${i + 1}`}, block ${j + 1}: a ${String(block['type'])} block cannot carry cache_control (the API rejects it); put the breakpoint on a later text, tool_use or tool_result block. Thinking blocks are cached as part of the prefix all the same.`,
          ...(part ? { range: part.anchor ?? part.range } : {}),
        });
      }
    });
  });
  return findings;
}

function isObjectJson(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function volatileFinding(a: Analysis, spot: VolatileSpot, miss: CacheMiss): Finding {
  const part = partOfPath(a.doc.parts, spot.path);
  const where = part?.label ?? String(spot.path[0]);
  const daily = spot.kind === 'date';
  const shown = spot.kind === 'unsorted-json' ? ` (first key ${spot.sample})` : ` (${spot.sample.length > 60 ? `${spot.sample.slice(0, 57)}…` : spot.sample})`;
  const remedy =
    spot.kind === 'unsorted-json'
      ? 'If its serialiser does not fix the key order (Go maps, sets, hash maps), sort the keys.'
      : spot.kind === 'generated-tool-name'
        ? 'Keep tool names and order fixed between requests; tools come first in every cached prefix.'
        : 'Move it after the last breakpoint (into the latest user turn) or make it fixed.';
  const verb = spot.kind === 'unsorted-json' ? 'may reorder between requests' : daily ? 'changes every day' : 'looks generated per request';
  return {
    severity: daily || spot.kind === 'unsorted-json' ? 'info' : 'warning',
    code: 'cache-volatile-content',
    message: `${VOLATILE_WHAT[spot.kind]}${shown} in ${where} ${verb}, inside the prefix cached by ${miss.breakpoint.label}: ${missCost(miss, !daily)}. ${remedy}`,
    ...(spot.range ? { range: spot.range } : part ? { range: part.anchor ?? part.range } : {}),
  };
}

/**
 * Tool definitions after a tool's breakpoint (in the `tools` array): they are not in that
 * prefix. The prompt is built tools → system → messages, so with a later cached breakpoint
 * (system or messages) they are in its prefix and changing them invalidates it; without one they
 * are sent uncached on every request. (The file's own key order does not matter.)
 */
function toolsAfterBreakpoint(a: Analysis, breakpoints: Breakpoint[]): Finding[] {
  const toolBps = breakpoints.filter((b) => b.location === 'tools');
  const tools = Array.isArray(a.doc.body.tools) ? a.doc.body.tools : [];
  const lastBp = toolBps[toolBps.length - 1];
  if (!lastBp || !a.model || a.doc.kind !== 'payload') return [];
  const k = typeof lastBp.path[1] === 'number' ? lastBp.path[1] : tools.length - 1;
  if (k >= tools.length - 1) return [];
  const after = a.parts.filter((p) => p.part.kind === 'tool' && p.part.index > k);
  const part = after[0]?.part;
  if (!part) return [];
  const n = after.length;
  const names = `${n} tool definition${n === 1 ? '' : 's'} after ${lastBp.label}`;
  const miss = cacheMissAt(a, breakpoints, ['tools', k + 1]);
  const range = part.anchor ?? part.range;
  if (miss && miss.tokens > 0) {
    return [{
      severity: 'info',
      code: 'cache-tools-after-breakpoint',
      message: `The ${names} are not in its cached prefix, but the prompt is built tools → system → messages, so they are in the prefix cached by ${miss.breakpoint.label}: changing them (or their order) invalidates it, and ${missCost(miss, false)}. Put the tool breakpoint on the last tool.`,
      range,
    }];
  }
  const tokens = after.reduce((sum, p) => sum + p.tokens, 0);
  const exact = after.every((p) => p.exact);
  const input = costOf(a.model, { inputTokens: tokens }, { modes: a.modes }).total;
  const read = costOf(a.model, { inputTokens: 0, cacheReadTokens: tokens }, { modes: a.modes }).total;
  const extra = input !== undefined && read !== undefined ? `: ${usdText((input - read) * 1000, exact)} per 1,000 requests more than reading them from the cache` : '';
  return [{
    severity: 'info',
    code: 'cache-tools-after-breakpoint',
    message: `The ${names} (${exact ? '' : '≈'}${formatTokens(tokens)} tokens) are after every breakpoint, so they are sent uncached on every request${extra}. Put the breakpoint on the last tool.`,
    range,
  }];
}

/** The tool, system prompt or message that carries a breakpoint (none for the top-level one). */
export function breakpointPart(doc: ParsedDocument, b: Breakpoint): PayloadPart | undefined {
  const [, index] = b.path;
  const kind = b.location === 'tools' ? 'tool' : b.location === 'system' ? 'system' : b.location === 'messages' ? 'message' : undefined;
  if (kind === undefined) return undefined;
  return doc.parts.find((p) => p.kind === kind && (kind === 'system' || p.index === index));
}

/** Where a breakpoint sits in the source, for a squiggle: its part's anchor. */
export function breakpointRange(doc: ParsedDocument, b: Breakpoint): SourceRange | undefined {
  const part = breakpointPart(doc, b);
  return part ? (part.anchor ?? part.range) : undefined;
}

function withRange(finding: Finding, range: Finding['range']): Finding {
  return finding.range || !range ? finding : { ...finding, range };
}
