import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { estimateRequest, generationOf, modelParams, withEstimatorTable } from '../../src/core/estimator';
import { parseSampleFile } from '../../bench/fit/fit';
import { crossValidateBySource, errorsByClass, isTinyRequest, parseRequestFile, sourceOfCase, TINY_TOKENS, type CvResult } from '../../bench/fit/fit-requests';
import { estimateDocument } from '../../src/core/analyze';
import { guessTokenizer } from '../../src/core/models/model-ids';
import { analyzeOptions, parseOk } from '../support/docs';
import type { CountBody } from '../../src/core/types';

const fixtures = path.join(__dirname, '..', 'fixtures');
const samples = parseSampleFile(JSON.parse(readFileSync(path.join(fixtures, 'claude-count-samples.json'), 'utf8')));
const cases = parseRequestFile(JSON.parse(readFileSync(path.join(fixtures, 'claude-count-requests.json'), 'utf8')));

/** Issue #13's target per class: MAE within 10%, bias within 5%; requests of at most TINY_TOKENS (30) tokens within 2 tokens. */
const TARGET = { mae: 0.1, bias: 0.05 };

/**
 * Classes that miss the target, with the bound they are held to instead (what they reach now plus
 * a small margin, so a regression fails). Why each misses: bench/RESULTS.md and the estimator README.
 */
const KNOWN_MISSES: Record<string, { mae?: number; bias?: number; why: string }> = {
  'text|claude-4|emoji-math': { bias: 0.1, why: 'two texts; held out, the emoji text is priced by the prior alone, the maths text is under by 13%' },
  'request|claude-4|req-media': { bias: 0.1, why: 'one 57-token text document costs 37 tokens of wrapper, the other cases show ~10' },
  'request|claude-4|req-text': { mae: 0.18, bias: 0.18, why: 'one request of 41 tokens that opens with an assistant turn, 7 tokens under (the other, 8 tokens, is tiny)' },
  'request|claude-4.7|req-tool-loop': { mae: 0.45, bias: 0.45, why: 'the only tool request of the newer tokenizer: held out, its tool prompt is the 4.5-4.6 figure (+40%)' },
};

