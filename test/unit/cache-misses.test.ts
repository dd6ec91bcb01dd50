import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheMissAt, estimateDocument, type Analysis } from '../../src/core/analyze';
import { adviseCache, cacheAdviceMarkdown } from '../../src/core/decisions/prompt-caching';
import { parseDocument } from '../../src/core/payload';
import { breakpointCovers, cacheBreakpoints } from '../../src/core/payload/cache-breakpoints';
import { findVolatile, unsortedJsonKey, volatileInText } from '../../src/core/payload/volatile';
import type { CountBody, Finding, Json, ParsedDocument } from '../../src/core/types';
import { analyzeOptions, assertClose, parseOk, registry } from '../support/docs';

/** A long, fixed system text (well above Sonnet 4.6's 1,024-token minimum). */
const RULES = Array.from({ length: 60 }, (_, i) => `${i + 1}. Answer order questions with the lookup tool, confirm the address and the delivery window, and explain delays plainly.`).join('\n');

function analyse(body: unknown, file = 'request.json'): Analysis {
  return estimateDocument(parseOk(body as Json, file), analyzeOptions());
}

function misses(a: Analysis): Finding[] {
  return a.findings.filter((f) => f.code === 'cache-volatile-content');
}

function cachedSystem(extra: string, model = 'claude-sonnet-4-6'): Json {
  return {
    model,
    system: [{ type: 'text', text: `You are a support agent.\n${extra}\n${RULES}`, cache_control: { type: 'ephemeral' } }],
    messages: [{ role: 'user', content: 'Where is my order?' }],
  };
}

