// The context footprint in a real editor: code-server + headless Chromium with the packaged
// token-lens.vsix on a copy of examples/context (a CLAUDE.md importing two files, two skills, a
// subagent, a slash command, nested memory), counting against the fake API started here. The
// expected numbers are computed from the files with the fake's own rule, never copied from output.
//
//   npm run package
//   npx mocha --no-config --node-option import=tsx --timeout 300000 test/e2e/context.e2e.ts
//   (the MCP part alone: add --grep "with MCP servers")
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
    const seen = api.requests.length;
    const added = '- Dates are ISO 8601 in UTC, everywhere: logs, APIs and the database.';
    fs.appendFileSync(path.join(ws, 'docs', 'style.md'), `${added}\n`);
    const want = expected(ws);
    await poll('the Context Footprint view after docs/style.md changed', () => contextRows(ed!), (rows) => rows[0]?.description === `${fmt(want.total)} tokens` && rows.some((r) => r.name === 'docs/style.md' && r.description === `${fmt(want.parts.get('docs/style.md')!)} tokens`), 30_000);
    // The footprint's calls (its requests carry only the placeholder message): the whole and the
    // edited source, everything else from the count cache; and no other call counted the edit.
    // Other calls may be made meanwhile: on a slow start the Explorer view's scan counts the
    // workspace's prompt files (CLAUDE.md, SKILL.md, agents, commands) for the first time as late
    // as this (seen once: 6 such calls beside the footprint's 2).
    const made = api.requests.slice(seen).filter((r) => r.path.startsWith('/v1/messages/count_tokens'));
    const messages = (r: (typeof made)[number]) => ((r.body ?? {}) as { messages?: { role?: string; content?: unknown }[] }).messages ?? [];
    const isFootprint = (r: (typeof made)[number]) => messages(r).length === 1 && messages(r)[0]?.role === PLACEHOLDER_MESSAGE.role && messages(r)[0]?.content === PLACEHOLDER_MESSAGE.content;
    const what = made.map((r) => `${r.timestamp} ${isFootprint(r) ? 'footprint' : 'other'}: ${JSON.stringify(r.body).slice(0, 100)}`).join('\n');
    assert.equal(made.filter(isFootprint).length, 2, `the footprint's calls after the edit, of these:\n${what}`);
    assert.equal(made.filter((r) => !isFootprint(r) && JSON.stringify(r.body).includes(added)).length, 0, `a call outside the footprint counted the edit:\n${what}`);
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

// ------------------------------------------------------------------------------------------------
// The issue's "Done when": examples/context with its two real stdio MCP servers (the SDK notes
// server, and @modelcontextprotocol/server-everything from node_modules). Nothing starts before the
// user allows it; after the user allows both through the UI, every source, server and tool is
// counted exactly (the fake API's rule, computed here from the files and the servers' own
// tools/list), the parts plus the framing equal the total, the CLI gives the same numbers, and
// check --max-context-tokens fails on it naming the largest sources. The workspace is a copy of
// the example two levels under the repository, so its `../../node_modules` paths and the notes
// server's SDK import resolve as in the repository.

interface SentTool {
  name: string;
  description?: string;
  input_schema: unknown;
}

/** A server's tools as its own tools/list gives them (the SDK's client, no capabilities, as Token Lens asks). */
async function listTools(ws: string, args: string[]): Promise<{ name: string; description?: string; inputSchema?: unknown }[]> {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const client = new Client({ name: 'e2e', version: '1' }, { capabilities: {} });
  await client.connect(new StdioClientTransport({ command: process.execPath, args, cwd: ws, stderr: 'ignore' }));
  try {
    const tools: { name: string; description?: string; inputSchema?: unknown }[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {});
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor);
    return tools;
  } finally {
    await client.close();
  }
}

/** Everything the footprint should show, by the fake API's rule: texts as in expected(), each tool as Claude Code sends it (mcp__<server>__<tool>). */
function expectedWithServers(ws: string, servers: Record<string, SentTool[]>) {
  const texts = expected(ws);
  const base = { model: MODEL, messages: [PLACEHOLDER_MESSAGE] };
  const ref = { name: 'reference', input_schema: { type: 'object' } };
  const marginal = (tool: SentTool) => fakeCount({ ...base, tools: [ref, tool] }) - fakeCount({ ...base, tools: [ref] });
  const tools = new Map(Object.values(servers).flat().map((t) => [t.name, marginal(t)]));
  const serverTotals = new Map(Object.entries(servers).map(([name, ts]) => [name, ts.reduce((n, t) => n + tools.get(t.name)!, 0)]));
  // The whole is one request: the fake API's rule is additive, so it is the texts' whole (expected()) plus the tools'.
  const withTools = texts.total + (fakeCount({ ...base, tools: Object.values(servers).flat() }) - fakeCount(base));
  const partsSum = [...texts.parts.values(), ...serverTotals.values()].reduce((a, b) => a + b, 0);
  return { total: withTools, framing: withTools - partsSum, parts: texts.parts, servers: serverTotals, tools };
}

