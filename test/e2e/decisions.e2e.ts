// The decision commands in a real editor: code-server + headless Chromium with a Token Lens build
// that registers them, counting against the fake Anthropic API started in this process.
//
//   npx mocha --no-config --node-option import=tsx --timeout 600000 test/e2e/decisions.e2e.ts
//
// The extension under test is the packaged token-lens.vsix (`npm run package`). Expected numbers
// come from the core functions run
// here against the same fake API, never from the extension and never typed in by hand.
// Screenshots go to .test-output/e2e/decisions-*.png.
import * as assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Frame } from 'playwright-core';
import { analyzeDocument, type Analysis } from '../../src/core/analyze';
import type { CountingClient } from '../../src/core/client/counting-client';
import { breakdownOf } from '../../src/core/decisions/breakdown';
import { countBody } from '../../src/core/decisions/counting';
import { adviseCache } from '../../src/core/decisions/prompt-caching';
import { DEFAULT_ROUTING, routeFor, validateRouting } from '../../src/core/decisions/routing';
import { estimateWithThinking, thinkingTableMarkdown } from '../../src/core/decisions/thinking';
import { auditTools, withoutTools } from '../../src/core/decisions/tools';
import { trimCutPoints, withoutThinking } from '../../src/core/decisions/trim';
import { percentText, savingText, tokensText, usdText } from '../../src/core/decisions/markdown';
import { parseDocument } from '../../src/core/payload';
import type { Json, ParsedDocument } from '../../src/core/types';
import { startFakeApi, type FakeApi } from '../fake-api/server';
import { fakeApiClient, registry } from '../support/docs';
import { e2eEnv, launchEditor, repoRoot, type Editor, poll } from './driver';
import { DEFAULT_MODEL, escapeRegExp, fmt } from './token-lens-expected';

const execFileAsync = promisify(execFile);
const ROOT = repoRoot();
const EXAMPLES = path.join(ROOT, 'examples');
/** The extension's defaults (package.json) besides DEFAULT_MODEL: comparison models, tool threshold. */
const COMPARISON = ['claude-haiku-4-5', 'claude-sonnet-4-6', 'claude-opus-4-8'];
const THRESHOLD = 500;

/** The packaged extension (`npm run package`, run before the real-editor tests by `pretest:e2e`). */
const VSIX = path.join(ROOT, 'token-lens.vsix');

// ---------------------------------------------------------------------------------------------
// Reading the editor

interface El {
  readonly innerText: string;
  getAttribute(name: string): string | null;
  readonly cells: ArrayLike<El>;
  getBoundingClientRect(): { top: number; bottom: number };
}

