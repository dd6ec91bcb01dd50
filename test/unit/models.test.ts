import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { liteLLMToOverrides } from '../../src/core/models/litellm';
import { editDistance, guessTokenizer, parseModelId } from '../../src/core/models/model-ids';
import { fieldStatus, sourceOf } from '../../src/core/models/provenance';
import { ModelRegistry } from '../../src/core/models/registry';
import { PRICE_KEYS, type ModelInfo } from '../../src/core/models/types';
import {
  checkContextWindow,
  checkLifecycle,
  checkThinking,
  checkToolChoice,
  checkUnknownModel,
  suggestModels,
} from '../../src/core/models/rules';
import { TOKENIZER_FAMILIES, type Finding } from '../../src/core/types';

const DATA_FILE = path.join(__dirname, '../../src/core/models/models.json');
type Raw = { [key: string]: unknown };
const raw = JSON.parse(readFileSync(DATA_FILE, 'utf8')) as Raw;
const rawModels = raw['models'] as Raw[];

const registry = ModelRegistry.bundled();

function model(id: string): ModelInfo {
  const m = registry.resolve(id);
  assert.ok(m, `model ${id} should resolve`);
  return m;
}

function codes(findings: Finding[]): string[] {
  return findings.map((f) => f.code);
}

function only(findings: Finding[], code: string): Finding {
  assert.deepEqual(codes(findings), [code], JSON.stringify(findings));
  return findings[0]!;
}

/** Walks a dotted field path in a raw model entry. */
function at(entry: Raw, fieldPath: string): unknown {
  return fieldPath.split('.').reduce<unknown>((v, key) => (v && typeof v === 'object' ? (v as Raw)[key] : undefined), entry);
}

