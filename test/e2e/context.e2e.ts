// The context footprint in a real editor: code-server + headless Chromium with the packaged
// token-lens.vsix on a copy of examples/context (a CLAUDE.md importing two files, two skills, a
// subagent, a slash command, nested memory), counting against the fake API started here. The
// expected numbers are computed from the files with the fake's own rule, never copied from output.
//
//   npm run package
//   npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/context.e2e.ts
//
// Screenshots go to .test-output/e2e/context-*.png.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PLACEHOLDER_MESSAGE } from '../../src/core/payload';
import { fakeCount, startFakeApi, type FakeApi } from '../fake-api/server';
import { e2eEnv, launchEditor, poll, repoRoot, type Editor } from './driver';

const VSIX = path.join(repoRoot(), 'token-lens.vsix');
const EXAMPLE = path.join(repoRoot(), 'examples', 'context');
const MODEL = 'claude-sonnet-4-6';
const fmt = (n: number) => n.toLocaleString('en-US');

interface El {
  readonly innerText: string;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
}

/** What each source adds up front, by the fake API's rule (marginal beside a reference block). */
function expected(ws: string): { total: number; parts: Map<string, number> } {
  const read = (rel: string) => fs.readFileSync(path.join(ws, rel), 'utf8');
  const texts: [string, string][] = [
    ['CLAUDE.md', read('CLAUDE.md')],
    ['docs/style.md', read('docs/style.md')],
    ['docs/workflow.md', read('docs/workflow.md')],
    ['db-migrations', "db-migrations: Create, review or roll back a database migration for the API's Postgres schema. Use for any schema change."],
    ['release-notes', 'release-notes: Write the release notes for a new version from the merged pull requests since the last tag. Use when the user asks for release notes or a changelog entry.'],
    ['code-reviewer', 'code-reviewer: Reviews a diff for bugs, missing tests and style problems before it is committed. Use after any non-trivial change.'],
    ['/fix-issue', '/fix-issue: Fix a GitHub issue by number, with a test that fails before the fix.'],
  ];
  const base = { model: MODEL, messages: [PLACEHOLDER_MESSAGE] };
  const block = (text: string) => ({ type: 'text', text });
  const ref = block('Reference.');
  const parts = new Map(texts.map(([name, text]) => [name, fakeCount({ ...base, system: [ref, block(text)] }) - fakeCount({ ...base, system: [ref] })]));
  const total = fakeCount({ ...base, system: texts.map(([, text]) => block(text)) }) - fakeCount(base);
  return { total, parts };
}

/** Rows of the "Context Footprint" view: label and description, top to bottom. */
async function contextRows(ed: Editor): Promise<{ name: string; description: string }[]> {
  const pane = ed.page.locator('.pane', { has: ed.page.locator('.pane-header', { hasText: /^Context Footprint$/i }) });
  return pane.locator('.pane-body .monaco-list-row').evaluateAll((rows) =>
    rows
      .map((r) => r as unknown as El)
      .sort((a, b) => Number(a.getAttribute('data-index')) - Number(b.getAttribute('data-index')))
      .map((r) => ({ name: (r.querySelector('.label-name')?.innerText ?? '').trim(), description: (r.querySelector('.label-description')?.innerText ?? '').trim() })),
  );
}

