// The report pages (src/extension/reports/) render without an editor: this file imports them
// under plain mocha, where there is no `vscode` module, and a child process loads every one of
// them on its own (so no other test's stand-in can hide a `vscode` import).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { estimateDocument, type Analysis } from '../../src/core/analyze';
import { breakdownOf } from '../../src/core/decisions/breakdown';
import { adviseCache } from '../../src/core/decisions/prompt-caching';
import { DEFAULT_ROUTING, routeFor } from '../../src/core/decisions/routing';
import { estimateWithThinking } from '../../src/core/decisions/thinking';
import { auditTools, withoutTools } from '../../src/core/decisions/tools';
import type { JsonObject } from '../../src/core/types';
import { breakdownView } from '../../src/extension/reports/breakdown';
import { escapeHtml } from '../../src/extension/reports/html';
import { renderCache } from '../../src/extension/reports/prompt-caching';
import { renderRouting, ROUTING_SETTING } from '../../src/extension/reports/routing';
import { renderThinking } from '../../src/extension/reports/thinking';
import { renderAudit, withoutSection } from '../../src/extension/reports/tools';
import type { Provenance } from '../../src/extension/reports/view';
import { analyzeOptions, parseOk, registry } from '../support/docs';

const ROOT = path.resolve(__dirname, '..', '..');
const REPORTS = path.join(ROOT, 'src', 'extension', 'reports');

/** A tool name that would be markup if any renderer forgot to escape it. */
const EVIL = '<img src=x onerror=alert(1)>';

const smallTool: JsonObject = { name: 'get_time', description: 'Local time.', input_schema: { type: 'object', properties: { tz: { type: 'string' } } } };
const bigTool: JsonObject = {
  name: EVIL,
  description: 'Looks up an order and everything about it. '.repeat(80),
  input_schema: { type: 'object', properties: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`field_${i}`, { type: 'string', description: `Field number ${i} of the order record.` }])) },
};
const longSystem = 'You are a careful assistant for an online bookshop. Answer from the catalogue only. '.repeat(120);

function analysis(body: JsonObject, file = 'request.json'): Analysis {
  return estimateDocument(parseOk(body, file), analyzeOptions(), 'offline');
}

const estimated: Provenance = { exact: false, reason: 'offline' };