describe('models.json (the data file itself)', () => {
  it('has asOf, currency, unit and sources', () => {
    assert.equal(raw['asOf'], '2026-12-03');
    assert.equal(raw['currency'], 'USD');
    assert.equal(raw['unit'], 'per million tokens');
    assert.ok(Object.keys(raw['sources'] as Raw).length > 0);
  });

  it('every model has every required field with the right type', () => {
    assert.ok(rawModels.length >= 16);
    for (const m of rawModels) {
      const id = String(m['id']);
      assert.equal(typeof m['id'], 'string', id);
      assert.ok(Array.isArray(m['aliases']), `${id}.aliases`);
      assert.equal(typeof m['displayName'], 'string', `${id}.displayName`);
      assert.ok((TOKENIZER_FAMILIES as readonly unknown[]).includes(m['tokenizer']), `${id}.tokenizer`);
      for (const key of ['contextWindow', 'maxOutput']) {
        assert.ok(Number.isInteger(m[key]) && (m[key] as number) > 0, `${id}.${key}`);
      }
      assert.equal(typeof m['prices'], 'object', `${id}.prices`);
      assert.equal(m['batchDiscount'], 0.5, `${id}.batchDiscount`);
      const life = m['lifecycle'] as Raw;
      assert.ok(['active', 'deprecated', 'retired'].includes(life['status'] as string), `${id}.lifecycle.status`);
      if (life['retiresAt'] !== undefined) assert.match(life['retiresAt'] as string, /^\d{4}-\d{2}-\d{2}$/);
      const thinking = m['thinking'] as Raw;
      for (const key of ['manual', 'canDisable', 'adaptive']) assert.equal(typeof thinking[key], 'boolean', `${id}.thinking.${key}`);
      assert.equal(typeof m['forcedToolChoice'], 'boolean', `${id}.forcedToolChoice`);
      assert.equal(typeof m['source'], 'object', `${id}.source`);
      for (const key of ['unconfirmed', 'guessed', 'notes']) assert.ok(Array.isArray(m[key]), `${id}.${key}`);
      if (m['minCacheableTokens'] !== undefined) {
        assert.ok(Number.isInteger(m['minCacheableTokens']) && (m['minCacheableTokens'] as number) > 0, `${id}.minCacheableTokens`);
      }
      if (m['longContext'] !== undefined) {
        const lc = m['longContext'] as Raw;
        assert.ok(Number.isInteger(lc['thresholdTokens']) && (lc['thresholdTokens'] as number) > 0, `${id}.longContext.thresholdTokens`);
        assert.equal(typeof lc['prices'], 'object');
      }
    }
  });

  it('prices are positive numbers of known keys: unknown prices are absent, never 0', () => {
    for (const m of rawModels) {
      const tables = [m['prices'] as Raw, ...(m['longContext'] ? [(m['longContext'] as Raw)['prices'] as Raw] : [])];
      for (const table of tables) {
        for (const [key, value] of Object.entries(table)) {
          assert.ok((PRICE_KEYS as readonly string[]).includes(key), `${String(m['id'])}: unknown price key ${key}`);
          assert.ok(typeof value === 'number' && value > 0, `${String(m['id'])}.${key} = ${String(value)}`);
        }
      }
    }
  });

  it('ids and aliases are unique, case-insensitively', () => {
    const seen = new Set<string>();
    for (const m of rawModels) {
      for (const name of [m['id'] as string, ...(m['aliases'] as string[])]) {
        assert.ok(!seen.has(name.toLowerCase()), `duplicate name ${name}`);
        seen.add(name.toLowerCase());
      }
    }
  });

  it('every source reference exists, and every unconfirmed/guessed path names a present field', () => {
    const sources = raw['sources'] as Raw;
    for (const m of rawModels) {
      for (const [field, key] of Object.entries(m['source'] as Raw)) {
        assert.ok(typeof key === 'string' && key in sources, `${String(m['id'])}.source.${field} -> ${String(key)}`);
        assert.notEqual(at(m, field), undefined, `${String(m['id'])}.source names absent field ${field}`);
      }
      for (const list of ['unconfirmed', 'guessed']) {
        for (const field of m[list] as string[]) {
          assert.notEqual(at(m, field), undefined, `${String(m['id'])}.${list} names absent field ${field}`);
        }
      }
    }
  });

  it('loads through the same validation as overrides, with no findings', () => {
    const { registry: r, findings } = ModelRegistry.fromData(raw);
    assert.deepEqual(findings, []);
    assert.equal(r?.list().length, rawModels.length);
  });

  it('encodes the reference table: limits and input / 5m write / 1h write / cache read / output', () => {
    // Literal numbers from shared/reference/anthropic-api.md ("Models and prices"), except where
    // first-party docs settle an UNCONFIRMED entry (see the comments).
    const M = 1_000_000;
    const K = 1000;
    const expected: [string, number, number, number[]][] = [
      ['claude-opus-4-8', M, 128 * K, [5, 6.25, 10, 0.5, 25]],
      ['claude-opus-4-7', M, 128 * K, [5, 6.25, 10, 0.5, 25]],
      ['claude-opus-4-6', M, 128 * K, [5, 6.25, 10, 0.5, 25]],
      ['claude-sonnet-4-6', M, 128 * K, [3, 3.75, 6, 0.3, 15]],
      ['claude-opus-4-5-20251101', 200 * K, 64 * K, [5, 6.25, 10, 0.5, 25]],
      ['claude-sonnet-4-5-20250929', 200 * K, 64 * K, [3, 3.75, 6, 0.3, 15]],
      ['claude-haiku-4-5-20251001', 200 * K, 64 * K, [1, 1.25, 2, 0.1, 5]],
      ['claude-opus-5', M, 128 * K, [5, 6.25, 10, 0.5, 25]],
      ['claude-sonnet-5', M, 128 * K, [2, 2.5, 4, 0.2, 10]],
      // Reference: table 0.20, "cache read 0.10 from 2026-10-07 UNCONFIRMED"; the Sonnet 5.5 migration guide states 0.10.
      ['claude-sonnet-5-5', M, 128 * K, [2, 2.5, 4, 0.1, 10]],
      // Reference: 4 in / 20 out, cache "5 / 8 / 0.20 reported" (UNCONFIRMED); the Opus 5.5 model page states them.
      ['claude-opus-5-5', M, 128 * K, [4, 5, 8, 0.2, 20]],
      ['claude-haiku-5-5', M, 128 * K, [0.1, 0.125, 0.2, 0.01, 0.5]],
      ['claude-fable-5-1', M, 128 * K, [10, 12.5, 20, 0.25, 50]],
      // Reference: 8 in / 40 out, cache prices UNCONFIRMED; third parties report 10 / 16 / 0.20.
      ['claude-fable-5-2', M, 128 * K, [8, 10, 16, 0.2, 40]],
      ['claude-fable-5', M, 128 * K, [10, 12.5, 20, 1, 50]],
      ['claude-mythos-5', M, 128 * K, [10, 12.5, 20, 1, 50]],
      // Pricing page (2026-12-03): "Claude Mythos 5.1 (limited availability) | $10 | $12.50 | $20 | $0.25 | $50".
      ['claude-mythos-5-1', M, 128 * K, [10, 12.5, 20, 0.25, 50]],
      // Third parties only (UNCONFIRMED): the same model as Fable 5.2, priced like it.
      ['claude-mythos-5-2', M, 128 * K, [8, 10, 16, 0.2, 40]],
    ];
    // No price is stated anywhere for Mythos Preview: every price is unknown, never 0.
    assert.deepEqual(model('claude-mythos-preview').prices, {});
    assert.deepEqual(registry.list().map((m) => m.id).filter((id) => id !== 'claude-mythos-preview').sort(), expected.map((e) => e[0]).sort());
    for (const [id, context, output, [input, w5, w1, read, out]] of expected) {
      const m = model(id);
      assert.equal(m.contextWindow, context, `${id} context`);
      assert.equal(m.maxOutput, output, `${id} max output`);
      assert.deepEqual(m.prices, { input, cacheWrite5m: w5, cacheWrite1h: w1, cacheRead: read, output: out }, id);
    }
  });

  it('keeps the UNCONFIRMED markings (or records why they were lifted)', () => {
    for (const p of ['prices.cacheWrite5m', 'prices.cacheWrite1h', 'prices.cacheRead']) {
      assert.equal(fieldStatus(model('claude-fable-5-2'), p), 'unconfirmed', `fable 5.2 ${p}`);
    }
    assert.equal(fieldStatus(model('claude-fable-5-2'), 'prices.input'), 'confirmed');
    assert.equal(fieldStatus(model('claude-haiku-5-5'), 'prices.cacheRead'), 'unconfirmed');
    assert.equal(fieldStatus(model('claude-haiku-5-5'), 'longContext.prices.cacheRead'), 'unconfirmed');
    assert.equal(fieldStatus(model('claude-haiku-5-5'), 'prices.input'), 'confirmed');
    // Lifted by first-party docs, with the reference's marking kept in the notes.
    assert.equal(fieldStatus(model('claude-opus-5-5'), 'prices.cacheRead'), 'confirmed');
    assert.equal(sourceOf(model('claude-opus-5-5'), 'prices.cacheRead'), 'docs-opus-5-5');
    assert.equal(sourceOf(model('claude-opus-5-5'), 'prices.input'), 'ref');
    assert.ok(model('claude-opus-5-5').notes.some((n) => n.includes('UNCONFIRMED')));
    assert.ok(model('claude-sonnet-5-5').notes.some((n) => n.includes('UNCONFIRMED') && n.includes('0.20')));
    // Derived long-context cache prices of Sonnet 4.5 are flagged as guessed.
    assert.equal(fieldStatus(model('claude-sonnet-4-5'), 'longContext.prices.cacheRead'), 'guessed');
    assert.equal(fieldStatus(model('claude-sonnet-4-5'), 'longContext.prices.input'), 'confirmed');
  });

  it('assigns the tokenizer families of the reference doc', () => {
    const old = ['claude-opus-4-6', 'claude-sonnet-4-6', 'claude-opus-4-5', 'claude-sonnet-4-5', 'claude-haiku-4-5'];
    for (const m of registry.list()) {
      const expected = old.some((id) => model(id).id === m.id) ? 'claude-4' : 'claude-4.7';
      assert.equal(m.tokenizer, expected, m.id);
    }
  });

  it('records per-model rules: long-context tiers, lifecycle, thinking, forced tool choice, cache minimums', () => {
    assert.deepEqual(model('claude-sonnet-4-5').longContext?.thresholdTokens, 200_000);
    assert.equal(model('claude-sonnet-4-5').longContext?.prices.input, 6);
    assert.equal(model('claude-sonnet-4-5').longContext?.prices.output, 22.5);
    assert.equal(model('claude-haiku-5-5').longContext?.thresholdTokens, 100_000);
    assert.deepEqual(model('claude-haiku-5-5').longContext?.prices, { input: 0.5, cacheWrite5m: 0.625, cacheWrite1h: 1, cacheRead: 0.05, output: 2.5 });
    assert.deepEqual(model('claude-sonnet-4-5').lifecycle, { status: 'deprecated', retiresAt: '2026-11-30' });
    assert.deepEqual(model('claude-opus-4-5').lifecycle, { status: 'deprecated', retiresAt: '2027-01-22' });
    assert.equal(model('claude-sonnet-5').thinking.manual, false);
    for (const id of ['claude-opus-5-5', 'claude-fable-5-1']) assert.equal(model(id).thinking.canDisable, false, id);
    for (const id of ['claude-opus-5-5', 'claude-fable-5-1', 'claude-sonnet-5-5']) assert.equal(model(id).forcedToolChoice, false, id);
    assert.equal(model('claude-sonnet-4-6').forcedToolChoice, true);
    assert.equal(model('claude-opus-4-5').minCacheableTokens, 4096);
    assert.equal(model('claude-haiku-4-5').minCacheableTokens, 4096);
    assert.equal(model('claude-sonnet-4-6').minCacheableTokens, 1024);
    assert.equal(model('claude-opus-5-5').minCacheableTokens, undefined, 'unknown for Opus 5.5: omitted');
    assert.equal(fieldStatus(model('claude-opus-5'), 'minCacheableTokens'), 'unconfirmed');
  });

  it('records the December 2026 corrections with their sources', () => {
    // Pricing page: only the Mythos rows are marked limited availability.
    for (const id of ['claude-fable-5', 'claude-fable-5-1']) assert.equal(model(id).availability, 'general', id);
    for (const id of ['claude-mythos-5', 'claude-mythos-5-1', 'claude-mythos-5-2', 'claude-mythos-preview']) assert.equal(model(id).availability, 'limited', id);
    // Deprecations page: Opus 4.5 -> Opus 5.5, on the newer tokenizer, so counts do not carry over.
    const opus45 = model('claude-opus-4-5');
    assert.equal(opus45.successor, 'claude-opus-5-5');
    assert.equal(model(opus45.successor!).tokenizer, 'claude-4.7');
    assert.notEqual(model(opus45.successor!).tokenizer, opus45.tokenizer);
    assert.ok(!opus45.notes.some((n) => /carry over unchanged/.test(n)));
    assert.ok(opus45.notes.some((n) => /do NOT carry over/.test(n)));
    // Opus 4.7's minimum cacheable prompt: 4,096 vs 2,048 in the sources, unresolved.
    assert.equal(model('claude-opus-4-7').minCacheableTokens, 4096);
    assert.equal(fieldStatus(model('claude-opus-4-7'), 'minCacheableTokens'), 'unconfirmed');
    // Fast mode: Opus 5 at 2x (its what's-new page), Opus 5.5 2x UNCONFIRMED, Fable 5.2 price unknown, none elsewhere.
    assert.deepEqual(model('claude-opus-5').fastMode, { multiplier: 2 });
    assert.equal(fieldStatus(model('claude-opus-5-5'), 'fastMode.multiplier'), 'unconfirmed');
    assert.deepEqual(model('claude-fable-5-2').fastMode, {});
    for (const id of ['claude-opus-4-8', 'claude-opus-4-7', 'claude-sonnet-4-6', 'claude-haiku-5-5']) assert.equal(model(id).fastMode, undefined, id);
    // Data residency: Opus 4.6 and later, 1.1x for "us"; the 4.5 models reject the parameter.
    assert.deepEqual(model('claude-opus-4-6').inferenceGeo, { global: 1, us: 1.1 });
    for (const id of ['claude-opus-4-5', 'claude-sonnet-4-5', 'claude-haiku-4-5']) assert.equal(model(id).inferenceGeo, undefined, id);
    assert.deepEqual(model('claude-sonnet-4-6').batchOutput, { maxOutput: 300_000, beta: 'output-300k-2026-03-24' });
    for (const id of ['claude-opus-5', 'claude-opus-5-5', 'claude-fable-5-2', 'claude-mythos-5-1']) {
      assert.equal(sourceOf(model(id), 'inferenceGeo'), 'docs-data-residency', id);
    }
  });
});

