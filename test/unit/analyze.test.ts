import { strict as assert } from 'node:assert';
import { analyzeDocument, estimateDocument, type Analysis, type AnalyzeOptions } from '../../src/core/analyze';
import { CountCache } from '../../src/core/client/count-cache';
import { CountingClient, type CountingClientOptions } from '../../src/core/client/counting-client';
import { PLACEHOLDER_MESSAGE } from '../../src/core/payload';
import type { Json, JsonObject, ParsedDocument } from '../../src/core/types';
import { fakeCount, startFakeApi, jsonUnits } from '../fake-api/server';
import { useFakeApi } from '../support/use-fake-api';
import { analyzeOptions, fakeApiClient, parseOk } from '../support/docs';

const MILLION = 1_000_000;

/** Parses JSON text the way the editor would, at a payload path. */
function codes(a: Analysis): string[] {
  return a.findings.map((f) => f.code);
}

function finding(a: Analysis, code: string) {
  const f = a.findings.find((x) => x.code === code);
  assert.ok(f, `expected a ${code} finding, got ${codes(a).join(', ')}`);
  return f;
}

const weatherTool: JsonObject = {
  name: 'get_weather',
  description: 'Get the current weather for a city. Returns temperature, conditions and wind.',
  input_schema: {
    type: 'object',
    properties: {
      city: { type: 'string', description: 'City name, e.g. Lisbon' },
      unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
    },
    required: ['city'],
  },
};

const timeTool: JsonObject = {
  name: 'get_local_time',
  description: 'Get the local time in an IANA timezone such as Europe/Lisbon.',
  input_schema: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
};

const travelMessages: Json[] = [
  { role: 'user', content: "What's the weather in Lisbon right now, and what time is it there?" },
  {
    role: 'assistant',
    content: [
      { type: 'text', text: 'Let me check both.' },
      { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Lisbon' } },
    ],
  },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '21°C, clear sky, light wind from the north' }] },
];

/** A realistic create-message payload: generation fields included, as people keep them in files. */
const travelPayload = {
  model: 'claude-sonnet-4-6',
  max_tokens: 1024,
  temperature: 0.2,
  system: 'You are a concise travel assistant. Answer in metric units and name your sources.',
  tools: [weatherTool, timeTool],
  tool_choice: { type: 'auto' },
  messages: travelMessages,
};

/** The count request Token Lens should send for `travelPayload`. */
const travelRequest = {
  model: 'claude-sonnet-4-6',
  system: travelPayload.system,
  tools: [weatherTool, timeTool],
  tool_choice: { type: 'auto' },
  messages: travelMessages,
};

/** `n` realistic tools for a big MCP-style tool list. */
function manyTools(n: number): JsonObject[] {
  const verbs = ['list', 'get', 'create', 'update', 'delete'];
  const things = ['issue', 'pull_request', 'branch', 'release'];
  return Array.from({ length: n }, (_, i) => {
    const verb = verbs[i % verbs.length]!;
    const thing = things[Math.floor(i / verbs.length) % things.length]!;
    return {
      name: `${verb}_${thing}`,
      description: `${verb[0]!.toUpperCase()}${verb.slice(1)} a ${thing.replace('_', ' ')} in the repository. Requires the repo scope.`,
      input_schema: {
        type: 'object',
        properties: { owner: { type: 'string' }, repo: { type: 'string' }, id: { type: 'integer', description: `The ${thing} number.` } },
        required: ['owner', 'repo'],
      },
    };
  });
}

