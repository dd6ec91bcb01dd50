import { strict as assert } from 'node:assert';
import { DocumentSession, type SessionEnvironment, type SessionState } from '../../src/core/session';
import type { EstimateReason } from '../../src/core/types';
import { fakeCount } from '../fake-api/server';
import { useFakeApi } from '../support/use-fake-api';
import { fakeApiClient, registry } from '../support/docs';
import { promptText } from '../support/payloads';
import { poll } from '../support/poll';

describe('DocumentSession', () => {
  const api = useFakeApi();

  function setup(opts: { debounceMs?: number; offline?: EstimateReason } = {}) {
    const client = fakeApiClient(api);
    const reports: (SessionState | undefined)[] = [];
    const env: SessionEnvironment = {
      parseOptions: () => ({}),
      analyzeOptions: () => ({ registry, defaultModel: 'claude-sonnet-4-6', toolThreshold: 500 }),
      counting: () => (opts.offline ? { reason: opts.offline } : { client }),
      debounceMs: () => opts.debounceMs ?? 30,
    };
    const session = new DocumentSession('/w/notes.prompt.md', env, (s) => reports.push(s && { ...s }));
    /** The state once the exact count is in and nothing is pending. */
    const settled = async (): Promise<SessionState> =>
      (await poll('the session settled (exact, nothing pending)', () => session.state, (s) => !!s && !s.pending && !!s.analysis?.total.exact, 5_000, 5))!;
    return { client, session, reports, settled };
  }

  it('estimates at once, then reports the exact count for the newest version only', async () => {
    const { session, reports, settled } = setup();
    for (let v = 1; v <= 10; v++) session.update(v, promptText(v * 10));
    assert.ok(reports.every((r) => r?.analysis && !r.analysis.total.exact), 'each edit shows an estimate at once');
    const state = await settled();
    assert.equal(state.version, 10);
    assert.equal(state.analysis!.total.tokens, fakeCount({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: promptText(100) }] }));
    assert.equal(api.countCalls(), 1, 'ten quick edits, one call');
    assert.ok(reports.filter((r) => r?.analysis?.total.exact).every((r) => r!.version === 10), 'no exact result for an older version');
  });

  it('answers known content from the cache without waiting for the debounce', async () => {
    // A debounce far longer than settled() waits: only a cache hit can settle in time.
    const { client, session, settled } = setup({ debounceMs: 60_000 });
    await client.count({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'cached words' }] });
    const calls = api.countCalls();
    session.update(1, 'cached words');
    const state = await settled();
    assert.equal(state.version, 1);
    assert.equal(state.analysis!.total.source, 'cache');
    assert.equal(api.countCalls(), calls);
    session.dispose();
  });

  it('counts again by itself after a transient failure, without an edit', async function () {
    this.timeout(15_000);
    const { session } = setup({ debounceMs: 1 });
    api.setDefaultFault({ kind: 'status', status: 529, errorType: 'overloaded_error' });
    session.update(1, 'counted once the API is back');
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(session.state!.analysis!.total.exact, false);
    assert.equal(session.state!.analysis!.total.reason, 'server-error');
    api.setDefaultFault(null);
    const state = (await poll('the exact count after the API recovered', () => session.state, (s) => !!s?.analysis?.total.exact, 12_000, 20))!;
    assert.equal(state.version, 1);
    assert.equal(state.analysis!.total.tokens, fakeCount({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'counted once the API is back' }] }));
    session.dispose();
  });

  it('reports estimates with the reason when there is no client', () => {
    const { session, reports } = setup({ offline: 'no-key' });
    assert.equal(session.update(1, 'some prompt text'), true);
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.analysis!.total.exact, false);
    assert.equal(reports[0]!.analysis!.total.reason, 'no-key');
    assert.equal(reports[0]!.pending, false);
  });

  it('drops a document that is not a prompt file, and stops after dispose', async () => {
    const { client } = setup();
    const reports: (SessionState | undefined)[] = [];
    const env: SessionEnvironment = {
      parseOptions: () => ({}),
      analyzeOptions: () => ({ registry, defaultModel: 'claude-sonnet-4-6', toolThreshold: 500 }),
      counting: () => ({ client }),
      debounceMs: () => 20,
    };
    const json = new DocumentSession('/w/package.json', env, (s) => reports.push(s));
    assert.equal(json.update(1, '{"name":"x","version":"1.0.0"}'), false);
    assert.equal(reports.length, 0);

    const prompt = new DocumentSession('/w/a.prompt.md', env, (s) => reports.push(s));
    prompt.update(1, 'pending work');
    prompt.dispose();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(api.countCalls(), 0, 'disposed before the debounce: no call');
    assert.equal(reports.filter((r) => r?.analysis?.total.exact).length, 0);
  });

  it('reads a small document at once and a large one only after the pause, once, at its latest version', async () => {
    const { session, settled } = setup({ offline: undefined, debounceMs: 40 });
    let reads = 0;
    const lazy = (text: string) => ({ length: text.length, read: () => (reads++, text) });

    session.update(1, lazy('a short prompt'));
    assert.equal(reads, 1, 'a small document is parsed (so read) on each edit');

    // Over LIVE_ESTIMATE_MAX_CHARS: three quick edits, no read until the pause.
    const large = (n: number) => `${promptText(200_000)} edit${n}`;
    reads = 0;
    for (let v = 2; v <= 4; v++) session.update(v, lazy(large(v)));
    assert.equal(reads, 0, 'a large document is not read while typing goes on');
    assert.equal(session.state!.version, 4);
    assert.equal(session.state!.parse, undefined);
    assert.equal(session.state!.analysis, undefined, 'no number for the new version before it is read');
    const state = await settled();
    assert.equal(reads, 1, 'read once, after the pause');
    assert.equal(state.version, 4);
    assert.equal(state.analysis!.total.tokens, fakeCount({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: large(4) }] }));
    session.dispose();
  });
});
