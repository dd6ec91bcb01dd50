import { strict as assert } from 'node:assert';
import { formatUSD } from '../../src/core/format';
import { cachedRequestCost } from '../../src/core/models/cache-pricing';
import { costOf } from '../../src/core/models/cost';
import { cacheBreakpoints, checkCacheBreakpoints, prefixBody, type Breakpoint } from '../../src/core/payload/cache-breakpoints';
import { ModelRegistry } from '../../src/core/models/registry';
import type { ModelInfo } from '../../src/core/models/types';
import type { CountBody, Json } from '../../src/core/types';

const registry = ModelRegistry.bundled();
const M = 1_000_000;

function model(id: string, reg: ModelRegistry = registry): ModelInfo {
  const m = reg.resolve(id);
  assert.ok(m, id);
  return m;
}

/** Prices from shared/reference/anthropic-api.md, USD per million tokens. */
const SONNET_46 = { input: 3, write5m: 3.75, write1h: 6, read: 0.3, output: 15 };
const SONNET_45_LONG = { input: 6, output: 22.5 };
const HAIKU_45 = { input: 1, write5m: 1.25, read: 0.1, output: 5 };
const HAIKU_55 = { input: 0.1, output: 0.5, longInput: 0.5, longOutput: 2.5, longRead: 0.05 };

function close(actual: number | undefined, expected: number, message?: string): void {
  assert.ok(actual !== undefined, message ?? 'expected a number, got undefined');
  assert.ok(Math.abs(actual - expected) < 1e-12, `${message ?? ''} ${actual} != ${expected}`);
}