describe('token counting supported models', () => {
  // The docs' list, kept as a fixture with its URL and the date it was read.
  const fixture = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'token-counting-supported-models.json'), 'utf8')) as { source: string; read: string; models: string[] };

  it('names its source and the day it was read', () => {
    assert.match(fixture.source, /^https:\/\/platform\.claude\.com\/docs\/en\/build-with-claude\/token-counting/);
    assert.match(fixture.read, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(fixture.models.length >= 9);
  });

  it('every model the token-counting docs name is in the table', () => {
    const missing = fixture.models.filter((id) => registry.resolve(id) === undefined);
    assert.deepEqual(missing, [], `missing from models.json: ${missing.join(', ')}`);
  });

  it('the models the docs put on the newer tokenizer are on it', () => {
    for (const id of ['claude-opus-4-7', 'claude-fable-5', 'claude-mythos-5', 'claude-mythos-preview', 'claude-sonnet-5']) {
      assert.equal(model(id).tokenizer, 'claude-4.7', id);
    }
  });
});

describe('ModelRegistry.resolve', () => {
  it('finds ids and aliases case-insensitively, including dated ids', () => {
    assert.equal(registry.resolve('claude-haiku-4-5')?.id, 'claude-haiku-4-5-20251001');
    assert.equal(registry.resolve('claude-sonnet-4-5')?.id, 'claude-sonnet-4-5-20250929');
    assert.equal(registry.resolve('claude-opus-4-5')?.id, 'claude-opus-4-5-20251101');
    assert.equal(registry.resolve('claude-sonnet-4-5-20250929')?.id, 'claude-sonnet-4-5-20250929');
    assert.equal(registry.resolve('CLAUDE-Sonnet-4-5-20250929')?.id, 'claude-sonnet-4-5-20250929');
    assert.equal(registry.resolve('  Claude-Sonnet-4-6 ')?.id, 'claude-sonnet-4-6');
    assert.equal(registry.resolve('claude-sonnet-4.6'), undefined, 'not an API id');
    assert.equal(registry.resolve('claude-sonnet-4-5-20240101'), undefined, 'another snapshot date is another model');
    assert.equal(registry.resolve(''), undefined);
  });

  it('has a default model, an as-of date and frozen entries', () => {
    assert.equal(registry.defaultModelId, 'claude-sonnet-4-6');
    assert.ok(registry.resolve(registry.defaultModelId));
    assert.equal(registry.asOf, '2026-12-03');
    assert.equal(registry.currency, 'USD');
    assert.throws(() => {
      (model('claude-sonnet-4-6').prices as { input?: number }).input = 0;
    }, TypeError);
  });
});

