import { strict as assert } from 'node:assert';
import type { Analysis } from '../../src/core/analyze';
import type { Counting } from '../../src/core/counting';
import type { ParseOptions } from '../../src/core/payload';
import { analyseText, countDocument, countIsCached, estimateFor, LIVE_ESTIMATE_MAX_CHARS, parseText, retryDelay } from '../../src/core/pipeline';
import { inThreadPreparer, type Preparer } from '../../src/core/worker/preparer';
import { fakeCount } from '../fake-api/server';
import { useFakeApi } from '../support/use-fake-api';
import { analyzeOptions, fakeApiClient, parseOk } from '../support/docs';
import { promptText } from '../support/payloads';

/** A preparer that does the work on this thread and remembers which paths it was given. */
function recordingPreparer(): Preparer & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    prepare: (path: string, text: string, options: ParseOptions, signal?: AbortSignal) => {
      paths.push(path);
      return inThreadPreparer.prepare(path, text, options, signal);
    },
  };
}

describe('core pipeline: text to analysis', () => {
  const api = useFakeApi();

  it('parses short text on this thread and long text through the preparer, with the same result', async () => {
    const preparer = recordingPreparer();
    const short = await parseText('/w/short.prompt.md', 'a short prompt', {}, preparer);
    assert.equal(short?.status, 'ok');
    assert.deepEqual(preparer.paths, [], 'short text never reaches the preparer');

    const long = promptText(LIVE_ESTIMATE_MAX_CHARS / 8);
    assert.ok(long.length > LIVE_ESTIMATE_MAX_CHARS);
    const viaPreparer = await parseText('/w/long.prompt.md', long, {}, preparer);
    assert.deepEqual(preparer.paths, ['/w/long.prompt.md']);
    const onThread = await parseText('/w/long.prompt.md', long, {});
    assert.deepEqual(preparer.paths, ['/w/long.prompt.md'], 'without a preparer, long text is parsed here');
    assert.equal(viaPreparer?.status, 'ok');
    assert.equal(onThread?.status, 'ok');
    const estimateOf = (p: typeof onThread) => (p?.status === 'ok' ? estimateFor(p.doc, analyzeOptions(), { reason: 'offline' }).total.tokens : -1);
    assert.equal(estimateOf(viaPreparer), estimateOf(onThread));

    const aborted = new AbortController();
    aborted.abort();
    assert.equal(await parseText('/w/long.prompt.md', long, {}, preparer, aborted.signal), undefined);
  });

  it('with a client: the estimate first (as on its way), then the exact count', async () => {
    const counting: Counting = { client: fakeApiClient(api) };
    const estimates: Analysis[] = [];
    const text = JSON.stringify({ model: 'claude-sonnet-4-6', system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there' }] });
    const outcome = await analyseText('/w/request.json', text, { parse: {}, analyze: analyzeOptions(), counting, onEstimate: (e) => estimates.push(e) });
    assert.equal(estimates.length, 1);
    assert.equal(estimates[0]!.total.exact, false);
    assert.equal(estimates[0]!.total.reason, 'network', 'the placeholder reason while the count is on its way');
    assert.equal(outcome?.status, 'analysed');
    const analysis = outcome!.status === 'analysed' ? outcome!.analysis : undefined;
    assert.equal(analysis?.total.exact, true);
    assert.equal(analysis?.total.tokens, fakeCount(JSON.parse(text)));
    assert.equal(api.countCalls(), 1);
  });

  it('without a client: the estimate with the reason is the answer, and no call is made', async () => {
    let estimates = 0;
    const outcome = await analyseText('/w/notes.prompt.md', 'some prompt text', {
      parse: {},
      analyze: analyzeOptions(),
      counting: { reason: 'no-key' },
      onEstimate: () => estimates++,
    });
    assert.equal(estimates, 0, 'onEstimate is for an estimate shown while counting');
    assert.equal(outcome?.status, 'analysed');
    const total = outcome!.status === 'analysed' ? outcome!.analysis.total : undefined;
    assert.equal(total?.exact, false);
    assert.equal(total?.reason, 'no-key');
    assert.equal(api.countCalls(), 0);
  });

  it('says skipped for a file that is no prompt or payload, and error for a broken one', async () => {
    const options = { parse: {}, analyze: analyzeOptions(), counting: { client: fakeApiClient(api) } };
    const skipped = await analyseText('/w/package.json', '{"name":"x","version":"1.0.0"}', options);
    assert.equal(skipped?.status, 'skipped');
    const broken = await analyseText('/w/request.json', '{"messages": [', options);
    assert.equal(broken?.status, 'error');
    assert.ok(broken?.status === 'error' && broken.parse.message.length > 0);
    assert.equal(api.countCalls(), 0);
  });

  it('drops a large text whose run went stale while the preparer had it', async () => {
    const preparer = recordingPreparer();
    const long = promptText(LIVE_ESTIMATE_MAX_CHARS / 8);
    let estimates = 0;
    const stale = await analyseText('/w/long.prompt.md', long, {
      parse: {},
      analyze: analyzeOptions(),
      counting: { client: fakeApiClient(api) },
      preparer,
      current: () => false,
      onEstimate: () => estimates++,
    });
    assert.equal(stale, undefined);
    assert.equal(estimates, 0);
    assert.equal(api.countCalls(), 0);
    assert.deepEqual(preparer.paths, ['/w/long.prompt.md']);
  });

  it('counts from the cache once known, and resolves to undefined once aborted', async () => {
    const counting: Counting = { client: fakeApiClient(api) };
    const doc = parseOk({ messages: [{ role: 'user', content: 'cache me' }] });
    assert.equal(countIsCached(doc, analyzeOptions(), counting), false);
    const first = await countDocument(doc, analyzeOptions(), counting);
    assert.equal(first?.total.source, 'api');
    assert.equal(countIsCached(doc, analyzeOptions(), counting), true);
    const again = await countDocument(doc, analyzeOptions(), counting);
    assert.equal(again?.total.source, 'cache');
    assert.equal(api.countCalls(), 1);
    assert.equal(countIsCached(doc, analyzeOptions(), { reason: 'offline' }), false, 'without a client nothing is cached');

    const aborted = new AbortController();
    aborted.abort();
    assert.equal(await countDocument(doc, analyzeOptions(), counting, aborted.signal), undefined);
    assert.equal(await countDocument(doc, analyzeOptions(), { reason: 'offline' }, aborted.signal), undefined);
  });

  it('retries transient failures after 2 s doubling to 60 s, and nothing else', async () => {
    api.setDefaultFault({ kind: 'status', status: 529, errorType: 'overloaded_error' });
    const doc = parseOk({ messages: [{ role: 'user', content: 'the API is down' }] });
    const failed = await countDocument(doc, analyzeOptions(), { client: fakeApiClient(api, { maxAttempts: 1 }) });
    assert.equal(failed?.total.exact, false);
    assert.equal(failed?.total.reason, 'server-error');
    assert.deepEqual(
      [0, 1, 2, 5, 6, 10].map((attempt) => retryDelay(failed, attempt)),
      [2_000, 4_000, 8_000, 60_000, 60_000, 60_000],
    );

    api.setDefaultFault({ kind: 'status', status: 401, errorType: 'authentication_error' });
    const rejected = await countDocument(doc, analyzeOptions(), { client: fakeApiClient(api, { maxAttempts: 1 }) });
    assert.equal(rejected?.total.reason, 'unauthorized');
    assert.equal(retryDelay(rejected, 0), undefined, 'a rejected key does not pass by itself');
    assert.equal(retryDelay(await countDocument(doc, analyzeOptions(), { reason: 'no-key' }), 0), undefined);
    api.setDefaultFault(null);
    const exact = await countDocument(doc, analyzeOptions(), { client: fakeApiClient(api) });
    assert.equal(exact?.total.exact, true);
    assert.equal(retryDelay(exact, 0), undefined);
    assert.equal(retryDelay(undefined, 0), undefined);
  });
});
