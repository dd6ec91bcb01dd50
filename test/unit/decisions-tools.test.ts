import { strict as assert } from 'node:assert';
import { modelParams } from '../../src/core/estimator';
import { analyzeDocument, estimateDocument, type Analysis } from '../../src/core/analyze';
import { CountingClient } from '../../src/core/client/counting-client';
import { auditTools, DEFAULT_HEAVY_LIMITS, heavyReasons, toolAuditMarkdown, withoutTools, withoutToolsMarkdown } from '../../src/core/decisions/tools';
import { estimateJsonTokens, estimateTextTokens } from '../../src/core/estimator';
import { PLACEHOLDER_MESSAGE } from '../../src/core/payload';
import type { Json, JsonObject, ParsedDocument } from '../../src/core/types';
import { fakeCount, jsonUnits } from '../fake-api/server';
import { useFakeApi } from '../support/use-fake-api';
import { analyzeOptions, assertClose, fakeApiClient, parseOk, registry } from '../support/docs';

const M = 1_000_000;

const weatherTool: JsonObject = {
  name: 'get_weather',
  description: 'Get the current weather for a city. Returns temperature, conditions and wind.',
  input_schema: {
    type: 'object',
    properties: { city: { type: 'string', description: 'City name, e.g. Lisbon' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } },
    required: ['city'],
  },
};
const timeTool: JsonObject = {
  name: 'get_local_time',
  description: 'Get the local time in an IANA timezone such as Europe/Lisbon.',
  input_schema: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
};

const address: JsonObject = { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' }, postcode: { type: 'string' } } };
const countries = Array.from({ length: 30 }, (_, i) => `C${String(i).padStart(2, '0')}`);
const currencies = Array.from({ length: 25 }, (_, i) => `X${String(i).padStart(2, '0')}`);
const longDescription = 'Creates an order for a customer. '.repeat(40); // 33 × 40 = 1,320 characters
const longFieldDescription = 'The free-text note printed on the packing slip; keep it short. '.repeat(5); // 63 × 5 = 315 characters

/** A tool built to be heavy in every way the audit knows. */
const heavyTool: JsonObject = {
  name: 'create_order',
  description: longDescription,
  input_schema: {
    type: 'object',
    properties: {
      billing: address,
      shipping: address,
      country: { type: 'string', enum: countries },
      currency: { type: 'string', enum: currencies },
      note: { type: 'string', description: longFieldDescription },
      // Levels: input_schema 1, a 2, b 3, c 4, d 5, e 6.
      a: { type: 'object', properties: { b: { type: 'object', properties: { c: { type: 'object', properties: { d: { type: 'object', properties: { e: { type: 'string' } } } } } } } } },
      items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer' }, returnTo: address } } },
      extras: { type: 'object', properties: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`flag${i}`, { type: 'boolean' }])) },
    },
  },
};

