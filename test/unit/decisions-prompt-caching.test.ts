import { strict as assert } from 'node:assert';
import { analyzeDocument, estimateDocument, type Analysis } from '../../src/core/analyze';
import { CountingClient } from '../../src/core/client/counting-client';
import { adviseCache, cacheAdviceMarkdown, cacheCandidates, pricePlacement, repeatedCost, type CacheAdvice } from '../../src/core/decisions/prompt-caching';
import { PLACEHOLDER_MESSAGE } from '../../src/core/payload';
import type { Json, JsonObject, ParsedDocument } from '../../src/core/types';
import { fakeCount, startFakeApi, type FakeApi } from '../fake-api/server';
import { analyzeOptions, assertClose, fakeApiClient, parseOk, registry } from '../support/docs';

const M = 1_000_000;

const weatherTool: JsonObject = {
  name: 'get_weather',
  description: 'Get the current weather for a city. Returns temperature, conditions and wind.',
  input_schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
};
const timeTool: JsonObject = {
  name: 'get_local_time',
  description: 'Get the local time in an IANA timezone such as Europe/Lisbon.',
  input_schema: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
};

/** 3,300 ASCII characters: 1,100 fake units. */
const longSystem = 'Follow the style guide exactly. '.repeat(104).slice(0, 3300);