describe('costOf', () => {
  it('prices input and output: 10,000 input tokens on Sonnet 4.6 at $3/M = $0.03', () => {
    const c = costOf(model('claude-sonnet-4-6'), { inputTokens: 10_000, outputTokens: 2_000 });
    close(c.input, (10_000 * SONNET_46.input) / M); // 0.03
    close(c.output, (2_000 * SONNET_46.output) / M); // 0.03
    close(c.total, 0.03 + 0.03);
    close(c.batchTotal, (0.03 + 0.03) * 0.5, 'what the Batch API would charge');
    assert.equal(c.longContext, false);
    assert.equal(c.batch, false);
    assert.deepEqual(c.unknown, []);
    assert.equal(c.promptTokens, 10_000);
  });

  it('adds uncached input, cache writes and cache reads, each at its own price', () => {
    const c = costOf(model('claude-sonnet-4-6'), {
      inputTokens: 1_000,
      cacheWrite5mTokens: 2_000,
      cacheWrite1hTokens: 3_000,
      cacheReadTokens: 4_000,
      outputTokens: 500,
    });
    const input = (1_000 * SONNET_46.input) / M; // 0.003
    const w5 = (2_000 * SONNET_46.write5m) / M; // 0.0075
    const w1 = (3_000 * SONNET_46.write1h) / M; // 0.018
    const read = (4_000 * SONNET_46.read) / M; // 0.0012
    const output = (500 * SONNET_46.output) / M; // 0.0075
    close(c.input, input);
    close(c.cacheWrite5m, w5);
    close(c.cacheWrite1h, w1);
    close(c.cacheWrite, w5 + w1);
    close(c.cacheRead, read);
    close(c.output, output);
    close(c.total, input + w5 + w1 + read + output); // 0.0372
    assert.equal(c.promptTokens, 1_000 + 2_000 + 3_000 + 4_000);
  });

  it('Sonnet 4.5 long-context tier: 199,999 and 200,000 tokens at $3/M, 200,001 at $6/M on the whole request', () => {
    const sonnet45 = model('claude-sonnet-4-5');
    const below = costOf(sonnet45, { inputTokens: 199_999, outputTokens: 1_000 });
    assert.equal(below.longContext, false);
    close(below.total, (199_999 * 3) / M + (1_000 * 15) / M);
    assert.equal(costOf(sonnet45, { inputTokens: 200_000 }).longContext, false, 'the tier starts above the threshold');
    const above = costOf(sonnet45, { inputTokens: 200_001, outputTokens: 1_000 });
    assert.equal(above.longContext, true);
    close(above.input, (200_001 * SONNET_45_LONG.input) / M); // 1.200006
    close(above.output, (1_000 * SONNET_45_LONG.output) / M, 'output is also at the long-context price'); // 0.0225
    assert.equal(above.rates.input, 6);
  });

  it('chooses the tier by the TOTAL prompt, cache reads and writes included', () => {
    const c = costOf(model('claude-sonnet-4-5'), { inputTokens: 100_000, cacheReadTokens: 100_001 });
    assert.equal(c.promptTokens, 200_001);
    assert.equal(c.longContext, true);
    close(c.input, (100_000 * 6) / M);
    close(c.cacheRead, (100_001 * 0.6) / M); // derived long-context cache read: 0.1 x 6
  });

  it('Haiku 5.5 switches band above 100,000 prompt tokens', () => {
    const haiku = model('claude-haiku-5-5');
    const at = costOf(haiku, { inputTokens: 100_000, outputTokens: 1_000 });
    assert.equal(at.longContext, false);
    close(at.total, (100_000 * HAIKU_55.input) / M + (1_000 * HAIKU_55.output) / M); // 0.01 + 0.0005
    const over = costOf(haiku, { inputTokens: 60_000, cacheReadTokens: 40_001, outputTokens: 1_000 });
    assert.equal(over.longContext, true);
    close(
      over.total,
      (60_000 * HAIKU_55.longInput) / M + (40_001 * HAIKU_55.longRead) / M + (1_000 * HAIKU_55.longOutput) / M,
    );
  });

  it('batch: 50% off every line', () => {
    const c = costOf(model('claude-sonnet-4-6'), { inputTokens: 10_000, cacheReadTokens: 10_000, outputTokens: 1_000 }, { batch: true });
    assert.equal(c.batch, true);
    close(c.input, ((10_000 * 3) / M) * 0.5); // 0.015
    close(c.cacheRead, ((10_000 * 0.3) / M) * 0.5); // 0.0015
    close(c.output, ((1_000 * 15) / M) * 0.5); // 0.0075
    close(c.total, 0.015 + 0.0015 + 0.0075);
    close(c.batchTotal, 0.015 + 0.0015 + 0.0075, 'already batch-priced');
    assert.equal(c.rates.input, 1.5);
  });

  it('a missing price makes the line and the total unknown, never $0', () => {
    const { registry: r } = registry.withOverrides([{ id: 'claude-haiku-4-5', prices: { cacheRead: null } }]);
    const haiku = model('claude-haiku-4-5', r);
    const c = costOf(haiku, { inputTokens: 1_000, cacheReadTokens: 100 });
    assert.equal(c.cacheRead, undefined);
    assert.equal(c.total, undefined);
    assert.equal(c.batchTotal, undefined);
    assert.deepEqual(c.unknown, ['prices.cacheRead']);
    close(c.input, (1_000 * HAIKU_45.input) / M, 'known lines are still priced');
    assert.equal(formatUSD(c.total), 'price unknown');
    const noReads = costOf(haiku, { inputTokens: 1_000, cacheReadTokens: 0 });
    close(noReads.total, (1_000 * HAIKU_45.input) / M, 'zero tokens of an unpriced line cost nothing');
  });

  it('a model with no prices at all has an unknown total', () => {
    const { registry: r } = registry.withOverrides([{ id: 'claude-someday-9' }]);
    const c = costOf(model('claude-someday-9', r), { inputTokens: 5_000, outputTokens: 100 });
    assert.equal(c.total, undefined);
    assert.notEqual(c.total, 0);
    assert.deepEqual(c.unknown, ['prices.input', 'prices.output']);
  });

  it('a missing long-context price does not fall back to the base price', () => {
    const { registry: r } = registry.withOverrides([{ id: 'claude-sonnet-4-5', longContext: { prices: { output: null } } }]);
    const c = costOf(model('claude-sonnet-4-5', r), { inputTokens: 200_001, outputTokens: 10 });
    assert.equal(c.output, undefined);
    assert.equal(c.total, undefined);
    assert.deepEqual(c.unknown, ['longContext.prices.output']);
    close(costOf(model('claude-sonnet-4-5', r), { inputTokens: 200_000, outputTokens: 10 }).total, (200_000 * 3) / M + (10 * 15) / M);
  });

  it('rejects negative or non-finite token counts', () => {
    assert.throws(() => costOf(model('claude-sonnet-4-6'), { inputTokens: -1 }), RangeError);
    assert.throws(() => costOf(model('claude-sonnet-4-6'), { inputTokens: 1, outputTokens: Number.NaN }), RangeError);
  });
});

