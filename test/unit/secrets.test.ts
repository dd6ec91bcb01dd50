/**
 * Secret hygiene: the API key appears in no log line, cache file, CLI output or error message,
 * whatever the API answers (including an API that echoes the key back), and requests go to the
 * configured host only: an explicit base URL wins over the environment, a config profile cannot
 * redirect, and a redirect from the configured host is not followed.
 *
 * (That workspace settings cannot set the base URL at all is the editor's side: src/extension/
 * config.ts reads `apiBaseUrl` from user settings only; what is tested here is the core below it.)
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { run } from '../../src/cli/main';
import { CountCache } from '../../src/core/client/count-cache';
import { CountingClient, type CountLogEvent, type CountResult } from '../../src/core/client/counting-client';
import { RateLimiter } from '../../src/core/client/rate-limiter';
import { redact, sdkTransport, type CountTransport } from '../../src/core/client/transport';
import type { CountRequest } from '../../src/core/types';
import { fakeCount, startFakeApi, type FakeApi, type Fault } from '../fake-api/server';

const PROMPT = 'The quarterly numbers for the Lisbon office are confidential.';

function request(text = PROMPT, model = 'claude-sonnet-4-6'): CountRequest {
  return { model, messages: [{ role: 'user', content: text }] };
}

/** The key, and the part of it that is secret (without the `sk-ant-` style prefix). */
function secretsOf(key: string): string[] {
  return [key, key.replace(/^sk-ant-(?:[a-z0-9]+-)?/, '')];
}

function assertNoKey(text: string, key: string, where: string): void {
  for (const secret of secretsOf(key)) assert.ok(!text.includes(secret), `${where} holds the key: ${text.slice(Math.max(0, text.indexOf(secret) - 80), text.indexOf(secret) + 80)}`);
}

/** Sets environment variables for the duration of `fn`, then restores them exactly. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (k: string, v: string | undefined) => (v === undefined ? delete process.env[k] : (process.env[k] = v));
  for (const [k, v] of Object.entries(vars)) set(k, v);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) set(k, v);
  }
}

/** A host no request should ever reach: records whatever does, and answers a believable count. */
interface Trap {
  url: string;
  hits: { url: string; authorization: boolean; apiKey: boolean; body: string }[];
  close(): Promise<void>;
}

