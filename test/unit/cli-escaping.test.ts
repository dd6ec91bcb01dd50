// Issue #12 defect 2: text from a file or the API (file names, model ids, tool names, system text,
// error and diagnostic messages) is escaped for the output it goes to. A payload whose every
// field, and whose file name, is hostile goes through every format of count, check and diff.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { visible } from '../../src/cli/output/escape/terminal';
import { code, plain } from '../../src/cli/output/escape/markdown';
import { neutraliseCommands } from '../../src/cli/output/escape/workflow';
import { cli, write } from '../support/cli';
import { TERMINAL_UNSAFE } from '../support/output-safety';
import { git } from '../support/git';

/** A workflow command on its own line, a stop-commands, HTML, a table pipe, backticks, a colour escape, CR, a bidi override. */
const HOSTILE = 'x\n::error file=README.md,line=1::Injected\n::stop-commands::t\r<img src=x onerror=alert(1)>|`b`\x1b[31mred\u202eevil';
/** A file name with the same (no slash: it is one name). */
const NAME = `e\n::error file=README.md,line=1::F\x1b[31m\u202e<img src=x onerror=alert(1)>|\`b\`\r.json`;
/** The model id without backticks (text with a backtick never went into a code span). */
const MODEL = HOSTILE.replace(/`/g, '');
const payload = {
  model: MODEL,
  max_tokens: 100,
  system: HOSTILE,
  tools: [{ name: HOSTILE, description: `Search. ${'Filters by author and year. '.repeat(60)}`, input_schema: { type: 'object', properties: {} } }],
  messages: [{ role: 'user', content: HOSTILE }],
};
/** A file that does not parse, with the hostile text where the parser stops. */
const broken = `{"model": ${JSON.stringify(HOSTILE)}, "messages": [ ${HOSTILE}`;


/** Lines that the Actions runner would read as a workflow command, but for Token Lens's own (annotations and the guard). */
function injectedCommands(out: string, token?: string): string[] {
  return out.split('\n').filter((l) => {
    const t = l.trim();
    if (!t.startsWith('::') && !t.includes('##[')) return false;
    if (/^::(error|warning|notice) (file=[^,:]*,line=\d+,)?title=Token Lens::/.test(t)) return false;
    if (token && (t === `::stop-commands::${token}` || t === `::${token}::`)) return false;
    return true;
  });
}

describe('CLI output escaping (hostile file names, model ids, tool names, messages)', () => {
  let dir: string;
  const runs: Record<string, { code: number; stdout: string; stderr: string }> = {};

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tl-escape-'));
    git(dir, 'init', '-q');
    write(dir, 'requests/plain.json', { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'Hi.' }] });
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'v1');
    write(dir, `requests/${NAME}`, payload);
    write(dir, `requests/bad${NAME}`, broken);
    const limits = ['--budget', '1', '--max-tool-tokens', '1'];
    for (const [name, argv] of Object.entries({
      'count table': ['count', 'requests'],
      'count github': ['count', '--github', 'requests'],
      'count markdown': ['count', '--markdown', 'requests'],
      'check table': ['check', ...limits, 'requests'],
      'check github': ['check', '--github', ...limits, 'requests'],
      'check markdown': ['check', '--markdown', ...limits, 'requests'],
      'diff table': ['diff', 'HEAD', 'requests'],
      'diff github': ['diff', 'HEAD', '--github', 'requests'],
      'diff markdown': ['diff', 'HEAD', '--markdown', 'requests'],
      'count missing': ['count', `requests/missing${NAME}`],
    })) {
      runs[name] = await cli([...argv, '--offline'], {}, dir);
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the hostile file is counted and checked: the numbers are still there', () => {
    assert.match(runs['count table']!.stdout, /≈[\d,]+ +price unknown/);
    assert.match(runs['check table']!.stdout, /✗ 3 limits exceeded in 2 files/);
    assert.match(runs['diff table']!.stdout, /added +- +≈[\d,]+/);
    assert.match(runs['count markdown']!.stdout, /\| ≈[\d,]+ \| price unknown \|/);
  });

  for (const name of ['count table', 'check table', 'diff table', 'count markdown', 'check markdown', 'diff markdown']) {
    it(`${name}: no line can start a workflow command, no raw control or bidi character`, () => {
      const out = runs[name]!.stdout;
      assert.ok(out.includes('::error file=README.md') || name.includes('markdown'), 'the text is shown (escaped), not dropped');
      assert.deepEqual(injectedCommands(out), []);
      const raw = TERMINAL_UNSAFE.exec(out);
      assert.equal(raw, null, `raw ${JSON.stringify(raw?.[0])} in ${JSON.stringify(out)}`);
    });
  }

  for (const name of ['count github', 'check github', 'diff github']) {
    it(`${name}: the free text after the annotations is inside a random stop-commands guard, no injected command, no raw control character`, () => {
      const out = runs[name]!.stdout;
      const start = /^::stop-commands::([0-9a-f]{32})$/m.exec(out);
      assert.ok(start, `a stop-commands guard in ${JSON.stringify(out)}`);
      const token = start[1]!;
      const lines = out.split('\n');
      const open = lines.indexOf(`::stop-commands::${token}`);
      const close = lines.indexOf(`::${token}::`);
      assert.ok(close > open, 'the guard is closed by its token');
      assert.ok(lines.slice(open + 1, close).some((l) => l.includes('FILE')), 'the table is inside the guard');
      assert.ok(lines.slice(0, open).every((l) => l.startsWith('::')), 'only annotations before the guard');
      assert.deepEqual(injectedCommands(out, token), []);
      assert.equal(TERMINAL_UNSAFE.exec(out), null, JSON.stringify(out));
    });
  }

  it('the guard token is new on every run', async () => {
    const again = await cli(['count', '--github', '--offline', 'requests'], {}, dir);
    const token = (out: string) => /^::stop-commands::(\w+)$/m.exec(out)?.[1];
    assert.ok(token(again.stdout));
    assert.notEqual(token(again.stdout), token(runs['count github']!.stdout));
  });

  for (const name of ['count markdown', 'check markdown', 'diff markdown']) {
    it(`${name}: no raw HTML, no code span or table cell broken open`, () => {
      const out = runs[name]!.stdout;
      assert.ok(!/<img/i.test(out), JSON.stringify(out));
      assert.ok(out.includes('&lt;img src=x onerror=alert(1)&gt;'), 'shown as text');
      // Every table row has as many cells as its header.
      const rows = out.split('\n').filter((l) => l.startsWith('|'));
      const cells = (l: string) => l.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length;
      assert.ok(rows.length > 2);
      for (const r of rows) assert.equal(cells(r), cells(rows[0]!), r);
    });
  }

  it('stderr names a missing hostile path with its control characters made visible', () => {
    const err = runs['count missing']!.stderr;
    assert.match(err, /token-lens: /);
    assert.equal(TERMINAL_UNSAFE.exec(err), null, JSON.stringify(err));
    assert.deepEqual(injectedCommands(err), []);
  });

  it('the escaping modules', () => {
    assert.equal(visible('a\x1b[31mb\r\n\t\u202ec\u0085'), 'a\\x1b[31mb\\r\\n\\t\\u202ec\\x85');
    assert.equal(visible('plain ≈ text/ü'), 'plain ≈ text/ü');
    assert.equal(visible('a\u2028b\u2029c'), 'a\\u2028b\\u2029c');
    assert.equal(code('requests/a.json'), '`requests/a.json`');
    assert.equal(code('a<b>'), 'a&lt;b&gt;');
    assert.equal(plain('[x](y) `z` | <i>'), '\\[x\\](y) \\`z\\` \\| &lt;i&gt;');
    assert.equal(neutraliseCommands('::error::x\n  ::warning::y\nok ::z\n##[error]w'), '\\x3a:error::x\n  \\x3a:warning::y\nok ::z\n##\\x5berror]w');
  });
});
