// Token Lens in a real editor: code-server + headless Chromium with the packaged token-lens.vsix,
// counting against the fake Anthropic API (test/fake-api/server.ts) started in this process.
// Every assertion is on what the page shows (status bar, CodeLens, Problems, the Explorer view,
// the output panel, input boxes), and every expected number is computed from the example file
// with the fake's own counting rule (token-lens-expected.ts), never copied from output.
//
//   npm run package                     # writes token-lens.vsix (the extension under test)
//   npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/token-lens.e2e.ts
//
// Screenshots go to .test-output/e2e/token-lens-*.png.
import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fakeCount, startFakeApi, type FakeApi } from '../fake-api/server';
import { e2eEnv, launchEditor, prepareHostTests, repoRoot, type Editor, type LaunchOptions, poll } from './driver';
import { realisticPayload } from '../support/payloads';
import { DEFAULT_MODEL, escapeRegExp, expectedFor, fmt, type Expected } from './token-lens-expected';
import { formatUSD } from '../../src/core/format';
import { analyzeDocument } from '../../src/core/analyze';
import { parseDocument } from '../../src/core/payload';
import { fakeApiClient, registry } from '../support/docs';

const VSIX = path.join(repoRoot(), 'token-lens.vsix');
const EXAMPLES = path.join(repoRoot(), 'examples');
const STATUS = '[id="token-lens.token-lens.tokenLens.status"]';
/**
 * Settings for every launch: a short debounce keeps the tests quick; edits stay unsaved (files on
 * disk are what the expected numbers are computed from); VS Code's own JSON validation is off, so
 * its "Trailing comma" warnings on the .jsonc example don't crowd Token Lens's rows out of the
 * Problems panel.
 */
// The suite opens a file every few seconds and the Explorer view counts all 20 examples (tools,
// cache prefixes) in its first minute: more than the default 50 calls a minute, which is for a
// person editing. 200 (the API's lowest tier allows 100, the next 2,000) keeps tests about other
// things from waiting on the rate limit; the priority of the edited file is tested in the unit tests.
const SETTINGS = { 'tokenLens.debounceMs': 200, 'tokenLens.rateLimitPerMinute': 200, 'files.autoSave': 'off', 'json.validate.enable': false };
/** The files of examples/ that Token Lens counts (README.md is not a prompt file). */
const COUNTED = [
  'support-agent.json',
  'broken-thinking.jsonc',
  'mcp-tools.json',
  'research-payload.yaml',
  'CLAUDE.md',
  'prompts/summarize.prompt.md',
  'prompts/code-reviewer.prompt.md',
  '.claude/agents/test-writer.md',
  'fast-mode-opus-5.json',
  'cache-1h-write.json',
  'data-residency.json',
  'batch-300k-output.json',
  'prompts/fast-triage.prompt.md',
  'cache-timestamp.json',
  'trim-fable-thinking.json',
  'context-editing.json',
];

// ---------------------------------------------------------------------------------------------
// Reading what Token Lens shows

/** The little of the DOM the page functions below use (the project's lib has no DOM types). */
interface El {
  readonly innerText: string;
  readonly offsetParent: unknown;
  readonly classList: ArrayLike<string>;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
}

interface TokenStatus {
  /** The entry's text as shown, without its icon. */
  text: string;
  /** The codicon in front: 'symbol-numeric' (settled), 'sync' (counting), 'key' (key rejected)... */
  icon: string | undefined;
  ariaLabel: string;
}

/** Token Lens's status bar entry, or undefined when it is hidden. */
async function tokenStatus(ed: Editor): Promise<TokenStatus | undefined> {
  const items = await ed.page.locator(STATUS).evaluateAll((els) =>
    els.map((e) => {
      const el = e as unknown as El;
      const label = el.querySelector('.statusbar-item-label');
      const icon = label?.querySelector('.codicon');
      const cls = icon ? Array.from(icon.classList).find((c) => c.startsWith('codicon-') && c !== 'codicon-modifier-spin') : undefined;
      return {
        visible: el.offsetParent !== null,
        text: (label?.innerText ?? '').replace(/\s+/g, ' ').trim(),
        icon: cls?.slice('codicon-'.length),
        ariaLabel: label?.getAttribute('aria-label') ?? '',
      };
    }),
  );
  const item = items.find((i) => i.visible);
  return item ? { text: item.text, icon: item.icon, ariaLabel: item.ariaLabel } : undefined;
}

/** `6,573 tokens · $0.02 · Sonnet 4.6`: the exact count, settled (not counting any more). */
function exactText(want: Expected): string {
  return `${fmt(want.total)} tokens · ${want.cost} · ${want.model.displayName}`;
}

