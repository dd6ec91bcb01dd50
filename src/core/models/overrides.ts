/**
 * Model entries as users and the data file write them: validating an entry (settings, CLI config,
 * `models.json`) into a {@link ModelOverride} with findings naming each bad path, and applying an
 * override to a model. Expected failures come back as findings, never as thrown errors.
 */
import type { Finding, Severity } from '../types';
import { TOKENIZER_FAMILIES } from '../types';
import { isObject } from '../is-object';
import { guessDisplayName, guessThinking, guessTokenizer } from './model-ids';
import { ASSUMPTION_SOURCE, markProvenance } from './provenance';
import {
  EFFORTS,
  LIFECYCLE_STATUSES,
  PRICE_KEYS,
  type LongContextPricing,
  type ModelInfo,
  type ModelOrigin,
  type ModelOverride,
  type PriceKey,
  type PriceOverrides,
  type Prices,
} from './types';

/** A value in a few characters, for a finding ("nothing" for undefined). */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  try {
    const s = JSON.stringify(v);
    return s.length > 40 ? s.slice(0, 37) + '...' : s;
  } catch {
    return String(v);
  }
}

/** Whether `s` is a real calendar date written `YYYY-MM-DD`. */
export function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(s + 'T00:00:00Z');
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const OVERRIDE_KEYS = new Set([
  'id', 'aliases', 'displayName', 'tokenizer', 'contextWindow', 'extendedContextWindow', 'maxOutput',
  'prices', 'longContext', 'batchDiscount', 'lifecycle', 'successor', 'minCacheableTokens',
  'thinking', 'forcedToolChoice', 'availability', 'fastMode', 'inferenceGeo', 'batchOutput', 'notes', 'trimInvalidatesThinking',
]);
const PROVENANCE_KEYS = new Set(['source', 'unconfirmed', 'guessed', 'origin']);

/** Collects findings about one settings entry, naming the offending path. */
export class Checker {
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
    if (!isObject(v)) {
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
export function readOverride(raw: unknown, where: string, findings: Finding[], allowProvenance: boolean): ModelOverride | undefined {
  const c = new Checker(where, findings);
  if (!isObject(raw)) {
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
    if (!isObject(lc)) c.bad('longContext', 'an object { thresholdTokens, prices } or null', lc);
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
    if (!isObject(life)) c.bad('lifecycle', 'an object { status, retiresAt }', life);
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
    if (!isObject(th)) c.bad('thinking', 'an object { manual, canDisable, adaptive }', th);
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
  readPricingModes(c, raw, ov);
  const trim = c.bool('trimInvalidatesThinking', raw['trimInvalidatesThinking']);
  if (trim !== undefined) ov.trimInvalidatesThinking = trim;
  const notes = c.strings('notes', raw['notes']);
  if (notes) ov.notes = notes;
  return ov;
}

function multiplier(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

/** `fastMode`, `inferenceGeo` and `batchOutput` of an override entry. */
function readPricingModes(c: Checker, raw: Record<string, unknown>, ov: ModelOverride): void {
  const fast = raw['fastMode'];
  if (fast === null) ov.fastMode = null;
  else if (fast !== undefined) {
    if (!isObject(fast)) c.bad('fastMode', 'an object { multiplier } or null', fast);
    else {
      const m = fast['multiplier'];
      if (m === undefined) ov.fastMode = {};
      else if (m === null) ov.fastMode = { multiplier: null };
      else if (multiplier(m)) ov.fastMode = { multiplier: m };
      else c.bad('fastMode.multiplier', 'a positive number (2 = twice the standard rate) or null', m);
    }
  }
  const geo = raw['inferenceGeo'];
  if (geo === null) ov.inferenceGeo = null;
  else if (geo !== undefined) {
    if (!isObject(geo) || !Object.values(geo).every(multiplier)) c.bad('inferenceGeo', 'an object of inference_geo value -> price multiplier, e.g. { "global": 1, "us": 1.1 }, or null', geo);
    else ov.inferenceGeo = { ...(geo as Record<string, number>) };
  }
  const bo = raw['batchOutput'];
  if (bo === null) ov.batchOutput = null;
  else if (bo !== undefined) {
    const max = isObject(bo) ? bo['maxOutput'] : undefined;
    const beta = isObject(bo) ? bo['beta'] : undefined;
    if (typeof max === 'number' && Number.isInteger(max) && max > 0 && typeof beta === 'string' && beta.trim() !== '') ov.batchOutput = { maxOutput: max, beta: beta.trim() };
    else c.bad('batchOutput', 'an object { maxOutput, beta } or null', bo);
  }
}

/** A blank model for an id nobody has described yet: every behavioural default is guessed. */
export function newModel(id: string, origin: ModelOrigin): ModelInfo {
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
export function applyOverride(base: ModelInfo, ov: ModelOverride, sourceId: string, c: Checker): ModelInfo {
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
  if (ov.fastMode === null) { delete m.fastMode; mark('fastMode'); }
  else if (ov.fastMode !== undefined) {
    const fm = ov.fastMode.multiplier;
    m.fastMode = fm === undefined ? { ...m.fastMode } : fm === null ? {} : { multiplier: fm };
    mark('fastMode');
  }
  if (ov.inferenceGeo === null) { delete m.inferenceGeo; mark('inferenceGeo'); }
  else if (ov.inferenceGeo !== undefined) { m.inferenceGeo = { ...m.inferenceGeo, ...ov.inferenceGeo }; mark('inferenceGeo'); }
  if (ov.batchOutput === null) { delete m.batchOutput; mark('batchOutput'); }
  else if (ov.batchOutput !== undefined) { m.batchOutput = { ...ov.batchOutput }; mark('batchOutput'); }
  if (ov.trimInvalidatesThinking !== undefined) { m.trimInvalidatesThinking = ov.trimInvalidatesThinking; mark('trimInvalidatesThinking'); }
  if (ov.notes) m.notes = [...m.notes, ...ov.notes];
  return m;
}

/** A deep, unfrozen copy of a model. */
export function cloneModel(m: ModelInfo): ModelInfo {
  return JSON.parse(JSON.stringify(m)) as ModelInfo;
}

/** Freezes `value` and everything in it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/** Reads one complete model entry of the data file (every required field present). */
export function readFullModel(raw: unknown, where: string, findings: Finding[], sources: Record<string, string>): ModelInfo | undefined {
  const before = findings.length;
  const ov = readOverride(raw, where, findings, true);
  if (!ov || !isObject(raw)) return undefined;
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
  if (isObject(source)) {
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
