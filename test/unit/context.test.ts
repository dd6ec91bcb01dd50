import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { discoverContext } from '../../src/core/context/discover';
import { computeFootprint, isFullyCounted, type Footprint } from '../../src/core/context/footprint';
import { parseMcpConfig, serverHash } from '../../src/core/context/mcp-config';
import type { McpServerDef, McpToolList, McpToolSource } from '../../src/core/context/mcp-types';
import { findImports, resolveImports } from '../../src/core/context/memory';
import { textReader } from '../../src/core/context/read';
import { footprintView } from '../../src/extension/reports/context';
import type { ContextInventory } from '../../src/core/context/types';
import { PLACEHOLDER_MESSAGE } from '../../src/core/payload';
import { fakeCount, startFakeApi, type FakeApi } from '../fake-api/server';
import { fakeApiClient, registry } from '../support/docs';

async function tree(files: Record<string, string>): Promise<string> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'tl-context-'));
  for (const [rel, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await fs.writeFile(path.join(root, rel), text);
  }
  return root;
}

const notStarted: McpToolSource = { tools: async () => ({ status: 'not-started', reason: 'cli-opt-in', message: 'not started' }) };

function fixedTools(byServer: Record<string, McpToolList>): McpToolSource {
  return { tools: async (server: McpServerDef) => byServer[server.name] ?? { status: 'failed', message: 'no such server' } };
}

describe('context footprint: @imports', () => {
  it('finds imports outside code spans and fenced blocks, with their ranges', () => {
    const text = ['See @docs/a.md and @b.md.', 'Inline `@not/this.md` code', '```', '@not/in-block.md', '```', '~~~md', '@also/not.md', '~~~', 'email me@example.com', '@c\\ d.md'].join('\n');
    const refs = findImports(text);
    assert.deepEqual(refs.map((r) => r.path), ['docs/a.md', 'b.md', 'c d.md']);
    assert.equal(text.slice(refs[0]!.range.start, refs[0]!.range.end), '@docs/a.md');
    assert.equal(text.slice(refs[1]!.range.start, refs[1]!.range.end), '@b.md');
  });

  it('resolves relative to the importing file and expands ~', async () => {
    const home = await tree({ 'notes.md': 'home notes' });
    const root = await tree({ 'CLAUDE.md': '@sub/a.md\n@~/notes.md', 'sub/a.md': 'A imports @b.md', 'sub/b.md': 'B' });
    const memory = path.join(root, 'CLAUDE.md');
    const got = await resolveImports(memory, await fs.readFile(memory, 'utf8'), { read: textReader(), home });
    assert.deepEqual(got.files.map((f) => [path.relative(root, f.file), f.depth]), [[path.join('sub', 'a.md'), 1], [path.join('sub', 'b.md'), 2], [path.relative(root, path.join(home, 'notes.md')), 1]]);
    assert.deepEqual(got.problems, []);
  });

  it('stops at 5 hops and reports the import past the limit on its line', async () => {
    const files: Record<string, string> = { 'CLAUDE.md': 'start\n@f1.md' };
    for (let i = 1; i <= 6; i++) files[`f${i}.md`] = `level ${i}\n\n@f${i + 1}.md`;
    const root = await tree(files);
    const memory = path.join(root, 'CLAUDE.md');
    const got = await resolveImports(memory, files['CLAUDE.md']!, { read: textReader(), home: root });
    assert.deepEqual(got.files.map((f) => path.basename(f.file)), ['f1.md', 'f2.md', 'f3.md', 'f4.md', 'f5.md']);
    assert.equal(got.problems.length, 1);
    const p = got.problems[0]!;
    assert.equal(p.code, 'import-too-deep');
    assert.equal(path.basename(p.file), 'f5.md');
    assert.equal(p.line, 3);
    assert.equal(p.column, 1);
  });

  it('reports a cycle and a missing file on the import line, and loads a shared file once', async () => {
    const root = await tree({ 'CLAUDE.md': '@a.md @shared.md\n@b.md\n\n@gone.md', 'a.md': '@shared.md\nthen @CLAUDE.md', 'b.md': '@a.md', 'shared.md': 'S' });
    const memory = path.join(root, 'CLAUDE.md');
    const got = await resolveImports(memory, await fs.readFile(memory, 'utf8'), { read: textReader(), home: root });
    assert.deepEqual(got.files.map((f) => path.basename(f.file)), ['a.md', 'shared.md', 'b.md']);
    const byCode = Object.fromEntries(got.problems.map((p) => [p.code, p]));
    assert.equal(byCode['import-cycle']?.line, 2);
    assert.equal(path.basename(byCode['import-cycle']!.file), 'a.md');
    assert.match(byCode['import-cycle']!.message, /CLAUDE\.md → a\.md → CLAUDE\.md/);
    assert.equal(byCode['import-missing']?.line, 4);
    assert.equal(path.basename(byCode['import-missing']!.file), 'CLAUDE.md');
    assert.equal(byCode['import-missing']!.target, path.join(root, 'gone.md'), 'watched, so its arrival is seen');
    assert.equal(got.problems.length, 2);
  });
});

