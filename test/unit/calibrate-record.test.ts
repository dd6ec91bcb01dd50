import { strict as assert } from 'node:assert';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { appendCases, bodyOf, main, measuredName, parseWantedFile, recordCounts, WANTED_PATH, type MeasuredCase, type WantedFile } from '../../bench/fit/record';
import { parseRequestFile, REQUESTS_PATH, sourceOfCase } from '../../bench/fit/fit-requests';
import { sdkTransport } from '../../src/core/client/transport';
import { fakeCount } from '../fake-api/server';
import { useFakeApi } from '../support/use-fake-api';

const root = path.join(__dirname, '..', '..');
const noWait = async () => undefined;

const wanted: WantedFile = {
  models: ['claude-opus-4-8', 'claude-sonnet-4-5'],
  cases: [
    { name: 'greeting', class: 'req-text', kind: 'text', text: 'Hello, Claude' },
    { name: 'one_tool', class: 'req-tools', kind: 'request', request: { tools: [{ name: 't', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'hi' }] } },
    { name: 'only_old', class: 'req-text', kind: 'text', text: 'x', models: ['claude-3-opus-19990101'] },
  ],
};

describe('calibration recorder (bench/fit/record.ts) against the fake API through the SDK', () => {
  const api = useFakeApi();
  const transport = () => sdkTransport({ apiKey: api.apiKey, baseURL: api.url });

  it('the shipped wanted file is valid and every case is new to the data', () => {
    const w = parseWantedFile(JSON.parse(readFileSync(path.join(root, WANTED_PATH), 'utf8')));
    assert.ok(w.cases.length >= 20 && w.models.length >= 5);
    const names = new Set(parseRequestFile(JSON.parse(readFileSync(path.join(root, REQUESTS_PATH), 'utf8'))).map((c) => c.name));
    for (const c of w.cases) for (const m of w.models) assert.ok(!names.has(measuredName(c.name, m)));
  });

  it('records what the API answered for each case and model, with provenance; a refused model is reported, not recorded', async () => {
    const got: MeasuredCase[] = [];
    const lines: string[] = [];
    const summary = await recordCounts({ wanted, have: new Set(), transport: transport(), onCase: async (c) => void got.push(c), log: (l) => lines.push(l), wait: noWait, date: '2026-12-03' });
    assert.equal(summary.measured, 4);
    assert.deepEqual(summary.refused.map((r) => r.name), [measuredName('only_old', 'claude-3-opus-19990101')]);
    assert.match(summary.refused[0]!.message, /not-found 404/);
    assert.equal(api.countCalls(), 5);
    for (const c of got) {
      const body = bodyOf(wanted.cases.find((w) => measuredName(w.name, c.model) === c.name)!, c.model);
      assert.equal(c.truth, fakeCount(body), c.name);
      assert.match(c.provenance, /count_tokens on 2026-12-03, model claude-/);
    }
    // the file the fit reads takes them, and one request under two models is one source
    const parsed = parseRequestFile(JSON.parse(appendCases({ about: 'x', cases: [] }, got)));
    assert.equal(parsed.length, 4);
    assert.equal(new Set(parsed.map((c) => c.source)).size, 2);
    assert.equal(sourceOfCase(measuredName('one_tool', 'claude-opus-4-8')), sourceOfCase(measuredName('one_tool', 'claude-sonnet-4-5')));
    assert.equal(parsed.find((c) => c.name === measuredName('one_tool', 'claude-opus-4-8'))!.family, 'claude-4.7');
  });

  it('asks nothing twice: cases already in the data are skipped', async () => {
    const have = new Set(wanted.cases.flatMap((w) => wanted.models.map((m) => measuredName(w.name, m))));
    const summary = await recordCounts({ wanted, have, transport: transport(), models: ['claude-opus-4-8', 'claude-sonnet-4-5'], onCase: async () => undefined, log: () => undefined, wait: noWait });
    assert.deepEqual([summary.measured, summary.skipped, api.countCalls()], [0, 4, 0]);
  });

  it('waits out a 429 as the API asks, and stops at once on a refused key without printing it', async () => {
    api.fail({ kind: 'status', status: 429, retryAfter: 7 }, 1);
    const waits: number[] = [];
    const one: WantedFile = { models: ['claude-opus-4-8'], cases: [wanted.cases[0]!] };
    const ok = await recordCounts({ wanted: one, have: new Set(), transport: transport(), rpm: 60, onCase: async () => undefined, log: () => undefined, wait: async (ms) => void waits.push(ms) });
    assert.equal(ok.measured, 1);
    assert.deepEqual(waits, [7000, 1000]); // the 429 answer's retry-after, then the pace of 60 a minute
    const lines: string[] = [];
    const bad = await recordCounts({ wanted, have: new Set(), transport: sdkTransport({ apiKey: 'sk-ant-wrong-key-123', baseURL: api.url }), onCase: async () => undefined, log: (l) => lines.push(l), wait: noWait });
    assert.match(bad.stopped ?? '', /refused the key/);
    assert.equal(api.countCalls(), 3);
    assert.ok(!JSON.stringify([bad, lines]).includes('sk-ant-wrong-key-123'));
  });

  it('the command line appends to the data file after every answer, keeps its other fields, and says what it needs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tl-record-'));
    mkdirSync(path.join(dir, path.dirname(WANTED_PATH)), { recursive: true });
    mkdirSync(path.join(dir, path.dirname(REQUESTS_PATH)), { recursive: true });
    writeFileSync(path.join(dir, WANTED_PATH), JSON.stringify(wanted));
    writeFileSync(path.join(dir, REQUESTS_PATH), JSON.stringify({ about: 'kept', cases: [{ name: measuredName('greeting', 'claude-opus-4-8'), truth: 1 }] }));
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    assert.equal(await main(['--dry-run'], {}, dir, log), 0);
    assert.match(lines.pop()!, /^4 measurements to make/);
    assert.equal(await main([], {}, dir, log), 2);
    assert.match(lines.pop()!, /set ANTHROPIC_API_KEY/);
    assert.equal(await main(['--rpm', '100', '--models', 'claude-sonnet-4-5'], { ANTHROPIC_API_KEY: api.apiKey, ANTHROPIC_BASE_URL: api.url }, dir, log), 0);
    const data = JSON.parse(readFileSync(path.join(dir, REQUESTS_PATH), 'utf8'));
    assert.equal(data.about, 'kept');
    assert.deepEqual(data.cases.map((c: { name: string }) => c.name), [measuredName('greeting', 'claude-opus-4-8'), measuredName('greeting', 'claude-sonnet-4-5'), measuredName('one_tool', 'claude-sonnet-4-5')]);
    writeFileSync(path.join(dir, WANTED_PATH), '{"models": "claude-opus-4-8"}');
    assert.equal(await main([], {}, dir, log), 2);
    assert.match(lines.pop()!, /wanted\.json: "models" must be a list/);
  });
});
