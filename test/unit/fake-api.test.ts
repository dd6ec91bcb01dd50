import Anthropic from '@anthropic-ai/sdk';
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { FAKE_DEFAULT_MODELS, fakeCount, fakeFamily, startFakeApi, type FakeApi } from '../fake-api/server';

type Params = Anthropic.Messages.MessageCountTokensParams;

const hello: Params = {
  model: 'claude-opus-4-6',
  system: 'You are a scientist',
  messages: [{ role: 'user', content: 'Hello, Claude' }],
};

/** A body that touches most counting branches. */
const rich: Params = {
  model: 'claude-opus-4-6',
  system: [{ type: 'text', text: 'Answer briefly. Ünïcödé costs more bytes.', cache_control: { type: 'ephemeral' } }],
  tools: [
    {
      name: 'get_weather',
      description: 'Weather for a city',
      input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ],
  tool_choice: { type: 'auto' },
  thinking: { type: 'enabled', budget_tokens: 2048 },
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is the weather in Paris? 東京は?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      ],
    },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18°C, cloudy' }] }] },
  ],
};

/** Resolves to what `promise` rejected with; fails the test if it resolved. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    const value = await promise;
    assert.fail(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    return err;
  }
}

function pdfBase64(pages: number): string {
  const objects = Array.from({ length: pages }, (_, i) => `${i + 3} 0 obj << /Type /Page /Parent 2 0 R >> endobj`);
  return Buffer.from(`%PDF-1.4\n2 0 obj << /Type /Pages /Count ${pages} >> endobj\n${objects.join('\n')}\n%%EOF`).toString('base64');
}

describe('fake Anthropic API', () => {
  let api: FakeApi;
  let client: Anthropic;

  beforeEach(async () => {
    api = await startFakeApi();
    client = new Anthropic({ apiKey: api.apiKey, baseURL: api.url, maxRetries: 0 });
  });
  afterEach(async () => {
    await api.close();
  });

  describe('fakeCount', () => {
    it('follows the documented rule on a simple body', () => {
      // base 5 + system u("You are a scientist" = 19 bytes) 7 + message 4 + u("Hello, Claude" = 13 bytes) 5
      assert.equal(fakeCount(hello), 5 + 7 + 4 + 5);
    });

    it('counts UTF-8 bytes, not characters', () => {
      const ascii = fakeCount({ ...hello, system: undefined, messages: [{ role: 'user', content: 'aaaaaa' }] });
      const cjk = fakeCount({ ...hello, system: undefined, messages: [{ role: 'user', content: '東京東京東京' }] });
      assert.equal(cjk - ascii, 6 - 2); // 18 bytes → 6 units against 6 bytes → 2 units
    });

    it('adds the tool overhead once plus per-tool units, and 13 for enabled thinking', () => {
      const base = { model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'hi' }] };
      const tool = { name: 't', input_schema: { type: 'object' } };
      const oneTool = fakeCount({ ...base, tools: [tool] }) - fakeCount(base);
      const twoTools = fakeCount({ ...base, tools: [tool, tool] }) - fakeCount(base);
      const toolUnits = Math.ceil(JSON.stringify(tool).length / 3);
      assert.equal(oneTool, 120 + 9 + toolUnits);
      assert.equal(twoTools, 120 + 2 * (9 + toolUnits));
      assert.equal(fakeCount({ ...base, thinking: { type: 'enabled', budget_tokens: 1024 } }) - fakeCount(base), 13);
      assert.equal(fakeCount({ ...base, thinking: { type: 'adaptive' } }), fakeCount(base));
    });

    it('prices base64 images flat and PDFs per page', () => {
      const msg = (block: unknown) => ({ model: 'claude-opus-4-6', messages: [{ role: 'user', content: [block] }] });
      const empty = fakeCount({ model: 'claude-opus-4-6', messages: [{ role: 'user', content: [] }] });
      const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } };
      const pdf = (n: number) => ({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdfBase64(n) } });
      assert.equal(fakeCount(msg(image)) - empty, 300);
      assert.equal(fakeCount(msg(pdf(1))) - empty, 900);
      assert.equal(fakeCount(msg(pdf(3))) - empty, 2700);
    });

    it('ignores thinking blocks of earlier turns but counts the last one', () => {
      const thinking = { type: 'thinking', thinking: 'x'.repeat(300), signature: 'sig' };
      const earlier = fakeCount({
        model: 'claude-opus-4-6',
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: [thinking, { type: 'text', text: 'a' }] },
          { role: 'user', content: 'q' },
        ],
      });
      const without = fakeCount({
        model: 'claude-opus-4-6',
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: [{ type: 'text', text: 'a' }] },
          { role: 'user', content: 'q' },
        ],
      });
      assert.equal(earlier, without);
      const last = fakeCount({ model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: [thinking] }] });
      const lastEmpty = fakeCount({ model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: [] }] });
      assert.equal(last - lastEmpty, 100);
    });

    it('puts Opus 4.7+ and every 5.x model in the newer family, the rest in claude-4', () => {
      const newer = ['claude-opus-4-7', 'claude-opus-4-8', 'claude-opus-5', 'claude-sonnet-5', 'claude-sonnet-5-5', 'claude-haiku-5-5', 'claude-fable-5-1', 'claude-mythos-5'];
      const older = ['claude-opus-4-6', 'claude-sonnet-4-6', 'claude-opus-4-5', 'claude-opus-4-5-20251101', 'claude-sonnet-4-5-20250929', 'claude-haiku-4-5'];
      for (const m of newer) assert.equal(fakeFamily(m), 'claude-4.7', m);
      for (const m of older) assert.equal(fakeFamily(m), 'claude-4', m);
    });
  });

  describe('through the SDK', () => {
    it('returns fakeCount(body) for a valid request', async () => {
      for (const body of [hello, rich]) {
        const result = await client.messages.countTokens(body);
        assert.equal(result.input_tokens, fakeCount(body));
      }
      assert.equal(api.countCalls(), 2);
      assert.deepEqual(api.requests[1]?.body, JSON.parse(JSON.stringify(rich)));
      assert.equal(api.requests[1]?.status, 200);
    });

    it('gives a newer-family model a different count for the same body', async () => {
      const old = await client.messages.countTokens({ ...rich, model: 'claude-opus-4-6' });
      for (const model of ['claude-opus-4-7', 'claude-sonnet-5']) {
        const newer = await client.messages.countTokens({ ...rich, model });
        assert.notEqual(newer.input_tokens, old.input_tokens, model);
        assert.equal(newer.input_tokens, Math.round(old.input_tokens * 1.25), model);
      }
      const sameFamily = await client.messages.countTokens({ ...rich, model: 'claude-sonnet-4-5' });
      assert.equal(sameFamily.input_tokens, old.input_tokens);
    });

    it('accepts every default model', async () => {
      for (const model of FAKE_DEFAULT_MODELS) {
        const result = await client.messages.countTokens({ ...hello, model });
        assert.equal(result.input_tokens, fakeCount({ ...hello, model }), model);
      }
    });

    it('rejects a wrong key with AuthenticationError', async () => {
      const wrong = new Anthropic({ apiKey: 'sk-ant-test-wrong', baseURL: api.url, maxRetries: 0 });
      const err = await rejection(wrong.messages.countTokens(hello));
      assert.ok(err instanceof Anthropic.AuthenticationError, String(err));
      assert.equal(err.status, 401);
      assert.equal(err.type, 'authentication_error');
    });

    it('rejects generation-only fields, naming them', async () => {
      const err = await rejection(client.messages.countTokens({ ...hello, max_tokens: 1024 } as unknown as Params));
      assert.ok(err instanceof Anthropic.BadRequestError, String(err));
      assert.equal(err.status, 400);
      assert.match(err.message, /max_tokens: Extra inputs are not permitted/);
      const body = err.error as { type: string; error: { type: string }; request_id: string };
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'invalid_request_error');
      assert.match(body.request_id, /^req_/);
      assert.equal(err.requestID, body.request_id, 'request-id header matches the body');
    });

    it('answers an unknown model with 404 naming it', async () => {
      const err = await rejection(client.messages.countTokens({ ...hello, model: 'claude-nonexistent-9' }));
      assert.ok(err instanceof Anthropic.NotFoundError, String(err));
      assert.equal(err.status, 404);
      assert.match(err.message, /model: claude-nonexistent-9/);
    });

    it('rejects url and file sources for images and documents', async () => {
      const blocks = [
        { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
        { type: 'document', source: { type: 'file', file_id: 'file_123' } },
      ];
      for (const block of blocks) {
        const body = { ...hello, messages: [{ role: 'user', content: [{ type: 'text', text: 'see' }, block] }] } as Params;
        const err = await rejection(client.messages.countTokens(body));
        assert.ok(err instanceof Anthropic.BadRequestError, String(err));
        assert.match(err.message, new RegExp(`${block.source.type} sources are not supported for token counting`));
      }
    });

    it('rejects a url image nested in a tool_result', async () => {
      const body = {
        ...hello,
        messages: [
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }],
          },
        ],
      } as Params;
      const err = await rejection(client.messages.countTokens(body));
      assert.ok(err instanceof Anthropic.BadRequestError, String(err));
    });

    it('rejects server tools and the MCP connector', async () => {
      const search = { ...hello, tools: [{ type: 'web_search_20250305', name: 'web_search' }] } as Params;
      const err = await rejection(client.messages.countTokens(search));
      assert.ok(err instanceof Anthropic.BadRequestError, String(err));
      assert.match(err.message, /web_search_20250305/);
      const mcp = { ...hello, mcp_servers: [{ type: 'url', url: 'https://mcp', name: 'm' }] } as unknown as Params;
      const mcpErr = await rejection(client.messages.countTokens(mcp));
      assert.ok(mcpErr instanceof Anthropic.BadRequestError, String(mcpErr));
      assert.match(mcpErr.message, /mcp_servers/);
    });

    it('validates the shape of messages', async () => {
      const cases: unknown[] = [
        { model: 'claude-opus-4-6' },
        { model: 'claude-opus-4-6', messages: [] },
        { model: 'claude-opus-4-6', messages: 'hi' },
        { model: 'claude-opus-4-6', messages: [{ role: 'system', content: 'hi' }] },
        { model: 'claude-opus-4-6', messages: [{ role: 'user', content: '' }] },
        { model: 'claude-opus-4-6', messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] },
        { model: 'claude-opus-4-6', messages: [{ role: 'user', content: 42 }] },
        { model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'hi' }], thinking: { type: 'enabled', budget_tokens: 100 } },
      ];
      for (const body of cases) {
        const err = await rejection(client.messages.countTokens(body as Params));
        assert.ok(err instanceof Anthropic.BadRequestError, `${JSON.stringify(body)}: ${String(err)}`);
      }
      // An empty final assistant message (a prefill slot) is allowed.
      const prefill = { model: 'claude-opus-4-6', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '' }] } as Params;
      assert.equal((await client.messages.countTokens(prefill)).input_tokens, fakeCount(prefill));
    });

    it('answers 413 request_too_large over the size limit', async () => {
      const small = await startFakeApi({ maxBodyBytes: 10_000 });
      try {
        const c = new Anthropic({ apiKey: small.apiKey, baseURL: small.url, maxRetries: 0 });
        const err = await rejection(c.messages.countTokens({ ...hello, messages: [{ role: 'user', content: 'x'.repeat(20_000) }] }));
        assert.ok(err instanceof Anthropic.APIError, String(err));
        assert.equal(err.status, 413);
        assert.equal(err.type, 'request_too_large');
        assert.equal((await c.messages.countTokens(hello)).input_tokens, fakeCount(hello));
      } finally {
        await small.close();
      }
    });
  });

  describe('over raw HTTP', () => {
    const post = (path: string, headers: Record<string, string>, body: string) =>
      fetch(api.url + path, { method: 'POST', headers: { 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...headers }, body });

    it('accepts the key as x-api-key (0.x SDKs) and answers in JSON with a request-id', async () => {
      const res = await post('/v1/messages/count_tokens', { 'x-api-key': api.apiKey }, JSON.stringify(hello));
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.match(res.headers.get('request-id') ?? '', /^req_/);
      assert.deepEqual(await res.json(), { input_tokens: fakeCount(hello) });
      assert.deepEqual(api.requests[0]?.auth, { xApiKey: true, authorization: false });
    });

    it('has no other route', async () => {
      const models = await fetch(`${api.url}/v1/models`, { headers: { 'x-api-key': api.apiKey } });
      assert.equal(models.status, 404);
      const body = (await models.json()) as { type: string; error: { type: string } };
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'not_found_error');
      const create = await post('/v1/messages', { 'x-api-key': api.apiKey }, JSON.stringify(hello));
      assert.equal(create.status, 404);
      assert.equal(api.countCalls(), 0);
    });

    it('rejects a missing key, a non-JSON body and a missing anthropic-version', async () => {
      assert.equal((await post('/v1/messages/count_tokens', {}, JSON.stringify(hello))).status, 401);
      const notJson = await post('/v1/messages/count_tokens', { 'x-api-key': api.apiKey }, '{"model": ');
      assert.equal(notJson.status, 400);
      assert.equal(((await notJson.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
      const noVersion = await fetch(`${api.url}/v1/messages/count_tokens`, {
        method: 'POST',
        headers: { 'x-api-key': api.apiKey },
        body: JSON.stringify(hello),
      });
      assert.equal(noVersion.status, 400);
    });
  });

  describe('faults', () => {
    it('queues a 429 with retry-after, visible on err.headers, then recovers', async () => {
      api.fail({ kind: 'status', status: 429, retryAfter: 7 });
      const err = await rejection(client.messages.countTokens(hello));
      assert.ok(err instanceof Anthropic.RateLimitError, String(err));
      assert.equal(err.status, 429);
      assert.equal(err.headers.get('retry-after'), '7');
      assert.equal(err.type, 'rate_limit_error');
      assert.equal((await client.messages.countTokens(hello)).input_tokens, fakeCount(hello));
      assert.deepEqual(api.requests.map((r) => r.status), [429, 200]);
      assert.equal(api.requests[0]?.fault, 'status');
    });

    it('answers 500 and 529 as server errors', async () => {
      api.fail({ kind: 'status', status: 500 });
      api.fail({ kind: 'status', status: 529 });
      const e500 = await rejection(client.messages.countTokens(hello));
      assert.ok(e500 instanceof Anthropic.InternalServerError, String(e500));
      assert.equal(e500.status, 500);
      assert.equal(e500.type, 'api_error');
      const e529 = await rejection(client.messages.countTokens(hello));
      assert.ok(e529 instanceof Anthropic.InternalServerError, String(e529));
      assert.ok(e529 instanceof Anthropic.OverloadedError, String(e529));
      assert.equal(e529.status, 529);
      assert.equal(e529.type, 'overloaded_error');
    });

    it('repeats a fault `times` times and keeps a default fault until healed', async () => {
      api.fail({ kind: 'status', status: 503 }, 2);
      for (let i = 0; i < 2; i++) {
        const err = await rejection(client.messages.countTokens(hello));
        assert.ok(err instanceof Anthropic.APIError && err.status === 503, String(err));
      }
      assert.equal((await client.messages.countTokens(hello)).input_tokens, fakeCount(hello));
      api.setDefaultFault({ kind: 'status', status: 401 });
      for (let i = 0; i < 3; i++) {
        assert.ok((await rejection(client.messages.countTokens(hello))) instanceof Anthropic.AuthenticationError);
      }
      api.setDefaultFault(null);
      assert.equal((await client.messages.countTokens(hello)).input_tokens, fakeCount(hello));
    });

    it('drop gives APIConnectionError, not a timeout', async () => {
      api.fail({ kind: 'drop' });
      const err = await rejection(client.messages.countTokens(hello));
      assert.ok(err instanceof Anthropic.APIConnectionError, String(err));
      assert.ok(!(err instanceof Anthropic.APIConnectionTimeoutError), String(err));
      assert.equal(err.status, undefined);
    });

    it('hang gives APIConnectionTimeoutError under a client timeout, and close() stays prompt', async () => {
      api.fail({ kind: 'hang' });
      const quick = new Anthropic({ apiKey: api.apiKey, baseURL: api.url, maxRetries: 0, timeout: 300 });
      const started = Date.now();
      const err = await rejection(quick.messages.countTokens(hello));
      assert.ok(err instanceof Anthropic.APIConnectionTimeoutError, String(err));
      assert.ok(Date.now() - started < 2000);
      // A second hanging request is still open when we close.
      api.fail({ kind: 'hang' });
      const pending = client.messages.countTokens(hello).catch((e: unknown) => e);
      while (api.requests.length < 2) await new Promise((r) => setTimeout(r, 10));
      const closing = Date.now();
      await api.close();
      assert.ok(Date.now() - closing < 1000, `close took ${Date.now() - closing} ms`);
      assert.ok((await pending) instanceof Anthropic.APIConnectionError);
    });

    it('malformed JSON is an error, not a number', async () => {
      api.fail({ kind: 'malformed' });
      const err = await rejection(client.messages.countTokens(hello));
      assert.ok(err instanceof Error);
    });

    it('truncated body is an error, not a number', async () => {
      api.fail({ kind: 'truncated' });
      const err = await rejection(client.messages.countTokens(hello));
      assert.ok(err instanceof Error);
    });

    it('delay and drip still deliver the right count', async () => {
      api.fail({ kind: 'delay', ms: 150 });
      const started = Date.now();
      assert.equal((await client.messages.countTokens(hello)).input_tokens, fakeCount(hello));
      assert.ok(Date.now() - started >= 140);
      api.fail({ kind: 'drip', ms: 5 });
      assert.equal((await client.messages.countTokens(rich)).input_tokens, fakeCount(rich));
    });

    it('SDK retries recover from one queued 529', async () => {
      const retrying = new Anthropic({ apiKey: api.apiKey, baseURL: api.url, maxRetries: 2 });
      api.fail({ kind: 'status', status: 529, retryAfterMs: 10 });
      assert.equal((await retrying.messages.countTokens(hello)).input_tokens, fakeCount(hello));
      assert.equal(api.countCalls(), 2);
      assert.deepEqual(api.requests.map((r) => r.status), [529, 200]);
      assert.deepEqual(api.requests.map((r) => r.headers['x-stainless-retry-count']), ['0', '1']);
    });

    it('reset() forgets requests and faults', async () => {
      await client.messages.countTokens(hello);
      api.fail({ kind: 'drop' }, 5);
      api.setDefaultFault({ kind: 'drop' });
      api.reset();
      assert.equal(api.requests.length, 0);
      assert.equal(api.countCalls(), 0);
      assert.equal((await client.messages.countTokens(hello)).input_tokens, fakeCount(hello));
    });

    it('reads a fault file on every request', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fake-api-'));
      const file = join(dir, 'fault.json');
      const withFile = await startFakeApi({ faultFile: file });
      try {
        const c = new Anthropic({ apiKey: withFile.apiKey, baseURL: withFile.url, maxRetries: 0 });
        assert.equal((await c.messages.countTokens(hello)).input_tokens, fakeCount(hello), 'missing file: no fault');
        writeFileSync(file, JSON.stringify({ kind: 'status', status: 529 }));
        const err = await rejection(c.messages.countTokens(hello));
        assert.ok(err instanceof Anthropic.APIError && err.status === 529, String(err));
        writeFileSync(file, 'null');
        assert.equal((await c.messages.countTokens(hello)).input_tokens, fakeCount(hello));
      } finally {
        await withFile.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it('never records the key', async () => {
    await client.messages.countTokens(hello); // Authorization: Bearer
    await fetch(`${api.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': api.apiKey, 'anthropic-version': '2023-06-01', 'x-echo': `key=${api.apiKey}` },
      body: JSON.stringify(hello),
    });
    api.fail({ kind: 'status', status: 429 });
    await rejection(client.messages.countTokens(hello));
    const wrong = new Anthropic({ apiKey: `${api.apiKey}-wrong`, baseURL: api.url, maxRetries: 0 });
    await rejection(wrong.messages.countTokens(hello));
    assert.equal(api.requests.length, 4);
    const serialized = JSON.stringify(api.requests);
    assert.ok(!serialized.includes(api.apiKey), 'a recorded request contains the key');
    assert.ok(api.requests.every((r) => r.auth.authorization || r.auth.xApiKey));
    assert.equal(api.requests[1]?.headers['x-echo'], '[redacted]');
  });
});

describe('fake Anthropic API as a process', () => {
  const server = resolve(__dirname, '../fake-api/server.ts');
  let child: ChildProcess | undefined;

  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('prints its URL, serves requests and exits on SIGTERM', async () => {
    const key = 'sk-ant-test-cli-key';
    child = spawn(process.execPath, ['--import', 'tsx', server, '--port', '0', '--key', key], {
      cwd: resolve(__dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: child.stdout! });
    const first = await new Promise<string>((resolveLine, reject) => {
      lines.once('line', resolveLine);
      child!.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    const info = JSON.parse(first) as { url: string; apiKey: string };
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(info.apiKey, key);

    const c = new Anthropic({ apiKey: key, baseURL: info.url, maxRetries: 0 });
    assert.equal((await c.messages.countTokens(rich)).input_tokens, fakeCount(rich));

    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  });
});
