/**
 * Thinking budget estimate: what a request costs per model with manual extended thinking
 * (`thinking: { type: "enabled", budget_tokens }`) at a given budget, worst case.
 *
 * Billing model (see shared/reference, "Extended thinking"): thinking is billed as output and
 * counts toward `max_tokens`, so one request's output is at most `max_tokens`, of which up to
 * `budget_tokens` is thinking and the rest the visible answer. With interleaved thinking the
 * budget may exceed `max_tokens` (it spans the whole assistant turn); one request's thinking is
 * then capped by `max_tokens`. Input is counted with the `thinking` field in the body, which the
 * count includes (exactly through count_tokens, else the local estimate, which does not know the
 * few tokens thinking adds to the prompt).
 *
 * Pure TypeScript, no `vscode` import. Expected failures are values.
 */
import type { CountingClient } from '../client/counting-client';
import { formatTokens, REASON_TEXT } from '../format';
import { costOf, type CostOptions } from '../models/cost';
import { pricingModesOf } from '../models/pricing-modes';
import type { ModelRegistry } from '../models/registry';
import type { ModelInfo } from '../models/types';
import { checkContextWindow, checkThinking, MIN_THINKING_BUDGET, SUGGESTED_ANSWER_ROOM } from '../models/rules';
import type { CountBody, EstimateReason, Finding, ParsedDocument, TokenizerFamily } from '../types';
import { countBody, type BodyCount } from './counting';
import { table, tokensText, usdText } from './markdown';

/** Budgets offered as presets, in tokens. */
export const THINKING_BUDGET_PRESETS: readonly number[] = [1024, 2000, 4000, 8000, 16000, 32000];

/** Requests priced in the "per 1,000 requests" columns. */
export const DEFAULT_REQUESTS = 1000;

/** Options of {@link estimateWithThinking}. */
export interface ThinkingEstimateOptions {
  /** `budget_tokens` to price. Must be a whole number >= 1,024. */
  budget: number;
  /** Model ids or aliases, one row each (duplicates after resolving are dropped). */
  models: readonly string[];
  registry: ModelRegistry;
  /** For exact input counts; without it every input count is the local estimate. */
  client?: CountingClient;
  signal?: AbortSignal;
  /** Interleaved thinking is on: the budget may then be at or above `max_tokens`. */
  interleaved?: boolean;
  /**
   * `max_tokens` to price with. Default: the document's `max_tokens`, else budget + 4,096
   * ({@link SUGGESTED_ANSWER_ROOM}), reported as assumed.
   */
  maxTokens?: number;
  /** How many requests the "per N" figures are for. Default 1,000. */
  requests?: number;
}

/** USD per billing line of one request (or of `requests` requests). Undefined: price unknown. */
export interface ThinkingCosts {
  /** Input tokens (the prompt, with the thinking setting). */
  input?: number;
  /** Thinking at the full budget (capped by max_tokens), billed as output. */
  thinking?: number;
  /** The visible answer up to what max_tokens leaves after thinking. */
  output?: number;
  /** input + thinking + output: the worst case. */
  total?: number;
  /** The worst case through the Batch API. */
  batch?: number;
  /** The long-context tier repriced the whole request. */
  longContext: boolean;
  /** Paths of missing prices, e.g. `prices.output`. */
  unknown: string[];
}

export type ThinkingRowStatus =
  /** Priced as asked. */
  | 'ok'
  /** Priced with `max_tokens` changed so the request is accepted: see `adjustment`. */
  | 'adjusted'
  /** The model cannot run this thinking setting: see `reason`; not priced. */
  | 'unsupported'
  /** The budget itself is invalid (below 1,024 or not whole): not priced. */
  | 'invalid-budget'
  /** The model is not in the price table: not priced. */
  | 'unknown-model';

/** How `max_tokens` was changed for a row. */
export interface MaxTokensAdjustment {
  /**
   * `raised-for-budget`: max_tokens was not above the budget (without interleaved thinking);
   * raised to the smallest accepted value, budget + 1.
   * `lowered-to-model-limit`: max_tokens was above the model's maximum output; lowered to it.
   */
  kind: 'raised-for-budget' | 'lowered-to-model-limit';
  from: number;
  to: number;
  /** For `raised-for-budget`: budget + 4,096, which leaves room for an answer (within the model's limit). */
  suggested?: number;
  message: string;
}

