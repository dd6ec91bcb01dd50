/**
 * Cost math on token counts: what one request costs on a model, line by line.
 *
 * Pure functions, no I/O, no `vscode` import. A price nobody states is reported as unknown
 * (`total: undefined` plus the missing field paths), never as $0.
 */
import { fieldStatus } from './provenance';
import type { ModelInfo, PriceKey, Prices } from './types';

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
  /** Fast mode and data residency, as the request (or its file, or settings) asks. */
  modes?: PricingModes;
}

/**
 * Request options priced apart from the standard rate. Each applies to every line (input, cache
 * writes and reads, output) and stacks with the cache multipliers and the batch discount.
 */
export interface PricingModes {
  /** The request's `speed`: `"fast"` costs the model's fast-mode multiple; anything else, the standard rate. */
  speed?: string;
  /** The request's `inference_geo`: `"us"` costs the model's data-residency multiplier (1.1). */
  inferenceGeo?: string;
}

/** A multiplier applied to every line of a price, said the way the UI shows it. */
export interface PriceModifier {
  kind: 'fast' | 'inference-geo';
  /** Undefined when the mode exists but its price is unknown. */
  factor?: number;
  /** Whether the multiplier rests on an UNCONFIRMED source. */
  unconfirmed: boolean;
  /** `fast mode ×2`, `data residency ×1.1 (unconfirmed)`, `fast mode (price unknown)`. */
  label: string;
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
  /** Effective USD per million tokens per line after tier, modes and batch discount (known ones only). */
  rates: Prices;
  /** Fast mode and data residency multipliers applied to every line (empty at the standard rate). */
  modifiers: PriceModifier[];
  /**
   * Field paths of the prices this cost used (lines with tokens) that are UNCONFIRMED or guessed,
   * e.g. `prices.cacheRead`: the UI then says "unconfirmed" next to the price.
   */
  unconfirmed: string[];
}

const MILLION = 1_000_000;

function times(factor: number): string {
  return `×${Number(factor.toFixed(4))}`;
}

/**
 * The multipliers `modes` put on `model`'s prices. A mode the model does not have (fast mode on
 * Sonnet, `inference_geo` on a 4.5 model, an unknown geo) adds nothing here: the request is
 * rejected, and {@link pricingModeFindings} says so. Fast mode whose price nobody states has an
 * undefined factor: the price is unknown, never the standard rate.
 */
export function priceModifiers(model: ModelInfo, modes: PricingModes | undefined): PriceModifier[] {
  const out: PriceModifier[] = [];
  if (modes?.speed === 'fast' && model.fastMode) {
    const factor = model.fastMode.multiplier;
    const unconfirmed = fieldStatus(model, 'fastMode.multiplier') !== 'confirmed';
    out.push({
      kind: 'fast',
      ...(factor !== undefined ? { factor } : {}),
      unconfirmed,
      label: factor === undefined ? 'fast mode (price unknown)' : `fast mode ${times(factor)}${unconfirmed ? ' (unconfirmed)' : ''}`,
    });
  }
  const geo = modes?.inferenceGeo;
  const factor = geo !== undefined ? model.inferenceGeo?.[geo] : undefined;
  if (factor !== undefined && factor !== 1) {
    const unconfirmed = fieldStatus(model, 'inferenceGeo') !== 'confirmed';
    out.push({ kind: 'inference-geo', factor, unconfirmed, label: `data residency ${times(factor)}${unconfirmed ? ' (unconfirmed)' : ''}` });
  }
  return out;
}

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
  const modifiers = priceModifiers(model, opts.modes);
  const modeUnknown = modifiers.some((m) => m.factor === undefined);
  const factor = modifiers.reduce((f, m) => f * (m.factor ?? 1), batch ? 1 - model.batchDiscount : 1);

  const unknown: string[] = [];
  const unconfirmed: string[] = [];
  const rates: Prices = {};
  const line = (key: PriceKey): number | undefined => {
    const price = table[key];
    if (price !== undefined && !modeUnknown) rates[key] = price * factor;
    if (counts[key] === 0) return 0;
    if (price === undefined) {
      unknown.push(`${base}.${key}`);
      return undefined;
    }
    if (modeUnknown) return undefined;
    if (fieldStatus(model, `${base}.${key}`) !== 'confirmed') unconfirmed.push(`${base}.${key}`);
    return (counts[key] * price * factor) / MILLION;
  };
  const input = line('input');
  const cacheWrite5m = line('cacheWrite5m');
  const cacheWrite1h = line('cacheWrite1h');
  const cacheRead = line('cacheRead');
  const output = line('output');
  if (modeUnknown && [input, cacheWrite5m, cacheWrite1h, cacheRead, output].some((x) => x === undefined)) unknown.push('fastMode.multiplier');
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
    modifiers,
    unconfirmed,
  };
}

/**
 * What the UI appends to a price: its pricing modes and whether a price it rests on is
 * UNCONFIRMED, ` (fast mode ×2, data residency ×1.1)`, ` (unconfirmed price)`; empty for a
 * confirmed standard-rate price.
 */
export function modesSuffix(cost: Pick<Cost, 'modifiers' | 'unconfirmed'> | undefined): string {
  const notes = priceNotes(cost);
  return notes.length > 0 ? ` (${notes.join(', ')})` : '';
}

/** The notes of {@link modesSuffix} as a list: `["fast mode ×2", "unconfirmed price"]`. */
export function priceNotes(cost: Pick<Cost, 'modifiers' | 'unconfirmed'> | undefined): string[] {
  if (!cost) return [];
  const notes = cost.modifiers.map((m) => m.label);
  if (cost.unconfirmed.length > 0) notes.push('unconfirmed price');
  return notes;
}
