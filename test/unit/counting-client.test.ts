import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CountCache } from '../../src/core/client/count-cache';
import { CountingClient, type CountResult } from '../../src/core/client/counting-client';
import { RateLimiter } from '../../src/core/client/rate-limiter';
import { sdkTransport } from '../../src/core/client/transport';
import type { CountRequest } from '../../src/core/types';
import { fakeCount, startFakeApi, type FakeApi } from '../fake-api/server';
import { until } from '../support/poll';
import { useFakeApi } from '../support/use-fake-api';

function request(text: string, model = 'claude-sonnet-4-6'): CountRequest {
  return { model, messages: [{ role: 'user', content: text }] };
}

function exactTokens(result: CountResult): number {
  assert.equal(result.status, 'exact', JSON.stringify(result));
  return (result as { tokens: number }).tokens;
}

function failure(result: CountResult): { reason: string; message: string } {
  assert.equal(result.status, 'failed', JSON.stringify(result));
  return result as { reason: string; message: string };
}

/** Temporary folders of this file's tests, removed when they are done. */
const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('CountingClient against the fake API through the SDK', () => {
  let api: FakeApi;
  let dir: string;

  before(async () => {
    api = await startFakeApi();
  });
  after(() => api.close());
  beforeEach(() => {
    api.reset();
    dir = tempDir('tl-client-');
  });

  function client(overrides: Partial<ConstructorParameters<typeof CountingClient>[0]> = {}, apiKey = api.apiKey) {
    return new CountingClient({
      transport: sdkTransport({ apiKey, baseURL: api.url }),
      cache: new CountCache(),
      timeoutMs: 2_000,
      backoffMs: 200,
      ...overrides,
    });
  }

  it('returns the exact count the API gives, then the cached one without another call', async () => {
    const c = client();
    const req = request('Hello, Claude');
    const first = await c.count(req);
    assert.equal(exactTokens(first), fakeCount(req));
    assert.equal((first as { source: string }).source, 'api');
    const second = await c.count({ messages: req.messages, model: req.model });
    assert.equal(exactTokens(second), fakeCount(req));
    assert.equal((second as { source: string }).source, 'cache');
    assert.equal(api.countCalls(), 1);
    assert.equal(c.apiCalls, 1);
  });

  it('keys the cache on content, not on key order', async () => {
    const c = client();
    await c.count({ model: 'claude-sonnet-4-6', system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] });
    const reordered = JSON.parse('{"messages":[{"content":"Hi","role":"user"}],"system":"Be brief.","model":"claude-sonnet-4-6"}') as CountRequest;
    assert.equal((await c.count(reordered)).status, 'exact');
    assert.equal(api.countCalls(), 1);
  });

  it('does not reuse a count across models', async () => {
    const c = client();
    const a = exactTokens(await c.count(request('The same words for both models', 'claude-opus-4-6')));
    const b = exactTokens(await c.count(request('The same words for both models', 'claude-opus-4-7')));
    assert.equal(api.countCalls(), 2);
    assert.notEqual(a, b);
  });

  it('persists counts so a new process makes no call for known content', async () => {
    const file = path.join(dir, 'counts.json');
    const cache1 = new CountCache({ file, saveDelayMs: 10 });
    await client({ cache: cache1 }).count(request('persist me'));
    await cache1.flush();
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes('persist me'), 'the cache file holds no prompt text');
    assert.ok(!text.includes(api.apiKey), 'the cache file holds no key');

    const cache2 = new CountCache({ file });
    await cache2.load();
    const result = await client({ cache: cache2 }).count(request('persist me'));
    assert.equal((result as { source: string }).source, 'cache');
    assert.equal(api.countCalls(), 1);
  });

  it('shares one call among identical requests in flight', async () => {
    api.fail({ kind: 'delay', ms: 150 });
    const c = client();
    const results = await Promise.all(Array.from({ length: 5 }, () => c.count(request('same'))));
    for (const r of results) assert.equal(exactTokens(r), fakeCount(request('same')));
    assert.equal(api.countCalls(), 1);
  });

  it('cancels a superseded request, and keeps it going while another caller still waits', async () => {
    api.fail({ kind: 'delay', ms: 300 }, 2);
    const c = client();
    const lone = new AbortController();
    const pending = c.count(request('superseded'), lone.signal);
    setTimeout(() => lone.abort(), 50);
    assert.equal((await pending).status, 'cancelled');

    const a = new AbortController();
    const first = c.count(request('shared'), a.signal);
    const second = c.count(request('shared'));
    setTimeout(() => a.abort(), 50);
    assert.equal((await first).status, 'cancelled');
    assert.equal(exactTokens(await second), fakeCount(request('shared')));
  });

  it('without a key makes no call and says how to add one', async () => {
    const c = new CountingClient({ transport: undefined, cache: new CountCache() });
    const f = failure(await c.count(request('x')));
    assert.equal(f.reason, 'no-key');
    assert.match(f.message, /API key/);
    assert.equal(api.countCalls(), 0);
  });

  it('reports a rejected key once, never repeating the key, and stops asking', async () => {
    const wrongKey = 'sk-ant-wrong-key-0123456789abcdef';
    const c = client({}, wrongKey);
    const f = failure(await c.count(request('a')));
    assert.equal(f.reason, 'unauthorized');
    assert.ok(!f.message.includes(wrongKey));
    failure(await c.count(request('b')));
    assert.equal(api.countCalls(), 1);
  });

  it('remembers an unknown model and passes on the API message for rejected requests', async () => {
    const c = client();
    const f = failure(await c.count(request('a', 'claude-nonexistent-9')));
    assert.equal(f.reason, 'unknown-model');
    assert.match(f.message, /claude-nonexistent-9/);
    failure(await c.count(request('b', 'claude-nonexistent-9')));
    assert.equal(api.countCalls(), 1);

    const rejected = failure(await c.count({ model: 'claude-sonnet-4-6', messages: [{ role: 'robot', content: 'x' }] }));
    assert.equal(rejected.reason, 'rejected');
    assert.match(rejected.message, /rejected/);
  });

  it('waits out a short retry-after and then counts', async () => {
    api.fail({ kind: 'status', status: 429, retryAfter: 1 });
    const c = client();
    const started = Date.now();
    assert.equal(exactTokens(await c.count(request('after 429'))), fakeCount(request('after 429')));
    assert.ok(Date.now() - started >= 900, 'honoured retry-after');
    assert.equal(api.countCalls(), 2);
  });

  it('gives up at once on a long retry-after, and the limiter stays closed for others', async () => {
    api.fail({ kind: 'status', status: 429, retryAfter: 120 });
    const c = client();
    const started = Date.now();
    assert.equal(failure(await c.count(request('long wait'))).reason, 'rate-limited');
    assert.equal(failure(await c.count(request('other'))).reason, 'rate-limited');
    assert.ok(Date.now() - started < 1_000, 'estimates never wait on the API');
    assert.equal(api.countCalls(), 1);
  });

  it('retries a 500 and a 529, then succeeds', async () => {
    api.fail({ kind: 'status', status: 500 });
    api.fail({ kind: 'status', status: 529, errorType: 'overloaded_error' });
    const c = client();
    assert.equal(exactTokens(await c.count(request('flaky'))), fakeCount(request('flaky')));
    assert.equal(api.countCalls(), 3);
  });

  it('backs off while the API is down and resumes by itself when it returns', async () => {
    api.setDefaultFault({ kind: 'status', status: 529, errorType: 'overloaded_error' });
    const c = client({ maxAttempts: 2, backoffMs: 300 });
    assert.equal(failure(await c.count(request('down 1'))).reason, 'server-error');
    const callsWhileDown = api.countCalls();
    assert.equal(failure(await c.count(request('down 2'))).reason, 'server-error');
    assert.equal(api.countCalls(), callsWhileDown, 'no call during the backoff');
    api.setDefaultFault(null);
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(exactTokens(await c.count(request('down 2'))), fakeCount(request('down 2')));
  });

  it('times out a hanging call, and reports dropped connections and garbage as failures', async () => {
    const c = client({ timeoutMs: 200, maxAttempts: 1 });
    api.fail({ kind: 'hang' });
    assert.equal(failure(await c.count(request('hang'))).reason, 'timeout');
    const d = client({ maxAttempts: 1 });
    api.fail({ kind: 'drop' });
    assert.equal(failure(await d.count(request('drop'))).reason, 'network');
    const e = client({ maxAttempts: 1 });
    api.fail({ kind: 'malformed' });
    assert.equal(failure(await e.count(request('malformed'))).reason, 'server-error');
    assert.equal(e.peek(request('malformed')), undefined, 'nothing cached from a bad answer');
  });

  it('keeps within the client-side rate limit', async () => {
    const c = client({ limiter: new RateLimiter({ limit: 2, windowMs: 400 }) });
    const started = Date.now();
    await Promise.all(['r1', 'r2', 'r3'].map((t) => c.count(request(t))));
    const times = api.requests.map((r) => r.timestamp - started).sort((x, y) => x - y);
    assert.equal(times.length, 3);
    assert.ok(times[2]! >= 380, `third call waited for the window (${times[2]} ms)`);
  });
});