describe('formatUSD', () => {
  const cases: [number | undefined, string][] = [
    [undefined, 'price unknown'],
    [Number.NaN, 'price unknown'],
    [0, '$0.00'],
    [0.000042, '$0.000042'],
    [0.0000423, '$0.000042'],
    [0.000001, '$0.000001'],
    [0.0000001, '<$0.000001'],
    [0.0371, '$0.037'],
    [0.03, '$0.03'],
    [0.123, '$0.12'],
    [0.5, '$0.50'],
    [0.1, '$0.10'],
    [0.00999, '$0.01'],
    [0.999, '$1.00'],
    [1, '$1.00'],
    [12.3456, '$12.35'],
    [1234.567, '$1,234.57'],
    [1_000_000, '$1,000,000.00'],
    [-0.0371, '-$0.037'],
    [-12.3456, '-$12.35'],
  ];
  for (const [amount, text] of cases) {
    it(`${String(amount)} -> ${text}`, () => assert.equal(formatUSD(amount), text));
  }
});

describe('cacheBreakpoints and prefixBody', () => {
  const tools: Json[] = [
    { name: 'search', description: 'Search', input_schema: { type: 'object' } },
    { name: 'fetch', description: 'Fetch', input_schema: { type: 'object' }, cache_control: { type: 'ephemeral', ttl: '1h' } },
    { name: 'late', description: 'After the breakpoint', input_schema: { type: 'object' } },
  ];
  const system: Json = [
    { type: 'text', text: 'S1' },
    { type: 'text', text: 'S2', cache_control: { type: 'ephemeral' } },
    { type: 'text', text: 'S3' },
  ];
  const messages: Json[] = [
    { role: 'user', content: [{ type: 'text', text: 'U1', cache_control: { type: 'ephemeral', ttl: '5m' } }, { type: 'text', text: 'U1b' }] },
    { role: 'assistant', content: 'A1' },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'R1', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'R2' }] },
        { type: 'text', text: 'U2' },
      ],
    },
  ];
  // Keys deliberately out of prompt order: messages first.
  const body: CountBody = {
    messages,
    system,
    tools,
    tool_choice: { type: 'auto' },
    thinking: { type: 'enabled', budget_tokens: 2048 },
    cache_control: { type: 'ephemeral' },
  };
  const snapshot = JSON.stringify(body);

  it('lists breakpoints in prompt order tools -> system -> messages -> top level, with ttl and labels', () => {
    const bps = cacheBreakpoints(body);
    assert.deepEqual(
      bps.map((b) => [b.index, b.location, b.ttl, b.label]),
      [
        [0, 'tools', '1h', 'tool fetch'],
        [1, 'system', '5m', 'system block 2'],
        [2, 'messages', '5m', 'user #1, block 1 (text)'],
        [3, 'messages', '5m', 'user #3, block 1 (tool_result) item 1 (text)'],
        [4, 'request', '5m', 'request (automatic caching: up to the last block)'],
      ],
    );
    assert.deepEqual(bps[3]!.path, ['messages', 2, 'content', 0, 'content', 0]);
    assert.deepEqual(bps[4]!.path, []);
  });

  it('more than 4 breakpoints is a finding', () => {
    const findings = checkCacheBreakpoints(cacheBreakpoints(body));
    assert.deepEqual(findings.map((f) => f.code), ['too-many-cache-breakpoints']);
    assert.equal(findings[0]!.severity, 'error');
    assert.match(findings[0]!.message, /5 cache_control breakpoints/);
    assert.deepEqual(checkCacheBreakpoints(cacheBreakpoints(body).slice(0, 4)), []);
  });

  it('a tools prefix holds the tools up to and including the breakpoint tool, nothing else', () => {
    const p = prefixBody(body, cacheBreakpoints(body)[0]!);
    assert.deepEqual(p.tools, [tools[0], tools[1]]);
    assert.equal(p.system, undefined);
    assert.deepEqual(p.messages, []);
    assert.deepEqual(p.tool_choice, { type: 'auto' });
    assert.deepEqual(p.thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.equal(p.cache_control, undefined);
  });

  it('a system prefix holds all tools and the system blocks up to and including the breakpoint', () => {
    const p = prefixBody(body, cacheBreakpoints(body)[1]!);
    assert.deepEqual(p.tools, tools);
    assert.deepEqual(p.system, [(system as Json[])[0], (system as Json[])[1]]);
    assert.deepEqual(p.messages, []);
  });

  it('a message prefix ends with the breakpoint block itself', () => {
    const p = prefixBody(body, cacheBreakpoints(body)[2]!);
    assert.deepEqual(p.tools, tools);
    assert.deepEqual(p.system, system);
    assert.deepEqual(p.messages, [{ role: 'user', content: [{ type: 'text', text: 'U1', cache_control: { type: 'ephemeral', ttl: '5m' } }] }]);
  });

  it('a breakpoint nested in a tool_result cuts inside the tool_result', () => {
    const p = prefixBody(body, cacheBreakpoints(body)[3]!);
    assert.deepEqual(p.messages, [
      messages[0],
      messages[1],
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'R1', cache_control: { type: 'ephemeral' } }] }] },
    ]);
  });

  it('the top-level breakpoint caches the whole body; the input is never mutated', () => {
    const p = prefixBody(body, cacheBreakpoints(body)[4]!);
    assert.deepEqual(p, body);
    assert.notEqual(p, body);
    assert.equal(JSON.stringify(body), snapshot);
  });

  it('a tool_choice naming a cut-off tool becomes "any"', () => {
    const b: CountBody = { ...body, tool_choice: { type: 'tool', name: 'late' } };
    assert.deepEqual(prefixBody(b, cacheBreakpoints(b)[0]!).tool_choice, { type: 'any' });
    const kept: CountBody = { ...body, tool_choice: { type: 'tool', name: 'search' } };
    assert.deepEqual(prefixBody(kept, cacheBreakpoints(kept)[0]!).tool_choice, { type: 'tool', name: 'search' });
  });

  it('ignores string system prompts and string content; flags an invalid ttl', () => {
    const b: CountBody = {
      system: 'plain',
      messages: [{ role: 'user', content: 'hello' }, { role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral', ttl: '10m' } }] }],
      cache_control: null,
    };
    const bps = cacheBreakpoints(b);
    assert.equal(bps.length, 1);
    assert.equal(bps[0]!.ttl, '5m');
    assert.equal(bps[0]!.invalidTtl, '10m');
    assert.deepEqual(checkCacheBreakpoints(bps).map((f) => f.code), ['cache-ttl-invalid']);
    assert.deepEqual(cacheBreakpoints({ messages: [{ role: 'user', content: 'hi' }] }), []);
  });
});

