import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import { analyzeDocument, countRequestOf } from '../../src/core/analyze';
import { CountCache } from '../../src/core/client/count-cache';
import { breakdownMarkdown, breakdownOf } from '../../src/core/decisions/breakdown';
import { parseDocument } from '../../src/core/payload';
import type { ParsedDocument } from '../../src/core/types';
import { fakeContextEdit, fakeCount, startFakeApi, type FakeApi } from '../fake-api/server';
import { analyzeOptions, fakeApiClient } from '../support/docs';

const execFileAsync = promisify(execFile);
const ROOT = path.join(__dirname, '../..');
const EXAMPLE = path.join(ROOT, 'examples/context-editing.json');

function example(): { text: string; doc: ParsedDocument; body: Record<string, unknown> } {
  const text = fs.readFileSync(EXAMPLE, 'utf8');
  const r = parseDocument(EXAMPLE, text);
  assert.equal(r.status, 'ok');
  return { text, doc: (r as { doc: ParsedDocument }).doc, body: JSON.parse(text) as Record<string, unknown> };
}

describe('context_management: counted before and after context editing', () => {
  let api: FakeApi;
  before(async () => {
    api = await startFakeApi();
  });
  after(async () => api.close());

  it('is part of the count request now (it used to be dropped as an unknown field)', () => {
    const { doc, body } = example();
    assert.deepEqual(countRequestOf(doc, analyzeOptions()).context_management, body['context_management']);
    assert.ok(!doc.findings.some((f) => f.code === 'unknown-field'), JSON.stringify(doc.findings));
  });

  it('the fake API takes it only on the beta route, and answers both numbers there', async () => {
    const { body } = example();
    const client = new Anthropic({ apiKey: api.apiKey, baseURL: api.url, maxRetries: 0 });
    const { max_tokens: _, ...params } = body;
    await assert.rejects(client.messages.countTokens(params as unknown as Anthropic.MessageCountTokensParams), /context_management: Extra inputs are not permitted/);
    const beta = await client.beta.messages.countTokens({ ...(params as object), betas: ['context-management-2025-06-27'] } as unknown as Anthropic.Beta.MessageCountTokensParams);
    assert.equal(beta.context_management?.original_input_tokens, fakeCount(body));
    assert.equal(beta.input_tokens, fakeCount(fakeContextEdit(body)));
    assert.ok(beta.input_tokens < fakeCount(body), 'clear_tool_uses cleared something');
  });

  it('the analysis gives the count after editing as the total and the count before beside it; the cache keeps both', async () => {
    const { doc, body } = example();
    const cache = new CountCache();
    const client = fakeApiClient(api, { cache });
    const a = (await analyzeDocument(doc, analyzeOptions(), client))!;
    assert.equal(a.total.exact, true);
    assert.equal(a.total.tokens, fakeCount(fakeContextEdit(body)));
    assert.equal(a.total.beforeContextEditing, fakeCount(body));
    const calls = api.countCalls();
    const again = (await analyzeDocument(doc, analyzeOptions(), fakeApiClient(api, { cache })))!;
    assert.equal(api.countCalls(), calls, 'answered from the cache');
    assert.equal(again.total.source, 'cache');
    assert.equal(again.total.beforeContextEditing, fakeCount(body));
    const md = breakdownMarkdown(breakdownOf(a));
    assert.match(md, new RegExp(`Context editing: ${fakeCount(body).toLocaleString('en-US')} tokens before, ${a.total.tokens.toLocaleString('en-US')} after`));
  });

  it('the cache file keeps the count before editing as a fourth number, and reads old three-number rows', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-cm-'));
    const file = path.join(dir, 'counts.json');
    try {
      const a = new CountCache({ file });
      a.set('a'.repeat(64), 100, 1, 250);
      a.set('b'.repeat(64), 7, 2);
      await a.flush();
      const rows = (JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: unknown[] }).entries;
      assert.deepEqual(rows, [['a'.repeat(64), 100, 1, 250], ['b'.repeat(64), 7, 2]]);
      const b = new CountCache({ file });
      await b.load();
      assert.deepEqual(b.get('a'.repeat(64)), { tokens: 100, at: 1, original: 250 });
      assert.deepEqual(b.get('b'.repeat(64)), { tokens: 7, at: 2 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('token-lens count --json shows both numbers', async function () {
    this.timeout(60_000);
    const { body } = example();
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-cm-cache-'));
    try {
      const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'count', '--json', '--cache-dir', cacheDir, EXAMPLE], {
        cwd: ROOT,
        env: { ...process.env, ANTHROPIC_API_KEY: api.apiKey, ANTHROPIC_BASE_URL: api.url },
      });
      const file = (JSON.parse(stdout) as { files: { inputTokens: number; inputTokensBeforeContextEditing?: number; exact: boolean }[] }).files[0]!;
      assert.equal(file.exact, true);
      assert.equal(file.inputTokens, fakeCount(fakeContextEdit(body)));
      assert.equal(file.inputTokensBeforeContextEditing, fakeCount(body));
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
