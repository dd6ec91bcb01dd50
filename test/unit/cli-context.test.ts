import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PLACEHOLDER_MESSAGE } from '../../src/core/payload';
import type { ContextResult } from '../../src/cli/output/model';
import { fakeCount } from '../fake-api/server';
import { cli, useCliWorkspace, write } from '../support/cli';
import { STDIO_SERVER } from '../support/mcp';

const EXAMPLE = path.resolve(__dirname, '../../examples/context');
const MODEL = 'claude-sonnet-4-6';

/** The example workspace, a git root marker and an .mcp.json with one server. */
function fixture(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-context-cli-'));
  cpSync(EXAMPLE, dir, { recursive: true, filter: (src) => path.basename(src) !== '.mcp.json' });
  mkdirSync(path.join(dir, '.git'));
  write(dir, '.mcp.json', { mcpServers: { github: { command: 'npx', args: ['-y', 'github-mcp'] } } });
  return dir;
}

/** The fake API's count of the always-loaded texts, less the placeholder request: what `total` must be. */
function expectedTotal(dir: string): number {
  const read = (rel: string) => readFileSync(path.join(dir, rel), 'utf8');
  const texts = [
    read('CLAUDE.md'),
    read('docs/style.md'),
    read('docs/workflow.md'),
    'db-migrations: Create, review or roll back a database migration for the API\'s Postgres schema. Use for any schema change.',
    'release-notes: Write the release notes for a new version from the merged pull requests since the last tag. Use when the user asks for release notes or a changelog entry.',
    'code-reviewer: Reviews a diff for bugs, missing tests and style problems before it is committed. Use after any non-trivial change.',
    '/fix-issue: Fix a GitHub issue by number, with a test that fails before the fix.',
  ];
  const base = { model: MODEL, messages: [PLACEHOLDER_MESSAGE] };
  return fakeCount({ ...base, system: texts.map((text) => ({ type: 'text', text })) }) - fakeCount(base);
}

