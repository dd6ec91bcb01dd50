/**
 * Model checks: does this request fit what the chosen model accepts? Each returns `Finding[]`
 * with stable codes and one actionable message. A rule that rests on an UNCONFIRMED or guessed
 * model field reports a warning instead of an error.
 *
 * Pure TypeScript, no `vscode` import.
 */
import { formatTokens } from '../format';
import type { Finding, Json, Severity } from '../types';
import { fieldStatus } from './provenance';
import type { ModelRegistry } from './registry';
import { EFFORTS, type Effort, type ModelInfo } from './types';
import { isObject } from '../is-object';

/** The API's floor for `budget_tokens`. */
export const MIN_THINKING_BUDGET = 1024;
/** Room for the visible answer that Token Lens suggests on top of a thinking budget. */
export const SUGGESTED_ANSWER_ROOM = 4096;
/** `thinking.type` values some current model accepts. */
export const KNOWN_THINKING_TYPES: readonly string[] = ['enabled', 'adaptive', 'disabled', 'between_tools'];


function tokensText(n: number): string {
  return `${formatTokens(n)} token${n === 1 ? '' : 's'}`;
}

function name(model: ModelInfo): string {
  return `${model.displayName} (${model.id})`;
}

/** `error` for facts from first-party sources, `warning` when the field is UNCONFIRMED or guessed. */
function severityFor(model: ModelInfo, path: string, firm: Severity = 'error'): Severity {
  return fieldStatus(model, path) === 'confirmed' ? firm : 'warning';
}


export interface ThinkingCheckOptions {
  /**
   * Interleaved thinking is on (beta header, or implied by adaptive mode): `budget_tokens` may then
   * exceed `max_tokens`. The body alone cannot tell, so the caller says.
   */
  interleaved?: boolean;
  /** `output_config.effort` of the request, when set. */
  effort?: string;
}

/** Whether a request's `betas` turn on interleaved thinking (`interleaved-thinking-2025-05-14`, ...). */
export function hasInterleavedThinking(betas: readonly string[] | undefined): boolean {
  return betas?.some((b) => b.startsWith('interleaved-thinking-')) ?? false;
}

function suggestAlternative(model: ModelInfo): string {
  const t = model.thinking;
  if (t.adaptive) return 'use {"type": "adaptive"} and steer depth with output_config.effort';
  if (t.manual) return 'use {"type": "enabled", "budget_tokens": N}';
  return 'remove the thinking field';
}

/**
 * Checks `thinking` against the model and `max_tokens`:
 * - `thinking-invalid`: not an object, or no string `type`;
 * - `thinking-type-unknown`: a `type` no model accepts;
 * - `thinking-mode-unsupported`: the model rejects this type (Sonnet 5 and later reject `enabled`;
 *   4.5 models have no `adaptive`; `between_tools` is Sonnet 5.5 only);
 * - `thinking-cannot-disable`: `disabled` on a model whose thinking is always on (Opus 5.5,
 *   Fable 5.x), or on Opus 5 at effort above high;
 * - `thinking-budget-missing` / `thinking-budget-invalid` / `thinking-budget-too-small`
 *   (`enabled` needs a whole `budget_tokens` >= 1024);
 * - `thinking-budget-exceeds-max-tokens`: `budget_tokens` >= `max_tokens` without interleaved
 *   thinking. The message gives the smallest accepted `max_tokens` (budget + 1) and suggests
 *   budget + 4,096 to leave room for the answer.
 */