/** The frame of the context report panel, once it shows. */
async function reportFrame(ed: Editor): Promise<import('playwright-core').Frame> {
  return poll(
    'the context report panel',
    async () => {
      for (const f of ed.page.frames()) if ((await f.locator('body[data-report="context"]').count().catch(() => 0)) > 0) return f;
      return undefined;
    },
    (f) => f !== undefined,
    30_000,
  ) as Promise<import('playwright-core').Frame>;
}

/** Opens the Explorer with the Context Footprint pane open and the folder tree folded. */
async function showContextView(ed: Editor): Promise<void> {
  await ed.runCommand('File: Focus on Files Explorer');
  const header = ed.page.locator('.pane-header', { hasText: /^Context Footprint$/i });
  await header.waitFor({ timeout: 30_000 });
  const folders = ed.page.locator('.pane', { has: ed.page.locator('.explorer-folders-view') }).locator('.pane-header[aria-expanded="true"]');
  if ((await folders.count()) > 0) await folders.first().click();
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
}

/** Processes running one of the example's servers in `ws` right now (by /proc: their cwd and command line). */
function serverProcesses(ws: string): string[] {
  const found: string[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readlinkSync(`/proc/${name}/cwd`) !== ws) continue;
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (/notes-server\.mjs|server-everything/.test(cmd)) found.push(`${name}: ${cmd.trim()}`);
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

describe('Context footprint with MCP servers in a real editor: nothing starts before it is allowed, then exact counts', function () {
  this.timeout(600_000);
  let api: FakeApi;
  let ed: Editor | undefined;
  let ws: string;
  let marker: string;
  let want: ReturnType<typeof expectedWithServers>;
  const seen = new Set<string>();
  let sampler: NodeJS.Timeout | undefined;
  const exec = promisify(execFile);

  before(async () => {
    if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing: run \`npm run package\` first`);
    await e2eEnv();
    api = await startFakeApi();
    fs.mkdirSync(path.join(repoRoot(), '.test-output'), { recursive: true });
    ws = fs.mkdtempSync(path.join(repoRoot(), '.test-output', 'context-mcp-ws-'));
    fs.cpSync(EXAMPLE, ws, { recursive: true });
    marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'token-lens-notes-marker-')), 'started');
    // The expected tools, from the servers themselves (before the editor runs: the sampler below
    // watches for servers started in the workspace from then on).
    const config = JSON.parse(fs.readFileSync(path.join(ws, '.mcp.json'), 'utf8')) as { mcpServers: Record<string, { args: string[] }> };
    const servers: Record<string, SentTool[]> = {};
    for (const [name, def] of Object.entries(config.mcpServers)) {
      servers[name] = (await listTools(ws, def.args)).map((t) => ({ name: `mcp__${name}__${t.name}`, ...(t.description !== undefined ? { description: t.description } : {}), input_schema: t.inputSchema ?? { type: 'object' } }));
    }
    assert.deepEqual(Object.keys(servers), ['notes', 'everything']);
    assert.ok(servers.notes!.length === 3 && servers.everything!.length >= 10, JSON.stringify(Object.values(servers).map((s) => s.length)));
    want = expectedWithServers(ws, servers);
    sampler = setInterval(() => serverProcesses(ws).forEach((p) => seen.add(p)), 50);
    ed = await launchEditor({
      vsix: VSIX,
      workspace: ws,
      settings: { 'tokenLens.debounceMs': 200, 'tokenLens.defaultModel': MODEL },
      env: { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: api.apiKey, NOTES_SERVER_STARTED: marker },
    });
  });

  after(async () => {
    clearInterval(sampler);
    await ed?.close();
    await api?.close();
    fs.rmSync(ws, { recursive: true, force: true });
    fs.rmSync(path.dirname(marker), { recursive: true, force: true });
  });

  it('before anything is allowed: no server starts, and the view and the CodeLens say why, the CodeLens being the allow command', async () => {
    await showContextView(ed!);
    const rows = await poll(
      'both servers in the view, not allowed yet',
      () => contextRows(ed!),
      (rows) => ['notes', 'everything'].every((n) => rows.some((r) => r.name === `${n} (MCP)` && r.description === 'tools not known: not allowed to start yet')) && rows[0]?.description === `${fmt(expected(ws).total)} tokens`,
      120_000,
    );
    assert.ok(rows.length > 0);
    // The user is asked, naming what would run.
    await ed!.notification("Start MCP server 'notes' from .mcp.json to count its tools? It runs `node mcp/notes-server.mjs`.", 30_000);
    await ed!.openFile('.mcp.json');
    const lenses = await ed!.waitForCodeLens((t) => ['notes', 'everything'].every((n) => t.includes(`${n}: tools not known: not allowed to start yet · click to allow it`)), 60_000);
    // Ours, one per server (VS Code's own MCP support adds "Start" / "More..." lenses of its own).
    assert.equal(lenses.filter((l) => /^(notes|everything): /.test(l)).length, 2, JSON.stringify(lenses));
    await ed!.screenshot('context-mcp-not-allowed');
    // The footprint asked for both servers' tools (that is what the rows show): nothing ran.
    assert.equal(fs.existsSync(marker), false, 'the notes server never started');
    assert.deepEqual([...seen], [], 'no server process in the workspace');
  });

  it('allowed through the UI (Allow on the notification; a click on the CodeLens), both servers are counted exactly, and parts + framing = total', async () => {
    // notes: the notification's Allow button.
    const toast = ed!.page.locator('.notification-toast', { hasText: "Start MCP server 'notes'" }).first();
    await toast.locator('.monaco-button', { hasText: /^Allow$/ }).click();
    // everything: its CodeLens in .mcp.json (the allow command for that server).
    await ed!.page.locator('.monaco-editor .codelens-decoration a', { hasText: /^everything: tools not known/ }).click();
    const rows = await poll(
      'the view with both servers counted',
      () => contextRows(ed!),
      (rows) => rows[0]?.description === `${fmt(want.total)} tokens` && [...want.servers].every(([n, t]) => rows.some((r) => r.name === `${n} (MCP)` && r.description === `${fmt(t)} tokens`)),
      120_000,
    );
    for (const [name, tokens] of want.parts) assert.equal(rows.find((r) => r.name === name)?.description, `${fmt(tokens)} tokens`, name);
    assert.equal(rows.find((r) => r.name === 'framing')?.description, `${fmt(want.framing)} tokens`, 'parts + framing = total');
    assert.equal([...want.parts.values(), ...want.servers.values()].reduce((a, b) => a + b, 0) + want.framing, want.total);
    // Both started (the sampler saw them, the notes server wrote its marker), each once.
    assert.equal(fs.readFileSync(marker, 'utf8').trim().split('\n').length, 1);
    assert.ok([...seen].some((p) => /notes-server\.mjs/.test(p)) && [...seen].some((p) => /server-everything/.test(p)), JSON.stringify([...seen]));
    // The CodeLens: tools, exact tokens and cost.
    const lenses = await ed!.waitForCodeLens((t) => [...want.servers].every(([n, tok]) => t.some((l) => l.startsWith(`${n}: `) && l.includes(` · ${fmt(tok)} tokens · $`))), 60_000);
    assert.ok(lenses.some((l) => /^notes: 3 tools · /.test(l)), JSON.stringify(lenses));
    // The report: every tool under the name Claude Code sends it by, counted exactly.
    await ed!.runCommand('Token Lens: Show Context Footprint');
    const frame = await reportFrame(ed!);
    await poll('the report with every tool', () => frame.locator('h1').first().innerText(), (t) => t.trim() === `${fmt(want.total)} tokens before you type`, 30_000);
    const toolRows = await frame.locator('table.grid tbody tr').evaluateAll((trs) =>
      trs.map((tr) => {
        const r = tr as unknown as El;
        return [(r.querySelector('th')?.innerText ?? '').trim(), (r.querySelector('td.num')?.innerText ?? '').trim()] as const;
      }),
    );
    const shown = new Map(toolRows.filter(([n]) => n.startsWith('mcp__')));
    assert.equal(shown.size, want.tools.size, JSON.stringify([...shown.keys()]));
    for (const [name, tokens] of want.tools) assert.equal(shown.get(name), fmt(tokens), name);
    // The picture: the notes server's tools open in the view, the CodeLens, the report.
    await ed!.clearNotifications();
    const pane = ed!.page.locator('.pane', { has: ed!.page.locator('.pane-header', { hasText: /^Context Footprint$/i }) });
    await pane.locator('.monaco-list-row', { has: ed!.page.locator('.label-name', { hasText: /^notes \(MCP\)$/ }) }).locator('.monaco-tl-twistie').click();
    await poll('the notes tools in the view', () => contextRows(ed!), (rows) => rows.some((r) => r.name === 'mcp__notes__add_note'), 15_000);
    await ed!.screenshot('context-mcp-report');
    // "Refresh MCP Tool Lists" in the view's title bar starts the allowed servers again; the counts stay.
    const header = ed!.page.locator('.pane-header', { hasText: /^Context Footprint/i });
    await header.hover();
    await header.locator('.action-label[aria-label="Refresh MCP Tool Lists"]').click();
    await poll('the notes server started again', () => fs.readFileSync(marker, 'utf8').trim().split('\n').length, (n) => n === 2, 60_000);
    await poll('the same total after the refresh', () => contextRows(ed!), (rows) => rows[0]?.description === `${fmt(want.total)} tokens`, 30_000);
  });

  it('token-lens context --json --start-mcp-servers gives the same numbers per source, per server, per tool and in total', async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'token-lens-context-cache-'));
    const env = { ...process.env, ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: api.apiKey };
    const cli = (args: string[]) => exec(process.execPath, [path.join(repoRoot(), 'dist/cli.js'), ...args, '--model', MODEL, '--cache-dir', cache, '--start-mcp-servers'], { cwd: ws, env });
    const { stdout } = await cli(['context', '--json']);
    const json = JSON.parse(stdout) as {
      total: { inputTokens: number; exact: boolean };
      framing: { inputTokens: number; exact: boolean };
      sources: { name: string; upFront: { inputTokens: number; exact: boolean } }[];
      servers: { name: string; status: string; upFront: { inputTokens: number; exact: boolean }; tools: { name: string; mcpName: string; inputTokens: number; exact: boolean }[] }[];
    };
    assert.deepEqual([json.total.inputTokens, json.total.exact], [want.total, true]);
    assert.deepEqual([json.framing.inputTokens, json.framing.exact], [want.framing, true]);
    for (const [name, tokens] of want.parts) assert.equal(json.sources.find((s) => s.name === name)?.upFront.inputTokens, tokens, name);
    for (const [name, tokens] of want.servers) {
      const s = json.servers.find((x) => x.name === name)!;
      assert.deepEqual([s.status, s.upFront.inputTokens, s.upFront.exact], ['ok', tokens, true], name);
      for (const t of s.tools) assert.deepEqual([t.inputTokens, t.exact, t.name], [want.tools.get(t.name), true, `mcp__${name}__${t.mcpName}`], t.name);
    }
    assert.equal(json.servers.flatMap((s) => s.tools).length, want.tools.size);

    // check: one token under the total fails (exit 1) naming the largest sources; at the total it passes.
    const largest = [...[...want.parts].map(([n, t]) => [n, t] as const), ...[...want.servers].map(([n, t]) => [`${n} (MCP server)`, t] as const)].sort((a, b) => b[1] - a[1]).slice(0, 3);
    const over = await cli(['check', '--max-context-tokens', String(want.total - 1)]).then(
      () => assert.fail('check passed over the limit'),
      (err: { code?: number; stdout: string }) => err,
    );
    assert.equal(over.code, 1);
    assert.ok(over.stdout.includes(`largest: ${largest.map(([n, t]) => `${n} ${fmt(t)}`).join(', ')}`), over.stdout);
    await cli(['check', '--max-context-tokens', String(want.total)]);
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it("applies .tokenlens.json's maxContextTokens and maxServerTokens in the editor: Problems on CLAUDE.md and the server's line, warnings in the view", async () => {
    const notes = want.servers.get('notes')!;
    const everything = want.servers.get('everything')!;
    assert.ok(everything > notes, 'everything is the larger server');
    fs.writeFileSync(path.join(ws, '.tokenlens.json'), JSON.stringify({ maxContextTokens: want.total - 1, maxServerTokens: notes }, null, 2));
    const rows = await poll('the view over the limits', () => contextRows(ed!), (rows) => rows[0]?.description === `${fmt(want.total)} tokens · over ${fmt(want.total - 1)}` && rows.some((r) => r.name === 'everything (MCP)' && r.description === `${fmt(everything)} tokens · over ${fmt(notes)}`), 60_000);
    assert.equal(rows.find((r) => r.name === 'notes (MCP)')?.description, `${fmt(notes)} tokens`, 'at the limit is within it');
    const problems = await ed!.waitForProblems((ps) => ps.some((p) => p.file === 'CLAUDE.md' && p.text.includes('The agent context loaded before the user types is')) && ps.some((p) => p.file === '.mcp.json' && p.text.includes('MCP server "everything" loads')), 60_000);
    const context = problems.find((p) => p.text.includes('The agent context loaded'))!;
    assert.match(context.text, new RegExp(`over the limit of ${fmt(want.total - 1)} by 1 \\(limit from \\.tokenlens\\.json\\); largest: everything \\(MCP server\\) ${fmt(everything)}, .* at line 1 `));
    const server = problems.find((p) => p.text.includes('MCP server "everything" loads'))!;
    assert.match(server.text, new RegExp(`over the limit of ${fmt(notes)} per server \\(limit from \\.tokenlens\\.json\\).* at line 7 `));
    assert.ok(!problems.some((p) => p.text.includes('MCP server "notes" loads')), 'notes is at its limit');
    await ed!.screenshot('context-mcp-limits');
  });
});