describe('ModelRegistry.withOverrides', () => {
  it('deep-merges a partial price override and records its source', () => {
    const { registry: r, findings } = registry.withOverrides([{ id: 'claude-sonnet-4-6', prices: { input: 2.5 } }]);
    assert.deepEqual(findings, []);
    const m = r.resolve('claude-sonnet-4-6')!;
    assert.deepEqual(m.prices, { input: 2.5, output: 15, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.3 });
    assert.equal(m.contextWindow, 1_000_000);
    assert.equal(sourceOf(m, 'prices.input'), 'override');
    assert.equal(sourceOf(m, 'prices.output'), 'ref');
    assert.ok(r.sources['override']);
    assert.equal(model('claude-sonnet-4-6').prices.input, 3, 'the original registry is unchanged');
  });

  it('finds the model by alias in any case, and null makes a price unknown', () => {
    const { registry: r, findings } = registry.withOverrides([{ id: 'CLAUDE-HAIKU-4-5', prices: { cacheRead: null } }]);
    assert.deepEqual(findings, []);
    const m = r.resolve('claude-haiku-4-5-20251001')!;
    assert.equal(m.prices.cacheRead, undefined);
    assert.equal(m.prices.input, 1);
    assert.equal(r.list().length, registry.list().length, 'no new model');
  });

  it('merges nested objects key by key: thinking, lifecycle, long context', () => {
    const { registry: r, findings } = registry.withOverrides([
      { id: 'claude-sonnet-4-5', thinking: { adaptive: true }, lifecycle: { retiresAt: '2027-03-01' }, longContext: { prices: { output: 20 } } },
    ]);
    assert.deepEqual(findings, []);
    const m = r.resolve('claude-sonnet-4-5')!;
    assert.deepEqual(m.thinking, { manual: true, canDisable: true, adaptive: true });
    assert.deepEqual(m.lifecycle, { status: 'deprecated', retiresAt: '2027-03-01' });
    assert.deepEqual(m.longContext, { thresholdTokens: 200_000, prices: { input: 6, output: 20, cacheWrite5m: 7.5, cacheWrite1h: 12, cacheRead: 0.6 } });
  });

  it('lifts an UNCONFIRMED mark when the user sets the value', () => {
    const { registry: r } = registry.withOverrides([{ id: 'claude-fable-5-2', prices: { cacheRead: 0.25 } }]);
    const m = r.resolve('claude-fable-5-2')!;
    assert.equal(m.prices.cacheRead, 0.25);
    assert.equal(fieldStatus(m, 'prices.cacheRead'), 'confirmed');
    assert.equal(fieldStatus(m, 'prices.cacheWrite5m'), 'unconfirmed');
  });

  it('adds a new model with guessed behaviour and unknown limits', () => {
    const { registry: r, findings } = registry.withOverrides([
      { id: 'claude-opus-6', aliases: ['opus-next'], prices: { input: 6, output: 30 } },
    ]);
    assert.deepEqual(findings, []);
    const m = r.resolve('OPUS-NEXT')!;
    assert.equal(m.id, 'claude-opus-6');
    assert.equal(m.displayName, 'Opus 6');
    assert.equal(m.tokenizer, 'claude-4.7');
    assert.equal(fieldStatus(m, 'tokenizer'), 'guessed');
    assert.equal(m.contextWindow, undefined);
    assert.deepEqual(m.prices, { input: 6, output: 30 });
    assert.equal(m.origin, 'override');
    assert.equal(r.list().length, registry.list().length + 1);
  });

  it('warns when a new id looks like a typo of a known one', () => {
    const { registry: r, findings } = registry.withOverrides([{ id: 'claude-sonet-4-6', prices: { input: 1 } }]);
    const f = only(findings, 'model-override-new-model');
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /Did you mean "claude-sonnet-4-6"/);
    assert.ok(r.resolve('claude-sonet-4-6'), 'still added');
    assert.equal(r.resolve('claude-sonnet-4-6')!.prices.input, 3);
  });

  it('accepts an object keyed by model id (the settings shape)', () => {
    const { registry: r, findings } = registry.withOverrides({ 'claude-haiku-5-5': { prices: { cacheRead: 0.02 } } }, { label: 'tokenLens.models' });
    assert.deepEqual(findings, []);
    assert.equal(r.resolve('claude-haiku-5-5')!.prices.cacheRead, 0.02);
  });

  it('reports invalid entries and fields as findings, applies the valid rest, and never throws', () => {
    const { registry: r, findings } = registry.withOverrides(
      [
        42,
        { prices: { input: 1 } },
        { id: 'claude-sonnet-4-6', prices: { input: '3$', output: -1, cacheRead: 0.2, cheap: 1 }, colour: 'blue' },
        { id: 'claude-haiku-4-5', tokenizer: 'gpt', lifecycle: { retiresAt: '2026-13-01' }, contextWindow: 1.5 },
        { id: 'claude-sonnet-4-6', aliases: ['claude-sonnet-4-5'] },
        { id: 'claude-brand-new', longContext: { prices: { input: 9 } } },
      ],
      { label: 'tokenLens.models' },
    );
    const byCode = (code: string) => findings.filter((f) => f.code === code);
    assert.equal(byCode('model-override-invalid').filter((f) => f.severity === 'error').length, 2, 'not an object; no id');
    assert.ok(findings.some((f) => f.message.startsWith('tokenLens.models[0]')));
    assert.ok(findings.some((f) => f.message.includes('tokenLens.models[2].prices.input')));
    assert.ok(findings.some((f) => f.message.includes('tokenLens.models[2].prices.output')));
    assert.ok(byCode('model-override-unknown-field').some((f) => f.message.includes('prices.cheap')));
    assert.ok(byCode('model-override-unknown-field').some((f) => f.message.includes('colour')));
    assert.ok(findings.some((f) => f.message.includes('[3].tokenizer')));
    assert.ok(findings.some((f) => f.message.includes('[3].lifecycle.retiresAt')));
    assert.ok(findings.some((f) => f.message.includes('[3].contextWindow')));
    assert.equal(byCode('model-override-alias-conflict').length, 1);
    assert.ok(findings.some((f) => f.message.includes('[5].longContext') && f.message.includes('thresholdTokens')));
    const sonnet = r.resolve('claude-sonnet-4-6')!;
    assert.deepEqual(sonnet.prices, { input: 3, output: 15, cacheWrite5m: 3.75, cacheWrite1h: 6, cacheRead: 0.2 }, 'valid price applied, invalid ones ignored');
    assert.equal(r.resolve('claude-sonnet-4-5')!.id, 'claude-sonnet-4-5-20250929', 'alias kept by its owner');
    assert.equal(r.resolve('claude-haiku-4-5')!.tokenizer, 'claude-4');
    assert.equal(r.resolve('claude-brand-new')!.longContext, undefined);

    for (const garbage of [null, undefined, 'claude', 5, true]) {
      const out = registry.withOverrides(garbage);
      assert.equal(out.registry.list().length, registry.list().length);
    }
    assert.equal(registry.withOverrides('claude').findings[0]?.code, 'model-override-invalid');
  });
});

