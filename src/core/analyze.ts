import type { CountingClient, CountResult } from './client/counting-client';
import { estimateRequest, type EstimateBreakdown } from './estimator';
import { costOf, type Cost } from './models/cost';
import type { ModelInfo, ModelRegistry } from './models/registry';
import { checkContextWindow, checkLifecycle, checkThinking, checkToolChoice, checkUnknownModel } from './models/rules';
import { PLACEHOLDER_MESSAGE } from './payload';
import type { CountBody, CountSource, EstimateReason, Finding, Json, ParsedDocument, PayloadPart, TokenizerFamily } from './types';
import { splitUncountable } from './uncountable';

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
  today?: Date;
}

/** A number and whether it is exact. */
export interface TokenCount {
  tokens: number;
  exact: boolean;
}

export interface PartCount extends TokenCount {
  part: PayloadPart;
}

export interface TotalCount extends TokenCount {
  source: CountSource;
  /** Why it is an estimate. */
  reason?: EstimateReason;
  /** The reason in words (the API's own message where there is one). */
  message?: string;
  /** When the exact number was obtained. */
  at?: number;
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
  findings: Finding[];
}

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
  return { modelId, model, family: model?.tokenizer ?? UNKNOWN_FAMILY };
}

/** Tokens the placeholder message itself adds, which a document without messages must not be charged. */
function placeholderShare(estimate: EstimateBreakdown, doc: ParsedDocument): number {
  return doc.placeholder ? (estimate.messages[0] ?? 0) : 0;
}

/**
 * The local estimate of a document: immediate, no I/O. Every number is marked as an estimate.
 */
export function estimateDocument(doc: ParsedDocument, options: AnalyzeOptions, reason: EstimateReason = 'offline', message?: string): Analysis {
  const { modelId, model, family } = resolveModel(doc, options);
  const estimate = estimateRequest(doc.body, family);
  const tokens = Math.max(0, estimate.total - placeholderShare(estimate, doc));
  const parts = doc.parts.map((part) => ({ part, tokens: estimatedPart(estimate, part), exact: false }));
  const total: TotalCount = { tokens, exact: false, source: 'estimate', reason, ...(message ? { message } : {}) };
  return finish(doc, options, { modelId, model, family, estimate, total, parts });
}

/**
 * The exact count where the API can give one: the whole request in one call, each tool in one
 * call (cached by its own content, so an edit costs one call per edited tool), system and
 * messages apportioned by the estimate. Whatever cannot be counted exactly is estimated and the
 * total says so. Falls back to the estimate, with its reason, when the API cannot answer.
 */
export async function analyzeDocument(doc: ParsedDocument, options: AnalyzeOptions, client: CountingClient, signal?: AbortSignal): Promise<Analysis | undefined> {
  const { modelId, model, family } = resolveModel(doc, options);
  const estimate = estimateRequest(doc.body, family);
  const { countable, removed } = splitUncountable(doc.body);

  const whole = await countAdded(client, modelId, countable, doc.placeholder, signal);
  if (whole.status === 'cancelled') return undefined;
  if (whole.status === 'failed') return estimateDocument(doc, options, whole.reason, whole.message);

  // What the endpoint refused to count is estimated and added: the total is then an estimate.
  const uncountedTokens = removed.length > 0 ? Math.max(0, estimate.total - estimateRequest(countable, family).total) : 0;
  const total: TotalCount =
    removed.length > 0
      ? {
          tokens: whole.tokens + uncountedTokens,
          exact: false,
          source: 'estimate',
          reason: 'uncountable-content',
          message: `Counted exactly except ${removed.map((r) => r.what).join(', ')} (about ${uncountedTokens} tokens, estimated).`,
          at: whole.at,
        }
      : { tokens: whole.tokens, exact: true, source: whole.source, at: whole.at };

  const toolCounts = await countTools(client, modelId, doc, countable, signal);
  if (toolCounts === undefined) return undefined;

  const parts = doc.parts.map((part): PartCount => {
    const exactTool = part.kind === 'tool' ? toolCounts.get(part.index) : undefined;
    return exactTool !== undefined ? { part, tokens: exactTool, exact: true } : { part, tokens: estimatedPart(estimate, part), exact: false };
  });
  return finish(doc, options, { modelId, model, family, estimate, total, parts });
}