describe('context footprint: discovery', () => {
  it('finds memory, imports, nested memory, skills, subagents and commands with what each loads up front', async () => {
    const root = path.resolve(__dirname, '../../examples/context');
    const inv = await discoverContext(root, { home: root });
    const kinds = inv.sources.map((s) => `${s.kind} ${s.name}`);
    assert.deepEqual(kinds, [
      'memory CLAUDE.md',
      'import docs/style.md',
      'import docs/workflow.md',
      'nested-memory packages/web/CLAUDE.md',
      'skill db-migrations',
      'skill release-notes',
      'agent code-reviewer',
      'command /fix-issue',
    ]);
    const skill = inv.sources.find((s) => s.kind === 'skill' && s.name === 'release-notes')!;
    assert.match(skill.upFront, /^release-notes: Write the release notes/);
    assert.match(skill.onUse, /^# Release notes/);
    assert.ok(!skill.upFront.includes('git log'));
    const nested = inv.sources.find((s) => s.kind === 'nested-memory')!;
    assert.equal(nested.upFront, '');
    assert.match(nested.onUse, /React 19/);
    const command = inv.sources.find((s) => s.kind === 'command')!;
    assert.equal(command.upFront, '/fix-issue: Fix a GitHub issue by number, with a test that fails before the fix.');
    const imported = inv.sources.find((s) => s.name === 'docs/style.md')!;
    assert.equal(imported.importedFrom?.line, 6);
    assert.equal(imported.importedFrom?.id, 'memory:CLAUDE.md');
    // The `@docs/not-loaded.md` in a code span is not an import, so no problem either.
    assert.deepEqual(inv.problems.filter((p) => p.code.startsWith('import')), []);
  });

  it('reads .claude/CLAUDE.md and CLAUDE.local.md, and says when a skill has no description', async () => {
    const root = await tree({
      '.claude/CLAUDE.md': 'dot claude',
      'CLAUDE.local.md': 'local',
      '.claude/skills/x/SKILL.md': '---\nname: x\n---\nbody',
      '.claude/commands/ops/deploy.md': 'no front matter: typed by the user only',
      '.claude/agents/bad.md': '---\nname: [unclosed\n---\nbody',
    });
    const inv = await discoverContext(root, { home: root });
    assert.deepEqual(inv.sources.map((s) => s.id), ['memory:.claude/CLAUDE.md', 'memory:CLAUDE.local.md', 'skill:.claude/skills/x/SKILL.md', 'agent:.claude/agents/bad.md', 'command:.claude/commands/ops/deploy.md']);
    assert.equal(inv.sources.find((s) => s.kind === 'command')!.upFront, '');
    const codes = inv.problems.map((p) => `${p.code}:${path.basename(p.file)}:${p.line}`).sort();
    assert.deepEqual(codes, ['front-matter-syntax:bad.md:3', 'skill-no-description:SKILL.md:2']);
  });
});

describe('context footprint: MCP configs', () => {
  const mcpJson = `{
  // comments are fine
  "mcpServers": {
    "github": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": { "GITHUB_TOKEN": "\${GITHUB_TOKEN}" } },
    "remote": { "type": "http", "url": "https://example.com/mcp", "headers": { "Authorization": "Bearer \${TOKEN:-none}" } },
    "broken": { "args": [] },
    "odd": { "command": "x", "env": { "A": "\${input:key}", "B": "\${weird thing}" } }
  }
}`;

  it('parses .mcp.json servers with the range of each key, and problems on their lines', () => {
    const { servers, problems } = parseMcpConfig(mcpJson, '/w/.mcp.json', 'mcp.json');
    assert.deepEqual(servers.map((s) => [s.name, s.transport]), [['github', 'stdio'], ['remote', 'http'], ['odd', 'stdio']]);
    const github = servers[0]!;
    assert.equal(mcpJson.slice(github.range.start, github.range.end), '"github"');
    assert.deepEqual(github.args, ['-y', '@modelcontextprotocol/server-github']);
    assert.deepEqual(github.env, { GITHUB_TOKEN: '${GITHUB_TOKEN}' });
    assert.equal(github.hash, serverHash({ name: 'github', transport: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_TOKEN: '${GITHUB_TOKEN}' } }));
    assert.deepEqual(
      problems.map((p) => `${p.line} ${p.code}`),
      ['6 mcp-server-incomplete', '7 mcp-placeholder-unknown', '7 mcp-placeholder-unknown'],
    );
    assert.match(problems[0]!.message, /"broken" has neither "command".*nor "url"/);
  });

  it('a changed definition has another hash; key order does not matter', () => {
    const a = parseMcpConfig('{"mcpServers":{"s":{"command":"a","env":{"X":"1","Y":"2"}}}}', '/f', 'mcp.json').servers[0]!;
    const b = parseMcpConfig('{"mcpServers":{"s":{"env":{"Y":"2","X":"1"},"command":"a"}}}', '/g', 'mcp.json').servers[0]!;
    const c = parseMcpConfig('{"mcpServers":{"s":{"command":"a","env":{"X":"1","Y":"3"}}}}', '/f', 'mcp.json').servers[0]!;
    assert.equal(a.hash, b.hash);
    assert.notEqual(a.hash, c.hash);
  });

  it('parses .vscode/mcp.json servers and inputs; an undeclared input is a problem', () => {
    const text = `{
  "inputs": [{ "type": "promptString", "id": "api-key", "description": "Key", "password": true }],
  "servers": {
    "fs": { "type": "stdio", "command": "node", "args": ["\${workspaceFolder}/server.js"], "env": { "KEY": "\${input:api-key}", "HOME2": "\${env:HOME}" } },
    "bad": { "command": "node", "env": { "K": "\${input:nope}" } },
    "sse": { "type": "sse", "url": "http://localhost:3000/sse" }
  }
}`;
    const { servers, problems } = parseMcpConfig(text, '/w/.vscode/mcp.json', 'vscode-mcp.json');
    assert.deepEqual(servers.map((s) => `${s.name}:${s.transport}:${s.configKind}`), ['fs:stdio:vscode-mcp.json', 'bad:stdio:vscode-mcp.json', 'sse:sse:vscode-mcp.json']);
    assert.deepEqual(problems.map((p) => `${p.line} ${p.code}`), ['5 mcp-input-undeclared']);
  });

  it('malformed JSON is one error on its line and no servers', () => {
    const { servers, problems } = parseMcpConfig('{\n  "mcpServers": {\n    "a": { "command": "x" ,, }\n  }\n}', '/w/.mcp.json', 'mcp.json');
    assert.deepEqual(servers, []);
    assert.equal(problems.length, 1);
    assert.equal(problems[0]!.code, 'mcp-config-syntax');
    assert.equal(problems[0]!.line, 3);
  });

  it('discovery reads .mcp.json, .vscode/mcp.json and a settings path; a missing settings path is a problem', async () => {
    const root = await tree({
      '.mcp.json': '{"mcpServers":{"a":{"command":"x"}}}',
      '.vscode/mcp.json': '{"servers":{"b":{"url":"http://h/mcp"}}}',
      'extra/mcp.json': '{"servers":{"c":{"command":"y"}}}',
    });
    const inv = await discoverContext(root, { home: root, mcpConfigFiles: ['extra/mcp.json', 'nope.json'] });
    assert.deepEqual(inv.servers.map((s) => `${s.name}:${s.configKind}`), ['a:mcp.json', 'b:vscode-mcp.json', 'c:settings']);
    assert.deepEqual(inv.problems.map((p) => `${path.basename(p.file)}:${p.code}`), ['nope.json:mcp-config-unreadable']);
  });
});