describe('LiteLLM import', () => {
  const litellm = {
    sample_spec: { input_cost_per_token: 0, litellm_provider: 'openai' },
    'claude-sonnet-4-6': {
      input_cost_per_token: 3.3e-6,
      output_cost_per_token: 1.65e-5,
      cache_creation_input_token_cost: 4.125e-6,
      cache_read_input_token_cost: 3.3e-7,
      max_input_tokens: 200000,
      max_output_tokens: 64000,
      litellm_provider: 'anthropic',
    },
    'anthropic/claude-sonnet-4-5': {
      input_cost_per_token: 3e-6,
      output_cost_per_token: 1.5e-5,
      input_cost_per_token_above_200k_tokens: 6e-6,
      output_cost_per_token_above_200k_tokens: 2.25e-5,
      cache_creation_input_token_cost_above_1hr: 6e-6,
      litellm_provider: 'anthropic',
    },
    'claude-haiku-4-5': { input_cost_per_token: 9e-7, litellm_provider: 'anthropic' },
    'claude-haiku-4-5-20251001': { input_cost_per_token: 1.1e-6, litellm_provider: 'anthropic' },
    'claude-haiku-5-5': { input_cost_per_token: 1e-7, input_cost_per_token_above_200k_tokens: 5e-7, litellm_provider: 'anthropic' },
    'claude-opus-9-1': {
      input_cost_per_token: 7e-6,
      output_cost_per_token: 3.5e-5,
      cache_read_input_token_cost: 0,
      input_cost_per_token_above_200k_tokens: 1.4e-5,
      max_input_tokens: 2000000,
      max_output_tokens: 256000,
      litellm_provider: 'anthropic',
    },
    'claude-3-5-haiku-20241022': { input_cost_per_token: 8e-7, output_cost_per_token: 4e-6, litellm_provider: 'anthropic' },
    'claude-vertex-thing': { input_cost_per_token: 1e-6, litellm_provider: 'vertex_ai-anthropic_models' },
    'bedrock/anthropic.claude-opus-4-6-v1:0': { input_cost_per_token: 5e-6, litellm_provider: 'bedrock' },
    'gpt-4o': { input_cost_per_token: 2.5e-6, litellm_provider: 'openai' },
  };

  it('converts per-token prices to per-million and overrides prices of known models only', () => {
    const { registry: r, updated } = registry.fromLiteLLM(litellm);
    const sonnet = r.resolve('claude-sonnet-4-6')!;
    // 3.3e-6 USD/token x 1,000,000 = 3.3 USD/M; 1.65e-5 -> 16.5; 4.125e-6 -> 4.125; 3.3e-7 -> 0.33.
    assert.deepEqual(sonnet.prices, { input: 3.3, output: 16.5, cacheWrite5m: 4.125, cacheWrite1h: 6, cacheRead: 0.33 });
    assert.equal(sonnet.contextWindow, 1_000_000, 'limits of known models are not taken from LiteLLM');
    assert.equal(sourceOf(sonnet, 'prices.input'), 'litellm');
    assert.equal(sourceOf(sonnet, 'prices.cacheWrite1h'), 'ref', 'absent in the file: bundled value kept');
    assert.ok(updated.includes('claude-sonnet-4-6'));
  });

  it('maps anthropic/-prefixed keys and *_above_200k_tokens onto the long-context tier', () => {
    const { registry: r } = registry.fromLiteLLM(litellm);
    const m = r.resolve('claude-sonnet-4-5')!;
    assert.equal(m.prices.cacheWrite1h, 6);
    // 6e-6 -> 6 USD/M, 2.25e-5 -> 22.5 USD/M
    assert.equal(m.longContext?.thresholdTokens, 200_000);
    assert.equal(m.longContext?.prices.input, 6);
    assert.equal(m.longContext?.prices.output, 22.5);
  });

  it('prefers the key equal to the canonical id over an alias key', () => {
    const { registry: r } = registry.fromLiteLLM(litellm);
    assert.equal(r.resolve('claude-haiku-4-5')!.prices.input, 1.1);
  });

  it('does not mix a 200K LiteLLM tier into a model whose tier is at another threshold', () => {
    const { registry: r, findings } = registry.fromLiteLLM(litellm);
    assert.ok(findings.some((f) => f.code === 'litellm-tier-conflict' && f.message.includes('claude-haiku-5-5')));
    assert.deepEqual(r.resolve('claude-haiku-5-5')!.longContext, model('claude-haiku-5-5').longContext);
  });

  it('adds unknown Claude models with a guessed tokenizer and their limits; 0 means unknown', () => {
    const { registry: r, added, findings } = registry.fromLiteLLM(litellm);
    assert.deepEqual(added.sort(), ['claude-3-5-haiku-20241022', 'claude-opus-9-1']);
    const opus = r.resolve('claude-opus-9-1')!;
    assert.equal(opus.tokenizer, 'claude-4.7');
    assert.equal(fieldStatus(opus, 'tokenizer'), 'guessed');
    assert.equal(opus.origin, 'litellm');
    assert.deepEqual(opus.prices, { input: 7, output: 35 }, 'a LiteLLM 0 is not a price: cacheRead stays unknown');
    assert.deepEqual(opus.longContext, { thresholdTokens: 200_000, prices: { input: 14 } });
    assert.equal(opus.contextWindow, 2_000_000);
    assert.equal(opus.maxOutput, 256_000);
    assert.equal(r.resolve('claude-3-5-haiku-20241022')!.tokenizer, 'claude-4');
    assert.equal(r.resolve('claude-vertex-thing'), undefined, 'other providers are skipped');
    assert.equal(r.resolve('gpt-4o'), undefined);
    assert.ok(findings.some((f) => f.code === 'litellm-guessed-tokenizer'));
    assert.ok(findings.some((f) => f.code === 'litellm-zero-price'));
  });

  it('reports a file that is not a LiteLLM price list', () => {
    for (const bad of [[1, 2], 'x', null]) {
      const { registry: r, findings } = registry.fromLiteLLM(bad);
      assert.equal(findings[0]?.code, 'litellm-invalid');
      assert.equal(r.list().length, registry.list().length);
    }
    assert.equal(registry.fromLiteLLM({ 'gpt-4o': {} }).findings[0]?.code, 'litellm-no-claude-models');
    assert.equal(liteLLMToOverrides({ 'claude-x': { input_cost_per_token: 'cheap' } }).findings[0]?.code, 'litellm-invalid');
  });
});