/** The frame of the report panel of `kind` (webviews are nested iframes). */
async function report(ed: Editor, kind: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const f of ed.page.frames()) {
      const n = await f.locator(`body[data-report="${kind}"]`).count().catch(() => 0);
      if (n > 0) return f;
    }
    if (Date.now() > deadline) throw new Error(`no "${kind}" report panel within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Cell texts of a table's body rows (whitespace collapsed). */
async function rows(f: Frame, table: string, section = 'tbody'): Promise<string[][]> {
  return f
    .locator(`${table} ${section} tr`)
    .evaluateAll((trs) => trs.map((tr) => Array.from((tr as unknown as El).cells).map((c) => c.innerText.replace(/\s+/g, ' ').trim())));
}

/** The thinking table: cell texts of each line (`data-line`), the label first, then one per model. */
async function lines(f: Frame): Promise<Record<string, string[]>> {
  const list = await f
    .locator('#thinking-table tbody tr[data-line]')
    .evaluateAll((trs) => trs.map((tr) => [(tr as unknown as El).getAttribute('data-line') ?? '', ...Array.from((tr as unknown as El).cells).map((c) => c.innerText.replace(/\s+/g, ' ').trim())]));
  return Object.fromEntries(list.map(([id, ...cells]) => [id!, cells]));
}

/** The report page's own title (the panel's tab shows the same). */
async function pageTitle(f: Frame): Promise<string> {
  return f.evaluate(() => (globalThis as unknown as { document: { title: string } }).document.title);
}

async function text(f: Frame, selector: string): Promise<string> {
  return (await f.locator(selector).first().innerText()).replace(/\s+/g, ' ').trim();
}

/** The value of the summary figure labelled `label`. */
async function figureValue(f: Frame, label: string): Promise<string> {
  const fig = f.locator('.figure', { has: f.locator('.figure-label', { hasText: new RegExp(`^${escapeRegExp(label)}$`, 'i') }) }).first();
  return (await fig.locator('.figure-value').innerText()).trim();
}

/** Opens a workspace file in the first editor group. */
/** The tab texts of each editor group, left to right. */
async function groupTabs(ed: Editor): Promise<string[][]> {
  return ed.page
    .locator('.editor-group-container')
    .evaluateAll((groups) => groups.map((g) => Array.from((g as unknown as { querySelectorAll(s: string): ArrayLike<El> }).querySelectorAll('.tabs-container .tab')).map((t) => t.innerText.replace(/\s+/g, ' ').trim())));
}

/** Whether a report tab (a title with "·") shares a group with the text editor of `file` (its tab reads "support-agent .json 1"). */
function reportBesideFile(groups: string[][], file: string): boolean {
  return groups.some((tabs) => tabs.some((t) => !t.includes('·') && t.replace(/\s+/g, '').startsWith(file)) && tabs.some((t) => /^(Thinking|Breakdown) .*·/.test(t)));
}

async function openInFirstGroup(ed: Editor, rel: string): Promise<void> {
  await ed.runCommand('View: Focus First Editor Group');
  await ed.openFile(rel);
}

async function pickItem(ed: Editor, label: string): Promise<void> {
  const widget = ed.page.locator('.quick-input-widget');
  // A label with an icon ("$(edit) Custom…") reads as the icon's (empty) text, then the words.
  const row = widget.locator('.quick-input-list .monaco-list-row', { has: ed.page.locator('.label-name', { hasText: new RegExp(`(^|\\s)${escapeRegExp(label)}$`) }) });
  await row.first().click();
}

async function typeAndEnter(ed: Editor, value: string): Promise<void> {
  const widget = ed.page.locator('.quick-input-widget');
  const input = widget.locator('.quick-input-box input');
  await input.fill(value);
  await ed.page.keyboard.press('Enter');
  await widget.waitFor({ state: 'hidden', timeout: 15_000 });
}

/** The status bar shows the exact count `tokens` for the active file (not an estimate). */
async function waitForExact(ed: Editor, tokens: number): Promise<void> {
  await ed.waitForStatusBar(new RegExp(`(^|[^≈\\d,])${escapeRegExp(fmt(tokens))} tokens · \\$`), 60_000);
}

async function shot(ed: Editor, name: string): Promise<string> {
  const file = await ed.screenshot(`decisions-${name}`);
  process.stderr.write(`      screenshot: ${path.relative(ROOT, file)}\n`);
  return file;
}

function lineCol(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

// ---------------------------------------------------------------------------------------------
// What the core says the reports must show

function parsed(file: string, source: string): ParsedDocument {
  const r = parseDocument(file, source, { promptGlobs: [], excludeGlobs: [] });
  if (r.status !== 'ok') throw new Error(`${file}: ${r.status}`);
  return r.doc;
}

// ---------------------------------------------------------------------------------------------

describe('decision commands in a real editor (code-server)', function () {
  this.timeout(600_000);
  let api: FakeApi;
  let ed: Editor;
  let ws: string;
  let client: CountingClient;
  const started = Date.now();

  const file = (rel: string) => path.join(ws, rel);
  const read = (rel: string) => fs.readFileSync(file(rel), 'utf8');
  const options = { registry, defaultModel: DEFAULT_MODEL, toolThreshold: THRESHOLD };
  async function analysed(rel: string, source = read(rel)): Promise<Analysis> {
    const a = await analyzeDocument(parsed(file(rel), source), options, client);
    assert.ok(a && a.total.exact, `the fake counts ${rel} exactly`);
    return a;
  }

  before(async () => {
    await e2eEnv();
    const vsix = VSIX;
    assert.ok(fs.existsSync(vsix), `${vsix} is missing: run npm run package`);
    api = await startFakeApi();
    // Timeout as the client's default (10 s); no practical rate limit, so expected numbers never wait.
    client = fakeApiClient(api, { timeoutMs: 10_000 });
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'token-lens-decisions-ws-'));
    fs.cpSync(EXAMPLES, ws, { recursive: true, filter: (src) => src !== path.join(EXAMPLES, 'context') });
    // A payload whose tool name and description are HTML: the reports must show them as text.
    fs.writeFileSync(
      path.join(ws, 'escape.json'),
      JSON.stringify(
        {
          model: DEFAULT_MODEL,
          max_tokens: 1024,
          messages: [{ role: 'user', content: 'Hi <script>alert(1)</script>' }],
          tools: [{ name: '<img src=x onerror=alert(1)>', description: '<b>bold</b> & "quoted"', input_schema: { type: 'object', properties: {} } }],
        },
        null,
        2,
      ),
    );
    const t1 = Date.now();
    ed = await launchEditor({
      vsix,
      workspace: ws,
      // Each report counts a payload on several models and configurations, a few seconds apart, beside
      // the Explorer view's scan of 20 examples: past the default 50 calls a minute (for a person).
      // The order the limiter serves them in is the unit tests' (counting-client.test.ts).
      settings: { 'tokenLens.debounceMs': 200, 'tokenLens.rateLimitPerMinute': 200 },
      env: { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: api.apiKey },
    });
    await ed.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(ed.url).origin }).catch(() => undefined);
    process.stderr.write(`      (editor up in ${((Date.now() - t1) / 1000).toFixed(1)} s)\n`);
  });

  after(async () => {
    await ed?.close();
    await api?.close();
    if (ws) fs.rmSync(ws, { recursive: true, force: true });
    process.stderr.write(`      (whole suite ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && ed?.serverRunning) await shot(ed, `FAILED-${this.currentTest.title.slice(0, 50)}`).catch(() => undefined);
    await ed?.page.keyboard.press('Escape').catch(() => undefined);
  });

  it('says what to open when no payload is active', async () => {
    // The palette lists the extension's commands once the extension host has read its manifest.
    await poll('the command in the palette', () => ed.runCommand('Token Lens: Show Token Breakdown', 5_000).then(() => true, () => false), (ok) => ok, 60_000);
    const message = (await ed.notification(/Token Lens: open a Messages API payload/)).text;
    assert.match(message, /then run "Token Lens: Show Token Breakdown"/);
    await ed.clearNotifications();
  });

  it('Estimate with Thinking Budget: a table per model, exact through count_tokens, with each model\'s rules', async () => {
    const rel = 'support-agent.json';
    const a = await analysed(rel);
    await openInFirstGroup(ed, rel);
    await waitForExact(ed, a.total.tokens);

    await ed.runCommandToInput('Token Lens: Estimate with Thinking Budget', /thinking budget/);
    await pickItem(ed, '8,000 tokens');
    const want = (await estimateWithThinking(a.doc, { budget: 8000, models: [a.modelId, ...COMPARISON], registry, client }))!;
    const f = await report(ed, 'thinking');
    const table = await poll('the thinking table', () => lines(f), (t) => (t['total-n']?.length ?? 0) === want.rows.length + 1);
    const heads = (await f.locator('#thinking-table thead th.model').allInnerTexts()).map((h) => h.replace(/\s+/g, ' ').trim());
    assert.equal(heads.length, want.rows.length);
    want.rows.forEach((r, j) => {
      const cell = (line: string) => table[line]![j + 1]!;
      assert.ok(heads[j]!.startsWith(r.label), `column ${j}: ${heads[j]} vs ${r.label}`);
      if (!r.perRequest) {
        assert.equal(r.status, 'unsupported');
        assert.match(heads[j]!, /not supported/);
        assert.equal(cell('total'), '–');
        return;
      }
      const exact = r.inputTokens!.exact;
      assert.ok(exact, `${r.label} counted exactly`);
      assert.equal(cell('input-tokens'), tokensText(r.inputTokens!.tokens, exact), `${r.label} input tokens`);
      assert.equal(cell('max-tokens'), `${fmt(r.maxTokens!)}${r.adjustment ? ' *' : ''}`, `${r.label} max_tokens`);
      assert.equal(cell('input'), usdText(r.perRequest.input, exact));
      assert.equal(cell('thinking'), `${usdText(r.perRequest.thinking)} ${fmt(r.thinkingTokens!)} tok`);
      assert.equal(cell('answer'), `${usdText(r.perRequest.output)} ≤ ${fmt(r.answerTokens!)} tok`);
      assert.equal(cell('total'), usdText(r.perRequest.total, exact), `${r.label} worst case`);
      assert.equal(cell('batch'), usdText(r.perRequest.batch, exact), `${r.label} batch`);
      assert.equal(cell('total-n'), usdText(r.perRequests!.total, exact), `${r.label} worst case ×1,000`);
      assert.equal(cell('batch-n'), usdText(r.perRequests!.batch, exact), `${r.label} batch ×1,000`);
    });
    // max_tokens 4,096 is too small for 8,000: flagged with the smallest value that works.
    const adjusted = want.rows.filter((r) => r.adjustment?.kind === 'raised-for-budget');
    assert.ok(adjusted.length > 0, 'some row needs a larger max_tokens');
    const notesText = await text(f, '.notes');
    for (const r of adjusted) assert.ok(notesText.includes(r.adjustment!.message), notesText);
    assert.match(notesText, /smallest that works is 8,001/);
    assert.ok(want.rows.some((r) => r.status === 'unsupported'), 'a model refuses manual thinking');
    assert.match(await text(f, '.provenance'), /Exact counts from the count_tokens API/);
    // The page's Content-Security-Policy: nothing but the extension's own files and a nonce'd script.
    const csp = (await f.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=]+'/);
    assert.ok(!/unsafe-inline|unsafe-eval|https?:\/\/(?!.*vscode-cdn)/.test(csp.replace(/https:\/\/\*\.vscode-cdn\.net/g, '')), csp);
    const resources = await f.locator('link[href], script[src], img[src]').evaluateAll((els) => els.map((e) => (e as unknown as { getAttribute(n: string): string }).getAttribute('href') ?? (e as unknown as { getAttribute(n: string): string }).getAttribute('src')));
    assert.ok(resources.length === 2 && resources.every((u) => /\/media\/webview\/report\.(css|js)/.test(u)), JSON.stringify(resources));
    await shot(ed, 'thinking');

    // Copy as Markdown: the core's table, with the file and where the numbers come from.
    await f.locator('button[data-action="copy"]').click();
    await ed.notification(/report copied as Markdown/);
    const clip = await ed.page.evaluate('navigator.clipboard.readText()').catch(() => undefined);
    if (typeof clip === 'string') {
      assert.ok(clip.includes(thinkingTableMarkdown(want)), clip);
      assert.ok(clip.startsWith('`support-agent.json` · Exact counts'), clip);
    } else process.stderr.write('      (clipboard not readable in this browser: checked the notification only)\n');
    await ed.clearNotifications();

    // A custom budget, remembered for next time.
    await openInFirstGroup(ed, rel);
    await ed.runCommandToInput('Token Lens: Estimate with Thinking Budget', /thinking budget/);
    await pickItem(ed, 'Custom…');
    await ed.page.locator('.quick-input-widget .quick-input-title', { hasText: /custom thinking budget/ }).waitFor({ timeout: 15_000 });
    await typeAndEnter(ed, '5,000');
    const f2 = await report(ed, 'thinking');
    await poll('the 5,000 budget', () => text(f2, 'h1'), (t) => t === '5,000 thinking tokens');
    await openInFirstGroup(ed, rel);
    await ed.runCommandToInput('Token Lens: Estimate with Thinking Budget', /thinking budget/);
    const active = ed.page.locator('.quick-input-widget .quick-input-list .monaco-list-row.focused');
    const activeText = (await active.first().innerText()).replace(/\s+/g, ' ');
    assert.match(activeText, /^5,000 tokens\s*last used/, `the last budget is preselected: ${activeText}`);
    await ed.page.keyboard.press('Escape');
  });

  it('Audit Tool Overhead: per tool tokens, share and cost, the heavy one highlighted, tools ticked off live', async () => {
    const rel = 'support-agent.json';
    const source = read(rel);
    const a = await analysed(rel);
    const heavy = a.doc.parts.find((p) => p.kind === 'tool' && p.name === 'create_ticket')!;
    await openInFirstGroup(ed, rel);
    await waitForExact(ed, a.total.tokens);
    const at = lineCol(source, heavy.anchor!.start);
    await ed.goTo(at.line, at.column);
    await ed.runCommand('Token Lens: Audit Tool Overhead');

    const audit = auditTools(a, { threshold: THRESHOLD });
    const f = await report(ed, 'tools');
    const sorted = [...audit.rows].sort((x, y) => y.tokens - x.tokens);
    const got = await poll('the tools table', () => rows(f, '#tools-table'), (r) => r.filter((c) => c.length === 5).length === sorted.length);
    const main = got.filter((cells) => cells.length === 5);
    assert.equal(main.length, sorted.length);
    for (const [i, r] of sorted.entries()) {
      const cells = main[i]!;
      assert.equal(cells[1], `${r.name}${r.overThreshold ? ` over ${fmt(THRESHOLD)}` : ''}`);
      assert.equal(cells[2], tokensText(r.tokens, r.exact));
      assert.equal(cells[3], percentText(r.share));
      assert.equal(cells[4], usdText(r.costPerRequests, r.exact));
      // Why it is heavy: in the row below the tool's.
      const why = r.reasons.length > 0 ? await text(f, `#tool-${r.index}-why`) : '';
      for (const reason of r.reasons) assert.ok(why.includes(reason.message.replace(/\s+/g, ' ')), `${r.name}: ${why}`);
      assert.equal(await f.locator(`#tool-${r.index}-why`).count(), r.reasons.length > 0 ? 1 : 0);
    }
    const fixed = (await rows(f, '#tools-table', 'tfoot'))[0]!;
    assert.equal(fixed[2], tokensText(audit.fixedOverhead.tokens, audit.fixedOverhead.exact), 'fixed tool-use prompt apart');
    assert.deepEqual(audit.overThreshold, [heavy.index]);
    const row = f.locator(`#tool-${heavy.index}`);
    assert.match((await row.getAttribute('class')) ?? '', /\bover\b.*\bfocus\b|\bfocus\b.*\bover\b/, 'the tool at the cursor is highlighted, and over the threshold');
    const inView = await row.evaluate((el) => {
      const r = (el as unknown as El).getBoundingClientRect();
      return r.top >= 0 && r.bottom <= (globalThis as unknown as { innerHeight: number }).innerHeight;
    });
    assert.ok(inView, 'scrolled to the highlighted tool');
    await shot(ed, 'tools');

    await row.locator('input[type="checkbox"]').uncheck();
    const w = withoutTools(a, [heavy.index]);
    const section = await poll('the request without create_ticket', () => text(f, '#without'), (t) => t.includes('Without create_ticket'));
    assert.ok(section.includes(`${tokensText(w.before.tokens, w.before.exact)} → ${tokensText(w.after.tokens, w.after.exact)}`), section);
    assert.ok(section.includes(savingText(w.savingsPerRequests, w.after.exact)), section);
    assert.ok(w.notes.every((n) => section.includes(n)), section);
    await shot(ed, 'tools-without');
  });

  it("Audit Tool Overhead from a tool's CodeLens: that tool highlighted", async () => {
    const rel = 'support-agent.json';
    const source = read(rel);
    const a = await analysed(rel);
    const tool = a.doc.parts.find((p) => p.kind === 'tool' && p.name === 'search_orders')!;
    await openInFirstGroup(ed, rel);
    await waitForExact(ed, a.total.tokens);
    await ed.goTo(lineCol(source, tool.anchor!.start).line + 5);
    const lensLink = ed.page.locator('.monaco-editor .codelens-decoration a', { hasText: /^search_orders: / }).first();
    await lensLink.waitFor({ state: 'visible', timeout: 30_000 });
    await lensLink.click();
    const f = await report(ed, 'tools');
    const row = f.locator(`#tool-${tool.index}`);
    await poll('the tool from the lens highlighted', async () => (await row.getAttribute('class').catch(() => null)) ?? '', (c) => /\bfocus\b/.test(c));
    assert.equal(await f.locator('tr.focus:not(.why)').count(), 1, 'only that tool');
    await shot(ed, 'tools-from-codelens');
  });

  it('Advise on Prompt Caching: the cached prefix priced, and the best breakpoint for payloads without one', async () => {
    const rel = 'support-agent.json';
    const a = await analysed(rel);
    await openInFirstGroup(ed, rel);
    await waitForExact(ed, a.total.tokens);
    await ed.runCommand('Token Lens: Advise on Prompt Caching');
    const advice = (await adviseCache(a, { client }))!;
    const e = advice.existing!;
    assert.ok(e, 'support-agent.json has a breakpoint');
    let f = await report(ed, 'cache');
    const got = await poll('the breakpoints table', () => rows(f, '#cache-breakpoints'), (r) => r.length === e.breakpoints.length);
    e.breakpoints.forEach((b, i) => {
      assert.equal(got[i]![0], b.breakpoint.label);
      assert.equal(got[i]![2], tokensText(b.tokens, b.exact));
      assert.equal(got[i]![3], b.cached ? 'cached' : b.belowMinimum ? 'not cached: below the minimum' : 'not cached');
    });
    assert.equal(await figureValue(f, 'First request'), usdText(e.cost.first.total, advice.exact));
    assert.equal(await figureValue(f, 'Each repeat'), usdText(e.cost.repeat.total, advice.exact));
    assert.equal(await figureValue(f, 'Without caching'), usdText(e.cost.uncached.total, advice.exact));
    const breakEven = e.cost.breakEvenRequests;
    assert.equal(await figureValue(f, 'Breaks even'), breakEven !== undefined ? `after ${fmt(breakEven)} request${breakEven === 1 ? '' : 's'}` : 'never, as placed');
    await shot(ed, 'cache-existing');

    // Payloads without breakpoints: candidates, the best one starred (or why none pays off).
    for (const other of ['mcp-tools.json', 'research-payload.yaml']) {
      const b = await analysed(other);
      await openInFirstGroup(ed, other);
      await waitForExact(ed, b.total.tokens);
      await ed.runCommand('Token Lens: Advise on Prompt Caching');
      const s = (await adviseCache(b, { client }))!.suggestion!;
      f = await report(ed, 'cache');
      const cand = await poll(`candidates for ${other}`, () => rows(f, '#cache-candidates'), (r) => r.length === s.candidates.length && r[0]![0]!.startsWith(s.candidates[0]!.label));
      s.candidates.forEach((c, i) => {
        assert.ok(cand[i]![0]!.startsWith(c.label), cand[i]![0]);
        assert.equal(cand[i]![1], `${tokensText(c.tokens, c.exact)}`);
        assert.equal(cand[i]![0]!.includes('★ best'), c === s.best);
        assert.equal(cand[i]![0]!.includes('below minimum'), c.belowMinimum);
      });
      if (s.best) assert.match(await text(f, '#cache-best'), new RegExp(`Put a breakpoint at the ${escapeRegExp(s.best.label)}`));
      else assert.ok((await text(f, '.callout')).includes(s.reason!), 'says why nothing pays off');
      await shot(ed, `cache-${other.replace(/\W+/g, '-')}`);
    }
  });

  it('Preview Model Routing: the rule that matches, what it saves, and the setting checked live', async () => {
    const rel = 'research-payload.yaml';
    const a = await analysed(rel);
    await openInFirstGroup(ed, rel);
    await waitForExact(ed, a.total.tokens);
    await ed.runCommand('Token Lens: Preview Model Routing');
    const r = routeFor(a, validateRouting(DEFAULT_ROUTING, registry).config, registry);
    assert.equal(r.sameModel, false, 'the default rules move this Opus payload');
    const f = await report(ed, 'routing');
    const got = await poll('the routing table', () => rows(f, '#routing-table'), (x) => x.length === 2);
    for (const [i, side] of [r.current, r.routed].entries()) {
      assert.ok(got[i]![0]!.startsWith(side.label), got[i]![0]);
      assert.equal(got[i]![1], tokensText(side.tokens, side.exact));
      assert.equal(got[i]![2], usdText(side.cost?.input, side.exact));
      assert.equal(got[i]![3], usdText(side.cost?.total, side.exact));
    }
    const exact = r.current.exact && r.routed.exact;
    assert.equal(await figureValue(f, 'Per request'), savingText(r.savings.perRequest, exact));
    assert.equal(await figureValue(f, 'Per 1,000 requests'), savingText(r.savings.perRequests, exact));
    assert.match(await text(f, '#routing-rules li.matched'), new RegExp(escapeRegExp(r.routed.modelId.replace(/-\d{8}$/, '')).slice(0, 12)));
    await shot(ed, 'routing');

    // Rules from the workspace settings, one of them invalid: the panel follows and says what is wrong.
    const raw = {
      rules: [
        { maxTokens: 10, model: 'claude-nope-1' },
        { maxTokens: 'lots', model: 'claude-sonnet-4-6' },
        { maxTokens: 50_000, model: 'claude-haiku-4-5' },
      ],
      fallback: 'claude-opus-4-8',
    };
    const settings = path.join(ws, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    fs.writeFileSync(settings, JSON.stringify({ 'tokenLens.routing': raw }, null, 2));
    try {
      const checked = validateRouting(raw, registry);
      const r2 = routeFor(a, checked.config, registry);
      await poll('the new rules applied', () => text(f, 'h1'), (t) => t === `Routed to ${r2.routed.label}`, 30_000);
      const problems = await text(f, '.notes:last-of-type');
      assert.ok(checked.findings.length >= 2);
      for (const finding of checked.findings) assert.ok(problems.includes(finding.message), `${finding.message} in ${problems}`);
      assert.equal(await figureValue(f, 'Per request'), savingText(r2.savings.perRequest, r2.current.exact && r2.routed.exact));
      await shot(ed, 'routing-setting');
    } finally {
      fs.rmSync(settings, { force: true });
    }
    await poll('the default rules back', () => text(f, 'h1'), (t) => t === `Routed to ${r.routed.label}`, 30_000);
  });

  it('Trim Conversation to Budget: diff first, confirm, one undoable edit, exact counts before and after', async () => {
    const rel = 'support-agent.json';
    const original = read(rel);
    const a = await analysed(rel);
    const messages = a.doc.body.messages;
    const cut = trimCutPoints(messages).at(-1)!;
    assert.ok(cut > 0, 'support-agent.json can lose its oldest turns');
    const after = (await countBody(client, a.model!.id, { ...a.doc.body, messages: messages.slice(cut) }, false, a.family))!;
    assert.ok(after.exact && after.tokens < a.total.tokens);
    const budget = after.tokens + 10;

    await openInFirstGroup(ed, rel);
    await waitForExact(ed, a.total.tokens);
    await ed.runCommandToInput('Token Lens: Trim Conversation to Budget', /trim the conversation/);
    await typeAndEnter(ed, String(budget));
    const dialog = ed.page.locator('.monaco-dialog-box', { hasText: `Remove the ${cut} oldest messages from support-agent.json?` });
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const detail = (await dialog.innerText()).replace(/\s+/g, ' ');
    assert.ok(detail.includes(`${fmt(a.total.tokens)} → ${fmt(after.tokens)} input tokens (exact, count_tokens); budget ${fmt(budget)}`), detail);
    await ed.page.locator('.tab', { hasText: `trimmed to ${fmt(budget)} tokens` }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await shot(ed, 'trim-confirm');
    await dialog.locator('.monaco-button', { hasText: /^Remove Messages$/ }).click();
    const done = (await ed.notification(/Token Lens: removed \d+ messages, /)).text;
    assert.equal(done, `Token Lens: removed ${cut} messages, ${fmt(a.total.tokens)} → ${fmt(after.tokens)} tokens (exact, count_tokens).`);
    const toast = ed.page.locator('.notification-toast .notification-list-item-message').filter({ hasText: /removed \d+ messages/ }).first();
    assert.ok(await toast.evaluate((e) => (e as unknown as { scrollWidth: number; clientWidth: number }).scrollWidth <= (e as unknown as { clientWidth: number }).clientWidth), 'the notification fits on its line');
    assert.equal(await ed.page.locator('.tab', { hasText: 'trimmed to' }).count(), 0, 'the preview diff is closed');

    // Saved, the file re-parses with the oldest turns gone and everything else as it was.
    await ed.focusEditor();
    await ed.page.keyboard.press('Control+S');
    // (Saving is not atomic: wait for the whole new text.)
    const parses = (t: string) => parseDocument(file(rel), t, { promptGlobs: [], excludeGlobs: [] }).status === 'ok';
    const trimmed = await poll('the trimmed file on disk', async () => read(rel), (t) => t !== original && parses(t));
    const doc = parsed(file(rel), trimmed);
    assert.equal(doc.body.messages.length, messages.length - cut);
    assert.deepEqual(doc.body.messages, messages.slice(cut) as Json[]);
    assert.deepEqual(doc.body.tools, a.doc.body.tools);
    assert.deepEqual(doc.body.system, a.doc.body.system);
    await waitForExact(ed, after.tokens);
    await shot(ed, 'trim-applied');

    // One undo restores the file exactly.
    await ed.focusEditor();
    await ed.page.keyboard.press('Control+Z');
    await ed.page.keyboard.press('Control+S');
    await poll('the original file on disk', async () => read(rel), (t) => t === original);
    await waitForExact(ed, a.total.tokens);
    await ed.clearNotifications();
  });

  it('Trim Conversation to Budget on Fable 5.2 removes the kept turns\' thinking too, and the fake API (same rule) accepts the result', async () => {
    const rel = 'trim-fable-thinking.json';
    const original = read(rel);
    const a = await analysed(rel);
    assert.equal(a.model?.trimInvalidatesThinking, true);
    const messages = a.doc.body.messages;
    // Drop the first exchange only, so assistant turns with thinking stay.
    const cut = trimCutPoints(messages)[1]!;
    assert.equal(cut, 2);
    const untreated = (await countBody(client, a.model!.id, { ...a.doc.body, messages: messages.slice(cut) }, false, a.family))!;
    assert.equal(untreated.exact, false, 'the fake API rejects the untreated trim');
    assert.match(untreated.message ?? '', /bound to a different conversation/);
    const kept = messages.slice(cut).map(withoutThinking);
    const after = (await countBody(client, a.model!.id, { ...a.doc.body, messages: kept }, false, a.family))!;
    assert.ok(after.exact, 'the treated trim is accepted');
    // Half-way between the trimmed and the whole request: the first exchange is exactly what must go.
    const budget = Math.floor((after.tokens + a.total.tokens) / 2);
    assert.ok(budget >= after.tokens && budget < a.total.tokens);

    await openInFirstGroup(ed, rel);
    await waitForExact(ed, a.total.tokens);
    await ed.runCommandToInput('Token Lens: Trim Conversation to Budget', /trim the conversation/);
    await typeAndEnter(ed, String(budget));
    const dialog = ed.page.locator('.monaco-dialog-box', { hasText: `Remove the ${cut} oldest messages from ${rel}?` });
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const detail = (await dialog.innerText()).replace(/\s+/g, ' ');
    assert.match(detail, /Also 3 thinking blocks from assistant #4, assistant #6, assistant #8 \(shown in the diff\): on Fable 5\.2 thinking is bound to the turns before it/);
    assert.ok(detail.includes(`${fmt(a.total.tokens)} → ${fmt(after.tokens)} input tokens (exact, count_tokens)`), detail);
    // The diff shows the thinking going.
    await poll(
      'the removed thinking in the diff',
      () => ed.page.locator('.editor-group-container.active .monaco-diff-editor .editor.original .view-lines').first().innerText().catch(() => ''),
      (t) => t.replace(/\u00a0/g, ' ').includes('"type": "thinking"'),
      30_000,
    );
    await shot(ed, 'trim-thinking-confirm');
    await dialog.locator('.monaco-button', { hasText: /^Remove Messages$/ }).click();
    await ed.notification(new RegExp(`Token Lens: removed ${cut} messages, `));
    await ed.focusEditor();
    await ed.page.keyboard.press('Control+S');
    const parses = (t: string) => parseDocument(file(rel), t, { promptGlobs: [], excludeGlobs: [] }).status === 'ok';
    const trimmed = await poll('the trimmed file on disk', async () => read(rel), (t) => t !== original && parses(t));
    const doc = parsed(file(rel), trimmed);
    assert.deepEqual(doc.body.messages, kept as Json[]);
    // The saved request is accepted by the fake API, which applies the same rule.
    const saved = (await countBody(client, a.model!.id, doc.body, false, a.family))!;
    assert.ok(saved.exact, `accepted: ${saved.message ?? ''}`);
    await waitForExact(ed, after.tokens);
    await shot(ed, 'trim-thinking-applied');

    await ed.focusEditor();
    await ed.page.keyboard.press('Control+Z');
    await ed.page.keyboard.press('Control+S');
    await poll('the original file on disk', async () => read(rel), (t) => t === original);
    await ed.clearNotifications();
  });

  it('Trim Conversation to Budget refuses to apply when the file changed while confirming', async () => {
    const rel = 'research-payload.yaml';
    const original = read(rel);
    const a = await analysed(rel);
    const cut = trimCutPoints(a.doc.body.messages).at(-1)!;
    const after = (await countBody(client, a.model!.id, { ...a.doc.body, messages: a.doc.body.messages.slice(cut) }, false, a.family))!;
    await openInFirstGroup(ed, rel);
    await waitForExact(ed, a.total.tokens);
    await ed.runCommandToInput('Token Lens: Trim Conversation to Budget', /trim the conversation/);
    await typeAndEnter(ed, String(after.tokens));
    const dialog = ed.page.locator('.monaco-dialog-box', { hasText: /Remove the \d+ oldest messages? from research-payload\.yaml\?/ });
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    // A comment line just above the messages, so the diff (scrolled to the first change) shows it.
    fs.writeFileSync(file(rel), original.replace('\nmessages:\n', '\n# changed on disk while the trim was being confirmed\nmessages:\n'));
    try {
      await poll(
        'the change on disk shown in the diff',
        () => ed.page.locator('.editor-group-container.active .monaco-diff-editor .editor.original .view-lines').first().innerText().catch(() => ''),
        // Monaco renders spaces as no-break spaces.
        (t) => t.replace(/\u00a0/g, ' ').includes('changed on disk'),
        30_000,
      );
      await dialog.locator('.monaco-button', { hasText: /^Remove Messages$/ }).click();
      await ed.notification(/changed while the trim was being confirmed, so nothing was removed/);
      const doc = parsed(file(rel), read(rel));
      assert.equal(doc.body.messages.length, a.doc.body.messages.length, 'nothing removed');
    } finally {
      fs.writeFileSync(file(rel), original);
    }
    await ed.clearNotifications();
  });

  it('Show Token Breakdown: stacked bar and treemap with values on hover, click reveals, live updates', async () => {
    const rel = 'support-agent.json';
    const source = read(rel);
    const a = await analysed(rel);
    await openInFirstGroup(ed, rel);
    await waitForExact(ed, a.total.tokens);
    await ed.runCommand('Token Lens: Show Token Breakdown');
    const b = breakdownOf(a);
    const f = await report(ed, 'breakdown');
    await poll('the breakdown total', () => text(f, 'h1'), (t) => t === `${tokensText(b.total.tokens, b.total.exact)} input tokens`);
    const shown = b.segments.filter((s) => s.tokens > 0);
    assert.equal(await f.locator('#breakdown-bar rect.seg').count(), shown.length);
    assert.equal(await f.locator('#breakdown-treemap .seg').count(), shown.length);
    const table = await rows(f, '#breakdown-table');
    b.segments.forEach((s, i) => {
      assert.equal(table[i]![0], s.label);
      assert.equal(table[i]![1], tokensText(s.tokens, s.exact));
      assert.equal(table[i]![2], percentText(s.share));
    });
    assert.ok(b.segments.some((s) => s.kind === 'tool-prompt') && b.segments.some((s) => s.kind === 'system'));

    // Hover: the values; click: the editor selects that message's role.
    const i = b.segments.findIndex((s) => s.kind === 'message' && s.index === 4);
    const seg = b.segments[i]!;
    await f.locator(`#breakdown-bar rect[data-seg="${i}"]`).hover();
    await poll('the tooltip', () => text(f, '#tooltip'), (t) => t === `${seg.label} · ${tokensText(seg.tokens, seg.exact)} tokens · ${percentText(seg.share)}`);
    await shot(ed, 'breakdown');
    await f.locator(`#breakdown-bar rect[data-seg="${i}"]`).click();
    const part = a.doc.parts.find((p) => p.kind === 'message' && p.index === 4)!;
    const at = lineCol(source, part.range.start);
    // The whole message is selected, the cursor at its start.
    await ed.waitForStatusBar(`Ln ${at.line}, Col ${at.column} (${fmt(part.range.end - part.range.start)} selected)`, 15_000);
    // A tool in the treemap reveals that tool.
    const t = b.segments.findIndex((s) => s.kind === 'tool' && s.label === 'tool create_ticket');
    await f.locator(`#breakdown-treemap [data-seg="${t}"]`).click();
    const tool = a.doc.parts.find((p) => p.kind === 'tool' && p.name === 'create_ticket')!;
    const toolAt = lineCol(source, tool.range.start);
    await ed.waitForStatusBar(new RegExp(`^Ln ${toolAt.line}, Col ${toolAt.column} \\(`), 15_000);

    // Live: an edit to the last user message shows up in the chart with the new exact count.
    const marker = 'Boulder CO 80302.';
    const offset = source.indexOf(marker) + marker.length;
    const pos = lineCol(source, offset);
    await ed.goTo(pos.line, pos.column);
    const added = ' Thanks so much for sorting this out!';
    await ed.page.keyboard.type(added);
    const edited = source.slice(0, offset) + added + source.slice(offset);
    const a2 = await analysed(rel, edited);
    assert.notEqual(a2.total.tokens, a.total.tokens);
    await poll('the live update', () => text(f, 'h1'), (x) => x === `${tokensText(a2.total.tokens, true)} input tokens`, 30_000);
    const user5 = breakdownOf(a2).segments[i]!;
    assert.equal((await rows(f, '#breakdown-table'))[i]![1], tokensText(user5.tokens, user5.exact));
    await shot(ed, 'breakdown-live');
    for (let k = 0; k < added.length; k++) await ed.page.keyboard.press('Backspace');
    await ed.page.keyboard.press('Control+S');
    await poll('back to the saved file', () => text(f, 'h1'), (x) => x === `${tokensText(b.total.tokens, b.total.exact)} input tokens`, 30_000);
  });

  it('shows tool names and messages from the file as text, never as markup', async () => {
    const rel = 'escape.json';
    await openInFirstGroup(ed, rel);
    await ed.waitForStatusBar(/ tokens · /, 60_000);
    await ed.runCommand('Token Lens: Audit Tool Overhead');
    const f = await report(ed, 'tools');
    const name = '<img src=x onerror=alert(1)>';
    await poll('the tool row', () => rows(f, '#tools-table'), (r) => r[0]?.[1] === name);
    assert.equal(await f.locator('#report img').count(), 0, 'no element made from the file');
    await ed.runCommand('Token Lens: Show Token Breakdown');
    const g = await report(ed, 'breakdown');
    await poll('the tool segment', () => rows(g, '#breakdown-table'), (r) => r.some((c) => c[0] === `tool ${name}`));
    assert.equal(await g.locator('#report img, #report script').count(), 0);
  });

  it('follows the colour theme', async () => {
    const settings = path.join(ws, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    fs.writeFileSync(settings, JSON.stringify({ 'workbench.colorTheme': 'Default Light Modern' }));
    try {
      await openInFirstGroup(ed, 'support-agent.json');
      await ed.runCommand('Token Lens: Show Token Breakdown');
      const f = await report(ed, 'breakdown');
      await poll('the light theme in the webview', () => f.locator('body').getAttribute('class'), (c) => /\bvscode-light\b/.test(c ?? ''), 30_000);
      // The chart's colours are the theme's: a user message is --vscode-charts-blue.
      const colours = await f.locator('#breakdown-bar rect.k-user').first().evaluate((el) => {
        const css = (globalThis as unknown as { getComputedStyle(e: unknown): { fill: string; getPropertyValue(n: string): string } }).getComputedStyle;
        const doc = (globalThis as unknown as { document: { body: unknown } }).document;
        return { fill: css(el).fill, blue: css(doc.body).getPropertyValue('--vscode-charts-blue').trim() };
      });
      assert.ok(colours.blue.length > 0, 'the theme defines --vscode-charts-blue');
      const hex = colours.blue.replace('#', '');
      const rgb = `rgb(${parseInt(hex.slice(0, 2), 16)}, ${parseInt(hex.slice(2, 4), 16)}, ${parseInt(hex.slice(4, 6), 16)})`;
      assert.equal(colours.fill, rgb, JSON.stringify(colours));
      await shot(ed, 'breakdown-light');
      await ed.runCommand('Token Lens: Audit Tool Overhead');
      await report(ed, 'tools');
      await shot(ed, 'tools-light');
    } finally {
      fs.rmSync(settings, { force: true });
    }
  });

  it('brings open reports back after a window reload: the same file, the same thinking budget', async () => {
    const rel = 'support-agent.json';
    const a = await analysed(rel);
    await openInFirstGroup(ed, rel);
    await waitForExact(ed, a.total.tokens);
    await ed.runCommand('Token Lens: Show Token Breakdown');
    const total = `${tokensText(a.total.tokens, true)} input tokens`;
    await poll('the breakdown', async () => text(await report(ed, 'breakdown'), 'h1'), (t) => t === total);
    await ed.runCommandToInput('Token Lens: Estimate with Thinking Budget', /thinking budget/);
    await pickItem(ed, '2,000 tokens');
    const thinkingTitle = 'Thinking 2,000 · support-agent.json';
    await poll('the thinking report', async () => pageTitle(await report(ed, 'thinking')), (t) => t === thinkingTitle);
    const before = await groupTabs(ed);
    assert.ok(!reportBesideFile(before, rel), `the reports open beside the file, not in its group: ${JSON.stringify(before)}`);

    await ed.reloadWindow();

    // The active report (thinking) is revived at once, recomputed for the same budget, without asking.
    const tab = (title: string) => ed.page.locator('.tabs-container .tab', { hasText: title });
    await tab(thinkingTitle).first().waitFor({ state: 'visible', timeout: 30_000 });
    await tab(thinkingTitle).first().click();
    const f = await report(ed, 'thinking', 60_000);
    await poll('the restored thinking table', () => lines(f), (t) => (t['total-n']?.length ?? 0) > 1, 60_000);
    assert.equal(await pageTitle(f), thinkingTitle);
    assert.equal(await ed.page.locator('.quick-input-widget').isVisible(), false, 'no budget asked on restore');
    await shot(ed, 'restored-thinking');
    // The other one when its tab is shown.
    await tab('Breakdown · support-agent.json').first().click();
    await poll('the restored breakdown', async () => text(await report(ed, 'breakdown', 60_000), 'h1'), (t) => t === total, 60_000);
    await shot(ed, 'restored-breakdown');
    // Brought back where they were: running the command into a restored panel does not move it
    // into the file's group (revealing it there did, as a preview tab).
    const after = await groupTabs(ed);
    assert.ok(!reportBesideFile(after, rel), `a restored report moved into the file's group: ${JSON.stringify(after)}`);
  });

  it('says what to do, after a reload, in the report of a file that is gone', async () => {
    const rel = 'gone.json';
    fs.copyFileSync(file('support-agent.json'), file(rel));
    await openInFirstGroup(ed, rel);
    await ed.runCommand('Token Lens: Show Token Breakdown');
    // The breakdown panel is reused (by message, no reload of the page): its title and its
    // restore state follow the new file.
    await poll('the breakdown of gone.json', async () => pageTitle(await report(ed, 'breakdown')), (t) => t === 'Breakdown · gone.json');
    await ed.runCommand('View: Close Editor Group').catch(() => undefined);
    fs.rmSync(file(rel));
    await ed.reloadWindow();
    const tab = ed.page.locator('.tabs-container .tab', { hasText: 'Breakdown · gone.json' }).first();
    await tab.waitFor({ state: 'visible', timeout: 30_000 });
    await tab.click();
    const f = await report(ed, 'breakdown', 60_000);
    await poll('the callout', () => text(f, '.callout'), (t) => /gone\.json could not be reported on after the reload .*run "Token Lens: Show Token Breakdown" again/.test(t), 60_000);
    assert.equal(await ed.page.locator('.notification-toast', { hasText: 'gone.json' }).count(), 0, 'the panel says it; no error toast on top');
    await shot(ed, 'restored-gone');
    await ed.runCommand('View: Close All Editor Groups').catch(() => undefined);
  });

  it('labels every number an estimate, and says why, when counting is offline', async () => {
    const rel = 'support-agent.json';
    const settings = path.join(ws, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    fs.writeFileSync(settings, JSON.stringify({ 'tokenLens.offline': true }));
    try {
      await openInFirstGroup(ed, rel);
      await ed.waitForStatusBar(/^≈[\d,]+ tokens · /, 30_000);
      await ed.runCommandToInput('Token Lens: Estimate with Thinking Budget', /thinking budget/);
      await pickItem(ed, '4,000 tokens');
      const f = await report(ed, 'thinking');
      await poll('the offline estimate', () => text(f, '.provenance'), (t) => t.includes('≈ estimate ≈ Local estimates (offline mode).'));
      const table = await lines(f);
      const priced = table['input-tokens']!.slice(1).filter((c) => c !== '–');
      assert.ok(priced.length >= 2, JSON.stringify(table));
      for (const id of ['input-tokens', 'input', 'total', 'batch', 'total-n']) {
        for (const c of table[id]!.slice(1).filter((x) => x !== '–')) assert.ok(c.startsWith('≈'), `${id}: ${c}`);
      }
      await shot(ed, 'thinking-offline');
      await ed.runCommand('Token Lens: Show Token Breakdown');
      const g = await report(ed, 'breakdown');
      await poll('the estimate badge', () => text(g, '.provenance'), (t) => t.includes('offline mode'));
      assert.match(await text(g, 'h1'), /^≈[\d,]+ input tokens$/);
    } finally {
      fs.rmSync(settings, { force: true });
    }
  });


  it("the CLI's pull-request report (token-lens diff --markdown), rendered by the editor's Markdown preview", async () => {
    // A repository of the examples with one change since its first commit, as a pull request has.
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'token-lens-diff-repo-'));
    let delta = 0;
    try {
      fs.cpSync(EXAMPLES, repo, { recursive: true, filter: (src) => src !== path.join(EXAMPLES, 'context') });
      const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' });
      git('init', '-q', '-b', 'main');
      git('add', '-A');
      git('commit', '-qm', 'base');
      const agent = JSON.parse(fs.readFileSync(path.join(repo, 'support-agent.json'), 'utf8')) as { system: { text: string }[] };
      agent.system.at(-1)!.text += ' Always answer in the customer\'s language, and quote the order number in every reply.';
      fs.writeFileSync(path.join(repo, 'support-agent.json'), JSON.stringify(agent, null, 2));
      // Asynchronously: the fake API answers from this process's event loop.
      const cli = async (...args: string[]) =>
        (
          await execFileAsync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'diff', 'HEAD', ...args, '--cache-dir', path.join(repo, '.cache')], {
            cwd: repo,
            encoding: 'utf8',
            env: { ...process.env, ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: api.apiKey },
          })
        ).stdout;
      const json = JSON.parse(await cli('--json')) as { files: { path: string; status: string; after?: { exact: boolean }; delta?: { inputTokens: number } }[] };
      const changed = json.files.find((f) => f.path === 'support-agent.json');
      assert.ok(changed?.status === 'changed' && changed.after?.exact && changed.delta!.inputTokens > 0, JSON.stringify(changed));
      delta = changed.delta!.inputTokens;
      fs.writeFileSync(path.join(ws, 'token-lens-report.md'), await cli('--markdown'));
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
    }
    await ed.runCommand('View: Close All Editors');
    await openInFirstGroup(ed, 'token-lens-report.md');
    await ed.runCommand('Markdown: Open Preview');
    // The preview is a webview (nested frames) that may render more than once: look it up each time.
    const tableRows = async (): Promise<string[][]> => {
      for (const f of ed.page.frames()) {
        const found = await f
          .locator('table tr')
          .evaluateAll((trs) => trs.map((tr) => Array.from((tr as unknown as El).cells).map((c) => c.innerText.replace(/\s+/g, ' ').trim())))
          .catch(() => [] as string[][]);
        if (found.length > 0) return found;
      }
      return [];
    };
    const cells = await poll('the rendered report table', tableRows, (c) => c.some((r) => r[0] === 'support-agent.json'), 30_000);
    const row = cells.find((r) => r[0] === 'support-agent.json')!;
    assert.ok(row.some((c) => c.startsWith(`+${fmt(delta)} (+`)), `the exact increase of ${delta} in ${JSON.stringify(row)}`);
    await shot(ed, 'cli-markdown-report');
    await ed.runCommand('View: Close All Editors');
  });
});
