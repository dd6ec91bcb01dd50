import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { budgetUSDOffences, estimateDocument, type Analysis } from '../../src/core/analyze';
import { compareModels } from '../../src/core/compare';
import { limitsFor, parseProjectConfig, readBudgetUSD } from '../../src/core/config/project';
import { cachedRequestCost } from '../../src/core/models/cache-pricing';
import { costOf, modesSuffix } from '../../src/core/models/cost';
import { pricingModeFindings, pricingModesOf } from '../../src/core/models/pricing-modes';
import { batchWorstCaseOutput, checkContextWindow } from '../../src/core/models/rules';
import { analyzeOptions, assertClose, parseOk, registry } from '../support/docs';

const model = (id: string) => {
  const m = registry.resolve(id);
  assert.ok(m, id);
  return m;
};
const M = 1e6;
const example = (rel: string) => readFileSync(path.join(__dirname, '..', '..', 'examples', rel), 'utf8');
const codes = (a: Analysis) => a.findings.map((f) => f.code);

describe('pricing modes: fast mode', () => {
  it('Opus 5 at speed "fast" costs 2x on every line (from the table: $5 / $25, fast ×2)', () => {
    const opus5 = model('claude-opus-5');
    assert.deepEqual(opus5.fastMode, { multiplier: 2 });
    const c = costOf(opus5, { inputTokens: 1234, outputTokens: 2000 }, { modes: { speed: 'fast' } });
    assertClose(c.input, (1234 * 5 * 2) / M, 'input');
    assertClose(c.output, (2000 * 25 * 2) / M, 'output');
    assertClose(c.total, (1234 * 5 * 2 + 2000 * 25 * 2) / M, 'total');
    assert.deepEqual(c.modifiers.map((m) => m.label), ['fast mode ×2']);
    assert.equal(modesSuffix(c), ' (fast mode ×2)');
    assert.equal(c.rates.input, 10);
    // Standard speed: no modifier, the table's rate.
    const std = costOf(opus5, { inputTokens: 1234 }, { modes: { speed: 'standard' } });
    assertClose(std.input, (1234 * 5) / M);
    assert.deepEqual(std.modifiers, []);
    assert.equal(modesSuffix(std), '');
  });

  it('stacks with cache multipliers and the batch discount', () => {
    const opus5 = model('claude-opus-5');
    const c = costOf(opus5, { inputTokens: 100, cacheWrite1hTokens: 4000, cacheReadTokens: 3000, outputTokens: 500 }, { batch: true, modes: { speed: 'fast' } });
    assertClose(c.total, ((100 * 5 + 4000 * 10 + 3000 * 0.5 + 500 * 25) * 2 * 0.5) / M);
  });

  it('a model without fast mode: a finding, and the price shown is the standard one, said so', () => {
    const sonnet = model('claude-sonnet-4-6');
    const c = costOf(sonnet, { inputTokens: 1000 }, { modes: { speed: 'fast' } });
    assertClose(c.input, (1000 * 3) / M);
    assert.deepEqual(c.modifiers, []);
    const [f] = pricingModeFindings(sonnet, { speed: 'fast' });
    assert.equal(f?.code, 'fast-mode-unsupported');
    assert.equal(f?.severity, 'warning');
    assert.match(f!.message, /Sonnet 4\.6 .* has no fast mode, so the API rejects the request\. The price shown is the standard rate/);
    // Opus 4.8's fast mode was removed on 2026-11-30.
    assert.equal(pricingModeFindings(model('claude-opus-4-8'), { speed: 'fast' })[0]?.code, 'fast-mode-unsupported');
  });

  it('fast mode without a known price (Fable 5.2) makes the cost unknown, never the standard rate', () => {
    const fable = model('claude-fable-5-2');
    const c = costOf(fable, { inputTokens: 1000, outputTokens: 10 }, { modes: { speed: 'fast' } });
    assert.equal(c.total, undefined);
    assert.equal(c.input, undefined);
    assert.ok(c.unknown.includes('fastMode.multiplier'));
    assert.equal(c.rates.input, undefined);
    assert.deepEqual(c.modifiers.map((m) => m.label), ['fast mode (price unknown)']);
    assert.equal(pricingModeFindings(fable, { speed: 'fast' })[0]?.code, 'fast-mode-price-unknown');
  });

  it('an UNCONFIRMED multiplier (Opus 5.5) is priced and labelled "unconfirmed"', () => {
    const opus55 = model('claude-opus-5-5');
    const c = costOf(opus55, { inputTokens: 1000 }, { modes: { speed: 'fast' } });
    assertClose(c.input, (1000 * 4 * 2) / M);
    assert.deepEqual(c.modifiers.map((m) => m.label), ['fast mode ×2 (unconfirmed)']);
    const f = pricingModeFindings(opus55, { speed: 'fast' });
    assert.equal(f[0]?.code, 'fast-mode-unconfirmed');
    assert.match(f[0]!.message, /unconfirmed/);
  });

  it('an unknown speed value is a warning', () => {
    assert.equal(pricingModeFindings(model('claude-opus-5'), { speed: 'turbo' })[0]?.code, 'speed-invalid');
  });
});