describe('tokenizer guess from an id', () => {
  it('reads versions in both naming orders and skips dates', () => {
    assert.deepEqual(parseModelId('claude-sonnet-4-5-20250929'), { family: 'sonnet', major: 4, minor: 5 });
    assert.deepEqual(parseModelId('claude-3-7-sonnet-latest'), { family: 'sonnet', major: 3, minor: 7 });
    assert.deepEqual(parseModelId('anthropic/claude-opus-4.6'), { family: 'opus', major: 4, minor: 6 });
    assert.deepEqual(parseModelId('claude-sonnet-5'), { family: 'sonnet', major: 5 });
  });

  it('guesses claude-4.7 from 4.7 and 5 on, claude-4 before', () => {
    assert.equal(guessTokenizer('claude-opus-4-7'), 'claude-4.7');
    assert.equal(guessTokenizer('claude-sonnet-4-9'), 'claude-4.7');
    assert.equal(guessTokenizer('claude-haiku-6'), 'claude-4.7');
    assert.equal(guessTokenizer('claude-opus-4-6'), 'claude-4');
    assert.equal(guessTokenizer('claude-sonnet-4-20250514'), 'claude-4');
    assert.equal(guessTokenizer('claude-3-5-sonnet-20241022'), 'claude-4');
    assert.equal(guessTokenizer('claude-experimental'), 'claude-4.7', 'no version: assumed newer than the table');
  });
});

