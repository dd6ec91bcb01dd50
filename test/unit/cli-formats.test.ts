// The CLI's output formats come from one table (src/cli/output/formats.ts): its flags, the help,
// the one-format-only check and the renderer all follow the table.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DEFAULT_FORMAT, FORMAT_FLAGS, FORMATS } from '../../src/cli/output/formats';
import type { CountResult } from '../../src/cli/output/model';
import { cli, write } from '../support/cli';

const payload = { model: 'claude-sonnet-4-6', max_tokens: 300, system: 'You answer questions about train times.', messages: [{ role: 'user', content: 'When is the last train to Porto?' }] };

describe('CLI output formats (the table)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tl-formats-'));
    write(dir, 'requests/trains.json', payload);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has a flag for every format but the default, each listed in the help with its text', async () => {
    assert.deepEqual(FORMAT_FLAGS, Object.keys(FORMATS).filter((f) => f !== DEFAULT_FORMAT));
    const help = await cli(['help', 'count'], {}, dir);
    for (const f of FORMAT_FLAGS) assert.match(help.stdout, new RegExp(`^  --${f} +${FORMATS[f].help.replace(/[().]/g, '\\$&')}$`, 'm'));
  });

  it('prints what the format row renders for the same result, for every format', async () => {
    const json = await cli(['count', '--offline', '--json', 'requests'], {}, dir);
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as CountResult;
    assert.equal(result.files.length, 1);
    for (const f of Object.keys(FORMATS) as (keyof typeof FORMATS)[]) {
      const out = await cli(['count', '--offline', ...(f === DEFAULT_FORMAT ? [] : [`--${f}`]), 'requests'], {}, dir);
      assert.equal(out.code, 0, `${f}: ${out.stderr}`);
      // --github guards its table with a stop-commands token that is new on every run.
      const sameToken = (t: string) => t.replace(/\b[0-9a-f]{32}\b/g, 'TOKEN');
      assert.equal(sameToken(out.stdout), sameToken(FORMATS[f].render(result, { cwd: dir, env: {} })), f);
    }
  });

  it('refuses any two format flags together', async () => {
    for (const a of FORMAT_FLAGS) {
      for (const b of FORMAT_FLAGS.filter((x) => x !== a)) {
        const out = await cli(['count', '--offline', `--${a}`, `--${b}`, 'requests'], {}, dir);
        assert.equal(out.code, 2, `${a} ${b}`);
        assert.match(out.stderr, /choose one output format, not --\w+ and --\w+/);
      }
    }
  });
});