describe('pricing modes: data residency', () => {
  it('inference_geo "us" costs 1.1x on every line (Opus 4.6: $5 / $25)', () => {
    const opus46 = model('claude-opus-4-6');
    const c = costOf(opus46, { inputTokens: 2000, outputTokens: 500 }, { modes: { inferenceGeo: 'us' } });
    assertClose(c.input, (2000 * 5 * 1.1) / M, 'input');
    assertClose(c.output, (500 * 25 * 1.1) / M, 'output');
    assert.deepEqual(c.modifiers.map((m) => m.label), ['data residency ×1.1']);
    // "global" is the default: standard rate, no label.
    assert.deepEqual(costOf(opus46, { inputTokens: 1 }, { modes: { inferenceGeo: 'global' } }).modifiers, []);
  });

  it('fast mode and data residency multiply', () => {
    const c = costOf(model('claude-opus-5'), { inputTokens: 1000, outputTokens: 100 }, { modes: { speed: 'fast', inferenceGeo: 'us' } });
    assertClose(c.total, ((1000 * 5 + 100 * 25) * 2 * 1.1) / M);
    assert.equal(modesSuffix(c), ' (fast mode ×2, data residency ×1.1)');
  });

  it('models before Opus 4.6 reject inference_geo (400): an error; an unknown geo is a warning', () => {
    const f = pricingModeFindings(model('claude-haiku-4-5'), { inferenceGeo: 'us' });
    assert.equal(f[0]?.code, 'inference-geo-unsupported');
    assert.equal(f[0]?.severity, 'error');
    assert.match(f[0]!.message, /returns 400/);
    const eu = pricingModeFindings(model('claude-opus-5'), { inferenceGeo: 'eu' });
    assert.equal(eu[0]?.code, 'inference-geo-unknown');
    assert.match(eu[0]!.message, /"global", "us"/);
    assertClose(costOf(model('claude-opus-5'), { inputTokens: 1000 }, { modes: { inferenceGeo: 'eu' } }).input, (1000 * 5) / M);
  });
});

describe('pricing modes: a 1-hour cache write', () => {
  it('is priced at the 1-hour rate (2x input), not the 5-minute one (Opus 5: $10 vs $6.25)', () => {
    const opus5 = model('claude-opus-5');
    const c = cachedRequestCost(opus5, { prefixTokens: [3000], totalTokens: 3200, ttl: ['1h'] }, 0);
    assert.equal(c.tokens.write1h, 3000);
    assert.equal(c.tokens.write5m, 0);
    assertClose(c.first.cacheWrite1h, (3000 * 10) / M, '1h write');
    assertClose(c.first.total, (3000 * 10 + 200 * 5) / M, 'first request');
    assertClose(c.repeat.total, (3000 * 0.5 + 200 * 5) / M, 'repeat');
    // ... and with fast mode on top.
    const fast = cachedRequestCost(opus5, { prefixTokens: [3000], totalTokens: 3200, ttl: ['1h'] }, 0, { modes: { speed: 'fast' } });
    assertClose(fast.first.total, ((3000 * 10 + 200 * 5) * 2) / M);
  });
});