describe('decisions: prompt caching advice', () => {
  it('repeatedCost: the first request writes, the other N-1 read', () => {
    const cost = { first: { total: 0.02 }, repeat: { total: 0.015 }, uncached: { total: 0.018 } } as Parameters<typeof repeatedCost>[0];
    const r = repeatedCost(cost, 1000);
    assertClose(r.cached, 0.02 + 999 * 0.015, 'cached');
    assertClose(r.uncached, 18, 'uncached');
    assertClose(r.savings, 18 - (0.02 + 999 * 0.015), 'savings');
  });

  it('pricePlacement: break-even 2 at 5 minutes and 3 at 1 hour for a whole-prompt prefix on Sonnet 4.6', () => {
    const sonnet = registry.resolve('claude-sonnet-4-6')!;
    // Everything cached: W - R = p × (3.75 - 0.30), U - R = p × (3 - 0.30): 3.45 / 2.7 = 1.28 → 2.
    // One hour: (6 - 0.30) / 2.7 = 2.11 → 3.
    const p = pricePlacement(sonnet, [10_000], 10_000, 0);
    assert.equal(p['5m'].breakEvenRequests, 2);
    assert.equal(p['1h'].breakEvenRequests, 3);
    assertClose(p['5m'].savingsPerRepeat, (10_000 * 2.7) / M, 'savings per repeat');
    assertClose(p['5m'].firstRequest, (10_000 * 3.75) / M, 'first, 5m write');
    assertClose(p['1h'].firstRequest, (10_000 * 6) / M, 'first, 1h write');
  });

  describe('against the fake API', () => {
    let api: FakeApi;
    before(async () => {
      api = await startFakeApi();
    });
    after(() => api.close());
    beforeEach(() => api.reset());

    function client(): CountingClient {
      return fakeApiClient(api);
    }

    async function analyze(doc: ParsedDocument, c: CountingClient): Promise<Analysis> {
      const a = await analyzeDocument(doc, analyzeOptions(), c);
      assert.ok(a);
      return a;
    }

    it('prices an existing system breakpoint: first request, repeat, break-even and 1,000 requests (hand-derived)', async () => {
      const payload = {
        model: 'claude-sonnet-4-6',
        max_tokens: 1000,
        system: [{ type: 'text', text: longSystem, cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'Summarise.' }],
      };
      const a = await analyze(parseOk(payload), client());
      const advice = (await adviseCache(a)) as CacheAdvice;
      // Total: 5 base + 1,100 system + (4 + 4) message = 1,113. Prefix: 1,100 (the placeholder request subtracted).
      assert.deepEqual(advice.total, { tokens: 1113, exact: true });
      const e = advice.existing;
      assert.ok(e);
      assert.equal(e.breakpoints.length, 1);
      assert.deepEqual({ tokens: e.breakpoints[0]!.tokens, exact: e.breakpoints[0]!.exact, cached: e.breakpoints[0]!.cached, below: e.breakpoints[0]!.belowMinimum }, { tokens: 1100, exact: true, cached: true, below: false });
      // First: 13 × $3 + 1,100 × $3.75 + 1,000 × $15 = $0.019164; repeat: 13 × 3 + 1,100 × 0.30 + 15,000 = $0.015369;
      // uncached: 1,113 × 3 + 15,000 = $0.018339. Break-even: ceil(3,795 / 2,970) = 2.
      assertClose(e.cost.first.total, 19_164 / M, 'first');
      assertClose(e.cost.repeat.total, 15_369 / M, 'repeat');
      assertClose(e.cost.uncached.total, 18_339 / M, 'uncached');
      assert.equal(e.cost.breakEvenRequests, 2);
      assertClose(e.cost.savingsPerRepeat, 2970 / M, 'savings per repeat');
      assertClose(e.repeated.cached, (19_164 + 999 * 15_369) / M, '1,000 cached');
      assertClose(e.repeated.uncached, 18.339, '1,000 uncached');
      assertClose(e.repeated.savings, 18.339 - 15.372795, '1,000 savings');
      const systemPart = a.doc.parts.find((p) => p.kind === 'system')!;
      assert.deepEqual(e.breakpoints[0]!.range, systemPart.anchor ?? systemPart.range, 'points at the part carrying it');
      assert.equal(advice.suggestion, undefined, 'a payload with breakpoints gets no placement advice unless asked');
      assert.equal(advice.exact, true);
      const md = cacheAdviceMarkdown(advice);
      assert.match(md, /\| system block 1 \| 5m \| 1,100 \| yes \|/);
      assert.match(md, /Breaks even after 2 requests/);

      // Haiku 4.5 caches nothing under 4,096 tokens.
      const haiku = await analyze(parseOk({ ...payload, model: 'claude-haiku-4-5' }), client());
      const h = (await adviseCache(haiku))!.existing!;
      assert.deepEqual({ cached: h.breakpoints[0]!.cached, below: h.breakpoints[0]!.belowMinimum }, { cached: false, below: true });
      assert.equal(h.cost.breakEvenRequests, undefined);
      assert.match(cacheAdviceMarkdown((await adviseCache(haiku))!), /no: below minimum/);
    });

    it('for a payload without breakpoints, counts each candidate prefix exactly and recommends placements', async () => {
      const m0 = { role: 'user', content: 'q'.repeat(1500) }; // 500 units
      const m1 = { role: 'assistant', content: 'a'.repeat(600) }; // 200 units
      const m2 = { role: 'user', content: 'Next?' }; // 2 units
      const messages: Json[] = [m0, m1, m2];
      const tools = [weatherTool, timeTool];
      const payload = { model: 'claude-sonnet-4-6', max_tokens: 500, tools, system: longSystem, messages };
      const c = client();
      const a = await analyze(parseOk(payload), c);
      api.reset();
      const advice = (await adviseCache(a, { client: c }))!;
      const base = { model: 'claude-sonnet-4-6', tools };
      const placeholder = fakeCount({ model: 'claude-sonnet-4-6', messages: [PLACEHOLDER_MESSAGE] });
      const expected = [
        fakeCount({ ...base, messages: [PLACEHOLDER_MESSAGE] }) - placeholder,
        fakeCount({ ...base, system: longSystem, messages: [PLACEHOLDER_MESSAGE] }) - placeholder,
        fakeCount({ ...base, system: longSystem, messages: [m0] }),
        fakeCount({ ...base, system: longSystem, messages: [m0, m1] }),
        fakeCount({ ...base, system: longSystem, messages }),
      ];
      const s = advice.suggestion!;
      assert.deepEqual(s.candidates.map((x) => x.label), ['end of tools', 'end of system', 'end of user #1', 'end of assistant #2', 'end of user #3']);
      assert.deepEqual(s.candidates.map((x) => x.tokens), expected);
      assert.ok(s.candidates.every((x) => x.exact));
      assert.equal(api.countCalls(), 5, 'placeholder, tools, system, and two message prefixes; the whole prompt is the analysis total');

      // Tools alone (~300 tokens) are below Sonnet 4.6's 1,024 minimum.
      assert.ok(expected[0]! < 1024 && expected[1]! >= 1024, 'fixture');
      assert.deepEqual(s.candidates.map((x) => x.belowMinimum), [true, false, false, false, false]);
      assert.deepEqual(s.candidates[1]!.path, ['system']);
      assert.equal(s.candidates[1]!.needsBlockForm, true, 'a string system prompt must become a text block');
      assert.deepEqual(s.candidates[0]!.path, ['tools', 1]);

      // Each repeat saves prefix × ($3 - $0.30) per million.
      s.candidates.slice(1).forEach((x, i) => assertClose(x.pricing['5m'].savingsPerRepeat, (expected[i + 1]! * 2.7) / M, x.label));
      assert.equal(s.best?.label, 'end of user #3');
      assert.equal(s.best?.pricing['5m'].breakEvenRequests, 2);
      assert.equal(s.best?.pricing['1h'].breakEvenRequests, 3);
      assert.equal(s.bestIfLastTurnVaries?.label, 'end of assistant #2');
      assert.deepEqual(s.bestSet?.breakpoints.map((x) => x.label), ['end of system', 'end of assistant #2', 'end of user #3']);
      assertClose(s.bestSet?.pricing['5m'].firstRequest, s.best!.pricing['5m'].firstRequest!, 'extra breakpoints cost nothing on the first request');
      assertClose(s.best?.pricing['5m'].repeated.cached, s.best!.pricing['5m'].firstRequest! + 999 * s.best!.pricing['5m'].repeatRequest!, '1,000 requests');

      // The same advice again costs no call.
      api.reset();
      await adviseCache(a, { client: c });
      assert.equal(api.countCalls(), 0);

      const md = cacheAdviceMarkdown(advice);
      assert.match(md, /★ \*\*Best single breakpoint: end of user #3\*\*/);
      assert.match(md, /If every request ends with a new user turn: \*\*end of assistant #2\*\*/);
      assert.match(md, /\| end of tools \| [\d,]+ \(below minimum\) \|/);
    });
  });

  it('estimates candidate prefixes offline, never shrinking along the prompt', async () => {
    const payload = { model: 'claude-sonnet-4-6', tools: [weatherTool], system: longSystem, messages: [{ role: 'user', content: 'Hello there.' }, { role: 'assistant', content: 'Hi.' }, { role: 'user', content: 'Plan my week.' }] };
    const a = estimateDocument(parseOk(payload), analyzeOptions());
    const advice = (await adviseCache(a))!;
    const tokens = advice.suggestion!.candidates.map((c) => c.tokens);
    for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! >= tokens[i - 1]!);
    assert.equal(tokens[tokens.length - 1], a.total.tokens);
    assert.equal(advice.exact, false);
    assert.match(cacheAdviceMarkdown(advice), /≈ some counts estimated/);
  });

  it('says why nothing is recommended: every prefix below the minimum, or an unknown model', async () => {
    const small = estimateDocument(parseOk({ model: 'claude-haiku-4-5', system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] }), analyzeOptions());
    const advice = (await adviseCache(small))!;
    assert.equal(advice.suggestion?.best, undefined);
    assert.match(advice.suggestion?.reason ?? '', /below the 4,096-token minimum of Haiku 4\.5/);
    const unknown = estimateDocument(parseOk({ model: 'claude-unknown-9', messages: [{ role: 'user', content: 'Hi' }] }), analyzeOptions());
    assert.match((await adviseCache(unknown))!.reason ?? '', /Unknown model/);
  });

  it('lists candidates only for real content: no placeholder message, the latest N messages', () => {
    const tools = estimateDocument(parseOk([weatherTool, timeTool], 'tools.json'), analyzeOptions());
    assert.deepEqual(cacheCandidates(tools).map((c) => c.label), ['end of tools']);
    const many = Array.from({ length: 12 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `turn ${i}` }));
    const long = estimateDocument(parseOk({ model: 'claude-sonnet-4-6', messages: many }), analyzeOptions());
    assert.deepEqual(cacheCandidates(long, 3).map((c) => c.label), ['end of assistant #10', 'end of user #11', 'end of assistant #12']);
  });
});