describe('RateLimiter priorities', () => {
  /** Which waiters have been let through, in order. */
  function track(limiter: RateLimiter, label: string, priority: 'foreground' | 'background', order: string[], signal?: AbortSignal) {
    return limiter.acquire(signal, priority).then(() => void order.push(label));
  }

  it('background calls leave a fifth of the window to the foreground, which then goes first', async () => {
    const limiter = new RateLimiter({ limit: 5, windowMs: 300 });
    const order: string[] = [];
    const background = ['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map((b) => track(limiter, b, 'background', order));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['b1', 'b2', 'b3', 'b4'], 'four of five slots for the background');
    await track(limiter, 'f1', 'foreground', order);
    assert.deepEqual(order, ['b1', 'b2', 'b3', 'b4', 'f1'], 'the reserved slot at once, ahead of b5');
    // The window is full: the next foreground waiter still goes before b5 and b6, queued earlier.
    const f2 = track(limiter, 'f2', 'foreground', order);
    await Promise.all([...background, f2]);
    assert.deepEqual(order.slice(5), ['f2', 'b5', 'b6']);
  });

  it('a waiter that aborts leaves the queue without a slot; a background call can become foreground', async () => {
    const limiter = new RateLimiter({ limit: 1, windowMs: 200 });
    const order: string[] = [];
    await track(limiter, 'first', 'foreground', order);
    const controller = new AbortController();
    const aborted = track(limiter, 'gone', 'foreground', order, controller.signal);
    // Queued behind a plain background waiter, then wanted by the foreground: it goes first.
    const plain = track(limiter, 'plain', 'background', order);
    let urgent = false;
    const upgraded = limiter.acquire(undefined, () => (urgent ? 'foreground' : 'background')).then(() => void order.push('upgraded'));
    controller.abort();
    await assert.rejects(aborted, /aborted/);
    urgent = true;
    await Promise.all([upgraded, plain]);
    assert.deepEqual(order, ['first', 'upgraded', 'plain']);
  });
});

describe('CountingClient.withPriority against the fake API', () => {
  const api = useFakeApi();

  it('the document being edited is counted at once, in the slot a background scan leaves free', async () => {
    // A minute's window: a foreground count that waited like a background one would time the test out.
    const limiter = new RateLimiter({ limit: 5, windowMs: 60_000 });
    const foreground = new CountingClient({ transport: sdkTransport({ apiKey: api.apiKey, baseURL: api.url }), cache: new CountCache(), limiter, timeoutMs: 2_000, maxRetryWaitMs: 120_000 });
    const background = foreground.withPriority('background');
    const stop = new AbortController();
    const scan = Array.from({ length: 8 }, (_, i) => background.count(request(`scan ${i}`), stop.signal));
    await until('four background counts to reach the API', () => api.countCalls() === 4, 5_000, 5);
    const edited = await foreground.count(request('the document being edited'));
    assert.equal(exactTokens(edited), fakeCount(request('the document being edited')));
    const texts = api.requests.map((r) => ((r.body as CountRequest).messages[0] as { content: string }).content);
    assert.deepEqual(texts.slice(4), ['the document being edited'], 'the fifth call, while four scan counts still wait for the window');
    stop.abort();
    const scanned = await Promise.all(scan);
    assert.equal(scanned.filter((r) => r.status === 'exact').length, 4);
    assert.equal(scanned.filter((r) => r.status === 'cancelled').length, 4);
    // One client: the calls, the cache and the key are shared.
    assert.equal(foreground.apiCalls, 5);
    assert.equal(background.apiCalls, 5);
    assert.ok(foreground.peek(request('scan 0')), 'a count made in the background is in the shared cache');
  });
});

describe('CountCache', () => {
  const key = (i: number) => i.toString(16).padStart(64, '0');

  it('stays within its entry and byte bounds', () => {
    const byEntries = new CountCache({ maxEntries: 100 });
    for (let i = 0; i < 1_000; i++) byEntries.set(key(i), i);
    assert.equal(byEntries.size, 100);
    assert.equal(byEntries.get(key(999))?.tokens, 999);
    assert.equal(byEntries.get(key(0)), undefined);

    const byBytes = new CountCache({ maxBytes: 10_000 });
    for (let i = 0; i < 1_000; i++) byBytes.set(key(i), i);
    assert.ok(byBytes.bytes <= 10_000);
    assert.ok(byBytes.size < 1_000 && byBytes.size > 50);
  });

  it('ignores a damaged file and says so, and never leaves temporary files', async () => {
    const dir = tempDir('tl-cache-');
    const file = path.join(dir, 'counts.json');
    const cache = new CountCache({ file });
    cache.set(key(1), 42);
    await cache.flush();
    const good = readFileSync(file, 'utf8');

    for (const damaged of [good.slice(0, good.length / 2), good.replace('42', '43'), 'null', '{}']) {
      writeFileSync(file, damaged);
      const problems: string[] = [];
      const reread = new CountCache({ file, onProblem: (m) => problems.push(m) });
      await reread.load();
      assert.equal(reread.get(key(1)), undefined, `damaged file not trusted: ${damaged.slice(0, 40)}`);
      assert.equal(problems.length, 1);
      assert.match(problems[0]!, /counts\.json/);
    }
    assert.deepEqual(readdirSync(dir), ['counts.json']);
  });

  it('merges with entries another process saved meanwhile', async () => {
    const dir = tempDir('tl-cache-');
    const file = path.join(dir, 'counts.json');
    const a = new CountCache({ file });
    const b = new CountCache({ file });
    a.set(key(1), 1);
    await a.flush();
    b.set(key(2), 2);
    await b.flush();
    const c = new CountCache({ file });
    await c.load();
    assert.equal(c.get(key(1))?.tokens, 1);
    assert.equal(c.get(key(2))?.tokens, 2);
  });
});

describe('CountCache temporary files', () => {
  it('removes temporaries a crashed writer left behind, but not fresh ones', async () => {
    const { utimesSync } = await import('node:fs');
    const dir = tempDir('tl-cache-tmp-');
    const file = path.join(dir, 'counts.json');
    const stale = `${file}.123.deadbeef.tmp`;
    const fresh = `${file}.456.cafebabe.tmp`;
    writeFileSync(stale, '{"half":');
    writeFileSync(fresh, '{"half":');
    const old = (Date.now() - 10 * 60_000) / 1000;
    utimesSync(stale, old, old);
    await new CountCache({ file }).load();
    assert.deepEqual(readdirSync(dir).sort(), [path.basename(fresh)]);
  });
});
