import { strict as assert } from 'node:assert';
import { analyzeDocument, estimateDocument, type Analysis } from '../../src/core/analyze';
import { DEFAULT_ROUTING, pickRoute, routeFor, routingMarkdown, validateRouting } from '../../src/core/decisions/routing';
import { estimateRequest } from '../../src/core/estimator';
import type { ParsedDocument } from '../../src/core/types';
import { fakeCount } from '../fake-api/server';
import { useFakeApi } from '../support/use-fake-api';
import { analyzeOptions, assertClose, fakeApiClient, parseOk, registry } from '../support/docs';

const M = 1_000_000;

describe('decisions: routing preview', () => {
  it('picks by threshold, inclusive, smallest matching rule first, then the fallback', () => {
    assert.deepEqual(pickRoute(0, DEFAULT_ROUTING), { kind: 'rule', index: 0, maxTokens: 1500, model: 'claude-haiku-4-5' });
    assert.deepEqual(pickRoute(1500, DEFAULT_ROUTING), { kind: 'rule', index: 0, maxTokens: 1500, model: 'claude-haiku-4-5' });
    assert.deepEqual(pickRoute(1501, DEFAULT_ROUTING), { kind: 'rule', index: 1, maxTokens: 8000, model: 'claude-sonnet-4-6' });
    assert.deepEqual(pickRoute(8000, DEFAULT_ROUTING), { kind: 'rule', index: 1, maxTokens: 8000, model: 'claude-sonnet-4-6' });
    assert.deepEqual(pickRoute(8001, DEFAULT_ROUTING), { kind: 'fallback', model: 'claude-opus-4-8' });
    // Rules listed out of order still pick the tightest one; the index is as listed.
    const unordered = { rules: [{ maxTokens: 8000, model: 'b' }, { maxTokens: 1500, model: 'a' }], fallback: 'c' };
    assert.deepEqual(pickRoute(1000, unordered), { kind: 'rule', index: 1, maxTokens: 1500, model: 'a' });
  });

  it('validates a routing setting: bad rules dropped with a finding, unknown models flagged', () => {
    const { config, findings } = validateRouting({ rules: [{ maxTokens: 1000, model: 'claude-haiku-4-5' }, { maxTokens: -1, model: 'x' }, { model: 'y' }, { maxTokens: 5, model: 'claude-nope' }], fallback: 'claude-opus-4-8' }, registry);
    assert.deepEqual(config, { rules: [{ maxTokens: 1000, model: 'claude-haiku-4-5' }, { maxTokens: 5, model: 'claude-nope' }], fallback: 'claude-opus-4-8' });
    assert.equal(findings.length, 3);
    assert.ok(findings.some((f) => /claude-nope/.test(f.message)));
    assert.deepEqual(validateRouting(42).config, { rules: DEFAULT_ROUTING.rules, fallback: DEFAULT_ROUTING.fallback });
  });

  describe('against the fake API', () => {
    const api = useFakeApi({ resetEachTest: false });

    async function analyze(doc: ParsedDocument): Promise<Analysis> {
      const c = fakeApiClient(api);
      const a = await analyzeDocument(doc, analyzeOptions(), c);
      assert.ok(a);
      return a;
    }

    it('routes a small Sonnet 4.6 payload to Haiku 4.5: same tokenizer, exact count, savings per request and per 1,000', async () => {
      const body = { system: 'Classify the ticket as billing, bug or other.', messages: [{ role: 'user', content: 'I was charged twice for March.' }] };
      const a = await analyze(parseOk({ model: 'claude-sonnet-4-6', max_tokens: 1024, ...body }));
      const N = fakeCount({ model: 'claude-sonnet-4-6', ...body });
      assert.ok(N <= 1500, 'fixture');
      const r = routeFor(a, DEFAULT_ROUTING, registry);
      assert.deepEqual(r.matched, { kind: 'rule', index: 0, maxTokens: 1500 });
      assert.equal(r.routed.modelId, 'claude-haiku-4-5-20251001');
      assert.deepEqual({ tokens: r.routed.tokens, exact: r.routed.exact }, { tokens: N, exact: true });
      assert.equal(r.sameTokenizer, true);
      // Sonnet 4.6 $3 / $15, Haiku 4.5 $1 / $5; max_tokens 1,024 on both.
      assertClose(r.savings.inputPerRequest, (N * 2) / M, 'input saved');
      assertClose(r.savings.perRequest, (N * 2 + 1024 * 10) / M, 'worst case saved');
      assertClose(r.savings.perRequests, ((N * 2 + 1024 * 10) * 1000) / M, 'per 1,000');
      assert.deepEqual(r.findings, []);
      const md = routingMarkdown(r);
      assert.match(md, /→ rule ≤1,500 tokens → \*\*Haiku 4\.5\*\*/);
      assert.match(md, /Routing saves \$[\d.]+ per request/);
    });

    it('routes a large Haiku payload to the Opus 4.8 fallback: scaled ≈ count on the newer tokenizer, and it costs more', async () => {
      const body = { messages: [{ role: 'user', content: 'Summarise this log.\n' + 'GET /api/orders 200 12ms\n'.repeat(1300) }] };
      const a = await analyze(parseOk({ model: 'claude-haiku-4-5', max_tokens: 2000, ...body }));
      const N = fakeCount({ model: 'claude-haiku-4-5', ...body });
      assert.ok(N > 8000, 'fixture');
      const r = routeFor(a, DEFAULT_ROUTING, registry);
      assert.deepEqual(r.matched, { kind: 'fallback' });
      assert.equal(r.routed.modelId, 'claude-opus-4-8');
      assert.equal(r.sameTokenizer, false);
      // Scaled like the model comparison: the estimator's ratio between the tokenizers on this body.
      const ratio = estimateRequest(a.doc.body, 'claude-4.7').total / estimateRequest(a.doc.body, 'claude-4').total;
      assert.deepEqual({ tokens: r.routed.tokens, exact: r.routed.exact }, { tokens: Math.round(N * ratio), exact: false });
      const opus = (r.routed.tokens * 5 + 2000 * 25) / M;
      const haiku = (N * 1 + 2000 * 5) / M;
      assertClose(r.savings.perRequest, haiku - opus, 'negative: routing costs more');
      assert.ok(r.savings.perRequest! < 0);
      assert.match(routingMarkdown(r), /costs ≈\$[\d.]+ more per request/);
      assert.match(routingMarkdown(r), /another tokenizer/);
    });
  });

  it('keeps the payload on its own model when the rule picks it, and warns what the routed model rejects', () => {
    const small = estimateDocument(parseOk({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Hi' }] }), analyzeOptions());
    const same = routeFor(small, DEFAULT_ROUTING, registry);
    assert.equal(same.sameModel, true);
    assertClose(same.savings.perRequest, 0, 'no change');
    assert.match(routingMarkdown(same), /nothing changes/);

    // Manual thinking is fine on Haiku 4.5 but rejected by Opus 4.8, where a big payload falls back to.
    const thinking = { type: 'enabled', budget_tokens: 2000 };
    const big = estimateDocument(parseOk({ model: 'claude-haiku-4-5', max_tokens: 4000, thinking, messages: [{ role: 'user', content: 'word '.repeat(12_000) }] }), analyzeOptions());
    const r = routeFor(big, DEFAULT_ROUTING, registry);
    assert.equal(r.routed.modelId, 'claude-opus-4-8');
    assert.ok(r.findings.some((f) => f.code === 'thinking-mode-unsupported'));

    const unknown = routeFor(small, { rules: [{ maxTokens: 10, model: 'claude-nope' }], fallback: 'claude-nope' }, registry);
    assert.ok(unknown.findings.some((f) => f.code === 'routing-unknown-model'));
    assert.equal(unknown.savings.perRequest, undefined);
  });

  it('checks the routed model with the request\'s interleaved-thinking beta, as the analysis does', () => {
    // A budget above max_tokens is only valid with interleaved thinking; mid-size routes Haiku to Sonnet.
    const request = { model: 'claude-haiku-4-5', max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 6000 }, messages: [{ role: 'user', content: 'word '.repeat(3_000) }] };
    const plain = routeFor(estimateDocument(parseOk(request), analyzeOptions()), DEFAULT_ROUTING, registry);
    assert.equal(plain.sameModel, false);
    assert.ok(plain.findings.some((f) => f.code === 'thinking-budget-exceeds-max-tokens'));
    const interleaved = routeFor(estimateDocument(parseOk({ ...request, betas: ['interleaved-thinking-2025-05-14'] }), analyzeOptions()), DEFAULT_ROUTING, registry);
    assert.equal(interleaved.routed.modelId, plain.routed.modelId);
    assert.ok(!interleaved.findings.some((f) => f.code === 'thinking-budget-exceeds-max-tokens'), JSON.stringify(interleaved.findings));
  });
});