export function checkThinking(
  model: ModelInfo,
  thinking: Json | undefined,
  maxTokens: number | undefined,
  opts: ThinkingCheckOptions = {},
): Finding[] {
  if (thinking === undefined || thinking === null) return [];
  if (!isObject(thinking) || typeof thinking['type'] !== 'string') {
    return [{
      severity: 'error',
      code: 'thinking-invalid',
      message: 'thinking must be an object with a "type", e.g. {"type": "adaptive"} or {"type": "enabled", "budget_tokens": 4096}.',
    }];
  }
  const type = thinking['type'];
  const t = model.thinking;
  const accepted = [
    ...(t.manual ? ['enabled'] : []),
    ...(t.adaptive ? ['adaptive'] : []),
    ...(t.canDisable ? ['disabled'] : []),
    ...(t.otherTypes ?? []),
  ];
  const acceptedText = accepted.map((a) => `"${a}"`).join(', ') || 'no thinking setting';
  if (!KNOWN_THINKING_TYPES.includes(type) && !(t.otherTypes ?? []).includes(type)) {
    return [{
      severity: 'error',
      code: 'thinking-type-unknown',
      message: `Unknown thinking type "${type}". ${model.displayName} accepts ${acceptedText}.`,
    }];
  }
  if (type === 'disabled') {
    if (!t.canDisable) {
      return [{
        severity: severityFor(model, 'thinking.canDisable'),
        code: 'thinking-cannot-disable',
        message: `${name(model)} always thinks: {"type": "disabled"} is rejected. Omit thinking (or ${(t.otherTypes ?? []).length > 0 ? `use {"type": "${t.otherTypes![0]}"}, its lowest setting, or ` : ''}lower output_config.effort) to keep thinking short.`,
      }];
    }
    const cap = t.disableMaxEffort;
    const effort = opts.effort;
    if (cap !== undefined && effort !== undefined && (EFFORTS as readonly string[]).includes(effort)
      && EFFORTS.indexOf(effort as Effort) > EFFORTS.indexOf(cap)) {
      return [{
        severity: severityFor(model, 'thinking.disableMaxEffort'),
        code: 'thinking-cannot-disable',
        message: `${name(model)} accepts {"type": "disabled"} only at effort "${cap}" or lower; this request uses "${effort}". Lower output_config.effort or keep thinking on.`,
      }];
    }
    return [];
  }
  if (type === 'adaptive') {
    if (t.adaptive) return [];
    return [{
      severity: severityFor(model, 'thinking.adaptive'),
      code: 'thinking-mode-unsupported',
      message: `${name(model)} does not support adaptive thinking; ${t.manual ? 'use {"type": "enabled", "budget_tokens": N} with N >= 1024' : `it accepts ${acceptedText}`}.`,
    }];
  }
  if (type !== 'enabled') {
    if ((t.otherTypes ?? []).includes(type)) return [];
    return [{
      severity: severityFor(model, 'thinking.otherTypes'),
      code: 'thinking-mode-unsupported',
      message: `${name(model)} does not accept thinking type "${type}"; it accepts ${acceptedText}.`,
    }];
  }
  // type === 'enabled'
  if (!t.manual) {
    return [{
      severity: severityFor(model, 'thinking.manual'),
      code: 'thinking-mode-unsupported',
      message: `${name(model)} rejects manual thinking ({"type": "enabled", "budget_tokens": N}); ${suggestAlternative(model)}.`,
    }];
  }
  const budget = thinking['budget_tokens'];
  if (budget === undefined || budget === null) {
    return [{
      severity: 'error',
      code: 'thinking-budget-missing',
      message: `thinking type "enabled" needs "budget_tokens" (a whole number >= ${formatTokens(MIN_THINKING_BUDGET)}, below max_tokens).`,
    }];
  }
  if (typeof budget !== 'number' || !Number.isInteger(budget)) {
    return [{
      severity: 'error',
      code: 'thinking-budget-invalid',
      message: `budget_tokens must be a whole number of tokens, got ${JSON.stringify(budget)}.`,
    }];
  }
  const findings: Finding[] = [];
  if (budget < MIN_THINKING_BUDGET) {
    findings.push({
      severity: 'error',
      code: 'thinking-budget-too-small',
      message: `budget_tokens is ${formatTokens(budget)}; the minimum is ${formatTokens(MIN_THINKING_BUDGET)}. Raise it to at least ${formatTokens(MIN_THINKING_BUDGET)}.`,
    });
  }
  if (maxTokens !== undefined && !opts.interleaved && budget >= maxTokens) {
    const smallest = budget + 1;
    const suggested = budget + SUGGESTED_ANSWER_ROOM;
    const cap = model.maxOutput;
    let fix: string;
    if (cap !== undefined && smallest > cap) {
      fix = `${model.displayName} allows at most ${formatTokens(cap)} output tokens, so lower budget_tokens below ${formatTokens(Math.min(maxTokens, cap))}.`;
    } else {
      const room = cap === undefined || suggested <= cap
        ? `; ${formatTokens(suggested)} (budget + ${formatTokens(SUGGESTED_ANSWER_ROOM)}) leaves room for it`
        : '';
      const lower = maxTokens - 1 >= MIN_THINKING_BUDGET ? `, or lower budget_tokens to at most ${formatTokens(maxTokens - 1)}` : '';
      fix = `Raise max_tokens to at least ${formatTokens(smallest)} (that leaves one token for the answer${room})${lower}.`;
    }
    findings.push({
      severity: 'error',
      code: 'thinking-budget-exceeds-max-tokens',
      message: `budget_tokens (${formatTokens(budget)}) must be less than max_tokens (${formatTokens(maxTokens)}): thinking counts toward max_tokens. ${fix}`,
    });
  }
  return findings;
}

function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to + 'T00:00:00Z') - Date.parse(from + 'T00:00:00Z')) / 86_400_000);
}