describe('token-lens context (CLI)', () => {
  let dir: string;
  let cacheDir: string;
  let env: NodeJS.ProcessEnv;
  let api: import('../fake-api/server').FakeApi;
  useCliWorkspace(fixture, (w) => ({ api, dir, cacheDir, env } = w));

  it('--json: exact total from the API, parts plus framing equal it, servers not started without the flag', async () => {
    const out = await cli(['context', '--json', '--cache-dir', cacheDir, '--model', MODEL], env, dir);
    assert.equal(out.code, 0, out.stderr);
    const r = JSON.parse(out.stdout) as ContextResult;
    assert.equal(r.command, 'context');
    assert.equal(r.root, '.');
    assert.equal(r.total.exact, true);
    assert.equal(r.total.inputTokens, expectedTotal(dir));
    const parts = r.sources.reduce((n, s) => n + s.upFront.inputTokens, 0) + r.servers.reduce((n, s) => n + s.upFront.inputTokens, 0);
    assert.equal(parts + r.framing.inputTokens, r.total.inputTokens);
    assert.equal(r.framing.inputTokens, 0, 'the fake API is additive and there are no tools: nothing but the parts');
    assert.deepEqual(r.sources.slice(0, 3).map((s) => s.path).sort(), ['CLAUDE.md', 'docs/style.md', 'docs/workflow.md']);
    const style = r.sources.find((s) => s.path === 'docs/style.md')!;
    assert.deepEqual(style.importedFrom, { path: 'CLAUDE.md', line: 6 });
    const skill = r.sources.find((s) => s.name === 'release-notes')!;
    assert.equal(skill.kind, 'skill');
    assert.ok(skill.onUse.inputTokens > skill.upFront.inputTokens && skill.onUse.exact);
    assert.deepEqual(
      r.servers.map((s) => [s.name, s.path, s.line, s.status, s.reason]),
      [['github', '.mcp.json', 3, 'not-started', 'cli-opt-in']],
    );
    assert.ok(r.total.costUSD! > 0);
    assert.equal(style.windowShare, style.upFront.inputTokens / r.total.contextWindow!);
    assert.match(r.notCounted, /agent's own system prompt and built-in tools/);
  });

  it('a second run with nothing changed makes no API call (the persistent cache)', async () => {
    await cli(['context', '--json', '--cache-dir', cacheDir], env, dir);
    const calls = api.countCalls();
    const again = await cli(['context', '--json', '--cache-dir', cacheDir], env, dir);
    assert.equal(again.code, 0);
    assert.equal(api.countCalls(), calls);
    assert.equal((JSON.parse(again.stdout) as ContextResult).total.source, 'cache');
  });

  it('without a key: estimates marked ≈ with the reason', async () => {
    const out = await cli(['context', '--cache-dir', cacheDir], {}, dir);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Context footprint of \. on claude-sonnet-4-6: ≈[\d,]+ tokens before the user types/);
    assert.match(out.stdout, /estimate: no API key/);
    assert.match(out.stdout, /^github \(\.mcp\.json:3\) +mcp stdio +\?/m);
    assert.match(out.stdout, /^MCP server 'github' \(npx -y github-mcp\) was not started: the CLI starts MCP servers only with --start-mcp-servers\.$/m);
  });

  it('--start-mcp-servers: a server that listed its tools says nothing on stderr; one that failed is told there, with its stderr', async () => {
    write(dir, '.mcp.json', { mcpServers: { good: { command: process.execPath, args: [STDIO_SERVER, 'ok'] }, bad: { command: process.execPath, args: [STDIO_SERVER, 'crash'] } } });
    const out = await cli(['context', '--json', '--start-mcp-servers', '--cache-dir', cacheDir], env, dir);
    assert.equal(out.code, 0, out.stderr);
    const r = JSON.parse(out.stdout) as ContextResult;
    assert.deepEqual(r.servers.map((s) => [s.name, s.status]).sort(), [['bad', 'failed'], ['good', 'ok']]);
    assert.doesNotMatch(out.stderr, /good|fixture server \(ok\)/);
    assert.match(out.stderr, /token-lens: mcp: MCP server 'bad' [^]*fatal: could not read configuration/);
  });

  it('check --max-context-tokens exits 1 over the limit naming the largest sources, 0 at it', async () => {
    const total = expectedTotal(dir);
    const over = await cli(['check', '--json', '--cache-dir', cacheDir, '--max-context-tokens', String(total - 1)], env, dir);
    assert.equal(over.code, 1, over.stderr);
    const r = JSON.parse(over.stdout);
    assert.equal(r.offenders.length, 1);
    const o = r.offenders[0];
    assert.equal(o.rule, 'max-context-tokens');
    assert.equal(o.tokens, total);
    assert.equal(o.exact, true);
    assert.match(o.message, /over the limit of [\d,]+ by 1 \(limit from --max-context-tokens\); largest: (CLAUDE\.md|docs\/\w+\.md) [\d,]+, /);
    assert.equal(r.context.total.inputTokens, total);
    assert.equal(r.summary.files, 0, 'only a context limit: no file is counted');

    const ok = await cli(['check', '--cache-dir', cacheDir, '--max-context-tokens', String(total)], env, dir);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  });

  it('check reads maxContextTokens from .tokenlens.json', async () => {
    write(dir, '.tokenlens.json', { maxContextTokens: 10 });
    const out = await cli(['check', '--cache-dir', cacheDir], env, dir);
    assert.equal(out.code, 1, out.stderr);
    assert.match(out.stdout, /agent context +[\d,]+ +10 +\+[\d,]+ +\.tokenlens\.json/);
  });

  it('usage errors: context limits belong to check, context takes one folder that exists', async () => {
    assert.equal((await cli(['count', 'x', '--max-context-tokens', '5'], env, dir)).code, 2);
    assert.equal((await cli(['context', 'a', 'b'], env, dir)).code, 2);
    const missing = await cli(['context', 'nope'], env, dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope: no such folder/);
  });
});
