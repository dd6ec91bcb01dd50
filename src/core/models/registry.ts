/**
 * The model and price table: bundled data (`models.json`), user overrides and LiteLLM imports.
 *
 * Every number carries its provenance: `source` maps a field path (`prices`, `prices.cacheRead`,
 * `thinking.manual`, ...) to a key of the registry's `sources`; the longest matching path wins.
 * `unconfirmed` lists fields only third parties state; `guessed` lists fields Token Lens inferred
 * by a rule (derived prices, defaults for user-added models, tokenizers guessed from an id).
 * A price that nobody states is absent, never 0: cost math reports it as unknown.
 *
 * Pure TypeScript, no `vscode` import. Expected failures (bad settings, a malformed LiteLLM file)
 * come back as findings, never as thrown errors.
 */
import bundledData from './models.json';
import type { Finding, Severity, TokenizerFamily } from '../types';
import { TOKENIZER_FAMILIES } from '../types';

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
  notes?: string[];
}

/** Options for {@link ModelRegistry.withOverrides}. */
export interface OverrideOptions {
  /** How findings name the setting, e.g. `tokenLens.models`. Default `model overrides`. */
  label?: string;
  /** Source recorded for every overridden field. Default `override`. */
  source?: { id: string; description: string };
}

/** A registry derived from another one, plus what was wrong with the input. */
export interface RegistryResult {
  registry: ModelRegistry;
  findings: Finding[];
}

/** Outcome of {@link ModelRegistry.fromLiteLLM}. */
export interface LiteLLMImportResult extends RegistryResult {
  /** Existing model ids whose prices were replaced. */
  updated: string[];
  /** Model ids added from the file (tokenizer guessed). */
  added: string[];
}

/** The whole table as stored in `models.json`. */
export interface ModelTableData {
  asOf: string;
  currency: string;
  unit: string;
  sources: Record<string, string>;
  models: ModelInfo[];
}

const OVERRIDE_SOURCE = { id: 'override', description: 'user override (settings or CLI config)' };
const LITELLM_SOURCE = {
  id: 'litellm',
  description: "LiteLLM model_prices_and_context_window.json import (community-maintained)",
};
const ASSUMPTION_SOURCE = { id: 'assumption', description: 'Token Lens assumption: no source states it; override it if it is wrong' };

// ---------------------------------------------------------------------------------------------
// Provenance helpers

function pathCovers(listed: string, path: string): boolean {
  return path === listed || path.startsWith(listed + '.');
}

