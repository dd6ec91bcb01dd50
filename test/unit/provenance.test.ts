import { strict as assert } from 'node:assert';
import { REASON_TEXT } from '../../src/core/format';
import { countDocument } from '../../src/core/pipeline';
import { countProvenance, remedyFor, reportProvenance, totalProvenance } from '../../src/core/provenance';
import type { EstimateReason } from '../../src/core/types';
import { useFakeApi } from '../support/use-fake-api';
import { analyzeOptions, fakeApiClient, parseOk } from '../support/docs';

describe('provenance and remedies', () => {
  const api = useFakeApi({ resetEachTest: false });

  const doc = parseOk({ messages: [{ role: 'user', content: 'where does this number come from?' }] });

  it('says where one count comes from: the API, the cache, on its way, or an estimate and why', async () => {
    const client = fakeApiClient(api);
    const fromApi = (await countDocument(doc, analyzeOptions(), { client }))!;
    assert.match(countProvenance(fromApi.total, false), /^Exact, from the count_tokens API at /);
    const fromCache = (await countDocument(doc, analyzeOptions(), { client }))!;
    assert.match(countProvenance(fromCache.total, false), /^Exact, from the cache of earlier API counts \(counted /);

    const offline = (await countDocument(doc, analyzeOptions(), { reason: 'offline' }))!;
    assert.equal(countProvenance(offline.total, false), `≈ Local estimate (${REASON_TEXT.offline}).`);
    assert.equal(countProvenance(offline.total, true), '≈ Local estimate; the exact count is on its way.');

    const rejected = (await countDocument(doc, analyzeOptions(), { client: fakeApiClient({ url: api.url, apiKey: 'sk-ant-wrong' }) }))!;
    assert.equal(rejected.total.reason, 'unauthorized');
    assert.ok(rejected.total.message, 'the API says why');
    assert.equal(countProvenance(rejected.total, false), `≈ Local estimate (${REASON_TEXT.unauthorized}). ${rejected.total.message}`);
  });

  it('says where a report\'s numbers come from, in the same words', async () => {
    const offline = (await countDocument(doc, analyzeOptions(), { reason: 'no-key' }))!;
    assert.equal(reportProvenance(totalProvenance(offline.total)), `≈ Local estimates (${REASON_TEXT['no-key']}).`);
    assert.equal(reportProvenance({ exact: true }), 'Exact counts from the count_tokens API.');
    assert.equal(reportProvenance({ exact: false, mixed: 'Exact except on one tokenizer.' }), 'Exact except on one tokenizer.');
    assert.deepEqual(totalProvenance((await countDocument(doc, analyzeOptions(), { client: fakeApiClient(api) }))!.total), { exact: true });
  });

  it('maps each reason to its remedy: the key for no key or a rejected one, trust for an untrusted workspace, nothing else', () => {
    const reasons = Object.keys(REASON_TEXT) as EstimateReason[];
    const withRemedy = Object.fromEntries(reasons.flatMap((r) => (remedyFor(r) ? [[r, remedyFor(r)!.command]] : [])));
    assert.deepEqual(withRemedy, { 'no-key': 'tokenLens.setApiKey', unauthorized: 'tokenLens.setApiKey', untrusted: 'tokenLens.allowUntrusted' });
    assert.equal(remedyFor(undefined), undefined);
    assert.equal(remedyFor('no-key')!.kind, 'key');
    assert.equal(remedyFor('untrusted')!.kind, 'trust');
  });
});
