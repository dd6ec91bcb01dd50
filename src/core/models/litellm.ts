/** LiteLLM's `model_prices_and_context_window.json`: its Claude entries read as model overrides. */
import type { Finding } from '../types';
import { isObject } from '../is-object';
import { describe } from './overrides';
import type { ModelOverride, PriceKey, PriceOverrides } from './types';

const LITELLM_FIELDS: Record<string, PriceKey> = {
  input_cost_per_token: 'input',
  output_cost_per_token: 'output',
  cache_creation_input_token_cost: 'cacheWrite5m',
  cache_creation_input_token_cost_above_1hr: 'cacheWrite1h',
  cache_read_input_token_cost: 'cacheRead',
};

/** Per-token USD -> per-million USD, without floating-point noise (3e-6 -> 3, not 2.9999999999999996). */
function perMillion(perToken: number): number {
  return Number((perToken * 1_000_000).toPrecision(12));
}

/** What one LiteLLM entry says, as an override, plus its original key. */
export interface LiteLLMEntry {
  key: string;
  override: ModelOverride;
}

/**
 * Converts a LiteLLM `model_prices_and_context_window.json` into overrides. Keeps only Claude
 * entries on Anthropic's own API: keys `claude-...` or `anthropic/claude-...` whose
 * `litellm_provider`, when present, is `anthropic` (Bedrock, Vertex and proxy entries carry other
 * providers and sometimes other prices). Prices are converted from per token to per million;
 * `*_above_<N>k_tokens` fields become a long-context tier at N x 1000 tokens. A price of 0 is
 * treated as "unknown" and dropped (LiteLLM uses 0 for missing data; no Claude price is free).
 */
export function liteLLMToOverrides(json: unknown): { entries: LiteLLMEntry[]; findings: Finding[] } {
  const findings: Finding[] = [];
  if (!isObject(json)) {
    findings.push({
      severity: 'error',
      code: 'litellm-invalid',
      message: `LiteLLM price file: expected a JSON object of model name -> prices, got ${describe(json)}.`,
    });
    return { entries: [], findings };
  }
  const entries: LiteLLMEntry[] = [];
  const zeroes: string[] = [];
  for (const [key, raw] of Object.entries(json)) {
    const lower = key.trim().toLowerCase();
    const id = lower.startsWith('anthropic/') ? lower.slice('anthropic/'.length) : lower;
    if (!id.startsWith('claude-') || !isObject(raw)) continue;
    const provider = raw['litellm_provider'];
    if (provider !== undefined && provider !== 'anthropic') continue;
    const override: ModelOverride = { id };
    const prices: PriceOverrides = {};
    const tiers = new Map<number, PriceOverrides>();
    for (const [field, value] of Object.entries(raw)) {
      const tier = /^(.+)_above_(\d+)k_tokens$/.exec(field);
      const base = tier ? tier[1]! : field;
      const priceKey = LITELLM_FIELDS[base];
      if (priceKey === undefined) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        findings.push({
          severity: 'warning',
          code: 'litellm-invalid',
          message: `LiteLLM price file: "${key}".${field} is ${describe(value)}, not a price per token; ignored.`,
        });
        continue;
      }
      if (value === 0) {
        zeroes.push(`${key}.${field}`);
        continue;
      }
      if (tier) {
        const threshold = Number(tier[2]) * 1000;
        const t = tiers.get(threshold) ?? {};
        t[priceKey] = perMillion(value);
        tiers.set(threshold, t);
      } else prices[priceKey] = perMillion(value);
    }
    if (Object.keys(prices).length > 0) override.prices = prices;
    const thresholds = [...tiers.keys()].sort((a, b) => a - b);
    if (thresholds.length > 0) {
      const first = thresholds[0]!;
      override.longContext = { thresholdTokens: first, prices: tiers.get(first)! };
      if (thresholds.length > 1) {
        findings.push({
          severity: 'warning',
          code: 'litellm-tier-conflict',
          message: `LiteLLM price file: "${key}" has several long-context tiers (${thresholds.join(', ')} tokens); only the first is used.`,
        });
      }
    }
    const maxIn = raw['max_input_tokens'];
    if (typeof maxIn === 'number' && Number.isInteger(maxIn) && maxIn > 0) override.contextWindow = maxIn;
    const maxOut = raw['max_output_tokens'];
    if (typeof maxOut === 'number' && Number.isInteger(maxOut) && maxOut > 0) override.maxOutput = maxOut;
    entries.push({ key, override });
  }
  if (zeroes.length > 0) {
    findings.push({
      severity: 'info',
      code: 'litellm-zero-price',
      message: `LiteLLM price file: ${zeroes.length} price(s) of 0 treated as unknown (${zeroes.slice(0, 3).join(', ')}${zeroes.length > 3 ? ', ...' : ''}).`,
    });
  }
  if (entries.length === 0) {
    findings.push({
      severity: 'warning',
      code: 'litellm-no-claude-models',
      message: 'LiteLLM price file: no Anthropic Claude entries ("claude-..." or "anthropic/claude-..." keys) found.',
    });
  }
  return { entries, findings };
}