/**
 * Lifecycle relative to `today` (compared as UTC calendar days):
 * - `model-retired` (error): status retired, or `retiresAt` is today or earlier;
 * - `model-retiring` (warning): a future `retiresAt`, whatever the horizon, with the date;
 * - `model-deprecated` (warning): deprecated without a date.
 * Messages name the suggested successor when the table has one; given the successor's own entry,
 * they say when it counts differently (another tokenizer: recount, counts do not carry over) and
 * when the successor itself is UNCONFIRMED.
 */
/** What a lifecycle message says about the successor: its tokenizer and whether it is confirmed. */
function successorNote(model: ModelInfo, successor: ModelInfo | undefined): string {
  const notes: string[] = [];
  if (model.successor && fieldStatus(model, 'successor') !== 'confirmed') notes.push('unconfirmed');
  if (successor && successor.tokenizer !== model.tokenizer) notes.push('it uses another tokenizer, so recount: token counts do not carry over');
  return notes.length > 0 ? ` (${notes.join('; ')})` : '';
}

export function checkLifecycle(model: ModelInfo, today: Date, successor?: ModelInfo): Finding[] {
  const { status, retiresAt } = model.lifecycle;
  const about = successorNote(model, successor);
  const next = model.successor ? ` Switch to ${model.successor}${about}.` : ' Switch to a current model.';
  const day = utcDay(today);
  if (status === 'retired' || (retiresAt !== undefined && retiresAt <= day)) {
    return [{
      severity: 'error',
      code: 'model-retired',
      message: `${name(model)} ${retiresAt ? `retired on ${retiresAt}` : 'is retired'}: requests to it fail.${next}`,
    }];
  }
  if (retiresAt !== undefined) {
    const days = daysBetween(day, retiresAt);
    return [{
      severity: 'warning',
      code: 'model-retiring',
      message: `${name(model)} ${status === 'deprecated' ? 'is deprecated and ' : ''}retires on ${retiresAt} (in ${formatTokens(days)} day${days === 1 ? '' : 's'}).${model.successor ? ` Plan a move to ${model.successor}${about}.` : ''}`,
    }];
  }
  if (status === 'deprecated') {
    return [{
      severity: 'warning',
      code: 'model-deprecated',
      message: `${name(model)} is deprecated.${model.successor ? ` Plan a move to ${model.successor}${about}.` : ''}`,
    }];
  }
  return [];
}

/**
 * Context window and output limit:
 * - `over-context-window` (error): input tokens above the window (the extended window, when the
 *   model has one);
 * - `over-standard-context-window` (warning): above the standard window but within the opt-in
 *   extended one (needs the long-context beta; long-context prices apply);
 * - `max-tokens-over-limit` (error): `max_tokens` above the model's maximum output;
 * - `over-context-window-with-output` (warning): input + `max_tokens` above the window.
 * A model with no known window is not checked.
 */
/**
 * The `max_tokens` limit of a Message Batches request: the model's larger batch limit when the
 * request names its beta (`output-300k-2026-03-24`), else the ordinary `maxOutput`.
 */
export function batchOutputLimit(model: ModelInfo, betas: readonly string[] | undefined): number | undefined {
  if (model.batchOutput && betas?.includes(model.batchOutput.beta)) return Math.max(model.batchOutput.maxOutput, model.maxOutput ?? 0);
  return model.maxOutput;
}

/** Output tokens of a batch request's worst case: `max_tokens`, up to the batch limit. */
export function batchWorstCaseOutput(model: ModelInfo, maxTokens: number | undefined, betas: readonly string[] | undefined): number | undefined {
  if (maxTokens === undefined) return undefined;
  const limit = batchOutputLimit(model, betas);
  return limit === undefined ? maxTokens : Math.min(maxTokens, limit);
}