async function startTrap(): Promise<Trap> {
  const hits: Trap['hits'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push({ url: req.url ?? '', authorization: req.headers.authorization !== undefined, apiKey: req.headers['x-api-key'] !== undefined, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"input_tokens": 4242}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function once(transport: CountTransport, req: CountRequest = request()) {
  return transport(req, { signal: new AbortController().signal, timeoutMs: 2_000 });
}

describe('secrets: the API key never leaks', function () {
  this.timeout(20_000);
  let api: FakeApi;
  let key: string;
  const wrongKey = 'sk-ant-api03-WRONGwrongWRONG0123456789abcdefghijklmnopqrstuv-AAAA';

  before(async () => {
    api = await startFakeApi();
    key = api.apiKey;
  });
  after(() => api.close());
  beforeEach(() => api.reset());

  /** Faults whose messages echo `echo` back, as a careless proxy or a debugging gateway might. */
  function echoing(echo: string): Fault[] {
    const statuses = [400, 401, 403, 404, 408, 413, 429, 500, 503, 529];
    return [
      ...statuses.map((status): Fault => ({ kind: 'status', status, message: `request with key ${echo} failed (${status})`, headers: { 'x-echo': echo } })),
      { kind: 'drop' },
      { kind: 'hang' },
      { kind: 'malformed' },
      { kind: 'truncated' },
    ];
  }

  it('no log event and no failure message holds the key, for every kind of failure, even an API echoing it', async () => {
    for (const [label, clientKey] of [
      ['right key', key],
      ['wrong key', wrongKey],
    ] as const) {
      for (const fault of echoing(clientKey)) {
        const events: CountLogEvent[] = [];
        const c = new CountingClient({
          transport: sdkTransport({ apiKey: clientKey, baseURL: api.url }),
          cache: new CountCache(),
          limiter: new RateLimiter({ limit: 100_000 }),
          timeoutMs: 200,
          maxAttempts: 1,
          log: (e) => events.push(e),
        });
        api.reset();
        api.fail(fault);
        const result = await c.count(request(`${label} ${JSON.stringify(fault)}`));
        assert.equal(result.status, 'failed', `${label} ${JSON.stringify(fault)}: ${JSON.stringify(result)}`);
        const message = (result as { message: string }).message;
        assert.ok(message.length > 10, 'the failure still says what happened');
        assertNoKey(message, clientKey, `failure message (${label}, ${fault.kind} ${'status' in fault ? fault.status : ''})`);
        assert.ok(events.length > 0);
        assertNoKey(JSON.stringify(events), clientKey, `log events (${label}, ${fault.kind})`);
        if (fault.kind === 'status') assert.match(message, /\[redacted\]/, 'the echoed key was there, and was taken out');
      }
    }
    // And a plain wrong key, as the fake answers it.
    const c = new CountingClient({ transport: sdkTransport({ apiKey: wrongKey, baseURL: api.url }), cache: new CountCache() });
    const f = (await c.count(request())) as { reason: string; message: string };
    assert.equal(f.reason, 'unauthorized');
    assertNoKey(f.message, wrongKey, 'unauthorized message');
  });

  it('a key that cannot be sent (line break, control or non-ASCII character) is reported as such, without the key', async () => {
    for (const bad of [`${key}\n`, `sk-ant-api03-abc\r\nX-Injected: 1`, `sk-ant-api03-\u0000secret`, `“${key}”`]) {
      const c = new CountingClient({ transport: sdkTransport({ apiKey: bad, baseURL: api.url }), cache: new CountCache(), maxAttempts: 3 });
      const f = (await c.count(request())) as { status: string; reason: string; message: string };
      assert.equal(f.status, 'failed');
      assert.equal(f.reason, 'unauthorized', f.message);
      assert.match(f.message, /API key/);
      assertNoKey(f.message, bad.trim(), 'message');
    }
    assert.equal(api.countCalls(), 0, 'nothing was sent');
  });

  it('the cache file holds hashes and numbers only: no key, no prompt text', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tl-secrets-cache-'));
    try {
      const cache = new CountCache({ file: path.join(dir, 'counts.json') });
      const c = new CountingClient({ transport: sdkTransport({ apiKey: key, baseURL: api.url }), cache });
      const results: CountResult[] = [];
      for (const text of [PROMPT, `${PROMPT} Second.`, `key is ${key}`]) results.push(await c.count(request(text)));
      assert.ok(results.every((r) => r.status === 'exact'));
      await cache.flush();
      for (const name of readdirSync(dir)) {
        const text = readFileSync(path.join(dir, name), 'utf8');
        assertNoKey(text, key, `cache file ${name}`);
        assert.ok(!text.includes('Lisbon') && !text.includes('quarterly'), 'no prompt text');
        const data = JSON.parse(text) as { entries: [string, number, number][] };
        assert.ok(data.entries.length === 3 && data.entries.every(([hash, tokens, at]) => /^[0-9a-f]{64}$/.test(hash) && Number.isInteger(tokens) && Number.isFinite(at)));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CLI output (table and --json, stdout and stderr) and its cache never show the key, with a right key or a wrong one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tl-secrets-cli-'));
    const cacheDir = path.join(dir, '.cache');
    try {
      mkdirSync(path.join(dir, 'requests'));
      writeFileSync(path.join(dir, 'requests', 'support.json'), JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: PROMPT }] }, null, 2));
      writeFileSync(path.join(dir, 'requests', 'tools.json'), JSON.stringify([{ name: 'lookup', description: 'Look up an order.', input_schema: { type: 'object', properties: {} } }], null, 2));
      const outputs: string[] = [];
      const cli = async (argv: string[], apiKey: string, fault?: Fault) => {
        api.reset();
        if (fault) api.setDefaultFault(fault);
        let out = '';
        const code = await run(argv, {
          stdout: (t) => (out += t),
          stderr: (t) => (out += t),
          env: { ANTHROPIC_API_KEY: apiKey, ANTHROPIC_BASE_URL: api.url },
          cwd: dir,
          isTTY: false,
        });
        api.setDefaultFault(null);
        outputs.push(out);
        return { code, out };
      };
      for (const format of [[], ['--json']]) {
        const right = await cli(['count', ...format, '--cache-dir', cacheDir, 'requests'], key);
        assert.equal(right.code, 0, right.out);
        assert.match(right.out, format.length ? /"exact": true/ : /support\.json/);
        assertNoKey(right.out, key, `CLI ${format.join(' ')} with the right key`);

        const wrong = await cli(['count', ...format, '--cache-dir', path.join(dir, '.cache-wrong'), 'requests'], wrongKey);
        assert.match(wrong.out, /unauthori[sz]ed|rejected/i, 'the wrong key is reported');
        assertNoKey(wrong.out, wrongKey, `CLI ${format.join(' ')} with a wrong key`);

        // An API that echoes the key in its error messages.
        const echoed = await cli(['count', ...format, '--cache-dir', path.join(dir, '.cache-echo'), 'requests'], key, { kind: 'status', status: 400, message: `bad request from ${key}` });
        assert.equal(api.countCalls() > 0, true);
        assertNoKey(echoed.out, key, `CLI ${format.join(' ')} with an echoing API`);
      }
      // Only the run that counted something has a cache file; the others wrote none.
      assert.ok(existsSync(path.join(cacheDir, 'counts.json')));
      for (const sub of ['.cache', '.cache-wrong', '.cache-echo']) {
        if (!existsSync(path.join(dir, sub))) continue;
        for (const name of readdirSync(path.join(dir, sub), { recursive: true }) as string[]) {
          const file = path.join(dir, sub, name);
          if (!name.endsWith('.json')) continue;
          const text = readFileSync(file, 'utf8');
          assertNoKey(text, key, `CLI cache ${sub}/${name}`);
          assertNoKey(text, wrongKey, `CLI cache ${sub}/${name}`);
        }
      }
      assert.ok(outputs.every((o) => o.length > 0));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('redact() takes out every occurrence of the key and leaves other text alone', () => {
    assert.equal(redact(`a ${key} b ${key}${key}`, key), 'a [redacted] b [redacted][redacted]');
    assert.equal(redact('no key here', key), 'no key here');
    assert.equal(redact(`with ${key}`, undefined), `with ${key}`);
    assert.equal(redact(`with ${key}`, ''), `with ${key}`);
    // Characters that mean something in a regular expression are taken literally.
    const odd = 'sk-ant-a.b*c+(d)[e]$^|?\\';
    assert.equal(redact(`x${odd}y`, odd), 'x[redacted]y');
    assert.equal(redact('x.b*c+y', odd), 'x.b*c+y');
    // A message quoting the key in JSON or a header is redacted too (the key has no characters JSON escapes).
    assert.ok(!redact(JSON.stringify({ error: { message: `invalid x-api-key ${key}` } }), key).includes(key));
  });

  it('the SDK debug log (ANTHROPIC_LOG=debug) goes to the given log, never the console, and never with the key', async () => {
    const captured: string[] = [];
    const logged: string[] = [];
    const methods = ['log', 'debug', 'info', 'warn', 'error'] as const;
    const saved = methods.map((m) => console[m]);
    await withEnv({ ANTHROPIC_LOG: 'debug' }, async () => {
      for (const m of methods) console[m] = (...args: unknown[]) => captured.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      try {
        const transport = sdkTransport({ apiKey: key, baseURL: api.url, log: (level, line) => logged.push(`${level} ${line}`) });
        assert.equal((await once(transport)).ok, true);
        api.fail({ kind: 'status', status: 401, message: `invalid x-api-key ${key}` });
        assert.equal((await once(transport)).ok, false);
      } finally {
        methods.forEach((m, i) => (console[m] = saved[i]!));
      }
    });
    assert.deepEqual(captured, [], 'nothing on the console');
    assert.ok(logged.some((l) => l.startsWith('debug ')), 'the SDK logged the requests to the given log');
    assertNoKey(logged.join('\n'), key, 'SDK debug log');
  });

  describe('requests go to the configured host only', () => {
    let trap: Trap;
    beforeEach(async () => {
      trap = await startTrap();
    });
    afterEach(() => trap.close());

    it('an explicit baseURL wins over ANTHROPIC_BASE_URL', async () => {
      await withEnv({ ANTHROPIC_BASE_URL: trap.url }, async () => {
        const result = await once(sdkTransport({ apiKey: key, baseURL: api.url }));
        assert.deepEqual(result, { ok: true, tokens: fakeCount(request()) });
      });
      assert.equal(trap.hits.length, 0, 'nothing reached ANTHROPIC_BASE_URL');
      assert.equal(api.countCalls(), 1);
      assert.ok(api.requests[0]!.auth.authorization || api.requests[0]!.auth.xApiKey, 'the key went to the configured host');
    });

    it('without an explicit baseURL only ANTHROPIC_BASE_URL is used: a config profile cannot redirect', async () => {
      const configDir = mkdtempSync(path.join(tmpdir(), 'tl-secrets-profile-'));
      try {
        mkdirSync(path.join(configDir, 'configs'));
        const profile = { base_url: trap.url, authentication: { type: 'user_oauth', client_id: 'x' } };
        for (const name of ['default', 'evil']) writeFileSync(path.join(configDir, 'configs', `${name}.json`), JSON.stringify(profile));
        writeFileSync(path.join(configDir, 'active_config'), 'evil');
        await withEnv({ ANTHROPIC_BASE_URL: api.url, ANTHROPIC_CONFIG_DIR: configDir, ANTHROPIC_PROFILE: 'evil' }, async () => {
          assert.equal((await once(sdkTransport({ apiKey: key }))).ok, true);
        });
        // With ANTHROPIC_BASE_URL unset as well, the explicit option is still the only address used.
        await withEnv({ ANTHROPIC_BASE_URL: undefined, ANTHROPIC_CONFIG_DIR: configDir, ANTHROPIC_PROFILE: 'evil' }, async () => {
          assert.equal((await once(sdkTransport({ apiKey: key, baseURL: api.url }))).ok, true);
        });
      } finally {
        rmSync(configDir, { recursive: true, force: true });
      }
      assert.equal(trap.hits.length, 0, 'nothing reached the profile base_url');
      assert.equal(api.countCalls(), 2);
    });

    it('a redirect from the configured host is reported, not followed: neither key nor prompt reaches the other host', async () => {
      for (const status of [301, 302, 303, 307, 308]) {
        api.reset();
        api.fail({ kind: 'status', status, headers: { location: `${trap.url}/v1/messages/count_tokens?from=${status}` } });
        const result = await once(sdkTransport({ apiKey: key, baseURL: api.url }));
        assert.equal(result.ok, false, `${status}: ${JSON.stringify(result)}`);
        assert.match((result as { message: string }).message, new RegExp(`redirect \\(${status} to ${trap.url.replace(/[.]/g, '\\.')}\\)`));
        assertNoKey((result as { message: string }).message, key, 'redirect message');
      }
      assert.deepEqual(trap.hits, [], 'the other host saw no request');

      // Through the client: an estimate with its reason, never the other host's number.
      api.setDefaultFault({ kind: 'status', status: 307, headers: { location: `${trap.url}/v1/messages/count_tokens` } });
      const c = new CountingClient({ transport: sdkTransport({ apiKey: key, baseURL: api.url }), cache: new CountCache(), maxAttempts: 1 });
      const f = (await c.count(request())) as { status: string; reason: string; message: string };
      api.setDefaultFault(null);
      assert.equal(f.status, 'failed');
      assert.match(f.message, /redirect/);
      assert.deepEqual(trap.hits, []);
    });
  });
});
