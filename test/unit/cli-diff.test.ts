import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fakeCount, type FakeApi } from '../fake-api/server';
import { cli, useCliWorkspace, write } from '../support/cli';
import { git } from '../support/git';

const payload = (content: string, tools: unknown[] = []) => ({
  model: 'claude-sonnet-4-6',
  max_tokens: 256,
  ...(tools.length > 0 ? { tools } : {}),
  messages: [{ role: 'user', content }],
});
const requestOf = (p: ReturnType<typeof payload>, model = 'claude-sonnet-4-6') => ({ model, ...(p.tools ? { tools: p.tools } : {}), messages: p.messages });
const lookupTool = { name: 'lookup', description: 'Look a word up in the dictionary.', input_schema: { type: 'object', properties: { word: { type: 'string' } } } };

// Version 1 (tagged v1); then a commit in which support.json grows, old.prompt.md is deleted and
// new.prompt.md is added; then one that edits writer.prompt.md (HEAD).
const V1 = {
  'requests/support.json': payload('Where is my order?'),
  'requests/stable.json': payload('This one never changes.'),
  'prompts/writer.prompt.md': 'Write a short poem about autumn.\n',
  'prompts/old.prompt.md': 'An old prompt nobody uses.\n',
  'package.json': { name: 'poems', version: '1.0.0' },
  'README.md': '# Poems\n',
};
const V2_SUPPORT = payload('Where is my order? It was due last Tuesday and the tracking page says nothing.', [lookupTool]);
const V2_NEW = 'A new prompt: summarise the poem in one line.\n';
// writer.prompt.md in the last commit.
const NOW_WRITER = 'Write a short poem about autumn, in the style of a haiku, with a title.\n';

/** A repository with a history: v1, a commit that modifies, adds and deletes, a commit that edits one file. */
function repository(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-diff-'));
  git(dir, 'init', '-q');
  for (const [rel, content] of Object.entries(V1)) write(dir, rel, content);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'v1');
  git(dir, 'tag', 'v1');
  write(dir, 'requests/support.json', V2_SUPPORT);
  unlinkSync(path.join(dir, 'prompts/old.prompt.md'));
  write(dir, 'prompts/new.prompt.md', V2_NEW);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'v2');
  write(dir, 'prompts/writer.prompt.md', NOW_WRITER);
  git(dir, 'commit', '-q', '-am', 'v3');
  return dir;
}

interface DiffJson {
  command: string;
  ref: string;
  commit: string | null;
  offline: boolean;
  offlineReason: string | null;
  config: string | null;
  files: Array<Record<string, any>>;
  totals: Record<string, any>;
  errors: Array<Record<string, any>>;
}

function entry(json: DiffJson, p: string): Record<string, any> {
  const f = json.files.find((x) => x.path === p);
  assert.ok(f, `${p} in ${json.files.map((x) => x.path).join(', ')}`);
  return f;
}