export function checkContextWindow(model: ModelInfo, inputTokens: number, maxTokens?: number, betas?: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  const standard = model.contextWindow;
  if (standard !== undefined) {
    const hardest = Math.max(standard, model.extendedContextWindow ?? standard);
    if (inputTokens > hardest) {
      findings.push({
        severity: 'error',
        code: 'over-context-window',
        message: `The prompt is ${formatTokens(inputTokens)} tokens; ${name(model)} accepts at most ${formatTokens(hardest)}. Remove at least ${tokensText(inputTokens - hardest)} or pick a model with a larger window.`,
      });
      return findings;
    }
    if (inputTokens > standard) {
      findings.push({
        severity: severityFor(model, 'extendedContextWindow', 'warning'),
        code: 'over-standard-context-window',
        message: `The prompt is ${formatTokens(inputTokens)} tokens, over the standard ${formatTokens(standard)}-token window of ${name(model)}: it only works with the extended (${formatTokens(hardest)}-token) context beta, at long-context prices.`,
      });
    }
  }
  if (maxTokens !== undefined) {
    const batchLimit = batchOutputLimit(model, betas);
    const namedBatchBeta = betas?.find((b) => /^output-\d+k-/.test(b));
    if (namedBatchBeta !== undefined && model.batchOutput?.beta !== namedBatchBeta) {
      findings.push({
        severity: 'warning',
        code: 'batch-output-beta-unknown',
        message: `\`betas\` names ${namedBatchBeta}, but Token Lens knows no larger batch output limit of ${name(model)} under it${model.batchOutput ? ` (its batch beta is ${model.batchOutput.beta})` : ''}: max_tokens is held to ${model.maxOutput !== undefined ? formatTokens(model.maxOutput) : 'the usual limit'}.`,
      });
    }
    if (model.maxOutput !== undefined && maxTokens > model.maxOutput && batchLimit !== undefined && batchLimit > model.maxOutput && maxTokens <= batchLimit) {
      findings.push({
        severity: 'info',
        code: 'max-tokens-batch-only',
        message: `max_tokens is ${formatTokens(maxTokens)}: over the ${formatTokens(model.maxOutput)} limit of ordinary requests to ${name(model)}, allowed only through the Message Batches API with the ${model.batchOutput!.beta} beta (up to ${formatTokens(batchLimit)}${fieldStatus(model, 'batchOutput') === 'confirmed' ? '' : ', unconfirmed'}). The batch worst case is priced at ${formatTokens(maxTokens)} output tokens.`,
      });
    } else if (model.maxOutput !== undefined && maxTokens > model.maxOutput) {
      findings.push({
        severity: 'error',
        code: 'max-tokens-over-limit',
        message: `max_tokens is ${formatTokens(maxTokens)}; ${name(model)} allows at most ${formatTokens(model.maxOutput)}. Lower it to ${formatTokens(model.maxOutput)} or less.`,
      });
    }
    if (standard !== undefined) {
      const window = inputTokens > standard ? Math.max(standard, model.extendedContextWindow ?? standard) : standard;
      if (inputTokens + maxTokens > window) {
        findings.push({
          severity: 'warning',
          code: 'over-context-window-with-output',
          message: `Prompt (${formatTokens(inputTokens)}) + max_tokens (${formatTokens(maxTokens)}) = ${formatTokens(inputTokens + maxTokens)} tokens, over the ${formatTokens(window)}-token window of ${name(model)}. Lower max_tokens to ${formatTokens(Math.max(0, window - inputTokens))} or less.`,
        });
      }
    }
  }
  return findings;
}

/**
 * `forced-tool-choice-unsupported` (error): `tool_choice` `any` or `tool` on a model that rejects
 * forced tool use (Opus 5.5, Fable 5.1, Sonnet 5.5).
 */
export function checkToolChoice(model: ModelInfo, toolChoice: Json | undefined): Finding[] {
  if (!isObject(toolChoice)) return [];
  const type = toolChoice['type'];
  if ((type !== 'any' && type !== 'tool') || model.forcedToolChoice) return [];
  const what = type === 'tool' && typeof toolChoice['name'] === 'string'
    ? `{"type": "tool", "name": "${toolChoice['name']}"}`
    : `{"type": "${type}"}`;
  return [{
    severity: severityFor(model, 'forcedToolChoice'),
    code: 'forced-tool-choice-unsupported',
    message: `${name(model)} rejects forced tool use (tool_choice ${what}). Use {"type": "auto"} and ask for the tool in the prompt, or pick a model that accepts forced tool use.`,
  }];
}

/**
 * Known names closest to `id`, best first, one per model (see {@link ModelRegistry.suggest}).
 */
export function suggestModels(id: string, registry: ModelRegistry, max = 3): string[] {
  return registry.suggest(id, max);
}

/**
 * `unknown-model` (warning) when `id` resolves to no model, with the nearest known names.
 */
export function checkUnknownModel(id: string, registry: ModelRegistry): Finding[] {
  if (registry.resolve(id)) return [];
  const suggestions = suggestModels(id, registry);
  const [best, ...others] = suggestions;
  const hint = best === undefined
    ? ' Add it as a model override (id, prices, contextWindow) to price it.'
    : ` Did you mean "${best}"?${others.length > 0 ? ` Other close names: ${others.map((s) => `"${s}"`).join(', ')}.` : ''}`;
  return [{
    severity: 'warning',
    code: 'unknown-model',
    message: `Unknown model "${id}": its limits and prices are not known, so cost is not shown.${hint}`,
  }];
}