describe('Context footprint in a real editor (code-server)', function () {
  this.timeout(300_000);
  let api: FakeApi;
  let ed: Editor | undefined;
  let ws: string;

  before(async () => {
    if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run \`npm run package\` first`);
    await e2eEnv();
    api = await startFakeApi();
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'token-lens-context-ws-'));
    fs.cpSync(EXAMPLE, ws, { recursive: true });
    // A server for the CodeLens (the MCP side's examples/context/.mcp.json, when present, is used as it is).
    if (!fs.existsSync(path.join(ws, '.mcp.json'))) fs.writeFileSync(path.join(ws, '.mcp.json'), JSON.stringify({ mcpServers: { docs: { command: 'node', args: ['docs-server.js'] } } }, null, 2));
    ed = await launchEditor({
      vsix: VSIX,
      workspace: ws,
      settings: { 'tokenLens.debounceMs': 200, 'tokenLens.defaultModel': MODEL },
      env: { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: api.apiKey },
    });
  });

  after(async () => {
    await ed?.close();
    await api?.close();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('shows the exact total, each source largest first, and the CLI gives the same numbers', async () => {
    const want = expected(ws);
    await ed!.runCommand('File: Focus on Files Explorer');
    // The view's pane in the Explorer, opened if it is folded; the folder tree folded to give it room.
    const header = ed!.page.locator('.pane-header', { hasText: /^Context Footprint$/i });
    await header.waitFor({ timeout: 30_000 });
    const folders = ed!.page.locator('.pane', { has: ed!.page.locator('.explorer-folders-view') }).locator('.pane-header[aria-expanded="true"]');
    if ((await folders.count()) > 0) await folders.first().click();
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    const rows = await poll(
      'the Context Footprint view with the exact total and every source',
      () => contextRows(ed!),
      (rows) => rows[0]?.name === 'Context Footprint' && rows[0].description === `${fmt(want.total)} tokens` && [...want.parts.keys()].every((n) => rows.some((r) => r.name === n)),
      90_000,
    );
    for (const [name, tokens] of want.parts) {
      const row = rows.find((r) => r.name === name)!;
      assert.equal(row.description, `${fmt(tokens)} tokens`, name);
    }
    const framing = rows.find((r) => r.name === 'framing')!;
    const sum = [...want.parts.values()].reduce((a, b) => a + b, 0);
    assert.equal(framing.description, `${fmt(want.total - sum)} tokens`, 'parts + framing = total');
    const nested = rows.find((r) => r.name === 'packages/web/CLAUDE.md');
    assert.match(nested?.description ?? '', /^on use [\d,]+$/);
    const sources = rows.slice(1).filter((r) => want.parts.has(r.name)).map((r) => Number(r.description.replace(/[^\d]/g, '')));
    assert.deepEqual(sources, [...sources].sort((a, b) => b - a), 'largest first');
    await ed!.screenshot('context-footprint-view');

    // The CLI (built by npm run package) on the same folder gives the same total (async execFile: the fake API runs in this process).
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(repoRoot(), 'dist/cli.js'), 'context', '--json', '--model', MODEL, '--cache-dir', fs.mkdtempSync(path.join(os.tmpdir(), 'token-lens-context-cache-'))], {
      cwd: ws,
      env: { ...process.env, ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: api.apiKey },
    });
    const json = JSON.parse(stdout) as { total: { inputTokens: number; exact: boolean } };
    assert.deepEqual(json.total, { ...json.total, inputTokens: want.total, exact: true });
  });

  it('follows a source edited on disk: the total and that source change, with two API calls', async () => {
    const calls = api.countCalls();
    fs.appendFileSync(path.join(ws, 'docs', 'style.md'), '- Dates are ISO 8601 in UTC, everywhere: logs, APIs and the database.\n');
    const want = expected(ws);
    await poll('the Context Footprint view after docs/style.md changed', () => contextRows(ed!), (rows) => rows[0]?.description === `${fmt(want.total)} tokens` && rows.some((r) => r.name === 'docs/style.md' && r.description === `${fmt(want.parts.get('docs/style.md')!)} tokens`), 30_000);
    // The whole and the edited source; everything else from the count cache.
    assert.equal(api.countCalls() - calls, 2);
  });

  it('puts a CodeLens on each MCP server saying what its tools cost, or why they are not known', async () => {
    const servers = Object.keys((JSON.parse(fs.readFileSync(path.join(ws, '.mcp.json'), 'utf8')) as { mcpServers: Record<string, unknown> }).mcpServers);
    await ed!.openFile('.mcp.json');
    const lenses = await ed!.waitForCodeLens((texts) => servers.every((name) => texts.some((t) => new RegExp(`^${name}: (\\d+ tools?|tools not known)`).test(t))), 60_000);
    assert.ok(lenses.length >= servers.length, JSON.stringify(lenses));
    await ed!.screenshot('context-mcp-codelens');
  });

  it('shows the footprint as a report of its own, with the same total', async () => {
    const want = expected(ws);
    await ed!.runCommand('Token Lens: Show Context Footprint');
    const deadline = Date.now() + 30_000;
    let frame: import('playwright-core').Frame | undefined;
    while (!frame) {
      for (const f of ed!.page.frames()) if ((await f.locator('body[data-report="context"]').count().catch(() => 0)) > 0) frame = f;
      if (!frame && Date.now() > deadline) throw new Error('no context report panel');
      if (!frame) await new Promise((r) => setTimeout(r, 200));
    }
    const title = (await frame.locator('h1').first().innerText()).trim();
    assert.equal(title, `${fmt(want.total)} tokens before you type`);
    const names = await frame.locator('#context-sources tbody th').allInnerTexts();
    for (const name of want.parts.keys()) assert.ok(names.some((n) => n.replace(/^↳\s*/, '').trim() === name), `${name} in ${JSON.stringify(names)}`);
    await ed!.screenshot('context-report');
  });
});