describe('checkThinking', () => {
  const sonnet46 = () => model('claude-sonnet-4-6');

  it('accepts a valid manual budget below max_tokens', () => {
    assert.deepEqual(checkThinking(sonnet46(), { type: 'enabled', budget_tokens: 4000 }, 4001), []);
    assert.deepEqual(checkThinking(sonnet46(), { type: 'enabled', budget_tokens: 1024 }, undefined), []);
    assert.deepEqual(checkThinking(sonnet46(), undefined, 8000), []);
  });

  it('thinking-budget-too-small below 1024', () => {
    const f = only(checkThinking(sonnet46(), { type: 'enabled', budget_tokens: 1023 }, 8000), 'thinking-budget-too-small');
    assert.equal(f.severity, 'error');
    assert.match(f.message, /1,024/);
  });

  it('thinking-budget-exceeds-max-tokens when budget >= max_tokens, naming the smallest max_tokens that works', () => {
    const f = only(checkThinking(sonnet46(), { type: 'enabled', budget_tokens: 16000 }, 8000), 'thinking-budget-exceeds-max-tokens');
    assert.equal(f.severity, 'error');
    assert.match(f.message, /16,001/, 'budget + 1 is the smallest accepted max_tokens');
    assert.match(f.message, /20,096/, 'budget + 4,096 leaves room for the answer');
    assert.match(f.message, /at most 7,999/);
    only(checkThinking(sonnet46(), { type: 'enabled', budget_tokens: 8000 }, 8000), 'thinking-budget-exceeds-max-tokens');
  });

  it('allows budget above max_tokens with interleaved thinking', () => {
    assert.deepEqual(checkThinking(sonnet46(), { type: 'enabled', budget_tokens: 16000 }, 8000, { interleaved: true }), []);
  });

  it('says to lower the budget when even budget + 1 exceeds the model output limit', () => {
    const f = only(checkThinking(model('claude-haiku-4-5'), { type: 'enabled', budget_tokens: 64000 }, 32000), 'thinking-budget-exceeds-max-tokens');
    assert.match(f.message, /at most 64,000 output tokens/);
  });

  it('reports a missing or non-integer budget', () => {
    only(checkThinking(sonnet46(), { type: 'enabled' }, 8000), 'thinking-budget-missing');
    only(checkThinking(sonnet46(), { type: 'enabled', budget_tokens: 2048.5 }, 8000), 'thinking-budget-invalid');
    only(checkThinking(sonnet46(), { type: 'enabled', budget_tokens: '2048' }, 8000), 'thinking-budget-invalid');
  });

  it('thinking-mode-unsupported: Sonnet 5 rejects manual thinking and suggests adaptive', () => {
    const f = only(checkThinking(model('claude-sonnet-5'), { type: 'enabled', budget_tokens: 4000 }, 8000), 'thinking-mode-unsupported');
    assert.equal(f.severity, 'error');
    assert.match(f.message, /adaptive/);
    assert.deepEqual(checkThinking(model('claude-sonnet-5'), { type: 'adaptive' }, 8000), []);
  });

  it('thinking-mode-unsupported: 4.5 models have no adaptive mode', () => {
    const f = only(checkThinking(model('claude-opus-4-5'), { type: 'adaptive' }, 8000), 'thinking-mode-unsupported');
    assert.equal(f.severity, 'error');
    assert.match(f.message, /budget_tokens/);
    // Haiku 4.5's adaptive support is UNCONFIRMED: the same rule is a warning there.
    assert.equal(only(checkThinking(model('claude-haiku-4-5'), { type: 'adaptive' }, 8000), 'thinking-mode-unsupported').severity, 'warning');
  });

  it('rests on UNCONFIRMED data with a warning (Opus 4.8 manual thinking)', () => {
    assert.equal(only(checkThinking(model('claude-opus-4-8'), { type: 'enabled', budget_tokens: 2000 }, 8000), 'thinking-mode-unsupported').severity, 'warning');
  });

  it('thinking-cannot-disable on Opus 5.5 and Fable 5.1', () => {
    for (const id of ['claude-opus-5-5', 'claude-fable-5-1']) {
      const f = only(checkThinking(model(id), { type: 'disabled' }, 8000), 'thinking-cannot-disable');
      assert.equal(f.severity, 'error', id);
    }
    assert.deepEqual(checkThinking(sonnet46(), { type: 'disabled' }, 8000), []);
  });

  it('Opus 5 can disable thinking only at effort high or below', () => {
    assert.deepEqual(checkThinking(model('claude-opus-5'), { type: 'disabled' }, 8000, { effort: 'high' }), []);
    only(checkThinking(model('claude-opus-5'), { type: 'disabled' }, 8000, { effort: 'max' }), 'thinking-cannot-disable');
  });

  it('knows model-specific types (between_tools on Sonnet 5.5 only)', () => {
    assert.deepEqual(checkThinking(model('claude-sonnet-5-5'), { type: 'between_tools' }, 8000), []);
    only(checkThinking(sonnet46(), { type: 'between_tools' }, 8000), 'thinking-mode-unsupported');
    only(checkThinking(model('claude-sonnet-5-5'), { type: 'disabled' }, 8000), 'thinking-cannot-disable');
  });

  it('reports unknown types and malformed values', () => {
    const f = only(checkThinking(sonnet46(), { type: 'sometimes' }, 8000), 'thinking-type-unknown');
    assert.match(f.message, /"enabled", "adaptive", "disabled"/);
    only(checkThinking(sonnet46(), 'yes', 8000), 'thinking-invalid');
    only(checkThinking(sonnet46(), { budget_tokens: 2000 }, 8000), 'thinking-invalid');
  });
});