/** The tokens a body adds to a request: its count, less the placeholder's when it has one. */
async function countAdded(client: CountingClient, model: string, body: CountBody, placeholder: boolean, signal?: AbortSignal): Promise<CountResult> {
  const [full, base] = await Promise.all([
    client.count({ model, ...body }, signal),
    placeholder ? client.count({ model, messages: [PLACEHOLDER_MESSAGE] }, signal) : undefined,
  ]);
  if (!base || full.status !== 'exact') return full;
  if (base.status !== 'exact') return base;
  return { ...full, tokens: Math.max(0, full.tokens - base.tokens) };
}

/**
 * Exact per-tool counts: each tool is counted beside a fixed reference tool under a fixed tiny
 * message, less that reference request. The hidden tool-use system prompt is in both, so what
 * remains is the tool's own cost. Each request depends on the tool alone, so the cache answers
 * for every tool that did not change. Tools that could not be counted are left out of the map.
 */
async function countTools(client: CountingClient, model: string, doc: ParsedDocument, countable: CountBody, signal?: AbortSignal): Promise<Map<number, number> | undefined> {
  const tools = doc.body.tools;
  const counts = new Map<number, number>();
  if (!Array.isArray(tools) || tools.length === 0) return counts;
  const countableTools = new Set(countable.tools ?? []);
  const base = { model, messages: [PLACEHOLDER_MESSAGE] };
  const reference = await client.count({ ...base, tools: [REFERENCE_TOOL] }, signal);
  if (reference.status === 'cancelled') return undefined;
  if (reference.status !== 'exact') return counts;
  const results = await Promise.all(
    tools.map((tool) => (countableTools.has(tool) ? client.count({ ...base, tools: [REFERENCE_TOOL, tool] }, signal) : undefined)),
  );
  if (results.some((r) => r?.status === 'cancelled')) return undefined;
  results.forEach((r, index) => {
    if (r?.status === 'exact') counts.set(index, Math.max(0, r.tokens - reference.tokens));
  });
  return counts;
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
}

function finish(doc: ParsedDocument, options: AnalyzeOptions, counted: Counted): Analysis {
  const { model, total, parts } = counted;
  const accounted = parts.reduce((sum, p) => sum + p.tokens, 0);
  const overhead: TokenCount = {
    tokens: Math.max(0, total.tokens - accounted),
    exact: total.exact && parts.every((p) => p.exact || p.part.kind !== 'tool'),
  };
  const cost = model ? costOf(model, { inputTokens: total.tokens, ...(doc.maxTokens !== undefined ? { outputTokens: doc.maxTokens } : {}) }) : undefined;
  const analysis: Analysis = { doc, ...counted, overhead, cost, findings: [] };
  analysis.findings = findingsFor(analysis, options);
  return analysis;
}

function formatTokens(n: number): string {
  return n.toLocaleString('en-US');
}

/** Everything worth telling about an analysed document, parser findings included. */
function findingsFor(a: Analysis, options: AnalyzeOptions): Finding[] {
  const { doc, model, total } = a;
  const findings: Finding[] = [...doc.findings];
  const approx = total.exact ? '' : '≈';

  if (!model) {
    findings.push(...checkUnknownModel(a.modelId, options.registry).map((f) => withRange(f, doc.modelRange)));
  } else {
    const today = options.today ?? new Date();
    findings.push(...checkLifecycle(model, today).map((f) => withRange(f, doc.modelRange)));
    findings.push(...checkContextWindow(model, total.tokens, doc.maxTokens).map((f) => withRange(f, doc.modelRange)));
    findings.push(...checkThinking(model, doc.body.thinking, doc.maxTokens).map((f) => withRange(f, doc.thinkingRange)));
    findings.push(...checkToolChoice(model, doc.body.tool_choice));
  }

  if (options.budget !== undefined && total.tokens > options.budget) {
    findings.push({
      severity: 'warning',
      code: 'over-budget',
      message: `${approx}${formatTokens(total.tokens)} input tokens is over the budget of ${formatTokens(options.budget)} per request.`,
      range: { start: 0, end: 0 },
    });
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

  for (const item of splitUncountable(doc.body).removed) {
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

function withRange(finding: Finding, range: Finding['range']): Finding {
  return finding.range || !range ? finding : { ...finding, range };
}