describe('analyzeDocument against the fake API through the SDK', () => {
  const api = useFakeApi();

  function client(overrides: Partial<CountingClientOptions> = {}): CountingClient {
    return fakeApiClient(api, { backoffMs: 200, ...overrides });
  }

  async function analyze(doc: ParsedDocument, c: CountingClient, opts: Partial<AnalyzeOptions> = {}, signal?: AbortSignal): Promise<Analysis> {
    const a = await analyzeDocument(doc, analyzeOptions(opts), c, signal);
    assert.ok(a, 'analysis');
    return a;
  }

  it('gives the exact total of a payload: the fake count of the request without generation fields', async () => {
    const c = client();
    const a = await analyze(parseOk(travelPayload), c);
    assert.equal(a.total.tokens, fakeCount(travelRequest));
    assert.equal(a.total.exact, true);
    assert.equal(a.total.source, 'api');
    assert.equal(a.modelId, 'claude-sonnet-4-6');
    const whole = api.requests.find((r) => Array.isArray((r.body as JsonObject).tools) && ((r.body as JsonObject).tools as Json[]).length === 2 && (r.body as JsonObject).system !== undefined);
    assert.ok(whole, 'the whole request was sent');
    for (const stripped of ['max_tokens', 'temperature']) assert.ok(!(stripped in (whole.body as JsonObject)), `${stripped} is not sent`);

    // The cost is priced from that count and the worst-case output at max_tokens (Sonnet 4.6: $3 in, $15 out).
    assert.ok(a.cost);
    assert.ok(Math.abs(a.cost.input! - (a.total.tokens * 3) / MILLION) < 1e-12);
    assert.ok(Math.abs(a.cost.output! - (1024 * 15) / MILLION) < 1e-12);
    assert.equal(a.cache, undefined, 'no breakpoints, no cache pricing');

    const calls = api.countCalls();
    const again = await analyze(parseOk(travelPayload), c);
    assert.equal(again.total.tokens, a.total.tokens);
    assert.equal(again.total.source, 'cache');
    assert.equal(api.countCalls(), calls, 'unchanged content costs no call');
  });

  it('counts a tools-only document as its tools add to a request: fake(placeholder + tools) - fake(placeholder)', async () => {
    const tools = [weatherTool, timeTool];
    const a = await analyze(parseOk(tools, 'tools.json'), client());
    assert.equal(a.doc.kind, 'tools');
    const expected = fakeCount({ model: 'claude-sonnet-4-6', messages: [PLACEHOLDER_MESSAGE], tools }) - fakeCount({ model: 'claude-sonnet-4-6', messages: [PLACEHOLDER_MESSAGE] });
    assert.equal(a.total.tokens, expected);
    assert.equal(a.total.exact, true);
  });

  it('counts each tool exactly by the fake per-tool rule, and parts plus overhead make the total', async () => {
    const tools = [weatherTool, timeTool, ...manyTools(3)];
    const a = await analyze(parseOk(tools, 'tools.json'), client());
    const toolParts = a.parts.filter((p) => p.part.kind === 'tool');
    assert.equal(toolParts.length, tools.length);
    toolParts.forEach((p, i) => {
      assert.equal(p.exact, true, p.part.label);
      assert.equal(p.tokens, 9 + jsonUnits(tools[i]), p.part.label);
    });
    const sum = a.parts.reduce((n, p) => n + p.tokens, 0);
    assert.equal(sum + a.overhead.tokens, a.total.tokens);
    assert.equal(a.overhead.exact, true, 'every number in a tools-only document is exact');
    // The overhead of a tools list is the fake's hidden tool prompt.
    assert.equal(a.overhead.tokens, 120);

    // In a full payload the system prompt and messages are estimated, yet everything still adds up.
    const b = await analyze(parseOk(travelPayload), client());
    const parts = b.parts.reduce((n, p) => n + p.tokens, 0);
    assert.equal(parts + b.overhead.tokens, b.total.tokens);
    assert.equal(b.overhead.exact, false, 'the rest of an estimated breakdown is an estimate');
    for (const p of b.parts.filter((x) => x.part.kind === 'tool')) assert.equal(p.tokens, 9 + jsonUnits(p.part.name === 'get_weather' ? weatherTool : timeTool));
  });

  it('apportions the estimated parts to the exact total even where the estimate runs high', async () => {
    // Emoji cost the fake little (4 bytes = 1.33 units) and the estimator a lot.
    const reactions = '🎉🚀🔥👏✨🙌💯😂 '.repeat(30);
    const payload = {
      model: 'claude-sonnet-4-6',
      max_tokens: 256,
      system: 'Summarise the mood of the chat in one word.',
      tools: [timeTool],
      messages: [{ role: 'user', content: `Reactions to the launch post: ${reactions}` }],
    };
    const doc = parseOk(payload);
    const offline = estimateDocument(doc, analyzeOptions());
    const a = await analyze(doc, client());
    assert.equal(a.total.tokens, fakeCount({ model: payload.model, system: payload.system, tools: payload.tools, messages: payload.messages }));
    assert.ok(offline.parts.reduce((n, p) => n + p.tokens, 0) > a.total.tokens, 'fixture: the raw estimates alone exceed the exact total');
    const sum = a.parts.reduce((n, p) => n + p.tokens, 0);
    assert.equal(sum + a.overhead.tokens, a.total.tokens);
    assert.equal(a.parts.find((p) => p.part.kind === 'tool')!.tokens, 9 + jsonUnits(timeTool), 'the exact tool count is kept as is');
    const message = a.parts.find((p) => p.part.kind === 'message')!;
    const system = a.parts.find((p) => p.part.kind === 'system')!;
    assert.ok(message.tokens > system.tokens, 'the estimate still says where the tokens are');
  });

  it('re-analysing a 20-tool payload after editing one tool costs exactly two calls: the payload and that tool', async () => {
    const c = client();
    const tools = manyTools(20);
    const payload = { model: 'claude-sonnet-4-6', max_tokens: 2048, system: 'You manage GitHub repositories for the team.', tools, messages: [{ role: 'user', content: 'Close every stale issue in acme/web.' }] };
    await analyze(parseOk(payload), c);
    api.reset();

    const edited = { ...tools[7]!, description: 'Update a pull request: title, body, base branch or state. Requires the repo scope.' };
    const editedTools = tools.map((t, i) => (i === 7 ? edited : t));
    const a = await analyze(parseOk({ ...payload, tools: editedTools }), c);
    assert.equal(api.countCalls(), 2);
    const { max_tokens: _, ...request } = { ...payload, tools: editedTools };
    assert.equal(a.total.tokens, fakeCount(request));
    const part = a.parts.find((p) => p.part.kind === 'tool' && p.part.index === 7)!;
    assert.equal(part.tokens, 9 + jsonUnits(edited));
    const sentTools = api.requests.map((r) => ((r.body as JsonObject).tools as Json[]).length).sort();
    assert.deepEqual(sentTools, [2, 20], 'one whole request and one tool-beside-reference request');
  });

  it('estimates a url image, counts the rest exactly, and never sends the url block', async () => {
    const image = { type: 'image', source: { type: 'url', url: 'https://upload.example.org/photos/lisbon-tram.jpg' } };
    const question = { type: 'text', text: 'Which tram line is this, and where does it go?' };
    const payload = { model: 'claude-sonnet-4-6', max_tokens: 512, messages: [{ role: 'user', content: [image, question] }] };
    const a = await analyze(parseOk(payload), client());
    assert.equal(a.total.exact, false);
    assert.equal(a.total.source, 'estimate');
    assert.equal(a.total.reason, 'uncountable-content');
    assert.match(a.total.message ?? '', /image with a url source/);
    const countable = fakeCount({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: [question] }] });
    assert.ok(a.total.tokens > countable, 'the image is estimated and added to the exact rest');
    assert.ok(api.requests.length > 0);
    for (const r of api.requests) assert.ok(!JSON.stringify(r.body).includes('lisbon-tram.jpg'), 'the url block never reaches the API');
    assert.ok(api.requests.some((r) => fakeCount(r.body) === countable), 'the rest was counted');
    assert.equal(finding(a, 'uncountable-content').severity, 'info');
  });

  it('without a key or offline, gives the estimate and says why, with no call', async () => {
    const noKey = new CountingClient({ transport: undefined, cache: new CountCache() });
    const a = await analyze(parseOk(travelPayload), noKey);
    assert.equal(a.total.exact, false);
    assert.equal(a.total.source, 'estimate');
    assert.equal(a.total.reason, 'no-key');
    assert.match(a.total.message ?? '', /API key/);

    const offline = estimateDocument(parseOk(travelPayload), analyzeOptions());
    assert.equal(offline.total.reason, 'offline');
    assert.equal(offline.total.exact, false);
    assert.ok(offline.total.tokens > 0);
    assert.ok(offline.parts.every((p) => !p.exact));
    assert.equal(api.countCalls(), 0);
  });

  it('when the API is down, falls back to the estimate with reason server-error and no exact number anywhere', async () => {
    api.setDefaultFault({ kind: 'status', status: 529, errorType: 'overloaded_error' });
    const payload = {
      ...travelPayload,
      system: [{ type: 'text', text: 'You are a concise travel assistant.', cache_control: { type: 'ephemeral' } }],
    };
    const a = await analyze(parseOk(payload), client({ maxAttempts: 1 }));
    assert.equal(a.total.exact, false);
    assert.equal(a.total.reason, 'server-error');
    assert.notEqual(a.total.tokens, fakeCount({ ...travelRequest, system: payload.system }), 'not the exact number');
    assert.ok(a.parts.every((p) => !p.exact));
    assert.equal(a.overhead.exact, false);
    assert.ok(a.cachePrefixes && a.cachePrefixes.length === 1);
    assert.ok(a.cachePrefixes.every((p) => !p.exact));
  });

  it('flags an unknown model, and takes a 404 from the API as unknown-model', async () => {
    const a = await analyze(parseOk({ ...travelPayload, model: 'claude-sonet-4-6' }), client());
    const f = finding(a, 'unknown-model');
    assert.match(f.message, /claude-sonnet-4-6/, 'suggests the near name');
    assert.ok(f.range, 'points at the model name');
    assert.equal(a.total.reason, 'unknown-model');
    assert.equal(a.cost, undefined);

    // A model the price table knows but this endpoint does not.
    const narrow = await startFakeApi({ models: ['claude-sonnet-4-6'] });
    try {
      const c = fakeApiClient(narrow);
      const b = await analyze(parseOk({ ...travelPayload, model: 'claude-opus-4-6' }), c);
      assert.equal(b.total.exact, false);
      assert.equal(b.total.reason, 'unknown-model');
      assert.match(b.total.message ?? '', /claude-opus-4-6/);
      assert.ok(!codes(b).includes('unknown-model'), 'the table knows it: no unknown-model finding');
    } finally {
      await narrow.close();
    }
  });

  it('puts thinking findings on the thinking value, and passes output_config.effort to the check', async () => {
    const text = JSON.stringify({ ...travelPayload, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 4096 } }, null, 2);
    const doc = parseOk(text);
    const a = await analyze(doc, client());
    const f = finding(a, 'thinking-budget-exceeds-max-tokens');
    assert.deepEqual(f.range, doc.thinkingRange);
    assert.match(text.slice(f.range!.start, f.range!.end), /budget_tokens/);

    // Opus 5 can turn thinking off only at effort "high" or lower.
    const base = { model: 'claude-opus-5', max_tokens: 4096, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'Summarise the incident report.' }] };
    const high = await analyze(parseOk({ ...base, output_config: { effort: 'high' } }), client());
    assert.ok(!codes(high).includes('thinking-cannot-disable'));
    const max = await analyze(parseOk({ ...base, output_config: { effort: 'max' } }), client());
    assert.match(finding(max, 'thinking-cannot-disable').message, /"max"/);
  });

  it('lets the budget reach max_tokens when the request turns on interleaved thinking in `betas`', async () => {
    const request = { ...travelPayload, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 4096 } };
    const interleaved = await analyze(parseOk({ ...request, betas: ['interleaved-thinking-2025-05-14'] }), client());
    assert.ok(!codes(interleaved).includes('thinking-budget-exceeds-max-tokens'), JSON.stringify(codes(interleaved)));
    // Another beta does not.
    const other = await analyze(parseOk({ ...request, betas: ['context-1m-2025-08-07'] }), client());
    assert.ok(codes(other).includes('thinking-budget-exceeds-max-tokens'));
    // Either way the betas are not part of the count.
    assert.equal(interleaved.total.tokens, other.total.tokens);
  });

  it('warns about a tool over the threshold with its exact count, and about a request over budget', async () => {
    const a = await analyze(parseOk(travelPayload), client(), { toolThreshold: 100, budget: 100 });
    const weather = 9 + jsonUnits(weatherTool);
    const time = 9 + jsonUnits(timeTool);
    assert.ok(weather > 100 && time <= 100, `fixture sizes: ${weather}, ${time}`);
    const over = a.findings.filter((f) => f.code === 'tool-over-threshold');
    assert.equal(over.length, 1);
    assert.match(over[0]!.message, new RegExp(`"get_weather" costs ${weather} tokens`));
    const anchor = a.parts.find((p) => p.part.name === 'get_weather')!.part.anchor;
    assert.deepEqual(over[0]!.range, anchor);
    assert.match(finding(a, 'over-budget').message, new RegExp(`^${a.total.tokens.toLocaleString('en-US')} input tokens`));

    const under = await analyze(parseOk(travelPayload), client(), { toolThreshold: 500, budget: 100_000 });
    assert.ok(!codes(under).includes('tool-over-threshold') && !codes(under).includes('over-budget'));
  });

  it('never reuses a count across tokenizer families: Opus 4.7 and Opus 4.6 differ', async () => {
    const c = client();
    const a = await analyze(parseOk({ ...travelPayload, model: 'claude-opus-4-6' }), c);
    const b = await analyze(parseOk({ ...travelPayload, model: 'claude-opus-4-7' }), c);
    assert.equal(a.total.tokens, fakeCount({ ...travelRequest, model: 'claude-opus-4-6' }));
    assert.equal(b.total.tokens, fakeCount({ ...travelRequest, model: 'claude-opus-4-7' }));
    assert.notEqual(a.total.tokens, b.total.tokens);
    assert.equal(b.total.source, 'api');
    assert.equal(b.family, 'claude-4.7');
  });

  it('asks the API with the table id when the file names a model by a short name or alias', async () => {
    const c = client();
    const a = await analyze(parseOk({ ...travelPayload, model: 'haiku' }), c);
    assert.equal(a.modelId, 'haiku', 'shown as asked');
    assert.equal(a.model?.id, 'claude-haiku-4-5-20251001');
    assert.equal(a.total.exact, true, a.total.message);
    assert.equal(a.total.tokens, fakeCount({ ...travelRequest, model: 'claude-haiku-4-5-20251001' }));
    assert.ok(api.requests.every((r) => (r.body as JsonObject).model === 'claude-haiku-4-5-20251001'));
    const calls = api.countCalls();
    const alias = await analyze(parseOk({ ...travelPayload, model: 'claude-haiku-4-5' }), c);
    assert.equal(alias.total.source, 'cache', 'an alias shares the counts of its model');
    assert.equal(api.countCalls(), calls);
  });

  it('resolves to undefined when the signal is aborted, before or during the count', async () => {
    const gone = new AbortController();
    gone.abort();
    assert.equal(await analyzeDocument(parseOk(travelPayload), analyzeOptions(), client(), gone.signal), undefined);
    assert.equal(api.countCalls(), 0);
    // Also when every count is already known: a superseded analysis is not wanted.
    const warm = client();
    await analyze(parseOk(travelPayload), warm);
    assert.equal(await analyzeDocument(parseOk(travelPayload), analyzeOptions(), warm, gone.signal), undefined);

    api.fail({ kind: 'delay', ms: 400 }, 10);
    const late = new AbortController();
    const pending = analyzeDocument(parseOk({ ...travelPayload, system: 'Something never counted before.' }), analyzeOptions(), client(), late.signal);
    setTimeout(() => late.abort(), 50);
    assert.equal(await pending, undefined);
  });

  describe('prompt caching', () => {
    // Sonnet 4.6: $3 input, $3.75 5-minute write, $6 1-hour write, $0.30 read, $15 output per MTok; 1,024-token minimum.
    const PRICE = { input: 3, write5m: 3.75, write1h: 6, read: 0.3, output: 15 };
    const handbook =
      'Acme support handbook. ' +
      Array.from({ length: 60 }, (_, i) => `Rule ${i + 1}: refunds for unused items in original packaging are issued within 14 days; damaged deliveries are replaced at no cost.`).join(' ');
    const tool = { ...weatherTool, cache_control: { type: 'ephemeral' } };
    const system = [
      { type: 'text', text: 'You are a support agent for Acme. Be precise and polite.' },
      { type: 'text', text: handbook, cache_control: { type: 'ephemeral', ttl: '1h' } },
    ];
    const history = [
      { role: 'user', content: [{ type: 'text', text: 'I ordered a blender (order 7781) and it arrived cracked.' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Sorry to hear that. Damaged deliveries are replaced at no cost. Shall I start a replacement?', cache_control: { type: 'ephemeral' } }] },
    ];
    const payload = { model: 'claude-sonnet-4-6', max_tokens: 1000, system, tools: [tool, timeTool], messages: [...history, { role: 'user', content: 'Yes please, same address.' }] };
    const model = 'claude-sonnet-4-6';
    const placeholder = fakeCount({ model, messages: [PLACEHOLDER_MESSAGE] });

    it('prices the first and repeat requests and the break-even point from exact prefix counts', async () => {
      const a = await analyze(parseOk(payload), client());
      const total = fakeCount({ model, system, tools: [tool, timeTool], messages: payload.messages });
      assert.equal(a.total.tokens, total);

      // Prefixes: up to the first tool; up to system block 2 (all tools); up to the assistant turn.
      const pTool = fakeCount({ model, messages: [PLACEHOLDER_MESSAGE], tools: [tool] }) - placeholder;
      const pSystem = fakeCount({ model, messages: [PLACEHOLDER_MESSAGE], tools: [tool, timeTool], system }) - placeholder;
      const pHistory = fakeCount({ model, system, tools: [tool, timeTool], messages: history });
      assert.ok(pTool < 1024 && pSystem >= 1024, `fixture: ${pTool} below the minimum, ${pSystem} above`);
      assert.deepEqual(a.cachePrefixes!.map((p) => [p.breakpoint.label, p.tokens, p.exact]), [
        ['tool get_weather', pTool, true],
        ['system block 2', pSystem, true],
        ['assistant #2, block 1 (text)', pHistory, true],
      ]);

      // The 1h breakpoint writes pSystem at the 1h rate, the 5m one the rest up to pHistory.
      const out = 1000 * PRICE.output;
      const first = ((total - pHistory) * PRICE.input + pSystem * PRICE.write1h + (pHistory - pSystem) * PRICE.write5m + out) / MILLION;
      const repeat = ((total - pHistory) * PRICE.input + pHistory * PRICE.read + out) / MILLION;
      const uncached = (total * PRICE.input + out) / MILLION;
      const cache = a.cache!;
      assert.ok(Math.abs(cache.first.total! - first) < 1e-12, `${cache.first.total} vs ${first}`);
      assert.ok(Math.abs(cache.repeat.total! - repeat) < 1e-12, `${cache.repeat.total} vs ${repeat}`);
      assert.ok(Math.abs(cache.uncached.total! - uncached) < 1e-12);
      assert.deepEqual(cache.tokens, { write5m: pHistory - pSystem, write1h: pSystem, read: pHistory, uncached: total - pHistory });
      let n = 1;
      while (first + (n - 1) * repeat > n * uncached + 1e-12) n++;
      assert.equal(cache.breakEvenRequests, n);
      assert.ok(n > 1, 'writing costs more than one uncached request');

      // The short tool prefix is not cached, and the finding points at that tool.
      const short = finding(a, 'cache-prefix-below-minimum');
      assert.match(short.message, new RegExp(`covers ${pTool} tokens`));
      assert.deepEqual(short.range, a.parts.find((p) => p.part.name === 'get_weather')!.part.anchor);
    });

    it('spends no call on unchanged prefixes when only the last turn changes', async () => {
      const c = client();
      await analyze(parseOk(payload), c);
      api.reset();
      const next = { ...payload, messages: [...history, { role: 'user', content: 'Actually, send it to my office: 12 Rua Augusta, Lisbon.' }] };
      const a = await analyze(parseOk(next), c);
      assert.equal(api.countCalls(), 1, 'only the whole request is new');
      assert.ok(a.cachePrefixes!.every((p) => p.exact));
      assert.equal(a.cachePrefixes![2]!.tokens, fakeCount({ model, system, tools: [tool, timeTool], messages: history }));
    });

    it('counts a tools-only prefix like a tools-only document', async () => {
      const tools = [{ ...weatherTool }, { ...timeTool, cache_control: { type: 'ephemeral' } }, ...manyTools(2)];
      const a = await analyze(parseOk(tools, 'tools.json'), client());
      const prefix = fakeCount({ model, messages: [PLACEHOLDER_MESSAGE], tools: tools.slice(0, 2) }) - placeholder;
      assert.equal(a.cachePrefixes![0]!.tokens, prefix);
      assert.equal(a.cachePrefixes![0]!.exact, true);
      assert.equal(a.total.tokens, fakeCount({ model, messages: [PLACEHOLDER_MESSAGE], tools }) - placeholder);
    });

    it('estimates the cache offline, synchronously, with the estimate marked', () => {
      const a = estimateDocument(parseOk(payload), analyzeOptions());
      assert.ok(a.cache, 'cache priced from estimates');
      const tokens = a.cachePrefixes!.map((p) => p.tokens);
      assert.ok(a.cachePrefixes!.every((p) => !p.exact));
      assert.ok(tokens.every((t, i) => t > 0 && t <= a.total.tokens && (i === 0 || t >= tokens[i - 1]!)), `monotonic prefixes: ${tokens.join(', ')}`);
      assert.ok(!codes(a).includes('cache-prefix-inconsistent'));
      assert.match(finding(a, 'cache-prefix-below-minimum').message, /covers ≈[\d,]+ tokens/);
      assert.equal(api.countCalls(), 0);
    });

    it('reports too many breakpoints and a bad ttl where they are, and prices nothing for an unknown model', () => {
      const blocks = ['Step one.', 'Step two.', 'Step three.', 'Step four.', 'Step five.'].map((text, i) => ({
        type: 'text',
        text,
        cache_control: i === 2 ? { type: 'ephemeral', ttl: '10m' } : { type: 'ephemeral' },
      }));
      const text = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: blocks.map((b, i) => ({ role: i % 2 ? 'assistant' : 'user', content: [b] })) }, null, 2);
      const a = estimateDocument(parseOk(text), analyzeOptions());
      const tooMany = a.findings.filter((f) => f.code === 'too-many-cache-breakpoints');
      assert.equal(tooMany.length, 1, 'reported once');
      assert.equal(tooMany[0]!.severity, 'error');
      assert.deepEqual(tooMany[0]!.range, a.parts.find((p) => p.part.kind === 'message' && p.part.index === 4)!.part.anchor);
      const ttl = finding(a, 'cache-ttl-invalid');
      assert.deepEqual(ttl.range, a.parts.find((p) => p.part.kind === 'message' && p.part.index === 2)!.part.anchor);

      const unknown = estimateDocument(parseOk(text), analyzeOptions({ modelOverride: 'claude-sonnet-9' }));
      assert.equal(unknown.cache, undefined);
      assert.ok(codes(unknown).includes('too-many-cache-breakpoints'));
    });
  });
});