/** The source key that applies to `path` (longest listed prefix), if any. */
export function sourceOf(model: ModelInfo, path: string): string | undefined {
  let best: string | undefined;
  for (const key of Object.keys(model.source)) {
    if (pathCovers(key, path) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : model.source[best];
}

/** Whether `path` (or a field containing it) is UNCONFIRMED or guessed. */
export function fieldStatus(model: ModelInfo, path: string): 'confirmed' | 'unconfirmed' | 'guessed' {
  if (model.guessed.some((g) => pathCovers(g, path))) return 'guessed';
  if (model.unconfirmed.some((u) => pathCovers(u, path))) return 'unconfirmed';
  return 'confirmed';
}

function markProvenance(model: ModelInfo, path: string, sourceId: string, guessed = false): void {
  for (const key of Object.keys(model.source)) {
    if (key !== path && key.startsWith(path + '.')) delete model.source[key];
  }
  model.source[path] = sourceId;
  model.unconfirmed = model.unconfirmed.filter((p) => !pathCovers(path, p));
  model.guessed = model.guessed.filter((p) => !pathCovers(path, p));
  if (guessed) model.guessed.push(path);
}

// ---------------------------------------------------------------------------------------------
// Model ids: versions, tokenizer guess, display names

/** Family and version read from a Claude model id, if it has them. */
export interface ParsedModelId {
  family?: string;
  major?: number;
  minor?: number;
}

const NOT_A_FAMILY = new Set(['claude', 'anthropic', 'latest', 'v1', 'v2', 'thinking', 'preview', 'beta']);

/**
 * Reads family and version from ids in either naming order: `claude-sonnet-4-5-20250929`,
 * `claude-fable-5-1`, `claude-3-7-sonnet-latest`, `anthropic/claude-opus-4.6`. The first 1-2 digit
 * number is the major version and a directly following 1-2 digit number the minor; an 8-digit
 * date is not a version.
 */
export function parseModelId(id: string): ParsedModelId {
  const tokens = id.toLowerCase().split(/[-./@:_\s]+/).filter((t) => t.length > 0);
  const out: ParsedModelId = {};
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (/^\d{1,2}$/.test(t)) {
      if (out.major === undefined) {
        out.major = Number(t);
        const next = tokens[i + 1];
        if (next !== undefined && /^\d{1,2}$/.test(next)) {
          out.minor = Number(next);
          i++;
        }
      }
    } else if (/^[a-z]+$/.test(t) && !NOT_A_FAMILY.has(t) && out.family === undefined) {
      out.family = t;
    }
  }
  return out;
}

/**
 * Guesses the tokenizer of a model from its id. Documented rule: `claude-4.7` for version 5 or
 * later and for 4.7 or later (Opus 4.7 introduced the newer tokenizer, and every later model uses
 * it); `claude-4` for any earlier version (3.x and 4.0-4.6; Claude 2 and Instant have no family of
 * their own here and get the closest one). An id with no readable version is assumed to be a
 * model newer than this table, so `claude-4.7`.
 */
export function guessTokenizer(id: string): TokenizerFamily {
  const { major, minor } = parseModelId(id);
  if (major === undefined) return 'claude-4.7';
  if (major >= 5) return 'claude-4.7';
  if (major === 4 && (minor ?? 0) >= 7) return 'claude-4.7';
  return 'claude-4';
}

function guessDisplayName(id: string): string {
  const { family, major, minor } = parseModelId(id);
  if (family === undefined || major === undefined) return id;
  const name = family.charAt(0).toUpperCase() + family.slice(1);
  return minor === undefined ? `${name} ${major}` : `${name} ${major}.${minor}`;
}

/** Thinking defaults for a model Token Lens knows nothing about, by version (all guessed). */
function guessThinking(id: string): ThinkingSupport {
  const { major, minor } = parseModelId(id);
  const version = major === undefined ? Infinity : major + (minor ?? 0) / 10;
  if (version >= 4.7) return { manual: false, canDisable: true, adaptive: true };
  if (version >= 4.6) return { manual: true, canDisable: true, adaptive: true };
  return { manual: true, canDisable: true, adaptive: false };
}

// ---------------------------------------------------------------------------------------------
// Shape validation

type Obj = { [key: string]: unknown };

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  try {
    const s = JSON.stringify(v);
    return s.length > 40 ? s.slice(0, 37) + '...' : s;
  } catch {
    return String(v);
  }
}

function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(s + 'T00:00:00Z');
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const OVERRIDE_KEYS = new Set([
  'id', 'aliases', 'displayName', 'tokenizer', 'contextWindow', 'extendedContextWindow', 'maxOutput',
  'prices', 'longContext', 'batchDiscount', 'lifecycle', 'successor', 'minCacheableTokens',
  'thinking', 'forcedToolChoice', 'availability', 'notes',
]);
const PROVENANCE_KEYS = new Set(['source', 'unconfirmed', 'guessed', 'origin']);

/** Collects findings about one settings entry, naming the offending path. */
class Checker {
  constructor(
    private readonly where: string,
    readonly findings: Finding[],
  ) {}

  report(path: string, message: string, severity: Severity = 'warning', code = 'model-override-invalid'): void {
    const at = path ? `${this.where}.${path}` : this.where;
    this.findings.push({ severity, code, message: `${at}: ${message}` });
  }

  bad(path: string, expected: string, got: unknown): void {
    this.report(path, `expected ${expected}, got ${describe(got)}; ignored.`);
  }

  tokenCount(path: string, v: unknown, nullable: boolean): number | null | undefined {
    if (v === undefined) return undefined;
    if (v === null && nullable) return null;
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
    this.bad(path, nullable ? 'a positive whole number of tokens or null' : 'a positive whole number of tokens', v);
    return undefined;
  }

  string(path: string, v: unknown, nullable = false): string | null | undefined {
    if (v === undefined) return undefined;
    if (v === null && nullable) return null;
    if (typeof v === 'string' && v.trim().length > 0) return v.trim();
    this.bad(path, nullable ? 'a non-empty string or null' : 'a non-empty string', v);
    return undefined;
  }

  bool(path: string, v: unknown): boolean | undefined {
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    this.bad(path, 'true or false', v);
    return undefined;
  }

  oneOf<T extends string>(path: string, v: unknown, values: readonly T[], nullable = false): T | null | undefined {
    if (v === undefined) return undefined;
    if (v === null && nullable) return null;
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    this.bad(path, `one of ${values.map((x) => `"${x}"`).join(', ')}${nullable ? ' or null' : ''}`, v);
    return undefined;
  }