describe('cachedRequestCost', () => {
  const sonnet = () => model('claude-sonnet-4-6');

  it('one 5-minute breakpoint on Sonnet 4.6: first, repeat, uncached and break-even', () => {
    const c = cachedRequestCost(sonnet(), { prefixTokens: [8_000], totalTokens: 10_000, ttl: ['5m'] });
    const U = (10_000 * SONNET_46.input) / M; // 0.03
    const W = (2_000 * SONNET_46.input) / M + (8_000 * SONNET_46.write5m) / M; // 0.006 + 0.03 = 0.036
    const R = (2_000 * SONNET_46.input) / M + (8_000 * SONNET_46.read) / M; // 0.006 + 0.0024 = 0.0084
    close(c.uncached.total, U);
    close(c.first.total, W);
    close(c.repeat.total, R);
    assert.deepEqual(c.tokens, { write5m: 8_000, write1h: 0, read: 8_000, uncached: 2_000 });
    // n requests: W + (n-1)R <= nU  <=>  n >= (W-R)/(U-R) = 0.0276/0.0216 = 1.28  -> 2
    assert.equal(c.breakEvenRequests, 2);
    close(c.savingsPerRepeat, U - R);
    assert.deepEqual(c.findings, []);
  });

  it('a 1-hour breakpoint costs more to write, so it breaks even later', () => {
    const c = cachedRequestCost(sonnet(), { prefixTokens: [8_000], totalTokens: 10_000, ttl: ['1h'] });
    const W = (2_000 * 3) / M + (8_000 * SONNET_46.write1h) / M; // 0.054
    close(c.first.total, W);
    // (0.054 - 0.0084) / (0.03 - 0.0084) = 2.11 -> 3
    assert.equal(c.breakEvenRequests, 3);
  });

  it('mixed TTLs: 1h writes up to the last 1h breakpoint, 5m writes from there to the last breakpoint', () => {
    const c = cachedRequestCost(sonnet(), { prefixTokens: [3_000, 8_000], totalTokens: 10_000, ttl: ['1h', '5m'] }, 1_000);
    assert.deepEqual(c.tokens, { write5m: 5_000, write1h: 3_000, read: 8_000, uncached: 2_000 });
    const output = (1_000 * SONNET_46.output) / M;
    close(c.first.total, (2_000 * 3) / M + (5_000 * 3.75) / M + (3_000 * 6) / M + output); // 0.04275 + 0.015
    close(c.repeat.total, (2_000 * 3) / M + (8_000 * 0.3) / M + output);
    close(c.uncached.total, (10_000 * 3) / M + output);
  });

  it('a prefix below the minimum is not cached; a later long-enough one still is (Haiku 4.5, 4,096)', () => {
    const c = cachedRequestCost(model('claude-haiku-4-5'), { prefixTokens: [3_000, 6_000], totalTokens: 10_000, ttl: ['5m', '5m'] });
    assert.deepEqual(c.segments.map((s) => s.cached), [false, true]);
    assert.deepEqual(c.findings.map((f) => f.code), ['cache-prefix-below-minimum']);
    assert.match(c.findings[0]!.message, /3,000 tokens, below the 4,096-token minimum/);
    close(c.first.total, (4_000 * HAIKU_45.input) / M + (6_000 * HAIKU_45.write5m) / M); // 0.004 + 0.0075
    close(c.repeat.total, (4_000 * HAIKU_45.input) / M + (6_000 * HAIKU_45.read) / M);
  });

  it('when every prefix is below the minimum, nothing is cached: plain input, no break-even', () => {
    const c = cachedRequestCost(model('claude-haiku-4-5'), { prefixTokens: [2_000], totalTokens: 10_000, ttl: ['5m'] });
    const plain = (10_000 * HAIKU_45.input) / M; // 0.01
    close(c.first.total, plain);
    close(c.repeat.total, plain);
    close(c.uncached.total, plain);
    assert.equal(c.breakEvenRequests, undefined);
    assert.equal(c.first.cacheWrite, 0);
  });

  it('prices only the first 4 breakpoints and reports the rest', () => {
    const c = cachedRequestCost(sonnet(), { prefixTokens: [2_000, 3_000, 4_000, 5_000, 9_000], totalTokens: 10_000, ttl: [] });
    assert.deepEqual(c.findings.map((f) => f.code), ['too-many-cache-breakpoints']);
    assert.deepEqual(c.segments.map((s) => s.cached), [true, true, true, true, false]);
    assert.deepEqual(c.tokens, { write5m: 5_000, write1h: 0, read: 5_000, uncached: 5_000 });
  });

  it('unknown minimum (Opus 5.5): assumes cached and says so', () => {
    const c = cachedRequestCost(model('claude-opus-5-5'), { prefixTokens: [100], totalTokens: 1_000, ttl: ['5m'] });
    assert.deepEqual(c.findings.map((f) => f.code), ['cache-minimum-unknown']);
    assert.equal(c.tokens.read, 100);
    close(c.repeat.total, (900 * 4) / M + (100 * 0.2) / M);
  });

  it('break-even is 1 when writing costs no more than input, undefined when reading saves nothing', () => {
    const { registry: r } = registry.withOverrides([
      { id: 'claude-sonnet-4-6', prices: { cacheWrite5m: 3 } },
      { id: 'claude-opus-4-6', prices: { cacheRead: 5 } },
    ]);
    assert.equal(cachedRequestCost(model('claude-sonnet-4-6', r), { prefixTokens: [8_000], totalTokens: 10_000, ttl: ['5m'] }).breakEvenRequests, 1);
    const never = cachedRequestCost(model('claude-opus-4-6', r), { prefixTokens: [8_000], totalTokens: 10_000, ttl: ['5m'] });
    assert.equal(never.breakEvenRequests, undefined);
    close(never.savingsPerRepeat, 0);
  });

  it('unknown cache prices give unknown totals and no break-even', () => {
    const { registry: r } = registry.withOverrides([{ id: 'claude-fable-5-2', prices: { cacheWrite5m: null } }]);
    const c = cachedRequestCost(model('claude-fable-5-2', r), { prefixTokens: [5_000], totalTokens: 10_000, ttl: ['5m'] });
    assert.equal(c.first.total, undefined);
    assert.deepEqual(c.first.unknown, ['prices.cacheWrite5m']);
    close(c.repeat.total, (5_000 * 8) / M + (5_000 * 0.2) / M);
    assert.equal(c.breakEvenRequests, undefined);
  });

  it('uses the long-context band for all three requests and applies batch pricing', () => {
    const c = cachedRequestCost(model('claude-haiku-5-5'), { prefixTokens: [120_000], totalTokens: 150_000, ttl: ['5m'] }, 0, { batch: true });
    assert.equal(c.first.longContext && c.repeat.longContext && c.uncached.longContext, true);
    close(c.repeat.total, ((30_000 * HAIKU_55.longInput) / M + (120_000 * HAIKU_55.longRead) / M) * 0.5);
    assert.equal(c.repeat.batch, true);
  });

  it('clamps inconsistent prefix counts', () => {
    const c = cachedRequestCost(sonnet(), { prefixTokens: [6_000, 5_000, 12_000], totalTokens: 10_000, ttl: ['5m', '5m', '5m'] });
    assert.deepEqual(c.segments.map((s) => s.prefixTokens), [6_000, 6_000, 10_000]);
    assert.ok(c.findings.some((f) => f.code === 'cache-prefix-inconsistent'));
  });

  it('works end to end with breakpoints from a body', () => {
    const body: CountBody = {
      system: [{ type: 'text', text: 'long instructions', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'doc', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'q' }] }],
    };
    const bps: Breakpoint[] = cacheBreakpoints(body);
    const c = cachedRequestCost(sonnet(), { prefixTokens: [2_000, 9_000], totalTokens: 9_050, ttl: bps.map((b) => b.ttl) });
    assert.deepEqual(c.tokens, { write5m: 7_000, write1h: 2_000, read: 9_000, uncached: 50 });
  });
});
