import { strict as assert } from 'node:assert';
import { CountingClient } from '../../src/core/client/counting-client';
import { estimateWithThinking, priceThinking, THINKING_BUDGET_PRESETS, thinkingTableMarkdown, type ThinkingEstimate, type ThinkingRow } from '../../src/core/decisions/thinking';
import { estimateRequest } from '../../src/core/estimator';
import { ModelRegistry } from '../../src/core/models/registry';
import { PLACEHOLDER_MESSAGE } from '../../src/core/payload';
import { fakeCount } from '../fake-api/server';
import { useFakeApi } from '../support/use-fake-api';
import { assertClose, fakeApiClient, parseOk } from '../support/docs';

const registry = ModelRegistry.bundled();
const M = 1_000_000;

function row(result: ThinkingEstimate | undefined, id: string): ThinkingRow {
  assert.ok(result);
  const r = result.rows.find((x) => x.modelId === id);
  assert.ok(r, `row ${id} in ${result.rows.map((x) => x.modelId).join(', ')}`);
  return r;
}

const request = {
  system: 'You are a careful analyst. Show your reasoning briefly, then answer.',
  messages: [{ role: 'user', content: 'Which of these three suppliers is cheapest over five years, counting maintenance?' }],
};

describe('decisions: thinking budget estimate', () => {
  describe('priceThinking (pure)', () => {
    it('prices input, thinking at the budget and the answer up to max_tokens at the base tier', () => {
      const sonnet = registry.resolve('claude-sonnet-4-6')!;
      // Sonnet 4.6: $3 in, $15 out. 10,000 in; 8,000 thinking; 16,000 - 8,000 = 8,000 answer.
      const c = priceThinking(sonnet, { inputTokens: 10_000, budget: 8000, maxTokens: 16_000 });
      assertClose(c.input, (10_000 * 3) / M, 'input'); // 0.03
      assertClose(c.thinking, (8000 * 15) / M, 'thinking'); // 0.12
      assertClose(c.output, (8000 * 15) / M, 'answer'); // 0.12
      assertClose(c.total, 0.27, 'total');
      assertClose(c.batch, 0.135, 'batch = half');
      assert.equal(c.longContext, false);
    });

    it('reprices every line, thinking included, when the prompt is over the long-context threshold', () => {
      const sonnet45 = registry.resolve('claude-sonnet-4-5')!;
      // Over 200,000 prompt tokens: $6 in, $22.50 out for the whole request.
      const long = priceThinking(sonnet45, { inputTokens: 250_000, budget: 8000, maxTokens: 16_000 });
      assert.equal(long.longContext, true);
      assertClose(long.input, 1.5, 'input 250,000 × $6');
      assertClose(long.thinking, 0.18, 'thinking 8,000 × $22.50');
      assertClose(long.output, 0.18, 'answer 8,000 × $22.50');
      assertClose(long.total, 1.86, 'total');
      assertClose(long.batch, 0.93, 'batch');
      // At the threshold itself the base prices hold: 200,000 × $3 + 16,000 × $15.
      const at = priceThinking(sonnet45, { inputTokens: 200_000, budget: 8000, maxTokens: 16_000 });
      assert.equal(at.longContext, false);
      assertClose(at.total, 0.6 + 0.24, 'base tier total');
    });

    it('caps thinking at max_tokens (interleaved budgets above max_tokens)', () => {
      const haiku = registry.resolve('claude-haiku-4-5')!;
      const c = priceThinking(haiku, { inputTokens: 1000, budget: 32_000, maxTokens: 8000 });
      assertClose(c.thinking, (8000 * 5) / M, 'thinking capped at max_tokens');
      assertClose(c.output, 0, 'no room for an answer');
    });

    it('has the documented presets', () => {
      assert.deepEqual([...THINKING_BUDGET_PRESETS], [1024, 2000, 4000, 8000, 16000, 32000]);
    });
  });

  describe('estimateWithThinking against the fake API', () => {
    const api = useFakeApi();

    function client(): CountingClient {
      return fakeApiClient(api, { maxAttempts: 1 });
    }

    it('counts input exactly with the thinking setting (fake: +13) once per tokenizer, and applies each model\'s rules', async () => {
      const doc = parseOk({ model: 'claude-sonnet-4-6', max_tokens: 16_000, ...request });
      const models = ['claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-opus-4-8', 'claude-sonnet-5', 'claude-opus-5-5'];
      const result = await estimateWithThinking(doc, { budget: 4000, models, registry, client: client() });
      assert.ok(result);
      const N = fakeCount({ model: 'claude-sonnet-4-6', ...request, thinking: { type: 'enabled', budget_tokens: 4000 } });
      assert.equal(N, fakeCount({ model: 'claude-sonnet-4-6', ...request }) + 13, 'fixture: the fake adds 13 for enabled thinking');

      const sonnet = row(result, 'claude-sonnet-4-6');
      assert.equal(sonnet.status, 'ok');
      assert.deepEqual({ tokens: sonnet.inputTokens?.tokens, exact: sonnet.inputTokens?.exact }, { tokens: N, exact: true });
      assert.equal(sonnet.maxTokens, 16_000);
      assert.equal(sonnet.thinkingTokens, 4000);
      assert.equal(sonnet.answerTokens, 12_000);
      assertClose(sonnet.perRequest?.input, (N * 3) / M, 'sonnet input');
      assertClose(sonnet.perRequest?.thinking, 0.06, 'sonnet thinking 4,000 × $15');
      assertClose(sonnet.perRequest?.output, 0.18, 'sonnet answer 12,000 × $15');
      assertClose(sonnet.perRequest?.total, (N * 3) / M + 0.24, 'sonnet worst case');
      assertClose(sonnet.perRequest?.batch, ((N * 3) / M + 0.24) / 2, 'sonnet batch');
      assertClose(sonnet.perRequests?.total, ((N * 3) / M + 0.24) * 1000, 'sonnet × 1,000');
      assertClose(sonnet.perRequests?.batch, ((N * 3) / M + 0.24) * 500, 'sonnet batch × 1,000');

      // Haiku 4.5 shares the tokenizer, so the count: $1 in, $5 out.
      const haiku = row(result, 'claude-haiku-4-5-20251001');
      assert.equal(haiku.inputTokens?.tokens, N);
      assertClose(haiku.perRequest?.total, N / M + (16_000 * 5) / M, 'haiku worst case');

      // Opus 4.8 and Sonnet 5 reject manual thinking; Opus 5.5 also always thinks.
      for (const id of ['claude-opus-4-8', 'claude-sonnet-5', 'claude-opus-5-5']) {
        const r = row(result, id);
        assert.equal(r.status, 'unsupported', id);
        assert.match(r.reason ?? '', /rejects manual thinking/, id);
        assert.equal(r.perRequest, undefined, `${id} is not priced`);
        assert.equal(r.inputTokens, undefined);
      }
      assert.match(row(result, 'claude-opus-5-5').reason ?? '', /cannot turn thinking off/);
      assert.doesNotMatch(row(result, 'claude-opus-4-8').reason ?? '', /cannot turn thinking off/);

      assert.equal(result.exact, 'all');
      assert.equal(api.countCalls(), 1, 'one call: the claude-4 family; no call for models that cannot be priced');
      const sent = api.requests[0]!.body as { thinking?: unknown; max_tokens?: unknown };
      assert.deepEqual(sent.thinking, { type: 'enabled', budget_tokens: 4000 });
      assert.equal(sent.max_tokens, undefined);

      const md = thinkingTableMarkdown(result);
      assert.match(md.split('\n')[0]!, /Thinking budget 4,000 tokens.*max_tokens 16,000 \(from the request\).*input tokens exact \(count_tokens\)/);
      assert.match(md, /\| Sonnet 4\.6 \| [\d,]+ \| 16,000 \|/);
      assert.match(md, /\| Opus 4\.8 \| not supported \|/);
      assert.match(md, /- Opus 5\.5 \(claude-opus-5-5\) rejects manual thinking.*cannot turn thinking off/);
      assert.equal(md.split('\n').filter((l) => l.startsWith('|')).length, 2 + 5, 'header, rule, one row per model');
    });

    it('counts a system-prompt file as what it adds: fake(system + placeholder + thinking) - fake(placeholder)', async () => {
      const text = '---\nrole: system\n---\nYou review pull requests for security problems and explain each finding.\n';
      const doc = parseOk(text, 'prompts/reviewer.prompt.md');
      assert.equal(doc.placeholder, true);
      const result = await estimateWithThinking(doc, { budget: 2000, models: ['claude-sonnet-4-6'], registry, client: client() });
      const expected =
        fakeCount({ model: 'claude-sonnet-4-6', system: doc.body.system, messages: [PLACEHOLDER_MESSAGE], thinking: { type: 'enabled', budget_tokens: 2000 } }) -
        fakeCount({ model: 'claude-sonnet-4-6', messages: [PLACEHOLDER_MESSAGE] });
      const r = row(result, 'claude-sonnet-4-6');
      assert.equal(r.inputTokens?.tokens, expected);
      assert.equal(r.inputTokens?.exact, true);
      // No max_tokens in a prompt file: budget + 4,096 assumed.
      assert.equal(result!.maxTokensOrigin, 'assumed');
      assert.equal(result!.maxTokens, 2000 + 4096);
      assert.ok(result!.findings.some((f) => f.code === 'max-tokens-assumed'));
    });

    it('prices the long-context tier from an exact count over 200,000 tokens', async () => {
      // 630,000 ASCII bytes = 210,000 fake units; + 5 base + 4 message + 13 thinking = 210,022.
      const big = { messages: [{ role: 'user', content: 'x'.repeat(630_000) }] };
      const doc = parseOk({ model: 'claude-sonnet-4-5', max_tokens: 16_000, ...big });
      const result = await estimateWithThinking(doc, { budget: 8000, models: ['claude-sonnet-4-5', 'claude-sonnet-4-6'], registry, client: client() });
      const s45 = row(result, 'claude-sonnet-4-5-20250929');
      assert.equal(s45.inputTokens?.tokens, 210_022);
      assert.equal(s45.perRequest?.longContext, true);
      assertClose(s45.perRequest?.input, (210_022 * 6) / M, 'long-context input');
      assertClose(s45.perRequest?.thinking, (8000 * 22.5) / M, 'long-context thinking');
      assertClose(s45.perRequest?.total, (210_022 * 6 + 16_000 * 22.5) / M, 'long-context worst case');
      // Sonnet 4.6 has no long-context tier in the table: base prices, same count.
      const s46 = row(result, 'claude-sonnet-4-6');
      assert.equal(s46.perRequest?.longContext, false);
      assertClose(s46.perRequest?.total, (210_022 * 3 + 16_000 * 15) / M, 'base worst case');
      assert.match(thinkingTableMarkdown(result!), /\| Sonnet 4\.5 † \|/);
      assert.match(thinkingTableMarkdown(result!), /† long-context prices/);
    });
  });

  describe('estimateWithThinking rules without an API', () => {
    const doc = parseOk({ model: 'claude-sonnet-4-6', max_tokens: 4096, ...request });

    it('raises a max_tokens too small for the budget to the smallest that works, and prices that', async () => {
      const result = await estimateWithThinking(doc, { budget: 8000, models: ['claude-sonnet-4-6'], registry });
      const r = row(result, 'claude-sonnet-4-6');
      assert.equal(r.status, 'adjusted');
      assert.equal(r.minMaxTokens, 8001);
      assert.deepEqual({ kind: r.adjustment?.kind, from: r.adjustment?.from, to: r.adjustment?.to, suggested: r.adjustment?.suggested }, { kind: 'raised-for-budget', from: 4096, to: 8001, suggested: 12_096 });
      assert.equal(r.thinkingTokens, 8000);
      assert.equal(r.answerTokens, 1);
      assert.ok(r.findings.some((f) => f.code === 'thinking-budget-exceeds-max-tokens'));
      const N = r.inputTokens!.tokens;
      assertClose(r.perRequest?.total, (N * 3 + 8001 * 15) / M, 'priced at 8,001 max_tokens');
      assert.match(thinkingTableMarkdown(result!), /8,001 \*/);
    });

    it('lets an interleaved budget exceed max_tokens, thinking capped by max_tokens per request', async () => {
      const result = await estimateWithThinking(doc, { budget: 8000, models: ['claude-sonnet-4-6'], registry, interleaved: true });
      const r = row(result, 'claude-sonnet-4-6');
      assert.equal(r.status, 'ok');
      assert.equal(r.maxTokens, 4096);
      assert.equal(r.thinkingTokens, 4096);
      assert.equal(r.answerTokens, 0);
    });

    it('lowers max_tokens to the model\'s output limit, and refuses a budget the limit cannot hold', async () => {
      const big = parseOk({ model: 'claude-sonnet-4-6', max_tokens: 100_000, ...request });
      const result = await estimateWithThinking(big, { budget: 32_000, models: ['claude-sonnet-4-6', 'claude-haiku-4-5'], registry });
      assert.equal(row(result, 'claude-sonnet-4-6').status, 'ok', 'Sonnet 4.6 allows 128,000');
      const haiku = row(result, 'claude-haiku-4-5-20251001');
      assert.equal(haiku.status, 'adjusted');
      assert.deepEqual({ kind: haiku.adjustment?.kind, to: haiku.adjustment?.to }, { kind: 'lowered-to-model-limit', to: 64_000 });
      assert.equal(haiku.answerTokens, 64_000 - 32_000);

      const tooBig = await estimateWithThinking(big, { budget: 64_000, models: ['claude-haiku-4-5'], registry });
      const h = row(tooBig, 'claude-haiku-4-5-20251001');
      assert.equal(h.status, 'unsupported');
      assert.match(h.reason ?? '', /at most 64,000 output tokens/);
    });

    it('prices nothing for a budget below 1,024, and names unknown models', async () => {
      const result = await estimateWithThinking(doc, { budget: 1000, models: ['claude-sonnet-4-6', 'claude-sonet-4-6'], registry });
      assert.ok(result);
      assert.equal(row(result, 'claude-sonnet-4-6').status, 'invalid-budget');
      assert.match(row(result, 'claude-sonnet-4-6').reason ?? '', /minimum is 1,024/);
      const unknown = row(result, 'claude-sonet-4-6');
      assert.equal(unknown.status, 'unknown-model');
      assert.match(unknown.reason ?? '', /claude-sonnet-4-6/);
      assert.ok(result.findings.some((f) => f.code === 'thinking-budget-invalid'));
      assert.ok(result.rows.every((r) => r.perRequest === undefined));
    });

    it('says the input is an estimate, and why, without a client', async () => {
      const d = parseOk({ model: 'claude-sonnet-4-6', max_tokens: 16_000, ...request });
      const result = await estimateWithThinking(d, { budget: 1024, models: ['claude-sonnet-4-6', 'claude-haiku-4-5'], registry });
      assert.ok(result);
      assert.equal(result.exact, 'none');
      const r = row(result, 'claude-sonnet-4-6');
      assert.deepEqual({ exact: r.inputTokens?.exact, reason: r.inputTokens?.reason }, { exact: false, reason: 'offline' });
      assert.equal(r.inputTokens?.tokens, estimateRequest({ ...d.body, thinking: { type: 'enabled', budget_tokens: 1024 } }, 'claude-4').total);
      const md = thinkingTableMarkdown(result);
      assert.match(md.split('\n')[0]!, /input tokens ≈ estimated \(offline mode\)/);
      assert.match(md, /\| Sonnet 4\.6 \| ≈[\d,]+ \|/);
    });

    it('resolves to undefined when aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      assert.equal(await estimateWithThinking(doc, { budget: 2000, models: ['claude-sonnet-4-6'], registry, signal: controller.signal }), undefined);
    });
  });
});