describe('report pages without an editor', () => {
  it('no module in src/extension/reports imports vscode (each loads in a plain Node process)', function () {
    this.timeout(30_000);
    const modules = fs.readdirSync(REPORTS).filter((f) => f.endsWith('.ts'));
    assert.ok(modules.length >= 8, modules.join(', '));
    const script = modules.map((m) => `require(${JSON.stringify(path.join(REPORTS, m))});`).join('') + 'process.stdout.write("loaded")';
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(out, 'loaded');
    for (const m of modules) assert.doesNotMatch(fs.readFileSync(path.join(REPORTS, m), 'utf8'), /from 'vscode'|require\('vscode'\)/, m);
  });

  it('breakdown: one row per part, escaped names, the Markdown of the same breakdown', () => {
    const a = analysis({ model: 'claude-sonnet-4-6', max_tokens: 100, system: 'Be brief.', tools: [smallTool, bigTool], messages: [{ role: 'user', content: 'Hi' }] });
    const view = breakdownView(a, 'order-bot.json', 500);
    const b = breakdownOf(a);
    assert.equal(view.title, 'Breakdown · order-bot.json');
    assert.equal((view.body.value.match(/<tr data-seg="/g) ?? []).length, b.segments.length);
    assert.ok(!view.body.value.includes(EVIL), 'the tool name is escaped');
    assert.ok(view.body.value.includes(escapeHtml(EVIL)));
    // The heavy tool is coloured as over the threshold; with a higher threshold it is not.
    assert.match(view.body.value, /k-tool-over/);
    assert.doesNotMatch(breakdownView(a, 'order-bot.json', 1_000_000).body.value, /class="swatch k-tool-over"/);
    assert.match(view.markdown, /order-bot\.json/);
  });

  it('tool audit: the heavy tool flagged, an excluded tool unticked, the without-section names it', () => {
    const a = analysis({ model: 'claude-sonnet-4-6', max_tokens: 100, tools: [smallTool, bigTool], messages: [{ role: 'user', content: 'Hi' }] });
    const audit = auditTools(a, { threshold: 500 });
    assert.deepEqual(audit.overThreshold, [1], 'the fixture has one heavy tool');
    const without = withoutTools(a, [1]);
    const page = renderAudit(audit, a, 'tools.json', estimated, new Set([1]), 0, without).value;
    assert.match(page, /2 tools/);
    assert.match(page, /over 500/);
    assert.ok(!page.includes(EVIL));
    assert.match(page, /<input type="checkbox" data-tool="0" checked/);
    assert.match(page, /<input type="checkbox" data-tool="1" aria-label/, 'the excluded tool is not ticked');
    assert.match(page, /<tr id="tool-0" class="focus/);
    assert.ok(withoutSection(without, a).value.includes(`Without ${escapeHtml(EVIL)}`));
    assert.match(withoutSection(undefined, a).value, /Untick tools/);
  });

  it('prompt caching: an existing breakpoint is priced; without one, the best place is suggested', async () => {
    const cached = analysis({ model: 'claude-sonnet-4-6', max_tokens: 200, system: [{ type: 'text', text: longSystem, cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'Hi' }] });
    const existing = (await adviseCache(cached))!;
    const page = renderCache(existing, { name: 'cached.json', doc: cached.doc }, estimated, false).value;
    assert.match(page, /1 cache breakpoint</);
    assert.match(page, /id="cache-breakpoints"/);
    assert.match(page, /Suggest Placements Anyway/);
    assert.doesNotMatch(renderCache(existing, { name: 'cached.json', doc: cached.doc }, estimated, true).value, /Suggest Placements Anyway/);
    assert.doesNotMatch(page, /id="cache-misses"/, 'nothing changes in this prefix');
    // A timestamp in the cached system prompt: "Why the cache will miss" comes before the breakpoints.
    const stamped = analysis({ model: 'claude-sonnet-4-6', max_tokens: 200, system: [{ type: 'text', text: `Now: 2026-12-03T09:41:27Z\n${longSystem}`, cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'Hi' }] });
    const missPage = renderCache((await adviseCache(stamped))!, { name: 'stamped.json', doc: stamped.doc }, estimated, false).value;
    const at = missPage.indexOf('id="cache-misses"');
    assert.ok(at > 0 && at < missPage.indexOf('id="cache-breakpoints"'), 'the misses are listed first');
    assert.match(missPage, /A timestamp \(2026-12-03T09:41:27Z\) in system looks generated per request/);

    const plain = analysis({ model: 'claude-sonnet-4-6', max_tokens: 200, system: longSystem, messages: [{ role: 'user', content: 'Hi' }] });
    const advice = (await adviseCache(plain))!;
    assert.ok(advice.suggestion?.best, 'the fixture has a prefix worth caching');
    const suggested = renderCache(advice, { name: 'plain.json', doc: plain.doc }, estimated, false).value;
    assert.ok(suggested.includes(`Best breakpoint: ${escapeHtml(advice.suggestion.best.label)}`), suggested.slice(0, 400));
    assert.match(suggested, /id="cache-candidates"/);
  });

  it('routing: a small payload is routed down the ladder, and the matched rule is marked', () => {
    const a = analysis({ model: 'claude-opus-4-8', max_tokens: 100, messages: [{ role: 'user', content: 'What is 2 + 2?' }] });
    const result = routeFor(a, DEFAULT_ROUTING, registry);
    assert.equal(result.sameModel, false);
    const page = renderRouting(result, DEFAULT_ROUTING, [], 'small.json', estimated).value;
    assert.ok(page.includes(`Routed to ${escapeHtml(result.routed.label)}`));
    assert.ok(page.includes(`Rules (${ROUTING_SETTING})`));
    assert.equal((page.match(/<li class="matched">/g) ?? []).length, 1);
    assert.match(page, /id="routing-table"/);

    const same = routeFor(analysis({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] }), DEFAULT_ROUTING, registry);
    assert.equal(same.sameModel, true);
    const stays = renderRouting(same, DEFAULT_ROUTING, [{ severity: 'warning', code: 'x', message: 'rule 2 names an unknown model' }], 'tiny.json', estimated).value;
    assert.match(stays, /Stays on/);
    assert.match(stays, /nothing changes/);
    assert.match(stays, /rule 2 names an unknown model/);
  });

  it('thinking: a column per model priced, the budget in the title, a button to change it', async () => {
    const doc = parseOk({ model: 'claude-sonnet-4-6', max_tokens: 20_000, messages: [{ role: 'user', content: 'Plan a trip.' }] });
    const result = (await estimateWithThinking(doc, { budget: 8_000, models: ['claude-sonnet-4-6', 'claude-haiku-4-5'], registry }))!;
    const page = renderThinking(result, { name: 'trip.json' }, estimated, registry.asOf).value;
    assert.match(page, /8,000 thinking tokens/);
    assert.match(page, /max_tokens 20,000 \(from the request\)/);
    assert.equal((page.match(/<th scope="col" class="num model/g) ?? []).length, result.rows.length);
    assert.match(page, /<th scope="col" class="num model current">/);
    assert.match(page, /Change Budget…/);
    assert.ok(page.includes(`prices as of ${registry.asOf}`));
  });
});
