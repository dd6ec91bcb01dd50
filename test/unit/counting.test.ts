import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clientOf, createCountingStack, reasonOf } from '../../src/core/counting';
import type { CountRequest } from '../../src/core/types';
import { fakeCount, startFakeApi, type FakeApi } from '../fake-api/server';

describe('Counting and the counting stack', () => {
  let api: FakeApi;
  let dir: string;
  before(async () => {
    api = await startFakeApi();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'token-lens-counting-'));
  });
  after(async () => {
    await api.close();
    await fs.rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => api.reset());

  const request: CountRequest = { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'counted through the stack' }] };

  it('connected to a key: the client counts through the API, on the stack cache and limiter', async () => {
    const stack = createCountingStack({ rateLimitPerMinute: 1_000 });
    const counting = stack.connect({ access: { apiKey: api.apiKey, baseURL: api.url } });
    assert.equal(clientOf(counting), stack.client);
    assert.equal(reasonOf(counting), undefined);
    const result = await stack.client.count(request);
    assert.equal(result.status, 'exact');
    assert.equal(result.status === 'exact' && result.tokens, fakeCount(request));
    assert.equal(api.countCalls(), 1);
    assert.equal(stack.cache.size, 1, 'the count is in the stack cache');
    assert.equal(stack.client.peek(request)?.tokens, fakeCount(request));
  });

  it('the limiter bounds the calls, and maxRetryWaitMs how long a count waits for a slot', async () => {
    const stack = createCountingStack({ rateLimitPerMinute: 1, maxRetryWaitMs: 100 });
    stack.connect({ access: { apiKey: api.apiKey, baseURL: api.url } });
    assert.equal((await stack.client.count(request)).status, 'exact');
    const second = await stack.client.count({ ...request, system: 'another request' });
    assert.equal(second.status === 'failed' && second.reason, 'rate-limited', 'one call a minute: the second waits longer than allowed');
    assert.equal(api.countCalls(), 1);
    stack.limiter.setLimit(10);
    assert.equal((await stack.client.count({ ...request, system: 'another request' })).status, 'exact');
  });

  it('without access: the reason, and a client that makes no call', async () => {
    const stack = createCountingStack({ rateLimitPerMinute: 50 });
    const counting = stack.connect({ reason: 'untrusted' });
    assert.equal(clientOf(counting), undefined);
    assert.equal(reasonOf(counting), 'untrusted');
    const result = await stack.client.count(request);
    assert.equal(result.status, 'failed');
    assert.equal(api.countCalls(), 0);

    // Connected again, it counts; disconnected again, it stops.
    stack.connect({ access: { apiKey: api.apiKey, baseURL: api.url } });
    assert.equal((await stack.client.count(request)).status, 'exact');
    stack.connect({ reason: 'offline' });
    assert.equal((await stack.client.count({ ...request, system: 'new' })).status, 'failed');
    assert.equal(api.countCalls(), 1);
  });

  it('persists counts in the cache file: a new stack answers from it without a call', async () => {
    const cacheFile = path.join(dir, 'counts.json');
    const first = createCountingStack({ cacheFile, rateLimitPerMinute: 50 });
    first.connect({ access: { apiKey: api.apiKey, baseURL: api.url } });
    assert.equal((await first.client.count(request)).status, 'exact');
    await first.cache.flush();

    const problems: string[] = [];
    const second = createCountingStack({ cacheFile, rateLimitPerMinute: 50, onCacheProblem: (m) => problems.push(m) });
    await second.cache.load();
    second.connect({ access: { apiKey: api.apiKey, baseURL: api.url } });
    const again = await second.client.count(request);
    assert.equal(again.status, 'exact');
    assert.equal(again.status === 'exact' ? again.source : undefined, 'cache');
    assert.equal(api.countCalls(), 1);
    assert.equal(problems.length, 0, problems.join('; '));

    await fs.writeFile(cacheFile, 'not a cache');
    const third = createCountingStack({ cacheFile, rateLimitPerMinute: 50, onCacheProblem: (m) => problems.push(m) });
    await third.cache.load();
    assert.equal(problems.length, 1, 'an unreadable cache file is reported');
  });
});