describe('pricing modes in an analysis (examples/)', () => {
  it('examples/fast-mode-opus-5.json: fast mode ×2 on input and worst-case output', () => {
    const a = estimateDocument(parseOk(example('fast-mode-opus-5.json'), 'fast-mode-opus-5.json'), analyzeOptions());
    assert.equal(a.modes.speed, 'fast');
    const n = a.total.tokens;
    assertClose(a.cost?.input, (n * 5 * 2) / M, 'input');
    assertClose(a.cost?.total, (n * 5 * 2 + 2000 * 25 * 2) / M, 'worst case');
    assert.deepEqual(a.cost?.modifiers.map((m) => m.label), ['fast mode ×2']);
    assert.ok(!codes(a).includes('fast-mode-unsupported'));
    // The tooltip's comparison prices the current row the same way.
    const [row] = compareModels(a, registry, []);
    assertClose(row?.cost?.input, (n * 5 * 2) / M);
    assert.ok(!JSON.stringify(a.doc.body).includes('inference_geo'));
  });

  it('examples/cache-1h-write.json: the first request writes at $10 / MTok on Opus 5', () => {
    const a = estimateDocument(parseOk(example('cache-1h-write.json'), 'cache-1h-write.json'), analyzeOptions());
    const c = a.cache!;
    assert.ok(c.tokens.write1h > 512, 'over Opus 5 minimum');
    assert.equal(c.tokens.write5m, 0);
    assertClose(c.first.total, (c.tokens.write1h * 10 + c.tokens.uncached * 5 + 1024 * 25) / M);
  });

  it('examples/data-residency.json: inference_geo "us" ×1.1, stripped from the count', () => {
    const doc = parseOk(example('data-residency.json'), 'data-residency.json');
    assert.equal(doc.inferenceGeo, 'us');
    assert.ok(doc.stripped.includes('inference_geo'));
    assert.ok(!('inference_geo' in doc.body));
    const a = estimateDocument(doc, analyzeOptions());
    assertClose(a.cost?.input, (a.total.tokens * 5 * 1.1) / M);
    assertClose(a.cost?.total, (a.total.tokens * 5 * 1.1 + 1500 * 25 * 1.1) / M);
  });

  it('a prompt\'s front matter sets speed, inference_geo and max_tokens', () => {
    const doc = parseOk(example('prompts/fast-triage.prompt.md'), 'fast-triage.prompt.md');
    assert.equal(doc.speed, 'fast');
    assert.equal(doc.inferenceGeo, 'us');
    assert.equal(doc.maxTokens, 800);
    const a = estimateDocument(doc, analyzeOptions());
    assertClose(a.cost?.input, (a.total.tokens * 5 * 2 * 1.1) / M);
  });

  it('settings price files that do not say; the file wins', () => {
    const plain = parseOk({ model: 'claude-opus-5', messages: [{ role: 'user', content: 'Hello there.' }] });
    const a = estimateDocument(plain, analyzeOptions({ pricing: { speed: 'fast' } }));
    assertClose(a.cost?.input, (a.total.tokens * 5 * 2) / M);
    const standard = parseOk({ model: 'claude-opus-5', speed: 'standard', messages: [{ role: 'user', content: 'Hello there.' }] });
    const b = estimateDocument(standard, analyzeOptions({ pricing: { speed: 'fast' } }));
    assertClose(b.cost?.input, (b.total.tokens * 5) / M);
    assert.deepEqual(pricingModesOf({ speed: 'standard' }, { speed: 'fast', inferenceGeo: 'us' }), { speed: 'standard', inferenceGeo: 'us' });
    // From settings on a model without fast mode: the finding says where it came from.
    const sonnet = estimateDocument(parseOk({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi.' }] }), analyzeOptions({ pricing: { speed: 'fast' } }));
    const f = sonnet.findings.find((x) => x.code === 'fast-mode-unsupported');
    assert.match(f!.message, /\(from settings\)/);
  });

  it('fast mode in the file on a model without it points at the speed value', () => {
    const text = JSON.stringify({ model: 'claude-haiku-4-5', speed: 'fast', messages: [{ role: 'user', content: 'Hi.' }] }, null, 2);
    const a = estimateDocument(parseOk(text), analyzeOptions());
    const f = a.findings.find((x) => x.code === 'fast-mode-unsupported')!;
    assert.equal(text.slice(f.range!.start, f.range!.end), '"fast"');
  });
});

describe('batch worst case and the batch output beta', () => {
  const sonnet = () => model('claude-sonnet-4-6');

  it('without the beta, max_tokens over 128K is an error and the batch worst case stops at 128K', () => {
    assert.equal(checkContextWindow(sonnet(), 1000, 300_000)[0]?.code, 'max-tokens-over-limit');
    assert.equal(batchWorstCaseOutput(sonnet(), 300_000, undefined), 128_000);
  });

  it('with output-300k-2026-03-24 named, up to 300K is allowed through batches (info) and priced', () => {
    const f = checkContextWindow(sonnet(), 1000, 300_000, ['output-300k-2026-03-24']);
    assert.deepEqual(f.map((x) => x.code), ['max-tokens-batch-only']);
    assert.match(f[0]!.message, /unconfirmed/);
    assert.equal(batchWorstCaseOutput(sonnet(), 300_000, ['output-300k-2026-03-24']), 300_000);
    const a = estimateDocument(parseOk(example('batch-300k-output.json'), 'batch-300k-output.json'), analyzeOptions());
    assert.ok(codes(a).includes('max-tokens-batch-only'));
    assert.ok(!codes(a).includes('max-tokens-over-limit'));
    // Batch: half price, 300,000 output tokens at $15.
    assertClose(a.batchCost?.total, ((a.total.tokens * 3 + 300_000 * 15) * 0.5) / M);
  });

  it('a batch beta the model does not have is a warning', () => {
    const f = checkContextWindow(model('claude-opus-5'), 1000, 1000, ['output-300k-2026-03-24']);
    assert.equal(f[0]?.code, 'batch-output-beta-unknown');
  });
});

describe('dollar budgets', () => {
  const opus5Fast = () => estimateDocument(parseOk(example('fast-mode-opus-5.json'), 'fast-mode-opus-5.json'), analyzeOptions());

  it('reads a number (input per request) or { input, worstCase, per1000 }', () => {
    assert.deepEqual(readBudgetUSD(0.05), { input: 0.05 });
    assert.deepEqual(readBudgetUSD({ worstCase: 0.5, per1000: 20 }), { worstCase: 0.5, per1000: 20 });
    for (const bad of [0, -1, 'x', {}, { input: 0 }, { inputs: 1 }, [1]]) assert.equal(readBudgetUSD(bad), undefined, JSON.stringify(bad));
  });

  it('each rule is priced with the request\'s modes, and only what is over is reported', () => {
    const a = opus5Fast();
    const input = (a.total.tokens * 5 * 2) / M;
    const worst = input + (2000 * 25 * 2) / M;
    const over = budgetUSDOffences(a, { input: input / 2, worstCase: worst * 2, per1000: (input * 1000) / 2 });
    assert.deepEqual(over.map((o) => o.rule), ['input', 'per1000']);
    assertClose(over[0]!.usd, input);
    assertClose(over[1]!.usd, input * 1000);
    assert.match(over[0]!.message, /input per request is over the dollar budget of .* \(fast mode ×2\)\./);
    assert.deepEqual(budgetUSDOffences(a, { worstCase: worst / 2 }).map((o) => o.rule), ['worstCase']);
    assert.deepEqual(budgetUSDOffences(a, { input: 1, worstCase: 1, per1000: 1000 }), []);
  });

  it('becomes an over-budget-usd warning in the analysis (the Problems entry)', () => {
    const a = estimateDocument(parseOk(example('fast-mode-opus-5.json'), 'fast-mode-opus-5.json'), analyzeOptions({ budgetUSD: { worstCase: 0.01 } }));
    const f = a.findings.find((x) => x.code === 'over-budget-usd');
    assert.equal(f?.severity, 'warning');
    assert.match(f!.message, /worst case per request \(input \+ max_tokens output\) is over the dollar budget of \$0\.01/);
  });

  it('.tokenlens.json budgetUSD, speed and inferenceGeo, with overrides and null', () => {
    const { config, findings } = parseProjectConfig(
      '/repo/.tokenlens.json',
      JSON.stringify({ budgetUSD: 0.05, speed: 'fast', inferenceGeo: 'us', overrides: [{ files: 'batch/**', budgetUSD: { worstCase: 2 } }, { files: 'free/**', budgetUSD: null, speed: null }] }),
    );
    assert.deepEqual(findings, []);
    assert.deepEqual(limitsFor(config, '/repo/a.json').budgetUSD, { input: 0.05 });
    assert.equal(limitsFor(config, '/repo/a.json').speed, 'fast');
    assert.equal(limitsFor(config, '/repo/a.json').inferenceGeo, 'us');
    assert.deepEqual(limitsFor(config, '/repo/batch/x.json').budgetUSD, { worstCase: 2 });
    assert.match(limitsFor(config, '/repo/batch/x.json').from.budgetUSD!, /overrides\[0\]/);
    assert.equal(limitsFor(config, '/repo/free/x.json').budgetUSD, undefined);
    assert.equal(limitsFor(config, '/repo/free/x.json').speed, undefined);
    const bad = parseProjectConfig('/repo/.tokenlens.json', '{\n  "budgetUSD": "cheap",\n  "speed": "turbo"\n}');
    assert.deepEqual(bad.findings.map((f) => [f.line, f.message.split(',')[0]]), [
      [2, '"budgetUSD" must be a positive number (input USD per request) or { "input"'],
      [3, '"speed" must be "standard" or "fast"'],
    ]);
  });
});

describe('unconfirmed prices and minimums are said to be unconfirmed', () => {
  it('a cost resting on an UNCONFIRMED price lists it and the UI suffix says so', () => {
    const haiku = model('claude-haiku-5-5');
    const c = costOf(haiku, { inputTokens: 1000, cacheReadTokens: 5000 });
    assert.deepEqual(c.unconfirmed, ['prices.cacheRead']);
    assert.equal(modesSuffix(c), ' (unconfirmed price)');
    // Lines without tokens do not count: input alone is confirmed.
    assert.deepEqual(costOf(haiku, { inputTokens: 1000 }).unconfirmed, []);
    const mythos = costOf(model('claude-mythos-5-2'), { inputTokens: 1000 }, { modes: { inferenceGeo: 'us' } });
    assertClose(mythos.input, (1000 * 8 * 1.1) / M);
    assert.equal(modesSuffix(mythos), ' (data residency ×1.1, unconfirmed price)');
  });

  it('a prefix below an UNCONFIRMED minimum (Opus 4.7: 4,096 or 2,048) says the minimum is unconfirmed', () => {
    const c = cachedRequestCost(model('claude-opus-4-7'), { prefixTokens: [3000], totalTokens: 3500, ttl: ['5m'] }, 0);
    const f = c.findings.find((x) => x.code === 'cache-prefix-below-minimum')!;
    assert.match(f.message, /below the 4,096-token minimum of Opus 4\.7 \(unconfirmed: sources disagree/);
    const haiku = cachedRequestCost(model('claude-haiku-4-5'), { prefixTokens: [3000], totalTokens: 3500, ttl: ['5m'] }, 0);
    assert.ok(!haiku.findings.find((x) => x.code === 'cache-prefix-below-minimum')!.message.includes('unconfirmed'));
  });
});

describe('model overrides of the pricing modes', () => {
  it('fastMode, inferenceGeo and batchOutput can be set, changed and removed', () => {
    const { registry: r, findings } = registry.withOverrides([
      { id: 'claude-sonnet-4-6', fastMode: { multiplier: 3 } },
      { id: 'claude-fable-5-2', fastMode: { multiplier: 2.5 } },
      { id: 'claude-opus-5', fastMode: null, inferenceGeo: { eu: 1.2 } },
      { id: 'claude-opus-4-6', batchOutput: null },
    ]);
    assert.deepEqual(findings, []);
    assertClose(costOf(r.resolve('claude-sonnet-4-6')!, { inputTokens: 1000 }, { modes: { speed: 'fast' } }).input, (1000 * 3 * 3) / M);
    const fable = costOf(r.resolve('claude-fable-5-2')!, { inputTokens: 1000 }, { modes: { speed: 'fast' } });
    assertClose(fable.input, (1000 * 8 * 2.5) / M);
    assert.deepEqual(fable.modifiers.map((m) => m.label), ['fast mode ×2.5'], 'an override is the user\'s own word: not unconfirmed');
    assert.equal(r.resolve('claude-opus-5')!.fastMode, undefined);
    assert.deepEqual(r.resolve('claude-opus-5')!.inferenceGeo, { global: 1, us: 1.1, eu: 1.2 });
    assert.equal(r.resolve('claude-opus-4-6')!.batchOutput, undefined);
  });

  it('a bad value is a finding naming the field, and is ignored', () => {
    const { registry: r, findings } = registry.withOverrides([{ id: 'claude-opus-5', fastMode: { multiplier: -1 } as never, inferenceGeo: { us: 'x' } as never }]);
    assert.deepEqual(findings.map((f) => f.message.split(':')[0]), ['model overrides[0].fastMode.multiplier', 'model overrides[0].inferenceGeo']);
    assert.deepEqual(r.resolve('claude-opus-5')!.fastMode, { multiplier: 2 });
  });
});

describe('Opus 4.5 -> Opus 5.5: the retirement finding says counts do not carry over', () => {
  it('names the successor, says it is unconfirmed and that it counts with another tokenizer', () => {
    const a = estimateDocument(parseOk({ model: 'claude-opus-4-5', messages: [{ role: 'user', content: 'Hi.' }] }), analyzeOptions({ today: new Date('2026-12-03T12:00:00Z') }));
    const f = a.findings.find((x) => x.code === 'model-retiring')!;
    assert.match(f.message, /retires on 2027-01-22 \(in 50 days\)\. Plan a move to claude-opus-5-5 \(unconfirmed; it uses another tokenizer, so recount: token counts do not carry over\)\./);
    // Sonnet 4.5 -> Sonnet 4.6: same tokenizer, nothing about recounting.
    const s = estimateDocument(parseOk({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Hi.' }] }), analyzeOptions());
    assert.ok(!s.findings.some((x) => /recount/.test(x.message)));
  });
});