describe('estimator: cross-validation by source (texts and whole requests)', function () {
  this.timeout(600_000);
  let results: CvResult[] = [];
  before(() => {
    results = crossValidateBySource(samples, cases);
  });

  it('holds every case of a source out together', () => {
    assert.equal(sourceOfCase('udhr_german_o47'), sourceOfCase('udhr_german'));
    assert.equal(sourceOfCase('img_256x256_s46'), sourceOfCase('img_256x256_o48'));
    assert.equal(sourceOfCase('pai_test_strict_true_tool_no_output_i1'), sourceOfCase('pai_test_strict_true_tool_no_output_i0'));
    assert.notEqual(sourceOfCase('udhr_german'), sourceOfCase('udhr_dutch'));
    assert.ok(results.length > 200, `${results.length} predictions`);
  });

  it('every class within 10% MAE and 5% bias, for both tokenizers (known misses held to their current level)', () => {
    const failures: string[] = [];
    for (const e of errorsByClass(results)) {
      if (e.cls === 'random') continue;
      const key = `${e.kind}|${e.family}|${e.cls}`;
      const bound = { mae: KNOWN_MISSES[key]?.mae ?? TARGET.mae, bias: KNOWN_MISSES[key]?.bias ?? TARGET.bias };
      if (e.mae > bound.mae || Math.abs(e.bias) > bound.bias) {
        failures.push(`${key}: MAE ${(e.mae * 100).toFixed(1)}% (bound ${bound.mae * 100}%), bias ${(e.bias * 100).toFixed(1)}% (bound ${bound.bias * 100}%)`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('the classes of issue #13 are all scored, for both tokenizers where the data has them', () => {
    const keys = new Set(errorsByClass(results).map((e) => `${e.kind}|${e.family}|${e.cls}`));
    for (const family of ['claude-4', 'claude-4.7']) {
      for (const cls of ['english', 'code', 'cyrillic', 'cjk', 'other-scripts', 'latin-non-english']) assert.ok(keys.has(`text|${family}|${cls}`), `${family} ${cls}`);
      for (const cls of ['image', 'pdf']) assert.ok(keys.has(`request|${family}|${cls}`), `${family} ${cls}`);
    }
    for (const cls of ['req-tools', 'req-tool-loop', 'req-thinking/output', 'req-media']) assert.ok(keys.has(`request|claude-4|${cls}`), cls);
  });

  it(`tiny requests (at most ${TINY_TOKENS} tokens) within 2 tokens, and only they are left out of the classes`, () => {
    const tiny = results.filter(isTinyRequest);
    assert.ok(tiny.length >= 4, `${tiny.length} tiny requests`);
    for (const r of tiny) assert.ok(Math.abs(r.predicted - r.actual) <= 2, `${r.name}: ${r.predicted} vs ${r.actual}`);
    const scored = errorsByClass(results).reduce((n, e) => n + e.n, 0);
    assert.equal(scored + tiny.length, results.length);
  });
});

describe('estimator: per-model numbers (models.json estimator section)', () => {
  it('maps model ids to generations by version; an id without a version is the newest', () => {
    assert.equal(generationOf('claude-sonnet-4-0'), 'claude-4.0');
    assert.equal(generationOf('claude-3-5-sonnet-20241022'), 'claude-4.0');
    assert.equal(generationOf('claude-sonnet-4-5-20250929'), 'claude-4.5');
    assert.equal(generationOf('claude-opus-4-6'), 'claude-4.5');
    assert.equal(generationOf('claude-opus-4-7'), 'claude-4.7');
    assert.equal(generationOf('claude-opus-4-8'), 'claude-4.8');
    assert.equal(generationOf('claude-opus-5'), 'claude-4.8');
    assert.equal(generationOf('claude-next'), 'claude-4.8');
  });

  it('Claude 4.0 keeps about the documented 346/313 tool prompt; 4.5-4.6 pay more, as measured', () => {
    const old = modelParams('claude-sonnet-4-0');
    assert.ok(Math.abs(old.toolPromptAuto - 346) <= 20 && Math.abs(old.toolPromptForced - 313) <= 20, `${old.toolPromptAuto}/${old.toolPromptForced}`);
    for (const id of ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-sonnet-4-6', 'claude-opus-4-6']) {
      const p = modelParams(id);
      assert.ok(p.toolPromptAuto - old.toolPromptAuto > 80, `${id} auto ${p.toolPromptAuto}`);
      assert.ok(p.toolPromptForced - old.toolPromptForced > 200, `${id} forced ${p.toolPromptForced}`);
      assert.ok(p.thinkingEnabled >= 20 && p.thinkingEnabled <= 40, `${id} thinking ${p.thinkingEnabled}`);
      assert.ok(p.outputFormat >= 150 && p.outputFormat <= 250, `${id} structured output ${p.outputFormat}`);
    }
  });

  it('framing differs by model within a tokenizer: one "a" is 7 on Opus 4.8, 12 on Opus 4.7', () => {
    const a = (model: string) => estimateRequest({ model, messages: [{ role: 'user', content: 'a' }] } as CountBody, guessTokenizer(model)).total;
    assert.ok(Math.abs(a('claude-opus-4-8') - 7) <= 1, `Opus 4.8: ${a('claude-opus-4-8')}`);
    assert.ok(Math.abs(a('claude-opus-4-7') - 12) <= 1, `Opus 4.7: ${a('claude-opus-4-7')}`);
  });

  it('an unknown model is estimated with its own generation: claude-sonnet-4-0 prices the documented example at 14', () => {
    const body = { model: 'claude-sonnet-4-0', system: 'You are a scientist', messages: [{ role: 'user', content: 'Hello, Claude' }] } as CountBody;
    assert.equal(guessTokenizer('claude-sonnet-4-0'), 'claude-4');
    const b = estimateRequest(body, guessTokenizer('claude-sonnet-4-0'));
    assert.ok(Math.abs(b.total - 14) <= 1, `${b.total}`);
  });

  it('the analysis of a model missing from the table uses the family its version implies (was the newest: 22, not 14)', () => {
    const a = estimateDocument(parseOk({ model: 'claude-sonnet-4-0', system: 'You are a scientist', messages: [{ role: 'user', content: 'Hello, Claude' }] }), analyzeOptions());
    assert.equal(a.model, undefined, 'not in the table');
    assert.equal(a.family, 'claude-4');
    assert.ok(Math.abs(a.total.tokens - 14) <= 1, `${a.total.tokens}`);
  });

  it('a body naming a model of the other tokenizer (a model override) is estimated with the family\'s reference model', () => {
    const body = { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'a' }], tools: [{ name: 't', input_schema: { type: 'object' } }] } as unknown as CountBody;
    assert.equal(estimateRequest(body, 'claude-4').toolOverhead, modelParams('claude-sonnet-4-6').toolPromptAuto);
    assert.equal(estimateRequest(body, 'claude-4.7').toolOverhead, modelParams(undefined, 'claude-4.7').toolPromptAuto);
    assert.equal(estimateRequest(body, 'claude-4.7', 'claude-opus-4-8').framing, modelParams('claude-opus-4-8').framingFixed, 'an explicit model wins');
  });

  it('an assistant prefill pays less framing than another message, and says so', () => {
    const p = modelParams('claude-sonnet-4-6');
    const user = estimateRequest({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }, { role: 'user', content: 'Sure' }] } as CountBody, 'claude-4');
    const prefill = estimateRequest({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Sure' }] } as CountBody, 'claude-4');
    assert.ok(p.prefillCredit >= 3 && p.prefillCredit <= 5, `${p.prefillCredit}`);
    assert.equal(user.total - prefill.total, Math.min(p.prefillCredit, p.framingPerMessage));
    assert.ok(prefill.notes.some((n) => /prefill/.test(n) && /no measured case/.test(n)), prefill.notes.join(' | '));
  });

  it('names the hidden prompts it adds and whose measurements they are', () => {
    const body = {
      model: 'claude-sonnet-4-5',
      thinking: { type: 'enabled', budget_tokens: 2048 },
      output_config: { format: { type: 'json_schema', schema: { type: 'object' } } },
      tools: [{ name: 't', description: 'd', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'hi' }],
    } as unknown as CountBody;
    const p = modelParams('claude-sonnet-4-5');
    const b = estimateRequest(body, 'claude-4');
    assert.equal(b.toolOverhead, p.toolPromptForced);
    assert.equal(b.hiddenPrompts, p.thinkingEnabled + p.outputFormat);
    const note = b.notes.find((n) => n.startsWith('Hidden prompts added'));
    assert.ok(note, b.notes.join(' | '));
    assert.match(note, /tool use \d+ \(tool_choice any\/tool; Claude 4\.5-4\.6/);
    assert.match(note, /enabled thinking \d+/);
    assert.match(note, /structured output \d+/);
  });

  it('a value a generation lacks falls back to the older generation, and the notes say so', () => {
    const table = {
      generations: {
        'claude-4.5': { toolPromptAuto: 500, toolPromptForced: 600, framingFixed: 1, framingPerMessage: 7 },
        'claude-4.8': { framingFixed: 3, framingPerMessage: 3 },
      },
      models: { 'claude-opus-4-8': { toolPromptAuto: 400 } },
    };
    withEstimatorTable(table, () => {
      const p = modelParams('claude-opus-5');
      assert.equal(p.generation, 'claude-4.8');
      assert.equal(p.framingFixed, 3);
      assert.equal(p.toolPromptAuto, 500);
      assert.match(p.origin.toolPromptAuto!, /claude-4\.5 \(fallback\)/);
      assert.equal(modelParams('claude-opus-4-8').toolPromptAuto, 400, 'a model entry wins over its generation');
      assert.match(modelParams('claude-opus-4-8').origin.toolPromptAuto!, /^model claude-opus-4-8$/);
      const b = estimateRequest({ model: 'claude-opus-5', messages: [{ role: 'user', content: 'x' }], tools: [{ name: 't', input_schema: { type: 'object' } }] } as unknown as CountBody, 'claude-4.7');
      assert.ok(b.notes.some((n) => /tool use 500 .*no measurement for Opus 4\.8 and later/.test(n)), b.notes.join(' | '));
    });
  });
});