/** One model at the budget. */
export interface ThinkingRow {
  /** The table's id for a known model, the id as given otherwise. */
  modelId: string;
  model: ModelInfo | undefined;
  /** "Sonnet 4.6", or the id. */
  label: string;
  status: ThinkingRowStatus;
  /** Why the row is not priced (unsupported, invalid budget, unknown model). */
  reason?: string;
  /** Input tokens with the thinking setting in the body; exact or estimated. */
  inputTokens?: BodyCount;
  /** The `max_tokens` priced (after any adjustment). */
  maxTokens?: number;
  /** Smallest `max_tokens` the API accepts with this budget (budget + 1; 1 with interleaved thinking). */
  minMaxTokens?: number;
  /** Thinking tokens priced: the budget, capped by max_tokens. */
  thinkingTokens?: number;
  /** Answer tokens priced: max_tokens - thinkingTokens. */
  answerTokens?: number;
  perRequest?: ThinkingCosts;
  /** The same for `requests` requests. */
  perRequests?: ThinkingCosts;
  adjustment?: MaxTokensAdjustment;
  /** What the model's rules say about this request (context window, thinking), for display. */
  findings: Finding[];
}

export interface ThinkingEstimate {
  budget: number;
  interleaved: boolean;
  /** `max_tokens` asked for (before per-model adjustments). */
  maxTokens: number;
  maxTokensOrigin: 'option' | 'document' | 'assumed';
  /** N of the "per N requests" figures. */
  requests: number;
  rows: ThinkingRow[];
  /** Whether the priced rows' input counts are exact: all, some or none of them. */
  exact: 'all' | 'some' | 'none';
  /** About the whole estimate: an invalid budget, an assumed max_tokens. */
  findings: Finding[];
}


/**
 * Prices one request with thinking, worst case: input, thinking at `min(budget, maxTokens)` and
 * the answer up to the rest of `maxTokens`, each at the tier the prompt selects (long-context
 * prices reprice every line). Per request; multiply for more.
 */
export function priceThinking(model: ModelInfo, usage: { inputTokens: number; budget: number; maxTokens: number }, opts: CostOptions = {}): ThinkingCosts {
  const thinkingTokens = Math.min(usage.budget, usage.maxTokens);
  const answerTokens = Math.max(0, usage.maxTokens - thinkingTokens);
  const whole = costOf(model, { inputTokens: usage.inputTokens, outputTokens: thinkingTokens + answerTokens }, opts);
  const thinking = costOf(model, { inputTokens: usage.inputTokens, outputTokens: thinkingTokens }, opts).output;
  const answer = costOf(model, { inputTokens: usage.inputTokens, outputTokens: answerTokens }, opts).output;
  return {
    input: whole.input,
    thinking,
    output: answer,
    total: whole.total,
    batch: whole.batchTotal,
    longContext: whole.longContext,
    unknown: whole.unknown,
  };
}

/** Every known figure times `n`. */
export function scaleThinkingCosts(costs: ThinkingCosts, n: number): ThinkingCosts {
  const m = (x: number | undefined) => (x === undefined ? undefined : x * n);
  return { input: m(costs.input), thinking: m(costs.thinking), output: m(costs.output), total: m(costs.total), batch: m(costs.batch), longContext: costs.longContext, unknown: costs.unknown };
}

/** Why a model cannot price a manual thinking budget, or undefined when it can. */
export function thinkingUnsupportedReason(model: ModelInfo, budget: number): string | undefined {
  const t = model.thinking;
  if (t.manual) return undefined;
  const finding = checkThinking(model, { type: 'enabled', budget_tokens: budget }, undefined).find((f) => f.code === 'thinking-mode-unsupported');
  let reason = finding?.message ?? `${model.displayName} (${model.id}) rejects manual thinking budgets.`;
  if (!t.canDisable) {
    reason += ` It also cannot turn thinking off: it always thinks, as long as output_config.effort lets it, so no budget caps its thinking cost.`;
  }
  return reason;
}

function budgetProblem(budget: number): string | undefined {
  if (!Number.isFinite(budget) || !Number.isInteger(budget)) return `The thinking budget must be a whole number of tokens, got ${String(budget)}.`;
  if (budget < MIN_THINKING_BUDGET) return `The thinking budget is ${formatTokens(budget)} tokens; the API's minimum is ${formatTokens(MIN_THINKING_BUDGET)}.`;
  return undefined;
}

/**
 * Prices the document's request on each model with manual thinking at `options.budget`, per
 * request and per `requests` (1,000) requests, worst case (thinking at the full budget and the
 * answer up to `max_tokens`), plus the Batch API price. Applies each model's rules:
 * - a budget below 1,024 (or not whole) prices nothing (`invalid-budget`);
 * - a model that rejects `{"type": "enabled"}` (Opus 4.7+, every 5.x model) or cannot turn
 *   thinking off is `unsupported`, with the reason, and not priced;
 * - without interleaved thinking the budget must be below `max_tokens`: a `max_tokens` too small
 *   is raised to the smallest accepted value (budget + 1) and the row marked `adjusted` with a
 *   suggestion (budget + 4,096); a `max_tokens` above the model's limit is lowered to it; a
 *   budget the model's output limit cannot hold is `unsupported`.
 * Input tokens are counted once per tokenizer family (models of one family share the count),
 * exactly through `client` when given and the API answers, else estimated with the reason.
 * Resolves to undefined once `signal` is aborted.
 */