describe('context footprint: counting', () => {
  let api: FakeApi;
  before(async () => {
    api = await startFakeApi();
  });
  after(async () => {
    await api.close();
  });
  beforeEach(() => api.reset());

  const tool = (name: string, description: string, deferred = false) => ({ name, description, input_schema: { type: 'object', properties: { q: { type: 'string' } } }, ...(deferred ? { defer_loading: true } : {}) });

  async function inventoryWithServers(): Promise<ContextInventory> {
    const root = path.resolve(__dirname, '../../examples/context');
    const inv = await discoverContext(root, { home: root });
    const servers = parseMcpConfig('{"mcpServers":{"github":{"command":"gh"},"docs":{"command":"d"},"off":{"command":"o"}}}', path.join(root, '.mcp.json'), 'mcp.json').servers;
    return { ...inv, servers };
  }
  const source = fixedTools({
    github: { status: 'ok', fetchedAt: 1, cached: false, tools: [tool('create_issue', 'Create an issue in a repository. '.repeat(10)), tool('search_code', 'Search code.'), tool('rare', 'A deferred tool. '.repeat(5), true)] },
    docs: { status: 'ok', fetchedAt: 1, cached: true, tools: [tool('lookup', 'Look up the docs.')] },
    off: { status: 'not-started', reason: 'cli-opt-in', message: 'run with --start-mcp-servers' },
  });

  function assertSums(fp: Footprint) {
    const parts = fp.sources.reduce((n, s) => n + s.upFront.tokens, 0) + fp.servers.reduce((n, s) => n + s.upFront.tokens, 0);
    assert.equal(parts + fp.framing.tokens, fp.total.tokens);
  }

  it('exact through the API: the whole in one count, parts plus framing equal it, deferred tools out of the total', async () => {
    const inv = await inventoryWithServers();
    const fp = (await computeFootprint(inv, { registry, modelId: 'claude-sonnet-4-6', counting: { client: fakeApiClient(api) }, mcp: source }))!;
    assert.equal(fp.total.exact, true);
    assert.ok(fp.framing.exact);
    assert.ok(isFullyCounted(fp), 'a server that was not started has no numbers to be inexact');
    const estimatedDeferred = { ...fp, servers: fp.servers.map((s) => (s.server.name === 'github' ? { ...s, deferred: { ...s.deferred, exact: false } } : s)) };
    assert.ok(!isFullyCounted(estimatedDeferred), 'a deferred tool estimated: not every number is exact');
    assertSums(fp);
    // The fake API's rule is additive: the framing is the request base's tool-prompt constant (120) plus block joins (0).
    assert.equal(fp.framing.tokens, 120);
    const github = fp.servers.find((s) => s.server.name === 'github')!;
    // A .mcp.json server's tools are counted under the names Claude Code sends them by.
    assert.deepEqual(github.tools.map((t) => [t.tool.name, t.mcpName, t.deferred, t.exact]), [['mcp__github__create_issue', 'create_issue', false, true], ['mcp__github__rare', 'rare', true, true], ['mcp__github__search_code', 'search_code', false, true]]);
    assert.equal(github.upFront.tokens, github.tools.filter((t) => !t.deferred).reduce((n, t) => n + t.tokens, 0));
    assert.ok(github.deferred.tokens > 0);
    assert.equal(fp.servers.at(-1)!.server.name, 'off');
    assert.equal(fp.servers.at(-1)!.upFront.tokens, 0);
    // Up-front sources largest first; on-use-only sources last, with their on-use count.
    assert.equal(fp.sources[0]!.source.name, 'CLAUDE.md');
    const nested = fp.sources.find((s) => s.source.kind === 'nested-memory')!;
    assert.equal(nested.upFront.tokens, 0);
    assert.ok(nested.onUse.tokens > 0 && nested.onUse.exact);
    assert.ok(fp.costUSD! > 0);
    assert.ok(fp.windowShare! > 0 && fp.windowShare! < 0.01);
  });

  it("counts a .mcp.json server's tools as mcp__<server>__<tool>, a .vscode/mcp.json server's under the server's names", async () => {
    const root = await tree({ 'CLAUDE.md': 'Memory.' });
    const inv = await discoverContext(root, { home: root });
    const claude = parseMcpConfig('{"mcpServers":{"my.docs":{"command":"d"}}}', path.join(root, '.mcp.json'), 'mcp.json').servers;
    const vscode = parseMcpConfig('{"servers":{"docs":{"command":"d"}}}', path.join(root, '.vscode', 'mcp.json'), 'vscode-mcp.json').servers;
    const settingsClaude = parseMcpConfig('{"mcpServers":{"extra":{"command":"e"}}}', path.join(root, 'extra.json'), 'settings').servers;
    const settingsVscode = parseMcpConfig('{"servers":{"more":{"command":"m"}}}', path.join(root, 'more.json'), 'settings').servers;
    const lookup = tool('look.up', 'Look up the docs.');
    const mcp = { tools: async () => ({ status: 'ok' as const, fetchedAt: 1, cached: false, tools: [lookup] }) };
    const fp = (await computeFootprint({ ...inv, servers: [...claude, ...vscode, ...settingsClaude, ...settingsVscode] }, { registry, modelId: 'claude-sonnet-4-6', counting: { client: fakeApiClient(api) }, mcp }))!;
    const names = Object.fromEntries(fp.servers.map((s) => [s.server.name, s.tools.map((t) => t.tool.name)]));
    // Characters a tool name may not hold become _ in both parts.
    assert.deepEqual(names, { 'my.docs': ['mcp__my_docs__look_up'], docs: ['look.up'], extra: ['mcp__extra__look_up'], more: ['look.up'] });
    assert.ok(fp.servers.every((s) => s.tools[0]!.mcpName === 'look.up'));
    // Counted under that name, exactly: the fake API's marginal for a tool is 9 + its JSON units.
    const base = { model: 'claude-sonnet-4-6', messages: [PLACEHOLDER_MESSAGE] };
    const marginal = (t: object) => fakeCount({ ...base, tools: [{ name: 'r', input_schema: { type: 'object' } }, t] }) - fakeCount({ ...base, tools: [{ name: 'r', input_schema: { type: 'object' } }] });
    const api1 = { ...lookup, name: 'mcp__my_docs__look_up' };
    assert.equal(fp.servers.find((s) => s.server.name === 'my.docs')!.tools[0]!.tokens, marginal(api1));
    assert.equal(fp.servers.find((s) => s.server.name === 'docs')!.tools[0]!.tokens, marginal(lookup));
    assert.ok(marginal(api1) > marginal(lookup));
  });

  it('a second refresh with nothing changed makes no API call; a changed source costs two', async () => {
    const inv = await inventoryWithServers();
    const client = fakeApiClient(api);
    const first = (await computeFootprint(inv, { registry, modelId: 'claude-sonnet-4-6', counting: { client }, mcp: source }))!;
    const calls = api.countCalls();
    assert.ok(calls > 0);
    const again = (await computeFootprint(inv, { registry, modelId: 'claude-sonnet-4-6', counting: { client }, mcp: source }))!;
    assert.equal(api.countCalls(), calls);
    assert.equal(again.total.tokens, first.total.tokens);
    const edited = { ...inv, sources: inv.sources.map((s) => (s.name === 'docs/style.md' ? { ...s, upFront: `${s.upFront}\n- One more rule.` } : s)) };
    const third = (await computeFootprint(edited, { registry, modelId: 'claude-sonnet-4-6', counting: { client }, mcp: source }))!;
    assert.equal(api.countCalls(), calls + 2, 'the whole and the edited source');
    assert.ok(third.total.tokens > first.total.tokens);
    assertSums(third);
  });

  it('estimates without a key, marked with the reason, and the sums still hold', async () => {
    const inv = await inventoryWithServers();
    const fp = (await computeFootprint(inv, { registry, modelId: 'claude-sonnet-4-6', counting: { reason: 'no-key' }, mcp: source }))!;
    assert.equal(fp.total.exact, false);
    assert.equal(fp.total.reason, 'no-key');
    assert.ok(fp.sources.every((s) => !s.upFront.exact));
    assert.ok(!isFullyCounted(fp));
    assert.ok(fp.total.tokens > 0);
    assertSums(fp);
    assert.equal(api.countCalls(), 0);
  });

  it('falls back to the estimate with the API reason when the whole cannot be counted', async () => {
    const inv = await inventoryWithServers();
    api.setDefaultFault({ kind: 'status', status: 401 });
    const fp = (await computeFootprint(inv, { registry, modelId: 'claude-sonnet-4-6', counting: { client: fakeApiClient(api) }, mcp: notStarted }))!;
    api.setDefaultFault(null);
    assert.equal(fp.total.exact, false);
    assert.equal(fp.total.reason, 'unauthorized');
    assertSums(fp);
  });

  it('an empty workspace is zero tokens', async () => {
    const root = await tree({ 'readme.txt': 'nothing for agents' });
    const fp = (await computeFootprint(await discoverContext(root, { home: root }), { registry, modelId: 'claude-sonnet-4-6', counting: { client: fakeApiClient(api) }, mcp: notStarted }))!;
    assert.equal(fp.total.tokens, 0);
    assert.equal(fp.framing.tokens, 0);
    assert.deepEqual(fp.sources, []);
  });
});

