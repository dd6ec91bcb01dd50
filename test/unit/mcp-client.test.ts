// fetchMcpTools against real MCP servers: fixture servers written with the SDK (stdio and HTTP)
// and the protocol's published reference server, @modelcontextprotocol/server-everything.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fetchMcpTools } from '../../src/core/mcp/client';
import type { FixtureHttpServer } from '../fixtures/mcp/http-server.mjs';
import { EVERYTHING_SERVER, gone, httpDef, stdioDef } from '../support/mcp';
import { until } from '../support/poll';

const startHttpServer = async (mode: Parameters<typeof import('../fixtures/mcp/http-server.mjs').startHttpServer>[0], options?: { token?: string }) =>
  (await import('../fixtures/mcp/http-server.mjs')).startHttpServer(mode, options);

describe('MCP client (fetchMcpTools) against real servers', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tl-mcp-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('stdio', () => {
    it('lists the tools in the Messages API form: input_schema, name and description kept, MCP-only fields dropped', async () => {
      const r = await fetchMcpTools(stdioDef('ok'));
      assert.equal(r.status, 'ok', JSON.stringify(r));
      if (r.status !== 'ok') return;
      assert.equal(r.cached, false);
      assert.deepEqual(r.tools.map((t) => t.name), ['tool_0', 'tool_1', 'tool_2']);
      assert.deepEqual(r.tools[0], {
        name: 'tool_0',
        description: 'Fixture tool number 0: does nothing, but describes itself.',
        input_schema: { type: 'object', properties: { value: { type: 'string', description: 'Any text.' } }, required: ['value'] },
      });
      assert.ok(r.fetchedAt > Date.now() - 60_000);
    });

    it('follows tools/list cursors across pages, in order', async () => {
      const r = await fetchMcpTools(stdioDef('paged'));
      assert.equal(r.status, 'ok', JSON.stringify(r));
      if (r.status === 'ok') assert.deepEqual(r.tools.map((t) => t.name), ['tool_0', 'tool_1', 'tool_2', 'tool_3', 'tool_4', 'tool_5', 'tool_6']);
    });

    it('a server listing 5,000 tools is a clear failure past the limit, and is counted when the limit allows it', async () => {
      const r = await fetchMcpTools(stdioDef('many'));
      assert.equal(r.status, 'failed');
      if (r.status === 'failed') assert.match(r.message, /MCP server 'many' .*listed more than 1,000 tools \(5,000 so far\)/);
      const all = await fetchMcpTools(stdioDef('many'), { maxTools: 5_000 });
      assert.equal(all.status, 'ok');
      if (all.status === 'ok') assert.equal(all.tools.length, 5_000);
    });

    it('a server that crashes at start fails at once with its exit code and its stderr', async () => {
      const t0 = Date.now();
      const r = await fetchMcpTools(stdioDef('crash'), { timeoutMs: 15_000 });
      assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
      assert.equal(r.status, 'failed');
      if (r.status !== 'failed') return;
      assert.match(r.message, /MCP server 'crash' \(.*stdio-server\.mjs crash\): the server exited with code 3 before answering\./);
      assert.match(r.stderr ?? '', /fatal: could not read configuration/);
    });

    it('logs a server that listed its tools (and its stderr) as info, one that failed (and its stderr) as a problem', async () => {
      const logs: [string, string][] = [];
      const log = (line: string, level: string) => void logs.push([level, line]);
      assert.equal((await fetchMcpTools(stdioDef('ok'), { log })).status, 'ok');
      assert.deepEqual(
        logs.map(([level, line]) => [level, line.replace(/\d+ ms/, 'N ms').replace(/^MCP server '[^']+' \([^)]*\)/, 'S')]),
        [
          ['info', 'S: 3 tools in N ms.'],
          ['info', 'S stderr:\nfixture server (ok) starting'],
        ],
      );
      logs.length = 0;
      assert.equal((await fetchMcpTools(stdioDef('crash'), { log, timeoutMs: 15_000 })).status, 'failed');
      assert.ok(logs.length >= 2 && logs.every(([level]) => level === 'problem'), JSON.stringify(logs));
      assert.match(logs.at(-1)![1], /stderr:\n[^]*fatal: could not read configuration/);
    });

    it('a server that prints garbage on stdout fails naming the first line, without waiting for the timeout', async () => {
      const t0 = Date.now();
      const r = await fetchMcpTools(stdioDef('garbage'), { timeoutMs: 15_000 });
      assert.ok(Date.now() - t0 < 5_000, `took ${Date.now() - t0} ms`);
      assert.equal(r.status, 'failed');
      if (r.status === 'failed') {
        assert.match(r.message, /stdout is not JSON-RPC/);
        assert.match(r.message, /"Server listening on port 3000\.\.\. ready!"/);
      }
    });

    it('a server that hangs fails at the timeout, and it and its child process are ended', async () => {
      const pidFile = path.join(dir, 'child.pid');
      // Long enough for a loaded machine to start node and its child before the deadline.
      const t0 = Date.now();
      const r = await fetchMcpTools(stdioDef('child-hang', { env: { CHILD_PID_FILE: pidFile } }), { timeoutMs: 4_000 });
      const took = Date.now() - t0;
      assert.ok(took >= 3_900, `gave up after ${took} ms, before the deadline`);
      assert.equal(r.status, 'failed');
      if (r.status === 'failed') assert.match(r.message, /no answer within 4 s\. The server and its processes were ended\./);
      const child = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(child > 0);
      assert.ok(await gone(child), `child process ${child} is still running`);
    });

    it('after a successful listing the server and the process it spawned are gone', async () => {
      const pidFile = path.join(dir, 'child.pid');
      const marker = path.join(dir, 'started');
      const r = await fetchMcpTools(stdioDef('child', { env: { CHILD_PID_FILE: pidFile, MARKER_FILE: marker } }));
      assert.equal(r.status, 'ok', JSON.stringify(r));
      const server = Number(/started (\d+)/.exec(readFileSync(marker, 'utf8'))![1]);
      const child = Number(readFileSync(pidFile, 'utf8'));
      assert.ok(await gone(server), `server ${server} is still running`);
      assert.ok(await gone(child), `child process ${child} is still running`);
    });

    it('a command that does not exist, or a working directory that does not, is a failure saying so', async () => {
      const r = await fetchMcpTools(stdioDef('ok', { command: 'token-lens-no-such-command-xyz', args: [] }));
      assert.equal(r.status, 'failed');
      if (r.status === 'failed') assert.match(r.message, /command not found/);
      const c = await fetchMcpTools(stdioDef('ok', { cwd: 'no/such/folder' }));
      assert.equal(c.status, 'failed');
      if (c.status === 'failed') assert.match(c.message, /working directory .*no\/such\/folder does not exist/);
    });

    it('resolves ${env:X}, ${X:-default} and ${input:id} for the server; the values reach it and never the log', async () => {
      const logs: string[] = [];
      const asked: string[] = [];
      const r = await fetchMcpTools(stdioDef('ok', { env: { TOOL_PREFIX: '${input:prefix}', SECRET_TOKEN: '${env:TL_TEST_SECRET}', OTHER: '${TL_UNSET_VAR:-fallback}' } }), {
        env: { ...process.env, TL_TEST_SECRET: 'sk-very-secret-value' },
        resolveInput: async (id) => {
          asked.push(id);
          return 'fromInput';
        },
        log: (line) => logs.push(line),
      });
      assert.equal(r.status, 'ok', JSON.stringify(r));
      if (r.status === 'ok') assert.equal(r.tools[0]!.name, 'fromInput_0');
      assert.deepEqual(asked, ['prefix']);
      assert.ok(logs.length > 0);
      assert.ok(!logs.join('\n').includes('sk-very-secret-value'));
    });

    it('an unresolved placeholder is a failure naming it, and the server is not started', async () => {
      const marker = path.join(dir, 'started');
      const env = await fetchMcpTools(stdioDef('ok', { env: { MARKER_FILE: marker, TOKEN: '${env:TL_DEFINITELY_UNSET}' } }), { env: { PATH: process.env.PATH } });
      assert.equal(env.status, 'failed');
      if (env.status === 'failed') assert.match(env.message, /\$\{env:TL_DEFINITELY_UNSET\} \(environment variable TL_DEFINITELY_UNSET is not set\) in env TOKEN/);
      const input = await fetchMcpTools(stdioDef('ok', { args: ['${input:api-key}'], env: { MARKER_FILE: marker } }), { resolveInput: async () => undefined });
      assert.equal(input.status, 'failed');
      if (input.status === 'failed') assert.match(input.message, /\$\{input:api-key\} \(no value was given for input 'api-key'\) in args\[0\]/);
      assert.equal(existsSync(marker), false);
    });

    it('a cancelled signal ends the server', async () => {
      const controller = new AbortController();
      const pidFile = path.join(dir, 'child.pid');
      const fetching = fetchMcpTools(stdioDef('child-hang', { env: { CHILD_PID_FILE: pidFile } }), { signal: controller.signal, timeoutMs: 15_000 });
      // Cancelled once the server has started its child, however long that takes here.
      await until('the server to start its child', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 10_000, 20);
      controller.abort();
      const r = await fetching;
      assert.equal(r.status, 'failed');
      if (r.status === 'failed') assert.match(r.message, /cancelled/);
      assert.ok(await gone(Number(readFileSync(pidFile, 'utf8'))));
    });
  });

  describe('the published reference server (@modelcontextprotocol/server-everything, from the npm registry)', () => {
    it('starts with node from node_modules and its tools convert to the Messages API form', async () => {
      const r = await fetchMcpTools(stdioDef('everything', { args: [EVERYTHING_SERVER, 'stdio'] }));
      assert.equal(r.status, 'ok', JSON.stringify(r));
      if (r.status !== 'ok') return;
      const names = r.tools.map((t) => t.name);
      assert.ok(names.includes('echo'), names.join(', '));
      assert.ok(r.tools.length >= 5);
      for (const tool of r.tools) {
        assert.equal(typeof tool.input_schema, 'object');
        assert.equal((tool.input_schema as { type?: string }).type, 'object', tool.name);
        assert.equal('inputSchema' in tool, false);
        assert.equal(typeof tool.description, 'string');
      }
    });
  });

  describe('the example workspace (examples/context/.mcp.json)', () => {
    it('both servers start offline from this repository and list their tools', async () => {
      const file = path.resolve(__dirname, '../../examples/context/.mcp.json');
      const config = JSON.parse(readFileSync(file, 'utf8')) as { mcpServers: Record<string, { command: string; args: string[] }> };
      const counts: Record<string, number> = {};
      for (const [name, s] of Object.entries(config.mcpServers)) {
        const r = await fetchMcpTools({ name, configFile: file, configKind: 'mcp.json', range: { start: 0, end: 1 }, transport: 'stdio', command: s.command, args: s.args, hash: name });
        assert.equal(r.status, 'ok', JSON.stringify(r));
        if (r.status === 'ok') counts[name] = r.tools.length;
      }
      assert.equal(counts.notes, 3);
      assert.ok((counts.everything ?? 0) >= 5);
    });
  });

  describe('HTTP', () => {
    let server: FixtureHttpServer | undefined;
    afterEach(async () => {
      await server?.close();
      server = undefined;
    });

    it('Streamable HTTP', async () => {
      server = await startHttpServer('streamable');
      const r = await fetchMcpTools(httpDef(server.url));
      assert.equal(r.status, 'ok', JSON.stringify(r));
      if (r.status === 'ok') assert.deepEqual(r.tools.map((t) => t.name), ['tool_0', 'tool_1', 'tool_2', 'tool_3']);
    });

    it('falls back to SSE when the server speaks only the earlier HTTP+SSE transport', async () => {
      server = await startHttpServer('sse-only');
      const logs: string[] = [];
      const r = await fetchMcpTools(httpDef(server.url), { log: (l) => logs.push(l) });
      assert.equal(r.status, 'ok', JSON.stringify(r));
      if (r.status === 'ok') assert.equal(r.tools.length, 4);
      assert.match(logs.join('\n'), /Streamable HTTP failed .*trying SSE/);
      // And straight to SSE when the definition says so.
      const direct = await fetchMcpTools(httpDef(server.url, { transport: 'sse' }));
      assert.equal(direct.status, 'ok', JSON.stringify(direct));
    });

    it('an HTTP error is a failure with the status, after both transports were tried', async () => {
      server = await startHttpServer('error500');
      const r = await fetchMcpTools(httpDef(`${server.url}?key=query-secret`));
      assert.equal(r.status, 'failed');
      if (r.status !== 'failed') return;
      assert.match(r.message, /MCP server 'remote' \(http:\/\/127\.0\.0\.1:\d+\/mcp\): .*500/);
      assert.match(r.message, /and over SSE/);
      assert.ok(!r.message.includes('query-secret'), 'the URL query is not shown');
    });

    it('sends headers with placeholders resolved; a missing one fails naming it, and no header value is logged', async () => {
      server = await startHttpServer('auth', { token: 'tok-123-secret' });
      const logs: string[] = [];
      const def = httpDef(server.url, { headers: { Authorization: 'Bearer ${env:TL_TEST_TOKEN}' } });
      const r = await fetchMcpTools(def, { env: { TL_TEST_TOKEN: 'tok-123-secret' }, log: (l) => logs.push(l) });
      assert.equal(r.status, 'ok', JSON.stringify(r));
      assert.ok(server.requests.every((q) => q.authorization === 'Bearer tok-123-secret'));
      assert.ok(!logs.join('\n').includes('tok-123-secret'));
      const missing = await fetchMcpTools(def, { env: {} });
      assert.equal(missing.status, 'failed');
      if (missing.status === 'failed') assert.match(missing.message, /\$\{env:TL_TEST_TOKEN\}.* in header Authorization is not resolved/);
    });

    it('a server that never answers fails at the timeout', async () => {
      const { createServer } = await import('node:http');
      const silent = createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
      const port = (silent.address() as { port: number }).port;
      try {
        const t0 = Date.now();
        const r = await fetchMcpTools(httpDef(`http://127.0.0.1:${port}/mcp`), { timeoutMs: 1_000 });
        assert.ok(Date.now() - t0 < 4_000);
        assert.equal(r.status, 'failed');
        if (r.status === 'failed') assert.match(r.message, /no answer within 1 s/);
      } finally {
        silent.closeAllConnections();
        silent.close();
      }
    });
  });
});