  strings(path: string, v: unknown): string[] | undefined {
    if (v === undefined) return undefined;
    if (Array.isArray(v) && v.every((s) => typeof s === 'string' && s.trim().length > 0)) {
      return v.map((s) => (s as string).trim());
    }
    this.bad(path, 'a list of non-empty strings', v);
    return undefined;
  }

  prices(path: string, v: unknown): PriceOverrides | undefined {
    if (v === undefined) return undefined;
    if (!isObj(v)) {
      this.bad(path, 'an object of prices per million tokens', v);
      return undefined;
    }
    const out: PriceOverrides = {};
    for (const [key, value] of Object.entries(v)) {
      if (!(PRICE_KEYS as readonly string[]).includes(key)) {
        this.report(
          `${path}.${key}`,
          `unknown price; expected one of ${PRICE_KEYS.join(', ')}. Ignored.`,
          'warning',
          'model-override-unknown-field',
        );
        continue;
      }
      if (value === null) out[key as PriceKey] = null;
      else if (typeof value === 'number' && Number.isFinite(value) && value >= 0) out[key as PriceKey] = value;
      else this.bad(`${path}.${key}`, 'a non-negative number (USD per million tokens) or null', value);
    }
    return out;
  }
}

/** Validates one override entry. Returns undefined when the entry cannot be used at all. */
function readOverride(raw: unknown, where: string, findings: Finding[], allowProvenance: boolean): ModelOverride | undefined {
  const c = new Checker(where, findings);
  if (!isObj(raw)) {
    c.report('', `expected an object with at least an "id", got ${describe(raw)}; entry ignored.`, 'error');
    return undefined;
  }
  const id = c.string('id', raw['id']);
  if (typeof id !== 'string') {
    if (raw['id'] === undefined) c.report('', 'missing "id" (the model id or alias to add or change); entry ignored.', 'error');
    return undefined;
  }
  const ov: ModelOverride = { id };
  for (const key of Object.keys(raw)) {
    if (OVERRIDE_KEYS.has(key)) continue;
    if (PROVENANCE_KEYS.has(key)) {
      if (!allowProvenance) {
        c.report(key, 'provenance is recorded automatically for overrides; ignored.', 'info', 'model-override-unknown-field');
      }
      continue;
    }
    c.report(key, `unknown field; expected one of ${[...OVERRIDE_KEYS].join(', ')}. Ignored.`, 'warning', 'model-override-unknown-field');
  }
  const aliases = c.strings('aliases', raw['aliases']);
  if (aliases) ov.aliases = aliases;
  const displayName = c.string('displayName', raw['displayName']);
  if (typeof displayName === 'string') ov.displayName = displayName;
  const tokenizer = c.oneOf('tokenizer', raw['tokenizer'], TOKENIZER_FAMILIES);
  if (tokenizer) ov.tokenizer = tokenizer;
  for (const key of ['contextWindow', 'extendedContextWindow', 'maxOutput', 'minCacheableTokens'] as const) {
    const v = c.tokenCount(key, raw[key], true);
    if (v !== undefined) ov[key] = v;
  }
  const prices = c.prices('prices', raw['prices']);
  if (prices) ov.prices = prices;
  const lc = raw['longContext'];
  if (lc === null) ov.longContext = null;
  else if (lc !== undefined) {
    if (!isObj(lc)) c.bad('longContext', 'an object { thresholdTokens, prices } or null', lc);
    else {
      const out: NonNullable<ModelOverride['longContext']> = {};
      const threshold = c.tokenCount('longContext.thresholdTokens', lc['thresholdTokens'], false);
      if (typeof threshold === 'number') out.thresholdTokens = threshold;
      const lp = c.prices('longContext.prices', lc['prices']);
      if (lp) out.prices = lp;
      for (const key of Object.keys(lc)) {
        if (key !== 'thresholdTokens' && key !== 'prices') {
          c.report(`longContext.${key}`, 'unknown field; expected thresholdTokens or prices. Ignored.', 'warning', 'model-override-unknown-field');
        }
      }
      ov.longContext = out;
    }
  }
  const bd = raw['batchDiscount'];
  if (bd !== undefined) {
    if (typeof bd === 'number' && Number.isFinite(bd) && bd >= 0 && bd < 1) ov.batchDiscount = bd;
    else c.bad('batchDiscount', 'a fraction from 0 to below 1 (0.5 = half price)', bd);
  }
  const life = raw['lifecycle'];
  if (life !== undefined) {
    if (!isObj(life)) c.bad('lifecycle', 'an object { status, retiresAt }', life);
    else {
      const out: NonNullable<ModelOverride['lifecycle']> = {};
      const status = c.oneOf('lifecycle.status', life['status'], LIFECYCLE_STATUSES);
      if (status) out.status = status;
      const r = life['retiresAt'];
      if (r === null) out.retiresAt = null;
      else if (r !== undefined) {
        if (typeof r === 'string' && isDate(r)) out.retiresAt = r;
        else c.bad('lifecycle.retiresAt', 'a date "YYYY-MM-DD" or null', r);
      }
      ov.lifecycle = out;
    }
  }
  const successor = c.string('successor', raw['successor'], true);
  if (successor !== undefined) ov.successor = successor;
  const th = raw['thinking'];
  if (th !== undefined) {
    if (!isObj(th)) c.bad('thinking', 'an object { manual, canDisable, adaptive }', th);
    else {
      const out: NonNullable<ModelOverride['thinking']> = {};
      for (const key of ['manual', 'canDisable', 'adaptive'] as const) {
        const b = c.bool(`thinking.${key}`, th[key]);
        if (b !== undefined) out[key] = b;
      }
      const other = c.strings('thinking.otherTypes', th['otherTypes']);
      if (other) out.otherTypes = other;
      const dme = c.oneOf('thinking.disableMaxEffort', th['disableMaxEffort'], EFFORTS, true);
      if (dme !== undefined) out.disableMaxEffort = dme;
      for (const key of Object.keys(th)) {
        if (!['manual', 'canDisable', 'adaptive', 'otherTypes', 'disableMaxEffort'].includes(key)) {
          c.report(`thinking.${key}`, 'unknown field; ignored.', 'warning', 'model-override-unknown-field');
        }
      }
      ov.thinking = out;
    }
  }
  const forced = c.bool('forcedToolChoice', raw['forcedToolChoice']);
  if (forced !== undefined) ov.forcedToolChoice = forced;
  const availability = c.oneOf('availability', raw['availability'], ['general', 'limited'] as const, true);
  if (availability !== undefined) ov.availability = availability;
  const notes = c.strings('notes', raw['notes']);
  if (notes) ov.notes = notes;
  return ov;
}