describe('cache misses: content that looks generated inside a cached prefix', () => {
  describe('detectors (positives)', () => {
    const cases: [string, string, string][] = [
      ['ISO timestamp', 'Current time: 2026-12-03T09:41:27Z', 'timestamp'],
      ['timestamp with offset and space', 'Generated 2026-12-03 09:41+01:00 by the pipeline', 'timestamp'],
      ['clock time after "now"', 'It is now 14:03:27 in Berlin', 'timestamp'],
      ['date after "today"', "Today's date is 2026-12-03.", 'date'],
      ['long date after "current date"', 'Current date: December 3, 2026', 'date'],
      ['random UUID', 'Session 3f2b8c1e-9a4d-4e7b-b1c2-5d6e7f8a9b0c started', 'uuid'],
      ['request id label', 'request_id: a81bc3f9e2d04c7f', 'request-id'],
      ['API request id', 'last error in req_011CVxk2mPq8s7TnE4aBcD9f', 'request-id'],
      ['nonce', 'nonce=83749120', 'random'],
      ['epoch milliseconds', 'sent at 1764754887123', 'timestamp'],
      ['epoch seconds after a time key', '"timestamp": 1764754887', 'timestamp'],
    ];
    for (const [name, text, kind] of cases) {
      it(name, () => {
        const found = volatileInText(text);
        assert.ok(found.some((f) => f.kind === kind), `${kind} in ${JSON.stringify(text)}: ${JSON.stringify(found)}`);
      });
    }
  });

  describe('detectors (negatives: no false alarm)', () => {
    const cases: [string, string][] = [
      ['a release date without "today"', 'The API was released on 2024-05-01 and updated in 2025.'],
      ['a version number', 'Use version 4.6.1 of the SDK, build 20251001.'],
      ['a name-based (v5) UUID', 'namespace 886313e1-3b8a-5372-9b90-0c9aee199e5d'],
      ['a placeholder UUID', 'e.g. 00000000-0000-4000-8000-000000000000'],
      ['a placeholder request id', 'request_id: xxxxxxxxxxxx'],
      ['a phone number', 'Call +1 415 555 0100 between 9 and 5.'],
      ['a git commit hash without a label', 'fixed in commit 3f9a2b1c7d'],
      ['short text', 'hi'],
    ];
    for (const [name, text] of cases) {
      it(name, () => assert.deepEqual(volatileInText(text), []));
    }
  });

  it('unsorted JSON: flagged only for objects of four keys or more in neither order', () => {
    assert.equal(unsortedJsonKey('{"zeta": 1, "alpha": 2, "mid": 3, "beta": 4}'), 'zeta');
    assert.equal(unsortedJsonKey('{"alpha": 1, "beta": 2, "gamma": 3, "zeta": 4}'), undefined, 'sorted');
    assert.equal(unsortedJsonKey('{"name": "x", "id": 2, "ok": true}'), undefined, 'three keys: written by hand');
    assert.equal(unsortedJsonKey('not json at all, just a long sentence'), undefined);
  });

  it('tool_use ids and thinking signatures are the conversation\'s own, never flagged', () => {
    const body = {
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxmZGJm' }, { type: 'tool_use', id: 'toolu_01A09q90qw90lq917835lq9', name: 'w', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: 'sunny', cache_control: { type: 'ephemeral' } }] },
      ],
    };
    assert.deepEqual(findVolatile(body as unknown as CountBody), []);
  });

  it('breakpointCovers follows tools → system → messages whatever the file order', () => {
    const body = {
      system: [{ type: 'text', text: 'a', cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 't', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'text', text: 'y', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'z' }] }],
    };
    const [sys, msg] = cacheBreakpoints(body as unknown as CountBody);
    assert.ok(breakpointCovers(sys!, ['tools', 0]), 'tools are inside a system breakpoint');
    assert.ok(breakpointCovers(sys!, ['system', 0]));
    assert.ok(!breakpointCovers(sys!, ['messages', 0, 'content', 0]));
    assert.ok(breakpointCovers(msg!, ['messages', 0, 'content', 1]));
    assert.ok(!breakpointCovers(msg!, ['messages', 0, 'content', 2]), 'after the breakpoint block');
  });

  describe('findings', () => {
    it('a timestamp in a cached system prompt: a warning on its own line, priced by hand from the table', () => {
      const text = JSON.stringify(cachedSystem('Current date and time: 2026-12-03T09:41:27Z'), null, 2);
      const r = parseDocument('request.json', text);
      assert.equal(r.status, 'ok');
      const doc = (r as { doc: ParsedDocument }).doc;
      const a = estimateDocument(doc, analyzeOptions());
      const [f, ...rest] = misses(a);
      assert.ok(f, 'one finding');
      assert.equal(rest.length, 0);
      assert.equal(f.severity, 'warning');
      assert.equal(text.slice(f.range!.start, f.range!.end), '2026-12-03T09:41:27Z', 'on the timestamp itself');
      // Sonnet 4.6: 5-minute write 3.75, read 0.30 USD per million tokens (models.json).
      const prefix = a.cachePrefixes![0]!.tokens;
      const miss = cacheMissAt(a, cacheBreakpoints(doc.body), ['system', 0])!;
      assert.equal(miss.tokens, prefix);
      assertClose(miss.writeUSD, (prefix * 3.75 * 1000) / 1e6, 'writes per 1,000 requests');
      assertClose(miss.readUSD, (prefix * 0.3 * 1000) / 1e6, 'reads per 1,000 requests');
      assert.match(f.message, /A timestamp \(2026-12-03T09:41:27Z\) in system looks generated per request/);
      assert.match(f.message, new RegExp(`≈\\$${((prefix * 3.75) / 1000).toFixed(2)} per 1,000 requests at the 5-minute write price`));
      assert.match(f.message, /system block 1/);
    });

    it('the same timestamp after the last breakpoint (a non-cached suffix) is fine', () => {
      const body = {
        model: 'claude-sonnet-4-6',
        system: [{ type: 'text', text: RULES, cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'Current date and time: 2026-12-03T09:41:27Z. Where is my order?' }],
      };
      assert.deepEqual(misses(analyse(body)), []);
    });

    it('no breakpoint, no finding (nothing is cached)', () => {
      assert.deepEqual(misses(analyse({ model: 'claude-sonnet-4-6', system: `Now: 2026-12-03T09:41:27Z\n${RULES}`, messages: [{ role: 'user', content: 'hi' }] })), []);
    });

    it('a date changes daily: info, priced per change', () => {
      const [f] = misses(analyse(cachedSystem("Today's date is 2026-12-03.")));
      assert.equal(f?.severity, 'info');
      assert.match(f!.message, /changes every day/);
      assert.match(f!.message, /each change re-writes/);
    });

    it('a change after an earlier cached breakpoint re-writes only what follows it', () => {
      const body = {
        model: 'claude-sonnet-4-6',
        system: [
          { type: 'text', text: RULES, cache_control: { type: 'ephemeral' } },
          { type: 'text', text: `Session 3f2b8c1e-9a4d-4e7b-b1c2-5d6e7f8a9b0c\n${RULES}`, cache_control: { type: 'ephemeral', ttl: '1h' } },
        ],
        messages: [{ role: 'user', content: 'hi' }],
      };
      const a = analyse(body);
      const [first, second] = a.cachePrefixes!.map((p) => p.tokens);
      const miss = cacheMissAt(a, cacheBreakpoints(a.doc.body), ['system', 1])!;
      assert.equal(miss.tokens, second! - first!);
      assert.equal(miss.ttl, '1h');
      assertClose(miss.writeUSD, ((second! - first!) * 6 * 1000) / 1e6, '1-hour writes at 6 USD/MTok');
      assert.match(misses(a)[0]!.message, /A UUID/);
    });

    it('tools after a tool breakpoint: uncached on every request, or invalidating a later breakpoint', () => {
      const tool = (name: string) => ({ name, description: RULES, input_schema: { type: 'object' } });
      const marked = { ...tool('first'), cache_control: { type: 'ephemeral' } };
      const alone = analyse({ model: 'claude-sonnet-4-6', tools: [marked, tool('second')], messages: [{ role: 'user', content: 'hi' }] });
      const f = alone.findings.find((x) => x.code === 'cache-tools-after-breakpoint');
      assert.match(f?.message ?? '', /1 tool definition after tool first .* sent uncached on every request/);
      const later = analyse({ model: 'claude-sonnet-4-6', tools: [marked, tool('second')], system: [{ type: 'text', text: RULES, cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'hi' }] });
      assert.match(later.findings.find((x) => x.code === 'cache-tools-after-breakpoint')?.message ?? '', /tools → system → messages, so they are in the prefix cached by system block 1/);
      // The breakpoint on the last tool, or tools written after the system prompt in the file: nothing to say.
      const last = analyse({ model: 'claude-sonnet-4-6', system: [{ type: 'text', text: RULES, cache_control: { type: 'ephemeral' } }], tools: [tool('first'), { ...tool('second'), cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(last.findings.filter((x) => x.code === 'cache-tools-after-breakpoint').length, 0);
    });

    it('a JSON tool result with keys in no fixed order, inside a cached message prefix: info, "may reorder"', () => {
      const result = JSON.stringify({ zeta: 1, alpha: 2, mid: 3, beta: 4, notes: RULES });
      const body = {
        model: 'claude-sonnet-4-6',
        tools: [{ name: 'lookup', input_schema: { type: 'object' } }],
        messages: [
          { role: 'user', content: 'look it up' },
          { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01', name: 'lookup', input: {} }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: result, cache_control: { type: 'ephemeral' } }] },
        ],
      };
      const [f] = misses(analyse(body));
      assert.equal(f?.severity, 'info');
      assert.match(f!.message, /A JSON tool result with keys in no fixed order \(first key "zeta"\) in user #3 may reorder between requests/);
      const sorted = JSON.stringify({ alpha: 2, beta: 4, mid: 3, notes: RULES, zeta: 1 });
      const fixed = { ...body, messages: [body.messages[0], body.messages[1], { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: sorted, cache_control: { type: 'ephemeral' } }] }] };
      assert.deepEqual(misses(analyse(fixed)), []);
    });

    it('a generated-looking tool name in a cached tool list', () => {
      const body = {
        model: 'claude-sonnet-4-6',
        tools: [{ name: 'search_3f9a2b1c7d', description: RULES, input_schema: { type: 'object' }, cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'hi' }],
      };
      assert.match(misses(analyse(body))[0]?.message ?? '', /generated-looking tool name/);
      const plain = { ...body, tools: [{ ...body.tools[0], name: 'search_orders_v2' }] };
      assert.deepEqual(misses(analyse(plain)), []);
    });

    it('cache_control on a thinking block is an error', () => {
      const body = {
        model: 'claude-sonnet-4-6',
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: [{ type: 'thinking', thinking: 'x', signature: 's', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'a' }] },
          { role: 'user', content: 'q2' },
        ],
      };
      const f = analyse(body).findings.find((x) => x.code === 'cache-control-on-thinking');
      assert.equal(f?.severity, 'error');
    });
  });

  it('fast mode prices the miss and the advice at the fast rate: Opus 5 at 2x, by hand from the table', async () => {
    const body = { ...(cachedSystem('Current date and time: 2026-12-03T09:41:27Z', 'claude-opus-5') as Record<string, Json>), speed: 'fast', max_tokens: 100 };
    const a = analyse(body);
    const miss = cacheMissAt(a, cacheBreakpoints(a.doc.body), ['system', 0])!;
    // Opus 5: 5-minute write 6.25, read 0.50 USD per million tokens; fast mode 2x (models.json).
    assertClose(miss.writeUSD, (miss.tokens * 6.25 * 2 * 1000) / 1e6, 'fast writes per 1,000 requests');
    assertClose(miss.readUSD, (miss.tokens * 0.5 * 2 * 1000) / 1e6, 'fast reads per 1,000 requests');
    // The payload's own breakpoint and a suggested one are both priced at the fast rate.
    const advice = (await adviseCache(a, { alwaysSuggest: true }))!;
    const uncachedFast = ((a.total.tokens * 5 + 100 * 25) * 2) / 1e6;
    assertClose(advice.existing!.cost.uncached.total, uncachedFast, 'existing: an uncached fast request, input and max_tokens output at 2x');
    assertClose(advice.suggestion!.candidates[0]!.pricing['5m'].uncachedRequest, uncachedFast, 'suggested: the same');
  });

  it('"Advise on Prompt Caching" lists the misses first', async () => {
    const a = analyse(cachedSystem('Current date and time: 2026-12-03T09:41:27Z'));
    const advice = (await adviseCache(a))!;
    assert.equal(advice.misses.length, 1);
    const md = cacheAdviceMarkdown(advice);
    const at = md.indexOf('Why the cache will miss');
    assert.ok(at > 0 && at < md.indexOf('| Breakpoint'), md);
  });

  it('examples/cache-timestamp.json shows the timestamp and the request id', () => {
    const file = path.join(__dirname, '../../examples/cache-timestamp.json');
    const r = parseDocument(file, fs.readFileSync(file, 'utf8'));
    const a = estimateDocument((r as { doc: ParsedDocument }).doc, analyzeOptions());
    assert.deepEqual(misses(a).map((f) => f.message.split(' (')[0]), ['A timestamp', 'A request id']);
    assert.ok(registry.resolve('claude-sonnet-4-6'));
  });
});