describe('checkLifecycle', () => {
  const sonnet45 = () => model('claude-sonnet-4-5');

  it('warns before the retirement date, with the date, the days left and the successor', () => {
    const f = only(checkLifecycle(sonnet45(), new Date('2026-11-27T12:00:00Z')), 'model-retiring');
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /2026-11-30/);
    assert.match(f.message, /in 3 days/);
    assert.match(f.message, /claude-sonnet-4-6/);
    assert.match(only(checkLifecycle(sonnet45(), new Date('2026-11-29T23:59:59Z')), 'model-retiring').message, /in 1 day\)/);
    assert.match(only(checkLifecycle(model('claude-opus-4-5'), new Date('2026-11-27T00:00:00Z')), 'model-retiring').message, /2027-01-22/);
  });

  it('errors from the retirement date on', () => {
    for (const day of ['2026-11-30T00:00:00Z', '2026-12-15T08:00:00Z']) {
      const f = only(checkLifecycle(sonnet45(), new Date(day)), 'model-retired');
      assert.equal(f.severity, 'error');
      assert.match(f.message, /retired on 2026-11-30/);
    }
  });

  it('is silent for active models and handles undated statuses', () => {
    assert.deepEqual(checkLifecycle(model('claude-sonnet-4-6'), new Date('2026-11-27T00:00:00Z')), []);
    const { registry: r } = registry.withOverrides([
      { id: 'claude-opus-4-5', lifecycle: { retiresAt: null } },
      { id: 'claude-haiku-4-5', lifecycle: { status: 'retired' } },
    ]);
    only(checkLifecycle(r.resolve('claude-opus-4-5')!, new Date('2026-11-27T00:00:00Z')), 'model-deprecated');
    assert.match(only(checkLifecycle(r.resolve('claude-haiku-4-5')!, new Date('2026-11-27T00:00:00Z')), 'model-retired').message, /is retired/);
  });
});

describe('checkContextWindow', () => {
  it('errors over the window and is silent at it', () => {
    const f = only(checkContextWindow(model('claude-sonnet-4-6'), 1_000_001), 'over-context-window');
    assert.equal(f.severity, 'error');
    assert.match(f.message, /1,000,001/);
    assert.match(f.message, /at least 1 token or/);
    only(checkContextWindow(model('claude-haiku-4-5'), 200_001), 'over-context-window');
    assert.deepEqual(checkContextWindow(model('claude-haiku-4-5'), 200_000), []);
  });

  it('Sonnet 4.5 over 200K needs the extended window (warning), over 1M is an error', () => {
    assert.equal(only(checkContextWindow(model('claude-sonnet-4-5'), 250_000), 'over-standard-context-window').severity, 'warning');
    only(checkContextWindow(model('claude-sonnet-4-5'), 1_000_001), 'over-context-window');
  });

  it('warns when input + max_tokens exceeds the window, errors when max_tokens exceeds the output limit', () => {
    const f = only(checkContextWindow(model('claude-haiku-4-5'), 190_000, 20_000), 'over-context-window-with-output');
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /210,000/);
    assert.match(f.message, /10,000 or less/, '200,000 - 190,000');
    assert.deepEqual(checkContextWindow(model('claude-haiku-4-5'), 136_000, 64_000), []);
    const over = checkContextWindow(model('claude-haiku-4-5'), 1000, 64_001);
    assert.deepEqual(codes(over), ['max-tokens-over-limit']);
    assert.equal(over[0]!.severity, 'error');
  });

  it('skips models with unknown limits', () => {
    const { registry: r } = registry.withOverrides([{ id: 'claude-new', prices: { input: 1 } }]);
    assert.deepEqual(checkContextWindow(r.resolve('claude-new')!, 5_000_000, 1_000_000), []);
  });
});

describe('checkToolChoice', () => {
  it('errors on forced tool choice where the model rejects it', () => {
    const f = only(checkToolChoice(model('claude-opus-5-5'), { type: 'any' }), 'forced-tool-choice-unsupported');
    assert.equal(f.severity, 'error');
    assert.match(f.message, /"auto"/);
    only(checkToolChoice(model('claude-sonnet-5-5'), { type: 'tool', name: 'get_weather' }), 'forced-tool-choice-unsupported');
    only(checkToolChoice(model('claude-fable-5-1'), { type: 'any' }), 'forced-tool-choice-unsupported');
    assert.equal(only(checkToolChoice(model('claude-fable-5-2'), { type: 'any' }), 'forced-tool-choice-unsupported').severity, 'warning');
  });

  it('accepts auto/none anywhere and forced choice where supported', () => {
    assert.deepEqual(checkToolChoice(model('claude-opus-5-5'), { type: 'auto' }), []);
    assert.deepEqual(checkToolChoice(model('claude-opus-5-5'), { type: 'none' }), []);
    assert.deepEqual(checkToolChoice(model('claude-opus-5-5'), undefined), []);
    assert.deepEqual(checkToolChoice(model('claude-sonnet-4-6'), { type: 'any' }), []);
  });
});

describe('checkUnknownModel', () => {
  it('is silent for known ids and aliases', () => {
    assert.deepEqual(checkUnknownModel('claude-sonnet-4-6', registry), []);
    assert.deepEqual(checkUnknownModel('CLAUDE-HAIKU-4-5', registry), []);
  });

  it('suggests the nearest known names', () => {
    const f = only(checkUnknownModel('claude-sonnet-4.6', registry), 'unknown-model');
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /Did you mean "claude-sonnet-4-6"\? Other close names: "claude-sonnet-4-5", "claude-sonnet-5"\./);
    assert.equal(suggestModels('claude-sonnet-4.6', registry)[0], 'claude-sonnet-4-6');
    assert.equal(suggestModels('sonnet-4-6', registry)[0], 'claude-sonnet-4-6');
    assert.equal(suggestModels('claude-haiku-4-5-2025101', registry)[0], 'claude-haiku-4-5-20251001');
    assert.deepEqual(suggestModels('claude-opus-4-9', registry), ['claude-opus-4-8', 'claude-opus-4-7', 'claude-opus-4-6']);
  });

  it('suggests nothing for far-off names and says how to add one', () => {
    const f = only(checkUnknownModel('gpt-4o', registry), 'unknown-model');
    assert.doesNotMatch(f.message, /Did you mean/);
    assert.match(f.message, /override/);
    assert.deepEqual(suggestModels('', registry), []);
  });

  it('edit distance', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('same', 'same'), 0);
  });
});