async function waitForExactStatus(ed: Editor, want: Expected, timeoutMs = 30_000): Promise<TokenStatus> {
  const text = exactText(want);
  const s = await poll(`status bar "${text}"`, () => tokenStatus(ed), (s) => s?.icon === 'symbol-numeric' && s.text === text, timeoutMs);
  assert.ok(!s!.text.includes('≈'), s!.text);
  return s!;
}

/** A settled estimate: `≈N tokens · ≈$C · Model`, not counting any more. */
async function waitForEstimateStatus(ed: Editor, icon = 'symbol-numeric', timeoutMs = 30_000): Promise<TokenStatus> {
  const s = await poll(
    `a settled estimate ($(${icon}) ≈…) in the status bar`,
    () => tokenStatus(ed),
    (s) => s?.icon === icon && /^≈[\d,]+ tokens · (≈\$[\d.,]+|price unknown) · \S/.test(s.text),
    timeoutMs,
  );
  return s!;
}

/** Waits for the top CodeLens (`Σ …`) to show the same count as the status bar. */
async function waitForTopLens(ed: Editor, want: Expected | 'estimate'): Promise<void> {
  if (want === 'estimate') await ed.waitForCodeLens(/^Σ ≈[\d,]+ tokens · ≈\$[\d.]+ per request on \S/);
  else await ed.waitForCodeLens(`Σ ${fmt(want.total)} tokens · ${want.cost} per request on ${want.model.displayName}`);
}

/**
 * Hovers the status bar entry until its tooltip matches (the tooltip is rendered when it opens, so
 * a state that changes in between, like a recount starting, needs another hover) and returns its text.
 */
async function statusTooltip(ed: Editor, match: RegExp, timeoutMs = 20_000): Promise<string> {
  const hover = ed.page.locator('.workbench-hover, .monaco-hover').filter({ visible: true }).first();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await ed.page.locator(STATUS).first().hover();
    await hover.waitFor({ state: 'visible', timeout: 10_000 });
    const text = (await hover.innerText()).replace(/[ \t]+/g, ' ');
    if (match.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`status bar tooltip: ${match} not seen within ${timeoutMs} ms; last:\n${text}`);
    await dismissHover(ed);
  }
}

async function dismissHover(ed: Editor): Promise<void> {
  await ed.page.mouse.move(700, 300);
  await ed.page.keyboard.press('Escape');
  await ed.page.locator('.workbench-hover').first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/** Runs a command from the palette that opens an input box; fills it and presses Enter. */
async function runCommandWithInput(ed: Editor, title: string, boxTitle: RegExp, value: string, opts: { password?: boolean } = {}): Promise<void> {
  const input = await ed.runCommandToInput(title, boxTitle, 15_000);
  if (opts.password) assert.equal(await input.getAttribute('type'), 'password', 'the key is typed into a password box');
  await input.fill(value);
  await ed.page.keyboard.press('Enter');
  await ed.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 15_000 });
}

/** Rows of the Explorer's "Token Lens" view: file name and description, top to bottom. */
async function viewRows(ed: Editor): Promise<{ name: string; description: string; truncated: boolean }[]> {
  const pane = ed.page.locator('.pane', { has: ed.page.locator('.pane-header', { hasText: /^Token Lens$/i }) });
  return pane.locator('.pane-body .monaco-list-row').evaluateAll((rows) =>
    rows
      .map((r) => r as unknown as El)
      .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
      .map((r) => {
        const box = r.querySelector('.monaco-icon-label-container') as (El & { scrollWidth: number; clientWidth: number }) | null;
        return {
          name: (r.querySelector('.label-name')?.innerText ?? '').trim(),
          description: (r.querySelector('.label-description')?.innerText ?? '').trim(),
          truncated: box ? box.scrollWidth > box.clientWidth : false,
        };
      }),
  );
}

/** The text of the output panel's editor (the lines it shows). */
async function outputText(ed: Editor): Promise<string> {
  // Monaco renders spaces as no-break spaces.
  return (await ed.page.locator('.part.panel .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
}

function filesNamed(dir: string, name: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name === name) found.push(p);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return found;
}

// ---------------------------------------------------------------------------------------------
// Launching

/** A fresh copy of examples/ to open as the workspace. */
function newWorkspace(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'token-lens-ws-'));
  // examples/context is the context footprint's own workspace (context.e2e.ts), not a prompt file here.
  fs.cpSync(EXAMPLES, dir, { recursive: true, filter: (src) => src !== path.join(EXAMPLES, 'context') });
  return dir;
}