/** A blank model for an id nobody has described yet: every behavioural default is guessed. */
function newModel(id: string, origin: ModelOrigin): ModelInfo {
  const model: ModelInfo = {
    id,
    aliases: [],
    displayName: guessDisplayName(id),
    tokenizer: guessTokenizer(id),
    prices: {},
    batchDiscount: 0.5,
    lifecycle: { status: 'active' },
    thinking: guessThinking(id),
    forcedToolChoice: true,
    source: {},
    unconfirmed: [],
    guessed: [],
    notes: [],
    origin,
  };
  for (const path of ['tokenizer', 'batchDiscount', 'lifecycle', 'thinking', 'forcedToolChoice']) {
    markProvenance(model, path, ASSUMPTION_SOURCE.id, true);
  }
  return model;
}

function setPrices(target: Prices, patch: PriceOverrides, model: ModelInfo, base: string, sourceId: string): void {
  for (const key of PRICE_KEYS) {
    const v = patch[key];
    if (v === undefined) continue;
    if (v === null) delete target[key];
    else target[key] = v;
    markProvenance(model, `${base}.${key}`, sourceId);
  }
}

/** Applies a validated override to a copy of `base`. */
function applyOverride(base: ModelInfo, ov: ModelOverride, sourceId: string, c: Checker): ModelInfo {
  const m = cloneModel(base);
  const mark = (path: string) => markProvenance(m, path, sourceId);
  if (ov.displayName !== undefined) { m.displayName = ov.displayName; mark('displayName'); }
  if (ov.tokenizer !== undefined) { m.tokenizer = ov.tokenizer; mark('tokenizer'); }
  for (const key of ['contextWindow', 'extendedContextWindow', 'maxOutput', 'minCacheableTokens'] as const) {
    const v = ov[key];
    if (v === undefined) continue;
    if (v === null) delete m[key];
    else m[key] = v;
    mark(key);
  }
  if (ov.prices) setPrices(m.prices, ov.prices, m, 'prices', sourceId);
  if (ov.longContext === null) {
    delete m.longContext;
    mark('longContext');
  } else if (ov.longContext !== undefined) {
    const threshold = ov.longContext.thresholdTokens ?? m.longContext?.thresholdTokens;
    if (threshold === undefined) {
      c.report('longContext', `"${m.id}" has no long-context tier yet: give thresholdTokens with the prices; ignored.`);
    } else {
      const lc: LongContextPricing = m.longContext ?? { thresholdTokens: threshold, prices: {} };
      if (ov.longContext.thresholdTokens !== undefined) {
        lc.thresholdTokens = ov.longContext.thresholdTokens;
        mark('longContext.thresholdTokens');
      }
      if (ov.longContext.prices) setPrices(lc.prices, ov.longContext.prices, m, 'longContext.prices', sourceId);
      m.longContext = lc;
    }
  }
  if (ov.batchDiscount !== undefined) { m.batchDiscount = ov.batchDiscount; mark('batchDiscount'); }
  if (ov.lifecycle) {
    if (ov.lifecycle.status !== undefined) { m.lifecycle.status = ov.lifecycle.status; mark('lifecycle.status'); }
    if (ov.lifecycle.retiresAt === null) { delete m.lifecycle.retiresAt; mark('lifecycle.retiresAt'); }
    else if (ov.lifecycle.retiresAt !== undefined) { m.lifecycle.retiresAt = ov.lifecycle.retiresAt; mark('lifecycle.retiresAt'); }
  }
  if (ov.successor === null) { delete m.successor; mark('successor'); }
  else if (ov.successor !== undefined) { m.successor = ov.successor; mark('successor'); }
  if (ov.thinking) {
    for (const key of ['manual', 'canDisable', 'adaptive'] as const) {
      const v = ov.thinking[key];
      if (v !== undefined) { m.thinking[key] = v; mark(`thinking.${key}`); }
    }
    if (ov.thinking.otherTypes !== undefined) { m.thinking.otherTypes = ov.thinking.otherTypes; mark('thinking.otherTypes'); }
    if (ov.thinking.disableMaxEffort === null) { delete m.thinking.disableMaxEffort; mark('thinking.disableMaxEffort'); }
    else if (ov.thinking.disableMaxEffort !== undefined) {
      m.thinking.disableMaxEffort = ov.thinking.disableMaxEffort;
      mark('thinking.disableMaxEffort');
    }
  }
  if (ov.forcedToolChoice !== undefined) { m.forcedToolChoice = ov.forcedToolChoice; mark('forcedToolChoice'); }
  if (ov.availability === null) { delete m.availability; mark('availability'); }
  else if (ov.availability !== undefined) { m.availability = ov.availability; mark('availability'); }
  if (ov.notes) m.notes = [...m.notes, ...ov.notes];
  return m;
}