export async function estimateWithThinking(doc: ParsedDocument, options: ThinkingEstimateOptions): Promise<ThinkingEstimate | undefined> {
  const { budget, registry, client, signal } = options;
  const interleaved = options.interleaved === true;
  const requests = options.requests ?? DEFAULT_REQUESTS;
  const findings: Finding[] = [];
  let maxTokens: number;
  let maxTokensOrigin: ThinkingEstimate['maxTokensOrigin'];
  if (options.maxTokens !== undefined) {
    maxTokens = options.maxTokens;
    maxTokensOrigin = 'option';
  } else if (doc.maxTokens !== undefined) {
    maxTokens = doc.maxTokens;
    maxTokensOrigin = 'document';
  } else {
    maxTokens = budget + SUGGESTED_ANSWER_ROOM;
    maxTokensOrigin = 'assumed';
    findings.push({
      severity: 'info',
      code: 'max-tokens-assumed',
      message: `The request sets no max_tokens; priced with ${formatTokens(maxTokens)} (budget + ${formatTokens(SUGGESTED_ANSWER_ROOM)} for the answer).`,
    });
  }
  const invalid = budgetProblem(budget);
  if (invalid) findings.push({ severity: 'error', code: 'thinking-budget-invalid', message: invalid });

  // Rows first (rules only), then one count per tokenizer family for the rows that need one.
  const rows: ThinkingRow[] = [];
  const seen = new Set<string>();
  for (const id of options.models) {
    const model = registry.resolve(id);
    const key = model?.id ?? id;
    if (seen.has(key)) continue;
    seen.add(key);
    const row: ThinkingRow = { modelId: key, model, label: model?.displayName ?? id, status: 'ok', findings: [] };
    rows.push(row);
    if (!model) {
      const suggestions = registry.suggest(id, 1);
      row.status = 'unknown-model';
      row.reason = `Unknown model "${id}": its prices are not known.${suggestions[0] ? ` Did you mean "${suggestions[0]}"?` : ''}`;
      continue;
    }
    if (invalid) {
      row.status = 'invalid-budget';
      row.reason = invalid;
      continue;
    }
    const unsupported = thinkingUnsupportedReason(model, budget);
    if (unsupported) {
      row.status = 'unsupported';
      row.reason = unsupported;
      continue;
    }
    const cap = model.maxOutput;
    row.minMaxTokens = interleaved ? 1 : budget + 1;
    if (!interleaved && cap !== undefined && budget >= cap) {
      row.status = 'unsupported';
      row.reason = `${model.displayName} allows at most ${formatTokens(cap)} output tokens and thinking counts toward them: the budget must be below ${formatTokens(cap)}.`;
      continue;
    }
    let used = maxTokens;
    if (cap !== undefined && used > cap) {
      row.adjustment = {
        kind: 'lowered-to-model-limit',
        from: used,
        to: cap,
        message: `max_tokens ${formatTokens(used)} is above the ${formatTokens(cap)}-token output limit of ${model.displayName}; priced at ${formatTokens(cap)}.`,
      };
      used = cap;
    }
    if (!interleaved && budget >= used) {
      const to = budget + 1;
      const suggested = Math.min(budget + SUGGESTED_ANSWER_ROOM, cap ?? Infinity);
      row.findings.push(...checkThinking(model, { type: 'enabled', budget_tokens: budget }, used, { interleaved }));
      row.adjustment = {
        kind: 'raised-for-budget',
        from: used,
        to,
        suggested,
        message: `max_tokens ${formatTokens(used)} is too small for a ${formatTokens(budget)}-token budget (thinking counts toward max_tokens): the smallest that works is ${formatTokens(to)}, priced here; ${formatTokens(suggested)} leaves room for the answer.`,
      };
      used = to;
    }
    if (row.adjustment) row.status = 'adjusted';
    row.maxTokens = used;
    row.thinkingTokens = Math.min(budget, used);
    row.answerTokens = used - row.thinkingTokens;
  }

  const thinking = { type: 'enabled', budget_tokens: budget };
  const body: CountBody = { ...doc.body, thinking };
  const families = new Map<TokenizerFamily, string>();
  for (const row of rows) {
    if (row.maxTokens !== undefined && row.model && !families.has(row.model.tokenizer)) families.set(row.model.tokenizer, row.model.id);
  }
  const counts = new Map<TokenizerFamily, BodyCount>();
  const results = await Promise.all(
    [...families].map(async ([family, modelId]) => [family, await countBody(client, modelId, body, doc.placeholder, family, signal)] as const),
  );
  if (signal?.aborted) return undefined;
  for (const [family, count] of results) {
    if (!count) return undefined;
    counts.set(family, count);
  }

  let exactRows = 0;
  let pricedRows = 0;
  for (const row of rows) {
    const model = row.model;
    if (row.maxTokens === undefined || !model) continue;
    const input = counts.get(model.tokenizer)!;
    row.inputTokens = input;
    // Fast mode / data residency as the file asks (the settings' defaults are the analysis's).
    row.perRequest = priceThinking(model, { inputTokens: input.tokens, budget, maxTokens: row.maxTokens }, { modes: pricingModesOf(doc, undefined) });
    row.perRequests = scaleThinkingCosts(row.perRequest, requests);
    row.findings.push(...checkContextWindow(model, input.tokens, row.maxTokens));
    pricedRows++;
    if (input.exact) exactRows++;
  }
  const exact = pricedRows > 0 && exactRows === pricedRows ? 'all' : exactRows > 0 ? 'some' : 'none';
  return { budget, interleaved, maxTokens, maxTokensOrigin, requests, rows, exact, findings };
}