const workspaces: string[] = [];
/** The editor the running test uses, for a screenshot when it fails. */
let current: Editor | undefined;
let currentApi: FakeApi | undefined;

async function launch(api: FakeApi, opts: { key?: string | null; trusted?: boolean; extra?: Partial<LaunchOptions> } = {}): Promise<Editor> {
  const workspace = newWorkspace();
  workspaces.push(workspace);
  const env: Record<string, string> = { ANTHROPIC_BASE_URL: api.url, ...(opts.extra?.env ?? {}) };
  const key = opts.key === undefined ? api.apiKey : opts.key;
  if (key !== null) env.ANTHROPIC_API_KEY = key;
  const started = Date.now();
  const ed = await launchEditor({ vsix: VSIX, workspace, settings: SETTINGS, ...opts.extra, env, ...(opts.trusted === false ? { trusted: false } : {}) });
  process.stderr.write(`      (editor up in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  current = ed;
  currentApi = api;
  return ed;
}

async function shot(ed: Editor, name: string): Promise<void> {
  const file = await ed.screenshot(`token-lens-${name}`);
  process.stderr.write(`      screenshot: ${path.relative(repoRoot(), file)}\n`);
}

// ---------------------------------------------------------------------------------------------

describe('Token Lens in a real editor (code-server)', function () {
  this.timeout(300_000);

  before(async () => {
    if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run \`npm run package\` first`);
    const built = fs.statSync(VSIX).mtimeMs;
    const newer = ['src/extension', 'src/core'].flatMap((d) =>
      fs.readdirSync(path.join(repoRoot(), d), { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && fs.statSync(path.join(e.parentPath, e.name)).mtimeMs > built)
        .map((e) => path.relative(repoRoot(), path.join(e.parentPath, e.name))),
    );
    if (newer.length > 0) process.stderr.write(`      warning: token-lens.vsix is older than ${newer.slice(0, 3).join(', ')}: run \`npm run package\`\n`);
    await e2eEnv();
  });

  after(() => {
    for (const w of workspaces) fs.rmSync(w, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !current || !current.serverRunning) return;
    await shot(current, `FAILED-${this.currentTest.title.slice(0, 60)}`).catch(() => undefined);
    // What the extension logged about its calls, and what the fake answered.
    for (const log of filesNamed(path.join(current.tempDir, 'user-data'), 'Token Lens.log')) {
      const lines = fs.readFileSync(log, 'utf8').split('\n').filter((l) => !/\] count_tokens .*: ok 200/.test(l));
      process.stderr.write(`      Token Lens log (without ok calls):\n${lines.slice(-30).map((l) => `        ${l}`).join('\n')}\n`);
    }
    if (currentApi) {
      const statuses: Record<string, number> = {};
      for (const r of currentApi.requests) {
        const key = `${r.status}${r.fault ? ` (${r.fault})` : ''}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
      process.stderr.write(`      fake API: ${currentApi.countCalls()} calls, statuses ${JSON.stringify(statuses)}\n`);
    }
  });

  describe('with a key in the environment', () => {
    let api: FakeApi;
    let ed: Editor;
    let ws: string;
    const wanted = (rel: string, model?: string) => expectedFor(path.join(ws, rel), fs.readFileSync(path.join(ws, rel), 'utf8'), model);

    before(async () => {
      api = await startFakeApi();
      ed = await launch(api);
      ws = ed.workspace;
    });

    after(async () => {
      await ed?.close();
      await api?.close();
    });

    it('shows the exact count of support-agent.json in the status bar', async () => {
      await ed.openFile('support-agent.json');
      const want = wanted('support-agent.json');
      assert.equal(want.model.displayName, 'Sonnet 4.6');
      const s = await waitForExactStatus(ed, want);
      assert.equal(s.text, `${fmt(want.total)} tokens · ${want.cost} · Sonnet 4.6`);
      // The API was asked for the whole request as the file states it, with the canonical model id.
      assert.ok(api.requests.some((r) => isDeepStrictEqual(r.body, want.request)), 'count_tokens got the whole request');
      // A screen reader hears the entry, not the tooltip's markdown source.
      assert.ok(!/\|:--|\*\*/.test(s.ariaLabel), `aria-label: ${s.ariaLabel}`);
      assert.match(s.ariaLabel, new RegExp(escapeRegExp(`${fmt(want.total)} tokens`)));
      await waitForTopLens(ed, want);
      await shot(ed, '01-status-exact');
      // The tooltip breaks the request down and prices it on the comparison models (README picture).
      const tip = await statusTooltip(ed, /Exact, from the count_tokens API/);
      assert.ok(tip.includes(`${fmt(want.total)} input tokens on Sonnet 4.6`), tip);
      assert.match(tip, /Tools \(12\)/);
      await shot(ed, '01b-status-tooltip');
      await dismissHover(ed);
    });

    it('shows CodeLens for the total, the system prompt, each message and each of the 12 tools', async () => {
      const want = wanted('support-agent.json');
      assert.equal(want.tools.length, 12);
      assert.deepEqual(want.parts.filter((p) => p.kind !== 'tool').map((p) => p.label), ['system', 'user #1', 'assistant #2', 'user #3', 'assistant #4', 'user #5']);
      const heavy = want.tools.filter((t) => t.tokens > 500).map((t) => t.name);
      assert.deepEqual(heavy, ['create_ticket'], 'only create_ticket is over the default threshold');
      await ed.goTo(1);
      await ed.waitForCodeLens(`Σ ${fmt(want.total)} tokens · ${want.cost} per request on Sonnet 4.6`);
      // The editor renders only the lenses near the viewport: go to each part's line and read its lens.
      for (const part of want.parts) {
        await ed.goTo(part.line);
        if (part.kind !== 'tool') {
          await ed.waitForCodeLens(new RegExp(`^${escapeRegExp(part.label)}: ≈[\\d,]+ tokens$`), 15_000);
          continue;
        }
        const tool = want.tools.find((t) => t.name === part.label)!;
        const over = tool.tokens > 500 ? escapeRegExp(' · over 500') : '';
        const lenses = await ed.waitForCodeLens(new RegExp(`^${escapeRegExp(`${tool.name}: ${fmt(tool.tokens)} tokens · $`)}[\\d.]+/request${over}$`), 15_000);
        assert.ok(lenses.every((l) => !l.startsWith(`${tool.name}:`) || l.endsWith('over 500') === tool.tokens > 500), JSON.stringify(lenses));
      }
      // Leave the heavy tool on screen for the screenshot.
      await ed.goTo(want.parts.find((p) => p.label === 'create_ticket')!.line);
      await shot(ed, '02-codelens-tools');
    });

    it('lists the heavy tool and the broken thinking budget in the Problems panel', async () => {
      const want = wanted('support-agent.json');
      const heavy = want.tools.find((t) => t.name === 'create_ticket')!;
      const rows = await ed.waitForProblems((r) => r.some((p) => p.file === 'support-agent.json' && /Tool "create_ticket" costs/.test(p.text)));
      const row = rows.find((p) => /Tool "create_ticket" costs/.test(p.text))!;
      assert.equal(row.severity, 'warning');
      assert.match(row.text, new RegExp(escapeRegExp(`costs ${fmt(heavy.tokens)} tokens on every request (threshold 500)`)));
      await poll('the code tool-over-threshold on the create_ticket row', () => ed.page.locator('.markers-panel .monaco-list-row').allInnerTexts(), (t) =>
        t.some((r) => r.includes('create_ticket') && r.includes('tool-over-threshold')),
      );
      assert.equal(rows.filter((p) => p.file === 'support-agent.json').length, 1, JSON.stringify(rows));

      await ed.openFile('broken-thinking.jsonc');
      const broken = await ed.waitForProblems((r) => r.filter((p) => p.file === 'broken-thinking.jsonc' && p.severity === 'error').length >= 2);
      const errors = broken.filter((p) => p.file === 'broken-thinking.jsonc');
      assert.ok(errors.some((p) => /budget_tokens is 512; the minimum is 1,024/.test(p.text)), JSON.stringify(errors));
      assert.ok(errors.some((p) => /budget_tokens \(512\) must be less than max_tokens \(400\)/.test(p.text)), JSON.stringify(errors));
      await poll('the thinking-budget codes in the Problems panel', () => ed.page.locator('.markers-panel .monaco-list-row').allInnerTexts(), (t) =>
        t.some((r) => r.includes('thinking-budget-too-small')) && t.some((r) => r.includes('thinking-budget-exceeds-max-tokens')),
      );
      assert.equal(errors.length, 2, `only Token Lens's two errors: ${JSON.stringify(errors)}`);
      // The API refuses this request (budget below 1,024), so its count is an estimate and says so.
      await waitForEstimateStatus(ed);
      await shot(ed, '03-problems');
    });

    it('counts context_management through the beta and shows the count before and after context editing in the tooltip', async () => {
      const rel = 'context-editing.json';
      const want = wanted(rel);
      const body = JSON.parse(fs.readFileSync(path.join(ws, rel), 'utf8')) as Record<string, unknown>;
      const before = fakeCount(body);
      assert.ok(want.total < before, 'the fake API cleared old tool results');
      await ed.openFile(rel);
      await waitForExactStatus(ed, want);
      const sent = api.requests.find((r) => isDeepStrictEqual(r.body, want.request));
      assert.ok(sent, 'count_tokens got the whole request, context_management included');
      assert.match(sent.headers['anthropic-beta'] ?? '', /context-management-2025-06-27/);
      const tip = await statusTooltip(ed, /Context editing/);
      assert.ok(tip.includes(`Context editing (context_management): ${fmt(before)} tokens before, ${fmt(want.total)} after (count_tokens).`), tip);
      await shot(ed, '01c-context-editing-tooltip');
      await dismissHover(ed);
    });

    it('shows why a prompt cache will miss, and thinking bound to earlier turns, in the Problems panel', async () => {
      // The findings as the core makes them from exact counts on the same fake API.
      const exactFindings = async (rel: string) => {
        const file = path.join(ws, rel);
        const r = parseDocument(file, fs.readFileSync(file, 'utf8'), { promptGlobs: [], excludeGlobs: [] });
        assert.equal(r.status, 'ok');
        const a = await analyzeDocument((r as Extract<typeof r, { status: 'ok' }>).doc, { registry, defaultModel: DEFAULT_MODEL, toolThreshold: 500 }, fakeApiClient(api));
        assert.ok(a?.total.exact);
        return a!.findings;
      };
      const misses = (await exactFindings('cache-timestamp.json')).filter((f) => f.code === 'cache-volatile-content');
      assert.deepEqual(misses.map((f) => f.message.split(' (')[0]), ['A timestamp', 'A request id']);
      assert.ok(misses.every((f) => !f.message.includes('≈')), 'priced from exact counts');
      await ed.openFile('cache-timestamp.json');
      const rows = await ed.waitForProblems((r) => misses.every((m) => r.some((p) => p.file === 'cache-timestamp.json' && p.severity === 'warning' && p.text.includes(m.message))));
      assert.ok(rows.some((p) => p.file === 'cache-timestamp.json' && /2026-12-03T09:41:27Z.*at line 7 /.test(p.text)), JSON.stringify(rows));
      await poll('the code cache-volatile-content in the Problems panel', () => ed.page.locator('.markers-panel .monaco-list-row').allInnerTexts(), (t) => t.some((r) => r.includes('cache-volatile-content')));
      await shot(ed, '03b-cache-miss');

      const bound = (await exactFindings('trim-fable-thinking.json')).find((f) => f.code === 'thinking-bound-to-prefix')!;
      assert.match(bound.message, /Fable 5\.2 binds each of the 4 thinking blocks/);
      await ed.openFile('trim-fable-thinking.json');
      await ed.waitForProblems((r) => r.some((p) => p.file === 'trim-fable-thinking.json' && p.severity === 'info' && p.text.includes(bound.message)));
    });

    it('lists every example file in the Explorer view, largest first, with its count', async () => {
      await ed.runCommand('Explorer: Focus on Token Lens View');
      // Fold the folder tree so the whole list has room.
      const folders = ed.page.locator('.pane', { has: ed.page.locator('.explorer-folders-view') }).locator('.pane-header[aria-expanded="true"]');
      if ((await folders.count()) > 0) await folders.first().click();
      await ed.page.locator('.pane', { has: ed.page.locator('.explorer-folders-view') }).locator('.pane-header[aria-expanded="false"]').waitFor({ timeout: 10_000 });
      const expected = new Map(COUNTED.map((rel) => [path.posix.basename(rel), rel]));
      const rows = await poll(
        'the Token Lens view listing every counted file',
        () => viewRows(ed),
        (rows) =>
          rows.length === COUNTED.length &&
          rows.every((r) => {
            const rel = expected.get(r.name);
            if (!rel) return false;
            if (rel === 'broken-thinking.jsonc') return /^≈[\d,]+ tokens$/.test(r.description);
            return r.description === `${fmt(wanted(rel).total)} tokens`;
          }),
        60_000,
      );
      assert.deepEqual(rows.map((r) => r.name).sort(), [...expected.keys()].sort());
      const numbers = rows.map((r) => Number(r.description.replace(/[^\d]/g, '')));
      assert.deepEqual(numbers, [...numbers].sort((a, b) => b - a), `largest first: ${JSON.stringify(rows)}`);
      assert.equal(rows[0]!.name, 'support-agent.json');
      assert.deepEqual(rows.filter((r) => r.truncated).map((r) => r.name), [], 'no row is cut off in a sidebar of the default width');
      await shot(ed, '04-explorer-view');
    });

    it('prices fast mode on Opus 5 at ×2 in the status bar, its tooltip and CodeLens', async () => {
      const rel = 'fast-mode-opus-5.json';
      await ed.openFile(rel);
      const want = wanted(rel);
      assert.equal(want.model.id, 'claude-opus-5');
      assert.equal(want.model.prices.input, 5);
      assert.deepEqual(want.model.fastMode, { multiplier: 2 });
      // By hand from the table: Opus 5 input is $5 per million tokens; fast mode is ×2.
      const cost = formatUSD((want.total * 5 * 2) / 1_000_000);
      assert.notEqual(cost, want.cost, 'the fast-mode price is not the standard one');
      const text = `${fmt(want.total)} tokens · ${cost} (fast mode ×2) · Opus 5`;
      const s = await poll(`status bar "${text}"`, () => tokenStatus(ed), (s) => s?.icon === 'symbol-numeric' && s.text === text, 30_000);
      assert.ok(!s!.text.includes('≈'), s!.text);
      // The API was asked with speed "fast" (count_tokens accepts it), the whole request as the file states it.
      assert.ok(api.requests.some((r) => isDeepStrictEqual(r.body, want.request)), 'count_tokens got the whole request');
      await ed.goTo(1);
      await ed.waitForCodeLens(`Σ ${fmt(want.total)} tokens · ${cost} per request (fast mode ×2) on Opus 5`);
      const tip = await statusTooltip(ed, /fast mode ×2/);
      assert.ok(tip.includes(`${fmt(want.total)} input tokens on Opus 5`), tip);
      assert.match(tip, /Opus 5 \(fast mode ×2\)/);
      assert.match(tip, /Prices as of 2026-12-03, USD, fast mode ×2\./);
      await shot(ed, '01c-fast-mode-tooltip');
      await dismissHover(ed);
    });

    it('says the exact count is on its way while counting (not that the API is unreachable)', async () => {
      const rel = 'prompts/summarize.prompt.md';
      const file = path.join(ws, rel);
      const original = fs.readFileSync(file, 'utf8');
      await ed.openFile(rel);
      await waitForExactStatus(ed, expectedFor(file, original));
      api.setLatency(6_000);
      try {
        await ed.focusEditor();
        await ed.page.keyboard.press('Control+End');
        await ed.typeText(' Be brief.');
        await poll('the counting icon', () => tokenStatus(ed), (s) => s?.icon === 'sync' && s.text.startsWith('≈'), 10_000);
        const tooltip = await statusTooltip(ed, /the exact count is on its way/, 5_000);
        assert.doesNotMatch(tooltip, /unreachable/);
        await shot(ed, '05a-counting-tooltip');
        await dismissHover(ed);
      } finally {
        api.setLatency(0);
      }
      await waitForExactStatus(ed, expectedFor(file, `${original} Be brief.`), 30_000);
      await ed.runCommand('File: Revert File');
      await waitForExactStatus(ed, expectedFor(file, original));
    });

    it('falls back to the estimate while the API is down, and is exact again once it is back', async () => {
      const rel = 'prompts/summarize.prompt.md';
      const file = path.join(ws, rel);
      const original = fs.readFileSync(file, 'utf8');
      await ed.openFile(rel);
      await waitForExactStatus(ed, expectedFor(file, original));

      api.setDefaultFault({ kind: 'status', status: 529, errorType: 'overloaded_error' });
      const downSince = Date.now();
      const first = ' Also list the sources the document cites.';
      await ed.focusEditor();
      await ed.page.keyboard.press('Control+End');
      await ed.typeText(first);
      await waitForEstimateStatus(ed);
      assert.ok(api.requests.some((r) => r.fault === 'status' && r.status === 529 && r.timestamp >= downSince), 'the fake answered 529');
      await waitForTopLens(ed, 'estimate');
      const tooltip = await statusTooltip(ed, /Local estimate \(API error\)/);
      assert.match(tooltip, /The API had an error \(529\): Overloaded/);
      await shot(ed, '05-api-down-estimate');
      await dismissHover(ed);

      api.setDefaultFault(null);
      const second = ' Keep it short.';
      await ed.focusEditor();
      await ed.page.keyboard.press('Control+End');
      await ed.typeText(second);
      const want = expectedFor(file, original + first + second);
      assert.notEqual(want.total, expectedFor(file, original).total);
      await waitForExactStatus(ed, want, 60_000);
      await waitForTopLens(ed, want);
      await shot(ed, '06-api-back-exact');
    });

    it('reads a 2.5 MB payload off the editor thread, and again after an edit, never showing the old number meanwhile', async () => {
      const rel = 'large/conversation.json';
      const file = path.join(ws, rel);
      // Over the 1 MB live size: parsed and estimated on the worker thread (dist/worker.js in the vsix).
      const original = realisticPayload(2.5 * 1024 * 1024);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, original);
      try {
        await ed.openFile(rel);
        const want = expectedFor(file, original);
        await waitForExactStatus(ed, want, 60_000);
        const messages = want.parts.filter((p) => p.kind === 'message').length;
        assert.ok(messages > 500, `${messages} messages`);
        await ed.goTo(1);
        // Past 500 messages the messages get no lens each; the total lens says where their counts are.
        await ed.waitForCodeLens(`Σ ${fmt(want.total)} tokens · ${want.cost} per request on ${want.model.displayName} · ${fmt(messages)} messages: per-message counts in "Show Token Breakdown"`);
        await shot(ed, '07-large-exact');
        // The Explorer view lists it with the same count (the open document's live analysis).
        await ed.runCommand('Explorer: Focus on Token Lens View');
        await poll('conversation.json in the Token Lens view', () => viewRows(ed), (rows) => rows.some((r) => r.name === 'conversation.json' && r.description === `${fmt(want.total)} tokens`), 60_000);
        await ed.runCommand('Explorer: Focus on Folders View').catch(() => undefined);

        // Type at the end of the first plain-text message, inside its string.
        const lines = original.split('\n');
        const index = lines.findIndex((l) => /^\s*"content": "[A-Z][^"]*"$/.test(l));
        assert.ok(index > 0);
        await ed.goTo(index + 1);
        await ed.page.keyboard.press('End');
        await ed.page.keyboard.press('ArrowLeft');
        await ed.typeText(' Be brief');
        lines[index] = `${lines[index]!.slice(0, -1)} Be brief"`;
        const next = expectedFor(file, lines.join('\n'));
        assert.notEqual(next.total, want.total);
        // The old exact number is not shown for the edited text while it waits to be read.
        await poll('the status bar leaving the old count', () => tokenStatus(ed), (s) => !!s && s.text !== exactText(want), 10_000);
        await waitForExactStatus(ed, next, 60_000);
        await shot(ed, '08-large-after-edit');
      } finally {
        await ed.runCommand('File: Revert File').catch(() => undefined);
        await ed.runCommand('View: Close Editor').catch(() => undefined);
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
      }
    });
  });

  describe('without a key: set and clear it with the commands', () => {
    let api: FakeApi;
    let ed: Editor;

    before(async () => {
      api = await startFakeApi();
      ed = await launch(api, { key: null });
    });

    after(async () => {
      await ed?.close();
      await api?.close();
    });

    it('shows the estimate and offers to set a key', async () => {
      await ed.openFile('support-agent.json');
      await waitForEstimateStatus(ed);
      const tooltip = await statusTooltip(ed, /Set API key/);
      assert.match(tooltip, /Local estimate \(no API key\)/);
      await shot(ed, '07-no-key-tooltip');
      await dismissHover(ed);
      assert.equal(api.countCalls(), 0);
    });

    it('"Set API Key" stores the key typed into a password box, and the count becomes exact', async () => {
      await runCommandWithInput(ed, 'Token Lens: Set API Key', /Anthropic API key/, api.apiKey, { password: true });
      const toast = await ed.notification(/API key saved/);
      assert.ok(!toast.truncated, `notification cut off: ${toast.text}`);
      const want = expectedFor(path.join(ed.workspace, 'support-agent.json'), fs.readFileSync(path.join(ed.workspace, 'support-agent.json'), 'utf8'));
      await waitForExactStatus(ed, want);
      await waitForTopLens(ed, want);
      await shot(ed, '08-key-set-exact');
    });

    it('logs count_tokens calls in the "Token Lens" output channel, never the key', async () => {
      await ed.runCommand('Token Lens: Show Log');
      const text = await poll('count_tokens lines in the output panel', () => outputText(ed), (t) => /count_tokens claude-sonnet-4-6: ok/.test(t), 30_000);
      assert.ok(!text.includes(api.apiKey), 'the key is not in the output panel');
      // The panel shows only its last lines; the whole channel is on disk.
      const logs = filesNamed(path.join(ed.tempDir, 'user-data'), 'Token Lens.log');
      assert.equal(logs.length, 1, `the channel is written to disk: ${JSON.stringify(logs)}`);
      const content = fs.readFileSync(logs[0]!, 'utf8');
      assert.match(content, /Counting mode: estimate \(no-key\)/);
      assert.match(content, /Counting mode: exact \(key from secret-storage\)/);
      assert.match(content, /count_tokens claude-sonnet-4-6: ok 200 in \d+ ms/);
      assert.ok(!content.includes(api.apiKey) && !content.includes(api.apiKey.slice(-12)), 'the log holds no key, not even part of it');
      // The file's entry stays in the status bar while the log has the focus.
      const want = expectedFor(path.join(ed.workspace, 'support-agent.json'), fs.readFileSync(path.join(ed.workspace, 'support-agent.json'), 'utf8'));
      await waitForExactStatus(ed, want, 10_000);
      await shot(ed, '09-log');
    });

    it('"Clear API Key" goes back to the estimate', async () => {
      await ed.openFile('support-agent.json');
      await ed.runCommand('Token Lens: Clear API Key');
      const toast = await ed.notification(/API key removed/);
      assert.ok(!toast.truncated, `notification cut off: ${toast.text}`);
      assert.match(toast.text, /counts are now estimates/);
      await waitForEstimateStatus(ed);
      await waitForTopLens(ed, 'estimate');
      await shot(ed, '10-key-cleared');
    });
  });

  describe('in an untrusted workspace', () => {
    let api: FakeApi;
    let ed: Editor;

    before(async () => {
      api = await startFakeApi();
      ed = await launch(api, { trusted: false });
    });

    after(async () => {
      await ed?.close();
      await api?.close();
    });

    it('estimates without calling the API until counting is allowed', async () => {
      await ed.waitForStatusBar(/Restricted Mode/, 60_000);
      await ed.openFile('support-agent.json');
      await waitForEstimateStatus(ed);
      const tooltip = await statusTooltip(ed, /Allow counting in this workspace/);
      assert.match(tooltip, /Local estimate \(untrusted workspace\)/);
      await shot(ed, '11-untrusted-estimate');
      await dismissHover(ed);
      assert.equal(api.countCalls(), 0, 'nothing was sent');

      await ed.runCommand('Token Lens: Allow Counting in This Workspace');
      const file = path.join(ed.workspace, 'support-agent.json');
      const want = expectedFor(file, fs.readFileSync(file, 'utf8'));
      await waitForExactStatus(ed, want);
      await waitForTopLens(ed, want);
      assert.ok(api.countCalls() > 0);
      await shot(ed, '12-untrusted-allowed');
    });
  });

  describe('with a wrong key in the environment', () => {
    let api: FakeApi;
    let ed: Editor;

    before(async () => {
      api = await startFakeApi();
      ed = await launch(api, { key: 'sk-ant-test-this-key-is-wrong-0000000000' });
    });

    after(async () => {
      await ed?.close();
      await api?.close();
    });

    it('shows the key icon and the estimate after a 401, then counts exactly with the right key', async () => {
      await ed.openFile('support-agent.json');
      await waitForEstimateStatus(ed, 'key');
      assert.ok(api.requests.some((r) => r.status === 401), 'the fake answered 401');
      const tooltip = await statusTooltip(ed, /API key rejected/);
      assert.match(tooltip, /Set API key/);
      await shot(ed, '13-unauthorized');
      await dismissHover(ed);

      await runCommandWithInput(ed, 'Token Lens: Set API Key', /Anthropic API key/, api.apiKey, { password: true });
      const file = path.join(ed.workspace, 'support-agent.json');
      const want = expectedFor(file, fs.readFileSync(file, 'utf8'));
      await waitForExactStatus(ed, want);
      await waitForTopLens(ed, want);
    });
  });

  describe('extension-host suite (test/e2e/host/token-lens.host.ts)', () => {
    it('passes inside the extension host', async () => {
      const api = await startFakeApi();
      const host = await prepareHostTests(path.join(repoRoot(), 'test', 'e2e', 'host', 'token-lens.host.ts'));
      let ed: Editor | undefined;
      try {
        // The suite counts support-agent.json on a second model, some 15 calls more: above the
        // default 50 calls a minute the counts would wait for the rate limit.
        ed = await launch(api, { extra: { extraVsix: [host.vsix], env: host.env, settings: { ...SETTINGS, 'tokenLens.rateLimitPerMinute': 1000 } } });
        const results = await ed.waitForHostResults();
        for (const t of results.tests) process.stderr.write(`      host: ${t.state} ${t.fullTitle}${t.durationMs !== undefined ? ` (${t.durationMs} ms)` : ''}\n`);
        assert.equal(results.failed, 0, results.failures.map((f) => `${f.fullTitle}: ${f.message}\n${f.stack}`).join('\n\n'));
        assert.equal(results.passed, 9);
        await shot(ed, '14-host-suite');
      } finally {
        await ed?.close();
        await api.close();
      }
    });
  });
});
