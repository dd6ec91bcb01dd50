/**
 * The model and price table: the bundled data (`models.json`), and copies of it with user
 * overrides ({@link ModelRegistry.withOverrides}) or LiteLLM prices ({@link ModelRegistry.fromLiteLLM})
 * applied. Lookup by id or alias, and suggestions for unknown names.
 *
 * Pure TypeScript, no `vscode` import. Expected failures (bad settings, a malformed LiteLLM file)
 * come back as findings, never as thrown errors.
 */
import bundledData from './models.json';
import type { Finding } from '../types';
import { DEFAULT_MODEL_ID } from '../defaults';
import { isObject } from '../is-object';
import { liteLLMToOverrides, type LiteLLMEntry } from './litellm';
import { editDistance } from './model-ids';
import { applyOverride, Checker, cloneModel, deepFreeze, describe, isDate, newModel, readFullModel, readOverride } from './overrides';
import { ASSUMPTION_SOURCE } from './provenance';
import type { ModelInfo, ModelOrigin, ModelOverride, ModelTableData, OverrideOptions } from './types';

const OVERRIDE_SOURCE = { id: 'override', description: 'user override (settings or CLI config)' };
const LITELLM_SOURCE = {
  id: 'litellm',
  description: "LiteLLM model_prices_and_context_window.json import (community-maintained)",
};

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

/**
 * An immutable set of models. Build it with {@link ModelRegistry.bundled}, then derive copies with
 * {@link ModelRegistry.withOverrides} and {@link ModelRegistry.fromLiteLLM}.
 */
export class ModelRegistry {
  /** The model used when a document names none. */
  static readonly DEFAULT_MODEL_ID = DEFAULT_MODEL_ID;
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
    if (!isObject(data)) {
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
    if (isObject(data['sources'])) {
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
    else if (isObject(overrides)) {
      entries = Object.entries(overrides).map(([id, raw]) => ({
        raw: isObject(raw) && raw['id'] === undefined ? { ...raw, id } : raw,
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