describe('context footprint: the report page', () => {
  it('shows names from files as text, and the table adds up to the total', async () => {
    const root = await tree({
      'CLAUDE.md': 'Memory.',
      '.claude/skills/x/SKILL.md': '---\nname: <img src=x onerror=alert(1)>\ndescription: A skill & "more".\n---\nBody',
    });
    const inv = await discoverContext(root, { home: root });
    const servers = parseMcpConfig('{"mcpServers":{"<b>s</b>":{"command":"c"}}}', path.join(root, '.mcp.json'), 'mcp.json').servers;
    const fp = (await computeFootprint({ ...inv, servers }, { registry, modelId: 'claude-sonnet-4-6', counting: { reason: 'no-key' }, mcp: fixedTools({ '<b>s</b>': { status: 'ok', fetchedAt: 1, cached: true, tools: [{ name: '<i>t</i>', description: 'T', input_schema: { type: 'object' } }] } }) }))!;
    const view = footprintView(fp);
    const body = view.body.toString();
    assert.ok(!body.includes('<img'), 'no element made from a file');
    assert.ok(!body.includes('<b>s</b>') && !body.includes('<i>t</i>'));
    assert.ok(body.includes('&#60;img src=x onerror=alert(1)&#62;'));
    assert.match(view.markdown, /Not counted: the agent's own system prompt and built-in tools/);
    assert.match(body, new RegExp(`≈${fp.total.tokens.toLocaleString('en-US')} tokens before you type`));
  });
});