function cloneModel(m: ModelInfo): ModelInfo {
  return JSON.parse(JSON.stringify(m)) as ModelInfo;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/** Reads one complete model entry of the data file (every required field present). */
function readFullModel(raw: unknown, where: string, findings: Finding[], sources: Record<string, string>): ModelInfo | undefined {
  const before = findings.length;
  const ov = readOverride(raw, where, findings, true);
  if (!ov || !isObj(raw)) return undefined;
  const c = new Checker(where, findings);
  const required = ['aliases', 'displayName', 'tokenizer', 'contextWindow', 'maxOutput', 'prices', 'batchDiscount',
    'lifecycle', 'thinking', 'forcedToolChoice', 'source', 'unconfirmed', 'guessed', 'notes'] as const;
  for (const key of required) {
    if (raw[key] === undefined) c.report(key, 'required field missing.', 'error', 'model-data-invalid');
  }
  if (ov.lifecycle && ov.lifecycle.status === undefined) c.report('lifecycle.status', 'required field missing.', 'error', 'model-data-invalid');
  for (const key of ['manual', 'canDisable', 'adaptive'] as const) {
    if (ov.thinking && ov.thinking[key] === undefined) c.report(`thinking.${key}`, 'required field missing.', 'error', 'model-data-invalid');
  }
  const source = raw['source'];
  const model = newModel(ov.id, 'bundled');
  model.source = {};
  model.guessed = [];
  if (isObj(source)) {
    for (const [path, key] of Object.entries(source)) {
      if (typeof key !== 'string' || !(key in sources)) c.report(`source.${path}`, `unknown source ${describe(key)}.`, 'error', 'model-data-invalid');
      else model.source[path] = key;
    }
  } else if (source !== undefined) c.bad('source', 'an object of field path -> source key', source);
  for (const key of ['unconfirmed', 'guessed'] as const) {
    const list = c.strings(key, raw[key]);
    if (list) model[key] = list;
  }
  if (findings.slice(before).some((f) => f.severity !== 'info')) {
    for (const f of findings.slice(before)) f.severity = 'error';
    return undefined;
  }
  // Apply the entry onto the blank model, then restore the data file's own provenance.
  const provenance = { source: model.source, unconfirmed: model.unconfirmed, guessed: model.guessed };
  const sink = new Checker(where, findings);
  const full = applyOverride(model, { ...ov, notes: undefined }, 'ref', sink);
  full.aliases = ov.aliases ?? [];
  full.notes = ov.notes ?? [];
  full.source = provenance.source;
  full.unconfirmed = provenance.unconfirmed;
  full.guessed = provenance.guessed;
  full.origin = 'bundled';
  return full;
}

// ---------------------------------------------------------------------------------------------
// LiteLLM

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
  if (!isObj(json)) {
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
    if (!id.startsWith('claude-') || !isObj(raw)) continue;
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

/** Levenshtein edit distance (insert, delete, substitute: cost 1 each). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = up;
    }
  }
  return row[b.length]!;
}

// ---------------------------------------------------------------------------------------------
// The registry

/**
 * An immutable set of models. Build it with {@link ModelRegistry.bundled}, then derive copies with
 * {@link ModelRegistry.withOverrides} and {@link ModelRegistry.fromLiteLLM}.
 */
export class ModelRegistry {
  /** The model used when a document names none. */
  static readonly DEFAULT_MODEL_ID = 'claude-sonnet-4-6';
  private static bundledRegistry: ModelRegistry | undefined;

  /** Date the bundled prices were collected, `YYYY-MM-DD`. */
  readonly asOf: string;
  readonly currency: string;
  readonly unit: string;
  /** Source key -> description or URL. */
  readonly sources: Readonly<Record<string, string>>;
  readonly defaultModelId: string = ModelRegistry.DEFAULT_MODEL_ID;
  private readonly models: readonly ModelInfo[];
  private readonly index: ReadonlyMap<string, ModelInfo>;

  private constructor(data: Omit<ModelTableData, 'models'>, models: ModelInfo[]) {
    this.asOf = data.asOf;
    this.currency = data.currency;
    this.unit = data.unit;
    this.sources = deepFreeze({ ...data.sources });
    this.models = deepFreeze(models.map(cloneModel));
    const index = new Map<string, ModelInfo>();
    for (const m of this.models) {
      for (const name of [m.id, ...m.aliases]) {
        const key = name.toLowerCase();
        if (!index.has(key)) index.set(key, m);
      }
    }
    this.index = index;
  }

  /** The registry of the bundled `models.json`. Throws only if the shipped data file is broken. */
  static bundled(): ModelRegistry {
    if (!ModelRegistry.bundledRegistry) {
      const { registry, findings } = ModelRegistry.fromData(bundledData);
      const errors = findings.filter((f) => f.severity === 'error');
      if (!registry || errors.length > 0) {
        throw new Error(`Bundled models.json is invalid: ${errors.map((f) => f.message).join(' ')}`);
      }
      ModelRegistry.bundledRegistry = registry;
    }
    return ModelRegistry.bundledRegistry;
  }

  /** Builds a registry from data shaped like `models.json`, reporting every invalid entry. */
  static fromData(data: unknown): { registry?: ModelRegistry; findings: Finding[] } {
    const findings: Finding[] = [];
    const error = (message: string) => findings.push({ severity: 'error', code: 'model-data-invalid', message });
    if (!isObj(data)) {
      error(`model table: expected an object, got ${describe(data)}.`);
      return { findings };
    }
    const asOf = data['asOf'];
    if (typeof asOf !== 'string' || !isDate(asOf)) error('model table: "asOf" must be a date "YYYY-MM-DD".');
    const currency = typeof data['currency'] === 'string' ? data['currency'] : undefined;
    if (!currency) error('model table: "currency" is missing.');
    const unit = typeof data['unit'] === 'string' ? data['unit'] : undefined;
    if (!unit) error('model table: "unit" is missing.');
    const sources: Record<string, string> = {};
    if (isObj(data['sources'])) {
      for (const [k, v] of Object.entries(data['sources'])) {
        if (typeof v === 'string') sources[k] = v;
        else error(`model table: sources.${k} must be a string.`);
      }
    } else error('model table: "sources" must be an object.');
    const rawModels = data['models'];
    const models: ModelInfo[] = [];
    if (!Array.isArray(rawModels)) error('model table: "models" must be a list.');
    else {
      const seen = new Map<string, string>();
      rawModels.forEach((raw, i) => {
        const m = readFullModel(raw, `models[${i}]`, findings, sources);
        if (!m) return;
        for (const name of [m.id, ...m.aliases]) {
          const key = name.toLowerCase();
          const owner = seen.get(key);
          if (owner !== undefined) error(`models[${i}]: name "${name}" is already used by ${owner}.`);
          else seen.set(key, m.id);
        }
        models.push(m);
      });
    }
    if (findings.some((f) => f.severity === 'error')) return { findings };
    const meta = { asOf: asOf as string, currency: currency!, unit: unit!, sources };
    return { registry: new ModelRegistry(meta, models), findings };
  }

  /**
   * Finds a model by id or alias, case-insensitively (`claude-sonnet-4-5`,
   * `CLAUDE-SONNET-4-5-20250929`). Names the API would not accept (dotted versions, provider
   * prefixes) are not guessed at: use {@link checkUnknownModel} for suggestions.
   */
  resolve(idOrAlias: string): ModelInfo | undefined {
    return this.index.get(idOrAlias.trim().toLowerCase());
  }

  /** Every model, in table order (frozen objects). */
  list(): readonly ModelInfo[] {
    return this.models;
  }

  /**
   * Known names closest to `id`, best first, one per model: edit distance on lower-cased names,
   * kept within max(2, a third of the query's length); a name containing the query (or contained
   * in it, 4+ characters) counts as distance 1, so "sonnet-4-6" finds "claude-sonnet-4-6".
   */
  suggest(id: string, max = 3): string[] {
    const q = id.trim().toLowerCase();
    if (q.length === 0) return [];
    const limit = Math.max(2, Math.floor(q.length / 3));
    const best = new Map<string, { name: string; score: number; order: number }>();
    this.names().forEach(({ name, id: owner }, order) => {
      const lower = name.toLowerCase();
      let score = editDistance(q, lower);
      // One name inside the other (a dated id, a provider prefix), unless the shorter one is a short alias.
      if (Math.min(q.length, lower.length) >= 8 && (lower.includes(q) || q.includes(lower))) score = Math.min(score, 1);
      if (score > limit) return;
      const prev = best.get(owner);
      if (!prev || score < prev.score) best.set(owner, { name, score, order });
    });
    return [...best.values()]
      .sort((a, b) => a.score - b.score || a.order - b.order)
      .slice(0, max)
      .map((s) => s.name);
  }

  /** Every name that resolves (ids and aliases), each with the id it resolves to. */
  names(): { name: string; id: string }[] {
    return this.models.flatMap((m) => [m.id, ...m.aliases].map((name) => ({ name, id: m.id })));
  }

  /**
   * A copy of this registry with user overrides applied. Accepts a list of entries or an object
   * keyed by model id (the shape VS Code settings and CLI config use). Invalid entries and fields
   * are skipped and reported; valid parts of the same entry still apply.
   */
  withOverrides(overrides: unknown, opts: OverrideOptions = {}): RegistryResult {
    const label = opts.label ?? 'model overrides';
    const source = opts.source ?? OVERRIDE_SOURCE;
    const findings: Finding[] = [];
    let entries: { raw: unknown; where: string }[];
    if (overrides === undefined || overrides === null) entries = [];
    else if (Array.isArray(overrides)) entries = overrides.map((raw, i) => ({ raw, where: `${label}[${i}]` }));
    else if (isObj(overrides)) {
      entries = Object.entries(overrides).map(([id, raw]) => ({
        raw: isObj(raw) && raw['id'] === undefined ? { ...raw, id } : raw,
        where: `${label}["${id}"]`,
      }));
    } else {
      findings.push({
        severity: 'error',
        code: 'model-override-invalid',
        message: `${label}: expected a list of model entries (or an object keyed by model id), got ${describe(overrides)}; ignored.`,
      });
      entries = [];
    }
    const parsed: { ov: ModelOverride; where: string }[] = [];
    for (const { raw, where } of entries) {
      const ov = readOverride(raw, where, findings, false);
      if (ov) parsed.push({ ov, where });
    }
    const registry = this.apply(parsed, source, 'override', findings);
    return { registry, findings };
  }

  /**
   * A copy of this registry with prices from a LiteLLM `model_prices_and_context_window.json`
   * (see {@link liteLLMToOverrides}). Entries naming a known model (by id or alias) replace its
   * prices and long-context prices only: limits, lifecycle and behaviour stay as bundled. Unknown
   * Claude ids are added with their limits; their tokenizer is guessed from the id
   * ({@link guessTokenizer}) and flagged in `guessed`. When several keys name one model, the key
   * equal to its canonical id wins, then a bare `claude-...` key over `anthropic/claude-...`.
   */
  fromLiteLLM(json: unknown): LiteLLMImportResult {
    const { entries, findings } = liteLLMToOverrides(json);
    const byTarget = new Map<string, { entry: LiteLLMEntry; rank: number }>();
    for (const entry of entries) {
      const known = this.resolve(entry.override.id);
      const target = known ? known.id : entry.override.id;
      const rank = (known && known.id === entry.override.id ? 2 : 0) + (entry.key.toLowerCase().startsWith('anthropic/') ? 0 : 1);
      const prev = byTarget.get(target);
      if (!prev || rank > prev.rank) byTarget.set(target, { entry, rank });
    }
    const parsed: { ov: ModelOverride; where: string }[] = [];
    const updated: string[] = [];
    const added: string[] = [];
    for (const [target, { entry }] of byTarget) {
      const known = this.resolve(target);
      const ov: ModelOverride = known ? { id: known.id } : { ...entry.override };
      if (known) {
        if (entry.override.prices) ov.prices = entry.override.prices;
        const lc = entry.override.longContext;
        if (lc && known.longContext && known.longContext.thresholdTokens !== lc.thresholdTokens) {
          findings.push({
            severity: 'warning',
            code: 'litellm-tier-conflict',
            message: `LiteLLM price file: "${entry.key}" prices a tier above ${lc.thresholdTokens} tokens, but ${known.id} has its tier above ${known.longContext.thresholdTokens}; long-context prices not imported.`,
          });
        } else if (lc) ov.longContext = lc;
        if (!ov.prices && !ov.longContext) continue;
        updated.push(known.id);
      } else added.push(target);
      parsed.push({ ov, where: `LiteLLM "${entry.key}"` });
    }
    const registry = this.apply(parsed, LITELLM_SOURCE, 'litellm', findings);
    if (added.length > 0) {
      findings.push({
        severity: 'info',
        code: 'litellm-guessed-tokenizer',
        message: `LiteLLM price file: added ${added.length} model(s) not in the bundled table (${added.slice(0, 5).join(', ')}${added.length > 5 ? ', ...' : ''}); their tokenizer and thinking support are guessed from the id.`,
      });
    }
    return { registry, findings, updated, added };
  }

  private apply(
    parsed: { ov: ModelOverride; where: string }[],
    source: { id: string; description: string },
    origin: ModelOrigin,
    findings: Finding[],
  ): ModelRegistry {
    const models = this.models.map(cloneModel);
    const owner = new Map<string, ModelInfo>();
    const rebuild = () => {
      owner.clear();
      for (const m of models) for (const n of [m.id, ...m.aliases]) owner.set(n.toLowerCase(), m);
    };
    rebuild();
    const touched = new Map<string, string>();
    for (const { ov, where } of parsed) {
      const c = new Checker(where, findings);
      const existing = owner.get(ov.id.toLowerCase());
      const prevWhere = existing ? touched.get(existing.id) : undefined;
      if (prevWhere !== undefined) {
        c.report('', `overrides "${existing!.id}" again after ${prevWhere}; both apply, this one last.`, 'info', 'model-override-duplicate');
      }
      if (!existing && origin === 'override') {
        // Ids that differ from a known one only in numbers are new versions, not typos.
        const shape = (x: string) => x.toLowerCase().replace(/\d+/g, '#');
        const near = this.suggest(ov.id, 1)[0];
        if (near !== undefined && shape(near) !== shape(ov.id)) {
          c.report('id', `"${ov.id}" is not a known model, so it is added as a new one. Did you mean "${near}"?`, 'warning', 'model-override-new-model');
        }
      }
      const base = existing ?? newModel(ov.id, origin);
      const next = applyOverride(base, ov, source.id, c);
      next.origin = existing ? existing.origin : origin;
      for (const alias of ov.aliases ?? []) {
        const holder = owner.get(alias.toLowerCase());
        if (holder && holder.id !== next.id) {
          c.report('aliases', `"${alias}" already names ${holder.id}; alias ignored.`, 'warning', 'model-override-alias-conflict');
        } else if (!next.aliases.some((a) => a.toLowerCase() === alias.toLowerCase()) && alias.toLowerCase() !== next.id.toLowerCase()) {
          next.aliases.push(alias);
        }
      }
      if (existing) models[models.indexOf(existing)] = next;
      else models.push(next);
      touched.set(next.id, where);
      rebuild();
    }
    const sources = { ...this.sources, [source.id]: source.description };
    if (!(ASSUMPTION_SOURCE.id in sources)) sources[ASSUMPTION_SOURCE.id] = ASSUMPTION_SOURCE.description;
    return new ModelRegistry({ asOf: this.asOf, currency: this.currency, unit: this.unit, sources }, models);
  }
}