describe('decisions: tool overhead audit', () => {
  describe('heavyReasons on crafted schemas', () => {
    const reasons = heavyReasons(heavyTool, 'claude-4');
    const of = (kind: string) => reasons.filter((r) => r.kind === kind);

    it('flags a long description with its length and estimated tokens', () => {
      const [r] = of('long-description');
      assert.ok(r);
      assert.equal(longDescription.length, 1320);
      assert.equal(r.chars, 1320);
      assert.equal(r.estimatedTokens, estimateTextTokens(longDescription, 'claude-4'));
      assert.equal(r.path, 'description');
    });

    it('flags long enums: the biggest (30 values) and both together', () => {
      const [r] = of('long-enum');
      assert.ok(r);
      assert.equal(r.count, 30);
      assert.equal(r.path, 'input_schema.properties.country.enum');
      assert.deepEqual(r.paths, ['input_schema.properties.country.enum', 'input_schema.properties.currency.enum']);
      assert.equal(r.estimatedTokens, estimateJsonTokens(countries, 'claude-4') + estimateJsonTokens(currencies, 'claude-4'));
    });

    it('flags nesting six levels deep, counting what lies below level 4', () => {
      const [r] = of('deep-nesting');
      assert.ok(r);
      assert.equal(r.depth, 6);
      assert.equal(r.path, 'input_schema.properties.a.properties.b.properties.c.properties.d.properties.e');
      // Level 5 nodes: a.b.c.d, and the fields of the address inside items (input_schema 1,
      // items 2, items.items 3, returnTo 4, street/city/postcode 5).
      const d = { type: 'object', properties: { e: { type: 'string' } } };
      const returnTo = 'input_schema.properties.items.items.properties.returnTo.properties';
      assert.deepEqual(r.paths, ['input_schema.properties.a.properties.b.properties.c.properties.d', `${returnTo}.city`, `${returnTo}.postcode`, `${returnTo}.street`]);
      assert.equal(r.estimatedTokens, estimateJsonTokens(d, 'claude-4') + 3 * estimateJsonTokens({ type: 'string' }, 'claude-4'));
    });

    it('flags an identical object schema repeated 3 times, priced as the 2 extra copies', () => {
      const [r] = of('repeated-subschema');
      assert.ok(r);
      assert.equal(r.occurrences, 3);
      assert.deepEqual([...r.paths!].sort(), ['input_schema.properties.billing', 'input_schema.properties.items.items.properties.returnTo', 'input_schema.properties.shipping']);
      assert.equal(r.estimatedTokens, 2 * estimateJsonTokens(address, 'claude-4'));
    });

    it('flags an object with 25 properties and a 315-character property description', () => {
      const [many] = of('many-properties');
      assert.ok(many);
      assert.equal(many.count, 25);
      assert.equal(many.path, 'input_schema.properties.extras');
      const [desc] = of('long-property-descriptions');
      assert.ok(desc);
      assert.equal(desc.count, 1);
      assert.equal(desc.chars, 315);
      assert.equal(desc.path, 'input_schema.properties.note.description');
      assert.equal(desc.estimatedTokens, estimateTextTokens(longFieldDescription, 'claude-4'));
    });

    it('sorts reasons heaviest first and finds nothing in a small tool or an Anthropic-defined one', () => {
      for (let i = 1; i < reasons.length; i++) assert.ok(reasons[i - 1]!.estimatedTokens >= reasons[i]!.estimatedTokens);
      assert.deepEqual(heavyReasons(weatherTool, 'claude-4'), []);
      assert.deepEqual(heavyReasons({ type: 'bash_20250124', name: 'bash' }, 'claude-4'), []);
    });

    it('reports a repeated schema once when its copies only come from an enclosing repeated schema', () => {
      const inner = { type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } } };
      const outer = { type: 'object', properties: { from: inner, to: { type: 'string' }, label: { type: 'string' } } };
      const tool = { name: 'route', description: 'Route.', input_schema: { type: 'object', properties: { first: outer, second: outer } } };
      const repeated = heavyReasons(tool, 'claude-4').filter((r) => r.kind === 'repeated-subschema');
      assert.equal(repeated.length, 1);
      assert.deepEqual(repeated[0]!.paths, ['input_schema.properties.first', 'input_schema.properties.second']);
    });

    it('takes custom limits', () => {
      const strict = heavyReasons(weatherTool, 'claude-4', { descriptionChars: 10, enumValues: 1 });
      assert.deepEqual(strict.map((r) => r.kind).sort(), ['long-description', 'long-enum']);
      assert.equal(DEFAULT_HEAVY_LIMITS.enumValues, 20);
    });
  });

  describe('against the fake API', () => {
    const api = useFakeApi();

    function client(): CountingClient {
      return fakeApiClient(api);
    }

    async function analyze(doc: ParsedDocument): Promise<Analysis> {
      const a = await analyzeDocument(doc, analyzeOptions(), client());
      assert.ok(a);
      return a;
    }

    it('audits a tool list: exact per-tool counts (9 + units), the fixed prompt (120) apart, shares and cost per 1,000', async () => {
      const tools = [weatherTool, timeTool, heavyTool];
      const a = await analyze(parseOk(tools, 'tools.json'));
      const threshold = 9 + jsonUnits(weatherTool); // the weather tool is at it, not over
      const audit = auditTools(a, { threshold, registry });
      const total = 120 + tools.reduce((n, t) => n + 9 + jsonUnits(t), 0);
      assert.deepEqual({ tokens: audit.total.tokens, exact: audit.total.exact }, { tokens: total, exact: true });
      assert.equal(audit.rows.length, 3);
      audit.rows.forEach((r, i) => {
        assert.equal(r.tokens, 9 + jsonUnits(tools[i]), r.name);
        assert.equal(r.exact, true);
        assertClose(r.share, r.tokens / total, `${r.name} share`);
        // Sonnet 4.6 input: $3 per million.
        assertClose(r.costPerRequest, (r.tokens * 3) / M, `${r.name} per request`);
        assertClose(r.costPerRequests, (r.tokens * 3 * 1000) / M, `${r.name} per 1,000`);
      });
      assert.deepEqual({ tokens: audit.fixedOverhead.tokens, exact: audit.fixedOverhead.exact }, { tokens: 120, exact: true });
      assertClose(audit.fixedOverhead.costPerRequests, (120 * 3 * 1000) / M, 'fixed prompt per 1,000');
      assert.equal(audit.toolsTotal.tokens + audit.fixedOverhead.tokens, total);
      assert.deepEqual(audit.rows.map((r) => r.overThreshold), [false, false, true]);
      assert.deepEqual(audit.overThreshold, [2]);
      assert.ok(audit.rows[2]!.reasons.length >= 5);

      const md = toolAuditMarkdown(audit);
      assert.match(md, /\*\*Tool overhead on Sonnet 4\.6\*\* · 3 tools/);
      assert.match(md, new RegExp(`\\| ⚠ create_order \\| ${(9 + jsonUnits(heavyTool)).toLocaleString('en-US')} \\|`));
      assert.match(md, /\| \(fixed tool-use prompt\) \| 120 \|/);
      assert.match(md, /enum of 30 values/);
    });

    it('withoutTools: exact arithmetic from per-tool counts; removing all tools removes the fixed prompt too', async () => {
      const tools = [weatherTool, timeTool];
      const a = await analyze(parseOk(tools, 'tools.json'));
      const one = withoutTools(a, [1]);
      const placeholderOnly = fakeCount({ model: 'claude-sonnet-4-6', messages: [PLACEHOLDER_MESSAGE] });
      assert.deepEqual(one.after, { tokens: fakeCount({ model: 'claude-sonnet-4-6', messages: [PLACEHOLDER_MESSAGE], tools: [weatherTool] }) - placeholderOnly, exact: true });
      assert.equal(one.saved.tokens, 9 + jsonUnits(timeTool));
      assert.equal(one.removedAll, false);

      const all = withoutTools(a, [0, 1]);
      assert.equal(all.removedAll, true);
      assert.deepEqual(all.fixedOverheadRemoved, { tokens: 120, exact: true });
      assert.deepEqual(all.after, { tokens: 0, exact: true });
      assert.ok(all.notes.some((n) => /hidden tool-use system prompt/.test(n)));
    });

    it('withoutTools on a payload: the total less the tool, equal to the fake count without it; savings priced', async () => {
      const messages: Json[] = [{ role: 'user', content: 'What time is it in Lisbon?' }];
      const payload = { model: 'claude-sonnet-4-6', max_tokens: 1024, system: 'Be brief.', tools: [weatherTool, timeTool], tool_choice: { type: 'tool', name: 'get_weather' }, messages };
      const a = await analyze(parseOk(payload));
      const result = withoutTools(a, [0]);
      const expected = fakeCount({ model: 'claude-sonnet-4-6', system: 'Be brief.', tools: [timeTool], tool_choice: payload.tool_choice, messages });
      assert.deepEqual(result.after, { tokens: expected, exact: true });
      assertClose(result.savingsPerRequest, ((9 + jsonUnits(weatherTool)) * 3) / M, 'savings per request: input only, output unchanged');
      assertClose(result.savingsPerRequests, ((9 + jsonUnits(weatherTool)) * 3 * 1000) / M, 'per 1,000');
      assert.ok(result.notes.some((n) => /tool_choice forces "get_weather"/.test(n)));

      // All tools from a payload: the tool prompt's share of the overhead is an estimate.
      const none = withoutTools(a, [0, 1]);
      assert.equal(none.after.exact, false);
      assert.equal(none.fixedOverheadRemoved?.exact, false);
      assert.ok(none.after.tokens < expected - (9 + jsonUnits(timeTool)));
      assert.match(withoutToolsMarkdown(result), /\*\*Without `get_weather`:\*\* [\d,]+ → [\d,]+ tokens/);
    });
  });

  it('marks everything as an estimate offline, and prices on another model when asked', () => {
    const a = estimateDocument(parseOk([weatherTool, heavyTool], 'tools.json'), analyzeOptions());
    const audit = auditTools(a, { threshold: 500, registry });
    assert.ok(audit.rows.every((r) => !r.exact));
    assert.equal(audit.fixedOverhead.exact, false);
    // The estimated overhead of a tool list is the model's own tool prompt (tool_choice auto; not
    // the 346 documented for Claude 4.0) plus its fixed request framing: the prompt is told apart.
    const params = modelParams(a.modelId);
    assert.equal(a.overhead.tokens, params.toolPromptAuto + params.framingFixed);
    assert.equal(audit.fixedOverhead.tokens, params.toolPromptAuto);
    assert.ok(params.toolPromptAuto > 346, `${a.modelId}: ${params.toolPromptAuto}`);
    const haiku = auditTools(a, { threshold: 500, registry, model: 'claude-haiku-4-5' });
    assert.equal(haiku.modelId, 'claude-haiku-4-5-20251001');
    assertClose(haiku.rows[0]!.costPerRequests, (haiku.rows[0]!.tokens * 1 * 1000) / M, 'Haiku $1 per million');
    assert.equal(haiku.rows[0]!.tokens, audit.rows[0]!.tokens, 'same tokenizer, same count');
    const opus = auditTools(a, { threshold: 500, registry, model: 'claude-opus-4-8' });
    assert.equal(opus.family, 'claude-4.7');
    assert.ok(opus.rows.every((r) => !r.exact));
    // Priced on another model, the fixed prompt is that model's own figure, not a scaled copy.
    assert.deepEqual(opus.fixedOverhead.tokens, modelParams('claude-opus-4-8').toolPromptAuto);
    assert.equal(opus.fixedOverhead.exact, false);
  });
});