function reasonText(count: BodyCount | undefined): string {
  const reason: EstimateReason | undefined = count?.reason;
  return reason ? REASON_TEXT[reason] : 'estimate';
}

/** The header line: what is priced and whether the input counts are exact. */
export function thinkingHeadline(result: ThinkingEstimate): string {
  const origin = result.maxTokensOrigin === 'document' ? 'from the request' : result.maxTokensOrigin === 'option' ? 'as chosen' : 'assumed: the request sets none';
  const priced = result.rows.filter((r) => r.inputTokens);
  let counts: string;
  if (priced.length === 0) counts = 'nothing priced';
  else if (result.exact === 'all') counts = 'input tokens exact (count_tokens)';
  else if (result.exact === 'none') counts = `input tokens ≈ estimated (${[...new Set(priced.map((r) => reasonText(r.inputTokens)))].join(', ')})`;
  else {
    const exact = priced.filter((r) => r.inputTokens!.exact).map((r) => r.label);
    const est = priced.filter((r) => !r.inputTokens!.exact).map((r) => r.label);
    counts = `input tokens exact on ${exact.join(', ')}; ≈ estimated on ${est.join(', ')}`;
  }
  const mode = result.interleaved ? ', interleaved thinking' : '';
  return `**Thinking budget ${formatTokens(result.budget)} tokens**${mode} · max_tokens ${formatTokens(result.maxTokens)} (${origin}) · ${counts} · worst case: thinking at the full budget, answer up to max_tokens`;
}

/**
 * A copyable Markdown report: the headline, one table row per model (per request, and per
 * `requests` requests), then notes for adjusted, unsupported and long-context rows.
 */
export function thinkingTableMarkdown(result: ThinkingEstimate): string {
  const n = formatTokens(result.requests);
  const header = ['Model', 'Input tokens', 'max_tokens', 'Input', 'Thinking', 'Answer', 'Worst case', 'Batch', `Worst case ×${n}`, `Batch ×${n}`];
  const notes: string[] = [];
  const rows = result.rows.map((row) => {
    const name = row.perRequest?.longContext ? `${row.label} †` : row.label;
    if (!row.perRequest || row.maxTokens === undefined) {
      const why = row.reason ?? row.status;
      notes.push(why.startsWith(row.label) ? why : `${row.label}: ${why}`);
      return [name, row.status === 'unsupported' ? 'not supported' : row.status === 'unknown-model' ? 'unknown model' : 'invalid budget', '–', '–', '–', '–', '–', '–', '–', '–'];
    }
    const exact = row.inputTokens?.exact ?? false;
    const c = row.perRequest;
    const k = row.perRequests!;
    if (row.adjustment) notes.push(`${row.label}: ${row.adjustment.message}`);
    const maxCell = row.adjustment ? `${formatTokens(row.maxTokens)} *` : formatTokens(row.maxTokens);
    return [
      name,
      tokensText(row.inputTokens!.tokens, exact),
      maxCell,
      usdText(c.input, exact),
      `${usdText(c.thinking)} (${formatTokens(row.thinkingTokens!)})`,
      `${usdText(c.output)} (≤${formatTokens(row.answerTokens!)})`,
      usdText(c.total, exact),
      usdText(c.batch, exact),
      usdText(k.total, exact),
      usdText(k.batch, exact),
    ];
  });
  const lines = [thinkingHeadline(result), '', table(header, rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'])];
  if (result.rows.some((r) => r.perRequest?.longContext)) notes.push('† long-context prices apply to the whole request (the prompt is over the model\'s long-context threshold).');
  if (result.rows.some((r) => r.adjustment)) notes.push('* max_tokens changed so the request is accepted.');
  for (const f of result.findings) notes.push(f.message);
  if (notes.length > 0) lines.push('', ...notes.map((x) => `- ${x}`));
  return lines.join('\n');
}
