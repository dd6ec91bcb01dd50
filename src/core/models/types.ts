/**
 * The shapes of the model and price table: a model's prices, limits, lifecycle and thinking
 * support, the overrides that change them, and the table as stored in `models.json`.
 *
 * Every number carries its provenance: `source` maps a field path (`prices`, `prices.cacheRead`,
 * `thinking.manual`, ...) to a key of the registry's `sources`; the longest matching path wins.
 * `unconfirmed` lists fields only third parties state; `guessed` lists fields Token Lens inferred
 * by a rule (derived prices, defaults for user-added models, tokenizers guessed from an id).
 * A price that nobody states is absent, never 0: cost math reports it as unknown.
 */
import type { TokenizerFamily } from '../types';

/** The five prices of a model, in `currency` per million tokens. */
export type PriceKey = 'input' | 'output' | 'cacheWrite5m' | 'cacheWrite1h' | 'cacheRead';
export const PRICE_KEYS: readonly PriceKey[] = ['input', 'output', 'cacheWrite5m', 'cacheWrite1h', 'cacheRead'];

/** USD per million tokens. An absent key means "unknown", never "free". */
export type Prices = { [K in PriceKey]?: number };

/** Prices that apply to the WHOLE request once its prompt exceeds `thresholdTokens`. */
export interface LongContextPricing {
  /** The tier applies when input + cache writes + cache reads is strictly greater than this. */
  thresholdTokens: number;
  prices: Prices;
}

export type LifecycleStatus = 'active' | 'deprecated' | 'retired';
export const LIFECYCLE_STATUSES: readonly LifecycleStatus[] = ['active', 'deprecated', 'retired'];

export interface Lifecycle {
  status: LifecycleStatus;
  /** `YYYY-MM-DD` (UTC): the first day requests to the model fail. */
  retiresAt?: string;
}

/** `output_config.effort` levels, lowest first. */
export type Effort = 'low' | 'medium' | 'high' | 'xhigh' | 'max';
export const EFFORTS: readonly Effort[] = ['low', 'medium', 'high', 'xhigh', 'max'];

export type Availability = 'general' | 'limited';

/** Which `thinking` settings a model accepts. */
export interface ThinkingSupport {
  /** Accepts `{ type: "enabled", budget_tokens }`. */
  manual: boolean;
  /** Accepts `{ type: "disabled" }`. */
  canDisable: boolean;
  /** Accepts `{ type: "adaptive" }`. */
  adaptive: boolean;
  /** Further accepted `type` values, e.g. `between_tools` on Sonnet 5.5. */
  otherTypes?: string[];
  /** `disabled` is accepted only when `output_config.effort` is at most this level. */
  disableMaxEffort?: Effort;
}

/** Where a model entry came from. */
export type ModelOrigin = 'bundled' | 'override' | 'litellm';

/** Everything Token Lens knows about one model. */
export interface ModelInfo {
  /** The API model id, e.g. `claude-sonnet-4-6` or `claude-haiku-4-5-20251001`. */
  id: string;
  /** Other names the API accepts for the same model, e.g. `claude-haiku-4-5`. */
  aliases: string[];
  /** Short human name: "Sonnet 4.6". */
  displayName: string;
  tokenizer: TokenizerFamily;
  /** Maximum input tokens; undefined when unknown (user-added models). */
  contextWindow?: number;
  /** A larger window available by opt-in (beta header), priced by `longContext`. */
  extendedContextWindow?: number;
  /** Maximum `max_tokens`; undefined when unknown. */
  maxOutput?: number;
  prices: Prices;
  longContext?: LongContextPricing;
  /** Fraction taken off every line by the Batch API: 0.5 = half price. */
  batchDiscount: number;
  lifecycle: Lifecycle;
  /** Suggested replacement when the model is deprecated or retired. */
  successor?: string;
  /** Shortest prefix that is cached; undefined when unknown. */
  minCacheableTokens?: number;
  thinking: ThinkingSupport;
  /** Accepts `tool_choice` `any` / `tool`. */
  forcedToolChoice: boolean;
  availability?: Availability;
  /**
   * Fast mode (`speed: "fast"` in the request): every line costs `multiplier` times the
   * standard rate (cache multipliers and the batch discount stack on top). Absent: the model has
   * no fast mode (a request asking for it is a finding, never silently priced at the standard
   * rate). Present without `multiplier`: fast mode exists but its price is unknown.
   */
  fastMode?: { multiplier?: number };
  /**
   * Data residency: the `inference_geo` values the model accepts, each with its price multiplier
   * on every line (`{ "global": 1, "us": 1.1 }`). Absent: the parameter is rejected (400).
   */
  inferenceGeo?: Record<string, number>;
  /** A larger `max_tokens` limit for Message Batches requests that name the `beta`. */
  batchOutput?: { maxOutput: number; beta: string };
  /**
   * Preserved thinking with the prefix check enforced: a thinking block's signature binds it to
   * everything before it, so dropping earlier turns makes every kept thinking block invalid and
   * the API answers 400 (docs: build-with-claude/preserved-thinking). Trimming must then remove
   * thinking from the kept turns. Absent: false.
   */
  trimInvalidatesThinking?: boolean;
  /** Field path -> key of {@link ModelRegistry.sources}; the longest matching path applies. */
  source: Record<string, string>;
  /** Field paths only third parties state (UNCONFIRMED). */
  unconfirmed: string[];
  /** Field paths Token Lens inferred by a rule or defaulted. */
  guessed: string[];
  notes: string[];
  origin: ModelOrigin;
}

/** A price in an override: a number sets it, `null` makes it unknown again. */
export type PriceOverrides = { [K in PriceKey]?: number | null };

/**
 * One user override: `id` names an existing model (id or alias, any case) to change, or a new
 * model to add. Every other field is optional; objects are merged key by key, `null` removes an
 * optional value, `aliases` are added to the existing ones.
 */
export interface ModelOverride {
  id: string;
  aliases?: string[];
  displayName?: string;
  tokenizer?: TokenizerFamily;
  contextWindow?: number | null;
  extendedContextWindow?: number | null;
  maxOutput?: number | null;
  prices?: PriceOverrides;
  longContext?: { thresholdTokens?: number; prices?: PriceOverrides } | null;
  batchDiscount?: number;
  lifecycle?: { status?: LifecycleStatus; retiresAt?: string | null };
  successor?: string | null;
  minCacheableTokens?: number | null;
  thinking?: {
    manual?: boolean;
    canDisable?: boolean;
    adaptive?: boolean;
    otherTypes?: string[];
    disableMaxEffort?: Effort | null;
  };
  forcedToolChoice?: boolean;
  availability?: Availability | null;
  fastMode?: { multiplier?: number | null } | null;
  inferenceGeo?: Record<string, number> | null;
  batchOutput?: { maxOutput: number; beta: string } | null;
  notes?: string[];
  trimInvalidatesThinking?: boolean;
}

/** Options for {@link ModelRegistry.withOverrides}. */
export interface OverrideOptions {
  /** How findings name the setting, e.g. `tokenLens.models`. Default `model overrides`. */
  label?: string;
  /** Source recorded for every overridden field. Default `override`. */
  source?: { id: string; description: string };
}

/** The whole table as stored in `models.json`. */
export interface ModelTableData {
  asOf: string;
  currency: string;
  unit: string;
  sources: Record<string, string>;
  models: ModelInfo[];
}