/** What `count --json` says of a text at a path, in a scratch folder: the reference for one side. */
async function countAlone(rel: string, text: string, env: NodeJS.ProcessEnv, cacheDir: string): Promise<number> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'tl-diff-ref-'));
  try {
    write(scratch, rel, text);
    const out = await cli(['count', '--json', '--cache-dir', cacheDir, rel], env, scratch);
    assert.equal(out.code, 0, out.stderr);
    return (JSON.parse(out.stdout) as { files: { inputTokens: number }[] }).files[0]!.inputTokens;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe('token-lens diff (CLI)', () => {
  let api: FakeApi;
  let dir: string;
  let cacheDir: string;
  let env: NodeJS.ProcessEnv;

  useCliWorkspace(() => repository(), (w) => ({ api, dir, cacheDir, env } = w));

  it('against a tag: changed, added, removed and unchanged files with exact tokens, cost and totals', async () => {
    const out = await cli(['diff', 'v1', '--json', '--cache-dir', cacheDir], env, dir);
    assert.equal(out.code, 0, out.stderr);
    const json = JSON.parse(out.stdout) as DiffJson;
    assert.equal(json.command, 'diff');
    assert.equal(json.ref, 'v1');
    assert.equal(json.commit, git(dir, 'rev-parse', 'v1').trim());
    assert.equal(json.offline, false);
    assert.deepEqual(json.files.map((f) => [f.path, f.status]), [
      ['prompts/new.prompt.md', 'added'],
      ['prompts/old.prompt.md', 'removed'],
      ['prompts/writer.prompt.md', 'changed'],
      ['requests/stable.json', 'unchanged'],
      ['requests/support.json', 'changed'],
    ]);

    // Payloads by the fake's rule; prompt files by `count` on the same text at the same path.
    const support = entry(json, 'requests/support.json');
    const before = fakeCount(requestOf(V1['requests/support.json']));
    const after = fakeCount(requestOf(V2_SUPPORT));
    assert.equal(support.before.inputTokens, before);
    assert.equal(support.after.inputTokens, after);
    assert.equal(support.before.exact && support.after.exact, true);
    assert.equal(support.delta.inputTokens, after - before);
    assert.ok(Math.abs(support.before.costUSD.input - (before * 3) / 1e6) < 1e-12, 'Sonnet 4.6 input at $3/MTok');
    assert.ok(Math.abs(support.delta.inputUSD - ((after - before) * 3) / 1e6) < 1e-12);
    assert.ok(Math.abs(support.after.costUSD.total - (after * 3 + 256 * 15) / 1e6) < 1e-12, 'with worst-case output at max_tokens');

    const writer = entry(json, 'prompts/writer.prompt.md');
    assert.equal(writer.before.inputTokens, await countAlone('prompts/writer.prompt.md', V1['prompts/writer.prompt.md'], env, cacheDir));
    assert.equal(writer.after.inputTokens, await countAlone('prompts/writer.prompt.md', NOW_WRITER, env, cacheDir));
    const added = entry(json, 'prompts/new.prompt.md');
    assert.equal(added.before, null);
    assert.equal(added.delta.inputTokens, added.after.inputTokens);
    const removed = entry(json, 'prompts/old.prompt.md');
    assert.equal(removed.after, null);
    assert.equal(removed.before.inputTokens, await countAlone('prompts/old.prompt.md', V1['prompts/old.prompt.md'], env, cacheDir));
    assert.equal(removed.delta.inputTokens, -removed.before.inputTokens);
    const stable = entry(json, 'requests/stable.json');
    assert.equal(stable.delta.inputTokens, 0);

    const sum = (side: 'before' | 'after') => json.files.reduce((n, f) => n + (f[side]?.inputTokens ?? 0), 0);
    assert.equal(json.totals.before.inputTokens, sum('before'));
    assert.equal(json.totals.after.inputTokens, sum('after'));
    assert.equal(json.totals.delta.inputTokens, sum('after') - sum('before'));
    assert.deepEqual(json.totals.files, { added: 1, removed: 1, changed: 2, unchanged: 1 });
    assert.deepEqual(json.errors, []);
  });

  it('against HEAD~1, reading files with git without touching the working tree; unchanged content costs no call', async () => {
    // An uncommitted edit: the working tree is what is compared.
    const draft = `${NOW_WRITER}Rhyme it.\n`;
    write(dir, 'prompts/writer.prompt.md', draft);
    const status = git(dir, 'status', '--porcelain');
    const head = git(dir, 'rev-parse', 'HEAD');
    const out = await cli(['diff', 'HEAD~1', '--json', '--cache-dir', cacheDir], env, dir);
    assert.equal(out.code, 0, out.stderr);
    const json = JSON.parse(out.stdout) as DiffJson;
    assert.equal(json.commit, git(dir, 'rev-parse', 'HEAD~1').trim());
    assert.notEqual(json.commit, git(dir, 'rev-parse', 'v1').trim());
    assert.deepEqual(json.files.map((f) => [f.path, f.status]), [
      ['prompts/new.prompt.md', 'unchanged'],
      ['prompts/writer.prompt.md', 'changed'],
      ['requests/stable.json', 'unchanged'],
      ['requests/support.json', 'unchanged'],
    ]);
    const writer = entry(json, 'prompts/writer.prompt.md');
    assert.equal(writer.before.inputTokens, await countAlone('prompts/writer.prompt.md', V1['prompts/writer.prompt.md'], env, cacheDir), 'HEAD~1 still has the v1 text');
    assert.equal(writer.after.inputTokens, await countAlone('prompts/writer.prompt.md', draft, env, cacheDir));
    assert.equal(git(dir, 'status', '--porcelain'), status, 'nothing checked out or changed');
    assert.equal(git(dir, 'rev-parse', 'HEAD'), head);
    assert.equal(readFileSync(path.join(dir, 'prompts/writer.prompt.md'), 'utf8'), draft);

    api.reset();
    const rerun = await cli(['diff', 'HEAD~1', '--json', '--cache-dir', cacheDir + '-fresh'], env, dir);
    rmSync(cacheDir + '-fresh', { recursive: true, force: true });
    assert.equal(rerun.code, 0);
    // With an empty cache, each distinct request is sent once: an unchanged file's two sides share one count.
    const bodies = api.requests.filter((r) => r.path.startsWith('/v1/messages/count_tokens')).map((r) => JSON.stringify(r.body));
    assert.equal(new Set(bodies).size, bodies.length, 'no request counted twice');
    // new.prompt.md and stable.json: one each; support.json: the request, the reference tool and its one tool; writer: both sides.
    assert.equal(bodies.length, 1 + 1 + 3 + 2);

    api.reset();
    const again = await cli(['diff', 'HEAD~1', '--json', '--cache-dir', cacheDir], env, dir);
    assert.equal(api.countCalls(), 0, 'a second run is answered by the cache');
    const cached = (s: Record<string, any> | null) => s && { ...s, source: 'cache' };
    assert.deepEqual((JSON.parse(again.stdout) as DiffJson).files, json.files.map((f) => ({ ...f, before: cached(f.before), after: cached(f.after) })));
  });

  it('limits itself to the PATHs given: a folder, a glob, a file deleted since REF; from a subfolder', async () => {
    const folder = JSON.parse((await cli(['diff', 'v1', '--json', '--offline', 'prompts'], env, dir)).stdout) as DiffJson;
    assert.deepEqual(folder.files.map((f) => f.path), ['prompts/new.prompt.md', 'prompts/old.prompt.md', 'prompts/writer.prompt.md']);

    const glob = JSON.parse((await cli(['diff', 'v1', '--json', '--offline', 'requests/*.json'], env, dir)).stdout) as DiffJson;
    assert.deepEqual(glob.files.map((f) => f.path), ['requests/stable.json', 'requests/support.json']);

    const deleted = await cli(['diff', 'v1', '--json', '--offline', 'prompts/old.prompt.md'], env, dir);
    assert.equal(deleted.code, 0, 'a file that exists only at REF is a removed file, not a missing one');
    assert.deepEqual((JSON.parse(deleted.stdout) as DiffJson).files.map((f) => [f.path, f.status]), [['prompts/old.prompt.md', 'removed']]);

    const sub = await cli(['diff', 'v1', '--json', '--offline'], env, path.join(dir, 'prompts'));
    assert.equal(sub.code, 0, sub.stderr);
    assert.deepEqual((JSON.parse(sub.stdout) as DiffJson).files.map((f) => f.path), ['new.prompt.md', 'old.prompt.md', 'writer.prompt.md'], 'paths relative to the working directory, which is the default PATH');

    const nothing = await cli(['diff', 'v1', '--offline', 'nowhere.md'], env, dir);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stdout, /^nowhere\.md: error: no such file or folder, neither in the working tree nor at v1$/m);
  });

  it('a bad REF, or no repository, is exit 2 with git\'s message', async () => {
    const bad = await cli(['diff', 'no-such-ref', '--cache-dir', cacheDir], env, dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^token-lens: diff: cannot read "no-such-ref": fatal: .*no-such-ref/m);
    assert.equal(bad.stdout, '');
    assert.equal(api.countCalls(), 0);

    const option = await cli(['diff', '--offline', '--', '--output=x'], env, dir);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /"--output=x" is not a git ref/);

    const outsidePath = await cli(['diff', 'HEAD', '--offline', '..'], env, dir);
    assert.equal(outsidePath.code, 2);
    assert.match(outsidePath.stderr, /^token-lens: \.\.: outside the git repository/m);

    const missingRef = await cli(['diff', '--offline'], env, dir);
    assert.equal(missingRef.code, 2);
    assert.match(missingRef.stderr, /diff needs a git REF/);

    const outside = mkdtempSync(path.join(tmpdir(), 'tl-diff-norepo-'));
    try {
      const none = await cli(['diff', 'HEAD', '--offline'], env, outside);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /diff needs a git repository: fatal: not a git repository/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('prints a table, a Markdown PR comment and GitHub notices', async () => {
    const table = await cli(['diff', 'v1', '--cache-dir', cacheDir], env, dir);
    assert.equal(table.code, 0, table.stderr);
    const json = JSON.parse((await cli(['diff', 'v1', '--json', '--cache-dir', cacheDir], env, dir)).stdout) as DiffJson;
    const support = entry(json, 'requests/support.json');
    const n = (x: number) => x.toLocaleString('en-US');
    assert.match(table.stdout, new RegExp(`^requests/support\\.json +changed +${n(support.before.inputTokens)} +${n(support.after.inputTokens)} +\\+${n(support.delta.inputTokens)} \\(\\+\\d+%\\) +\\$`, 'm'));
    assert.match(table.stdout, /^prompts\/new\.prompt\.md +added +- +[\d,]+ +\+[\d,]+ \(new\)/m);
    assert.match(table.stdout, /^prompts\/old\.prompt\.md +removed +[\d,]+ +- +-[\d,]+ \(removed\)/m);
    assert.ok(!/^requests\/stable\.json/m.test(table.stdout), 'unchanged files are only counted');
    assert.match(table.stdout, new RegExp(`^TOTAL +${n(json.totals.before.inputTokens)} +${n(json.totals.after.inputTokens)} +\\+${n(json.totals.delta.inputTokens)} `, 'm'));
    assert.match(table.stdout, /2 changed, 1 added, 1 removed, 1 unchanged since v1 \([0-9a-f]{12}\)/);
    assert.ok(!table.stdout.includes('≈'));

    const md = await cli(['diff', 'v1', '--markdown', '--cache-dir', cacheDir], env, dir);
    assert.equal(md.code, 0);
    assert.match(md.stdout, new RegExp(`^### Token Lens vs \`v1\`: \\+${n(json.totals.delta.inputTokens)} input tokens \\(\\+\\$[\\d.]+\\) in 4 files$`, 'm'));
    assert.match(md.stdout, /^\| File \| At v1 \| Now \| Change \| Cost change \|$/m);
    assert.match(md.stdout, new RegExp(`^\\| \`requests/support\\.json\` \\| ${n(support.before.inputTokens)} \\| ${n(support.after.inputTokens)} \\| \\+${n(support.delta.inputTokens)} \\(\\+\\d+%\\) \\| \\+\\$[\\d.]+ \\|$`, 'm'));
    assert.match(md.stdout, /^\| \*\*Total\*\* \(2 changed, 1 new, 1 removed, 1 unchanged\) \|/m);
    assert.ok(!md.stdout.includes('offline'));

    const gh = await cli(['diff', 'v1', '--github', '--cache-dir', cacheDir], env, dir);
    assert.equal(gh.code, 0);
    assert.match(gh.stdout, new RegExp(`^::notice file=requests/support\\.json,line=1,title=Token Lens::\\+${n(support.delta.inputTokens)} \\(\\+\\d+%25\\) input tokens since v1: ${n(support.before.inputTokens)} → ${n(support.after.inputTokens)}`, 'm'));
    assert.match(gh.stdout, /^::notice file=prompts\/new\.prompt\.md,line=1,title=Token Lens::New since v1: [\d,]+ input tokens/m);
    assert.match(gh.stdout, /^::notice title=Token Lens::prompts\/old\.prompt\.md removed since v1: -[\d,]+ input tokens/m);
    assert.ok(!gh.stdout.includes('requests/stable.json'));
  });

  it('--offline says so in every format and makes no call', async () => {
    const outs = await Promise.all([[], ['--json'], ['--markdown'], ['--github']].map((f) => cli(['diff', 'v1', '--offline', '--cache-dir', cacheDir, ...f], env, dir)));
    assert.ok(outs.every((o) => o.code === 0));
    assert.match(outs[0]!.stdout, /offline estimates \(--offline\) marked ≈\.$/m);
    assert.match(outs[0]!.stdout, /^requests\/support\.json +changed +≈[\d,]+ +≈[\d,]+ +≈\+[\d,]+/m);
    const json = JSON.parse(outs[1]!.stdout) as DiffJson;
    assert.equal(json.offline, true);
    assert.equal(json.offlineReason, 'offline');
    assert.ok(json.files.every((f) => [f.before, f.after].every((s) => s === null || (s.exact === false && s.source === 'estimate'))));
    assert.match(outs[2]!.stdout, /^### Token Lens vs `v1`: .* \(offline estimates\)$/m);
    assert.match(outs[3]!.stdout, /^::notice title=Token Lens::Token Lens used offline estimates \(--offline\)/m);
    assert.equal(api.countCalls(), 0);

    const nokey = await cli(['diff', 'v1', '--markdown'], { ANTHROPIC_BASE_URL: api.url }, dir);
    assert.equal(nokey.code, 0);
    assert.equal(nokey.stderr.match(/no ANTHROPIC_API_KEY set/g)?.length, 1);
    assert.match(nokey.stdout, /\(offline estimates\)$/m);
  });

  it('applies the same model rules to both sides, from the project config', async () => {
    write(dir, '.tokenlens.json', { model: 'claude-opus-4-7' });
    const out = await cli(['diff', 'v1', '--json', '--cache-dir', cacheDir, 'prompts'], env, dir);
    assert.equal(out.code, 0, out.stderr);
    const json = JSON.parse(out.stdout) as DiffJson;
    assert.equal(json.config, '.tokenlens.json');
    const writer = entry(json, 'prompts/writer.prompt.md');
    assert.equal(writer.before.model, 'claude-opus-4-7');
    assert.equal(writer.after.model, 'claude-opus-4-7');
    const sonnet = await countAlone('prompts/writer.prompt.md', V1['prompts/writer.prompt.md'], env, cacheDir);
    assert.equal(writer.before.inputTokens, Math.round(sonnet * 1.25), 'the newer tokenizer (fake: ×1.25) at REF too');

    const flag = JSON.parse((await cli(['diff', 'v1', '--json', '--cache-dir', cacheDir, '--model', 'claude-haiku-4-5', 'requests'], env, dir)).stdout) as DiffJson;
    const support = entry(flag, 'requests/support.json');
    assert.equal(support.before.model, 'claude-haiku-4-5');
    assert.equal(support.after.model, 'claude-haiku-4-5');
    assert.equal(support.before.inputTokens, fakeCount(requestOf(V1['requests/support.json'], 'claude-haiku-4-5')));
  });

  it('a broken file now is exit 2; one broken only at REF is reported and exit 0', async () => {
    write(dir, 'requests/support.json', '{\n  "messages": [\n    { "role": "user" "content": "x" }\n  ]\n}\n');
    const now = await cli(['diff', 'v1', '--offline', 'requests'], env, dir);
    assert.equal(now.code, 2);
    assert.match(now.stdout, /^requests\/support\.json:3: error: Invalid JSON at line 3/m);

    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'broken');
    write(dir, 'requests/support.json', V2_SUPPORT);
    const ref = await cli(['diff', 'HEAD', '--json', '--offline', 'requests'], env, dir);
    assert.equal(ref.code, 0, ref.stdout);
    const json = JSON.parse(ref.stdout) as DiffJson;
    assert.deepEqual(json.errors.map((e) => [e.path, e.side, e.line]), [['requests/support.json', 'ref', 3]]);
    const support = entry(json, 'requests/support.json');
    assert.equal(support.status, 'changed');
    assert.equal(support.delta.inputTokens, null);
    assert.match(support.before.error, /Invalid JSON/);
  });
});
