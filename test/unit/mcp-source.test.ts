// The permission model of the MCP tool source (core, CLI): what starts when, proved with a server
// that writes a marker file when it starts; the tool-list cache.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCliMcpToolSource, inputVariableName } from '../../src/cli/mcp';
import type { McpServerDef } from '../../src/core/context/mcp-types';
import { McpToolCache } from '../../src/core/mcp/cache';
import { createMcpToolSource } from '../../src/core/mcp/source';
import { stdioDef } from '../support/mcp';

const TOOL = { name: 'cached_tool', description: 'From an earlier run.', input_schema: { type: 'object' } };

describe('MCP tool source: what starts when', function () {
  this.timeout(30_000);
  let dir: string;
  let marker: string;
  let def: McpServerDef;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tl-mcp-src-'));
    marker = path.join(dir, 'started');
    def = stdioDef('ok', { name: 'notes', env: { MARKER_FILE: marker } });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const starts = () => (existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n').length : 0);

  it('an untrusted workspace starts nothing, even an allowed server, and says why', async () => {
    let asked = 0;
    const source = createMcpToolSource({ trusted: false, start: true, isAllowed: () => (asked++, true) });
    const r = await source.tools(def);
    assert.deepEqual(r.status, 'not-started');
    if (r.status === 'not-started') {
      assert.equal(r.reason, 'untrusted');
      assert.match(r.message, /MCP server 'notes' .*was not started: the workspace is not trusted, and starting a server runs code from it/);
    }
    assert.equal(asked, 0, 'permission is not even asked');
    assert.equal(starts(), 0);
  });

  it('a server the user has not allowed does not start', async () => {
    const source = createMcpToolSource({ trusted: true, start: true, isAllowed: () => false });
    const r = await source.tools(def);
    assert.equal(r.status, 'not-started');
    if (r.status === 'not-started') {
      assert.equal(r.reason, 'not-allowed');
      assert.match(r.message, /Token Lens: Allow MCP Server…/);
    }
    assert.equal(starts(), 0);
  });

  it('an allowed server in a trusted workspace starts once, its list is cached, and refresh starts it again', async () => {
    const cache = new McpToolCache({ file: path.join(dir, 'mcp-tools.json') });
    const source = createMcpToolSource({ trusted: true, start: true, isAllowed: (d) => d.hash === def.hash, cache });
    const [a, b] = await Promise.all([source.tools(def), source.tools(def)]);
    assert.equal(a.status, 'ok', JSON.stringify(a));
    assert.equal(a, b, 'concurrent calls share one run');
    assert.equal(starts(), 1);
    const again = await source.tools(def);
    assert.equal(again.status, 'ok');
    assert.equal(starts(), 1, 'the answer is remembered');
    assert.equal(cache.get(def.hash)?.tools.length, 3);
    source.refresh(def);
    await source.tools(def);
    assert.equal(starts(), 2);
  });

  it('a caller that gives up stops waiting, without ending the shared run: the next caller gets its answer', async () => {
    const source = createMcpToolSource({ trusted: true, start: true, isAllowed: () => true });
    const controller = new AbortController();
    const first = source.tools(def, controller.signal);
    setTimeout(() => controller.abort(), 50);
    const r1 = await first;
    assert.equal(r1.status, 'failed');
    if (r1.status === 'failed') assert.match(r1.message, /cancelled/);
    const r2 = await source.tools(def, new AbortController().signal);
    assert.equal(r2.status, 'ok', JSON.stringify(r2));
    assert.equal(starts(), 1, 'started once');
  });

  it('not started: the cached list of an earlier run, said to be cached and why it was not started', async () => {
    const cache = new McpToolCache();
    await cache.set(def.hash, def.name, [TOOL], 1_700_000_000_000);
    for (const [options, reason] of [
      [{ trusted: false, start: true, isAllowed: () => true }, 'untrusted'],
      [{ trusted: true, start: false, isAllowed: () => true }, 'cli-opt-in'],
      [{ trusted: true, start: true, isAllowed: () => false }, 'not-allowed'],
    ] as const) {
      const r = await createMcpToolSource({ ...options, cache }).tools(def);
      assert.deepEqual(r, { status: 'ok', tools: [TOOL], fetchedAt: 1_700_000_000_000, cached: true, notStarted: reason });
    }
    assert.equal(starts(), 0);
  });

  it('a failure is reported as is, not hidden behind an older cached list', async () => {
    const cache = new McpToolCache();
    const crash = stdioDef('crash');
    await cache.set(crash.hash, crash.name, [TOOL]);
    const r = await createMcpToolSource({ trusted: true, start: true, isAllowed: () => true, cache }).tools(crash);
    assert.equal(r.status, 'failed');
  });

  it('marks deferred tools as the config says, on fetched and cached lists', async () => {
    const cache = new McpToolCache();
    const source = createMcpToolSource({ trusted: true, start: true, isAllowed: () => true, cache, deferLoading: () => (name) => name === 'tool_1' });
    const r = await source.tools(def);
    assert.equal(r.status, 'ok');
    if (r.status === 'ok') assert.deepEqual(r.tools.map((t) => t.defer_loading ?? false), [false, true, false]);
    const cached = await createMcpToolSource({ trusted: true, start: false, isAllowed: () => true, cache, deferLoading: () => true }).tools(def);
    if (cached.status === 'ok') assert.ok(cached.tools.every((t) => t.defer_loading === true));
    else assert.fail(JSON.stringify(cached));
  });

  describe('CLI (createCliMcpToolSource)', () => {
    it('without --start-mcp-servers starts nothing: cached lists only, else not started', async () => {
      const cacheFile = path.join(dir, 'mcp-tools.json');
      const { source } = createCliMcpToolSource({ start: false, cacheFile });
      const r = await source.tools(def);
      assert.equal(r.status, 'not-started');
      if (r.status === 'not-started') {
        assert.equal(r.reason, 'cli-opt-in');
        assert.match(r.message, /--start-mcp-servers/);
      }
      assert.equal(starts(), 0);
    });

    it('with --start-mcp-servers starts the server and caches the list, which a later run without it answers', async () => {
      const cacheFile = path.join(dir, 'mcp-tools.json');
      const first = createCliMcpToolSource({ start: true, cacheFile });
      const r = await first.source.tools(def);
      assert.equal(r.status, 'ok', JSON.stringify(r));
      assert.equal(starts(), 1);
      const later = createCliMcpToolSource({ start: false, cacheFile });
      const c = await later.source.tools(def);
      assert.equal(c.status, 'ok');
      if (c.status === 'ok') {
        assert.equal(c.cached, true);
        assert.equal(c.notStarted, 'cli-opt-in');
        assert.equal(c.tools.length, 3);
      }
      assert.equal(starts(), 1);
    });

    it('${input:id} comes from TOKEN_LENS_MCP_INPUT_<ID>; an unset one fails naming the variable', async () => {
      assert.equal(inputVariableName('github-token'), 'TOKEN_LENS_MCP_INPUT_GITHUB_TOKEN');
      assert.equal(inputVariableName('a.b c'), 'TOKEN_LENS_MCP_INPUT_A_B_C');
      const withInput = stdioDef('ok', { env: { TOOL_PREFIX: '${input:tool-prefix}' } });
      const cacheFile = path.join(dir, 'mcp-tools.json');
      const set = createCliMcpToolSource({ start: true, cacheFile, env: { ...process.env, TOKEN_LENS_MCP_INPUT_TOOL_PREFIX: 'ci' } });
      const r = await set.source.tools(withInput);
      if (r.status === 'ok') assert.equal(r.tools[0]!.name, 'ci_0');
      else assert.fail(JSON.stringify(r));
      const unset = createCliMcpToolSource({ start: true, cacheFile, env: { PATH: process.env.PATH } });
      const f = await unset.source.tools({ ...withInput, hash: 'other' });
      assert.equal(f.status, 'failed');
      if (f.status === 'failed') assert.match(f.message, /\$\{input:tool-prefix\} \(no value was given for input 'tool-prefix'; set the environment variable TOKEN_LENS_MCP_INPUT_TOOL_PREFIX\)/);
    });
  });
});

describe('MCP tool-list cache', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tl-mcp-cache-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('persists by hash and reads back in another instance; writes leave no temporary file', async () => {
    const file = path.join(dir, 'sub', 'mcp-tools.json');
    const a = new McpToolCache({ file });
    await a.set('h1', 'github', [TOOL], 123);
    const b = new McpToolCache({ file });
    await b.load();
    assert.deepEqual(b.get('h1'), { server: 'github', fetchedAt: 123, tools: [TOOL] });
    assert.deepEqual(readdirSync(path.dirname(file)).filter((n) => !n.endsWith('.lock')), ['mcp-tools.json']);
  });

  it('never holds environment values, headers or command lines, even when given objects carrying them', async () => {
    const file = path.join(dir, 'mcp-tools.json');
    const cacheFile = path.join(dir, 'cli-cache.json');
    // Through the whole source, with a definition full of secrets.
    const def = stdioDef('ok', { env: { API_TOKEN: 'sk-env-secret-1', TOOL_PREFIX: '${env:TL_SECRET_PREFIX}' }, headers: { Authorization: 'Bearer hdr-secret-2' }, args: [stdioDef('ok').args![0]!, 'ok', '--key=arg-secret-3'] });
    const { source } = createCliMcpToolSource({ start: true, cacheFile, env: { ...process.env, TL_SECRET_PREFIX: 'pfx' } });
    assert.equal((await source.tools(def)).status, 'ok');
    // And a tool object with extra fields.
    const cache = new McpToolCache({ file });
    await cache.set('h', 'x', [{ ...TOOL, env: { K: 'sk-env-secret-4' } } as never]);
    const text = readFileSync(cacheFile, 'utf8') + readFileSync(file, 'utf8');
    for (const secret of ['sk-env-secret-1', 'hdr-secret-2', 'arg-secret-3', 'sk-env-secret-4', 'TL_SECRET_PREFIX', 'Authorization', 'API_TOKEN']) {
      assert.ok(!text.includes(secret), `${secret} is in the cache file`);
    }
  });

  it('is bounded: the least recently used lists go first', async () => {
    const cache = new McpToolCache({ maxEntries: 3 });
    for (const h of ['a', 'b', 'c']) await cache.set(h, h, [TOOL]);
    cache.get('a');
    await cache.set('d', 'd', [TOOL]);
    assert.equal(cache.size, 3);
    assert.equal(cache.get('b'), undefined);
    assert.ok(cache.get('a'));
    const small = new McpToolCache({ maxBytes: 2_000 });
    for (let i = 0; i < 20; i++) await small.set(`h${i}`, 's', [TOOL]);
    assert.ok(small.size < 20 && small.size > 0);
  });

  it('a damaged or foreign file is ignored with a message naming it; a revoked entry is not merged back', async () => {
    const file = path.join(dir, 'mcp-tools.json');
    writeFileSync(file, '{"format":"token-lens-mcp-tools","version":1,"checksum":"0","entries":[]}');
    const problems: string[] = [];
    const c = new McpToolCache({ file, onProblem: (m) => problems.push(m) });
    await c.load();
    assert.equal(c.size, 0);
    assert.match(problems[0] ?? '', /MCP tool cache .*mcp-tools\.json is damaged \(checksum mismatch\); ignoring it\./);
    await c.set('keep', 'k', [TOOL]);
    await c.set('drop', 'd', [TOOL]);
    await c.delete('drop');
    const other = new McpToolCache({ file });
    await other.load();
    assert.ok(other.get('keep'));
    assert.equal(other.get('drop'), undefined);
  });

  it("loading removes temporary files a crashed writer left (older than a minute), not a live writer's", async () => {
    const file = path.join(dir, 'mcp-tools.json');
    const old = `${file}.4242.deadbeef.tmp`;
    const fresh = `${file}.4243.cafef00d.tmp`;
    writeFileSync(old, '{"format":"token-lens-mcp-tools","ver');
    writeFileSync(fresh, '{');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(old, hourAgo, hourAgo);
    await new McpToolCache({ file }).load();
    assert.equal(existsSync(old), false);
    assert.equal(existsSync(fresh), true);
  });

  it('two writers merge their lists', async () => {
    const file = path.join(dir, 'mcp-tools.json');
    const a = new McpToolCache({ file });
    const b = new McpToolCache({ file });
    await Promise.all([a.set('from-a', 'a', [TOOL]), b.set('from-b', 'b', [TOOL])]);
    const c = new McpToolCache({ file });
    await c.load();
    assert.ok(c.get('from-a') && c.get('from-b'));
  });
});
