/**
 * Token estimate of raw text for a tokenizer family: the fitted weights of `calibration.json`
 * applied to the one-pass features of `features.ts`.
 */

import type { TokenizerFamily } from '../types';
import { FEATURE_COUNT, FEATURE_NAMES, textFeatures } from './features';
import calibration from './calibration.json';

/** Fitted weights per family, in feature order. A missing or invalid weight reads as 0. */
let WEIGHTS: Record<TokenizerFamily, Float64Array> = {
  'claude-4': weightVector('claude-4'),
  'claude-4.7': weightVector('claude-4.7'),
};

function weightVector(family: TokenizerFamily, families = (calibration as { families?: Record<string, Record<string, unknown> | undefined> }).families): Float64Array {
  const w = new Float64Array(FEATURE_COUNT);
  const record = families?.[family];
  FEATURE_NAMES.forEach((name, k) => {
    const v = record?.[name];
    w[k] = typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0;
  });
  return w;
}

/**
 * Runs `fn` with `weights` (by family, by feature name) in place of the shipped ones: fitting and
 * cross-validation. Synchronous; the shipped weights are back when it returns.
 */
export function withWeights<T>(weights: Partial<Record<TokenizerFamily, Record<string, number>>>, fn: () => T): T {
  const saved = WEIGHTS;
  WEIGHTS = { 'claude-4': weightVector('claude-4', weights), 'claude-4.7': weightVector('claude-4.7', weights) };
  try {
    return fn();
  } finally {
    WEIGHTS = saved;
  }
}

/** The shipped weights of a family (feature order), e.g. to score them. A copy. */
export function calibratedWeights(family: TokenizerFamily): Float64Array {
  return Float64Array.from(WEIGHTS[family] ?? WEIGHTS['claude-4']);
}

// One scratch vector for all calls: estimation is synchronous, so it is never shared.
const scratch = new Float64Array(FEATURE_COUNT);

/**
 * Estimated tokens of raw text content (no message framing) for `family`. 0 for empty text, at
 * least 1 otherwise; never decreases as text is appended. One linear pass, no allocation beyond the call itself.
 */
export function estimateTextTokens(text: string, family: TokenizerFamily): number {
  if (typeof text !== 'string' || text.length === 0) return 0;
  const w = WEIGHTS[family] ?? WEIGHTS['claude-4'];
  const f = textFeatures(text, scratch);
  let s = 0;
  for (let k = 0; k < FEATURE_COUNT; k++) s += w[k]! * f[k]!;
  return Math.max(1, Math.round(s)); // non-empty text is at least one token
}
