import { strict as assert } from 'node:assert';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { COMMENT_MARKER, isMarked } from '../../src/cli/github/comment';
import type { FakeGithub } from '../fake-github/server';
import { useGithubRunner } from '../support/github-runner';
import { write } from '../support/cli';
import { STDIO_SERVER } from '../support/mcp';
import { GIT_ENV, git } from '../support/git';

const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/github-action.sh');
const TOKEN = 'ghs_ActionRunToken9876543210zyxwvu';

interface ActionYml {
  inputs: Record<string, { description: string; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: { id?: string; run?: string; uses?: string; if?: string; env?: Record<string, string> }[] };
}

const action = () => parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionYml;

/** Runs one step of the action's script; resolves with its exit code and output. */
function step(name: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT, name], { cwd, env: { ...GIT_ENV, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const payload = (content: string) => ({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user', content }] });

describe('the GitHub Action (action.yml, scripts/github-action.sh)', function () {
  this.timeout(120_000);

  it('action.yml: a composite action whose every input is used, every output wired to a step that writes it', () => {
    const a = action();
    const text = readFileSync(path.join(ROOT, 'action.yml'), 'utf8');
    assert.equal(a.runs.using, 'composite');
    const used = new Set([...text.matchAll(/inputs\.([a-z-]+)/g)].map((m) => m[1]!));
    assert.deepEqual([...used].filter((i) => !(i in a.inputs)), [], 'every input used is declared');
    assert.deepEqual(Object.keys(a.inputs).filter((i) => !used.has(i)), [], 'every declared input is used');
    const ids = new Set(a.runs.steps.map((s) => s.id).filter(Boolean));
    for (const [name, out] of Object.entries(a.outputs)) {
      const m = /^\$\{\{ (steps\.([a-z]+)\.outputs\.([a-z-]+)|inputs\.[a-z-]+) \}\}$/.exec(out.value);
      assert.ok(m, `${name}: ${out.value}`);
      if (m[2]) assert.ok(ids.has(m[2]), `${name}: step ${m[2]}`);
    }
    // No input is interpolated into a script: they reach the steps through the environment.
    for (const s of a.runs.steps) if (s.run) assert.ok(!s.run.includes('${{'), `no expression in: ${s.run}`);
    // The key and the GitHub token only in the environment of the steps that need them.
    const withKey = a.runs.steps.filter((s) => s.env?.ANTHROPIC_API_KEY !== undefined).map((s) => s.id);
    assert.deepEqual(withKey, ['check', 'report']);
    assert.equal(a.runs.steps.filter((s) => s.env?.GITHUB_TOKEN !== undefined).map((s) => s.id).join(), 'report');
    assert.equal(a.inputs['diff-base']!.default, '${{ github.base_ref }}');
    assert.equal(a.inputs['github-token']!.default, '${{ github.token }}');
  });

  it("README's tables list exactly action.yml's inputs and outputs", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const table = (header: string) => {
      const start = readme.indexOf(header);
      assert.ok(start >= 0, header);
      const rows = readme.slice(start).split('\n').slice(2);
      const body = rows.slice(0, rows.findIndex((l) => !l.startsWith('|')));
      return body.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]!)).sort();
    };
    const a = action();
    assert.deepEqual(table('| Input | Default | What it does |'), Object.keys(a.inputs).sort());
    assert.deepEqual(table('| Output | What it is |'), Object.keys(a.outputs).sort());
  });

  describe('its steps, against a fake GitHub', () => {
    const gh = useGithubRunner(TOKEN, () => ({ number: 3, pull_request: { number: 3, head: { repo: { full_name: 'o/r' } } }, repository: { full_name: 'o/r' } }));
    let github: FakeGithub;
    let origin: string;
    let work: string;
    let runner: string;
    let env: NodeJS.ProcessEnv;

    beforeEach(() => {
      github = gh.github;
      runner = gh.dir;
      // A remote with main and a pull request's branch; a shallow checkout of the branch alone,
      // as actions/checkout makes: origin/main is not there until the step fetches it.
      origin = mkdtempSync(path.join(tmpdir(), 'tl-action-origin-'));
      git(origin, 'init', '-q', '-b', 'main');
      write(origin, 'prompts/support.prompt.md', 'Answer the customer politely.\n');
      write(origin, 'requests/order.json', payload('Where is my order?'));
      git(origin, 'add', '-A');
      git(origin, 'commit', '-q', '-m', 'base');
      git(origin, 'checkout', '-q', '-b', 'feature');
      write(origin, 'requests/order.json', payload('Where is my order? It was due last Tuesday and the tracking page says nothing at all.'));
      write(origin, 'prompts/new.prompt.md', 'Summarise the conversation in one line.\n');
      git(origin, 'add', '-A');
      git(origin, 'commit', '-q', '-m', 'change');
      work = mkdtempSync(path.join(tmpdir(), 'tl-action-work-'));
      git(work, 'clone', '-q', '--depth=1', '--branch', 'feature', pathToFileURL(origin).href, '.');
      env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...gh.env,
        TL_ACTION_PATH: ROOT,
        TOKEN_LENS_CLI: path.join(ROOT, 'src/cli/main.ts'),
        NODE_OPTIONS: `--import=${pathToFileURL(require.resolve('tsx')).href}`,
        GITHUB_WORKSPACE: work,
        TL_PATHS: '.',
        TL_OFFLINE: 'true',
        TL_DIFF_BASE: 'main',
        TL_COMMENT: 'true',
      };
    });
    afterEach(() => {
      rmSync(origin, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    });

    const outputs = () => gh.outputs();

    it('check, report and finish: annotations, SARIF, outputs, the summary, one comment, and the check failing the job last', async function () {
      assert.throws(() => execFileSync('git', ['rev-parse', '--verify', 'origin/main'], { cwd: work, stdio: 'ignore' }), 'not fetched yet');
      const check = await step('check', work, { ...env, TL_BUDGET: '20', TL_SARIF: 'token-lens.sarif' });
      assert.equal(check.code, 0, `the step records the exit code instead of failing: ${check.stderr}`);
      assert.match(check.stdout, /^::error file=requests\/order\.json,line=1,title=Token Lens::≈\d+ input tokens per request, over the budget of 20/m);
      assert.match(outputs(), /^exit-code=1$/m);
      assert.match(outputs(), /^over-budget=true$/m);
      const sarif = JSON.parse(readFileSync(path.join(work, 'token-lens.sarif'), 'utf8')) as { runs: { results: { ruleId: string }[] }[] };
      assert.ok(sarif.runs[0]!.results.some((r) => r.ruleId === 'budget'));

      const report = await step('report', work, { ...env, GITHUB_TOKEN: TOKEN, ANTHROPIC_API_KEY: '' });
      assert.equal(report.code, 0, report.stderr);
      assert.ok(!report.stdout.includes(TOKEN) && !report.stderr.includes(TOKEN));
      const comments = github.comments.filter((c) => isMarked(c.body));
      assert.equal(comments.length, 1, report.stderr);
      assert.equal(github.requests.filter((r) => r.method === 'POST')[0]!.authorization, `Bearer ${TOKEN}`);
      assert.match(comments[0]!.body, new RegExp(`^${COMMENT_MARKER}\\n### Token Lens vs \`origin/main\`: ≈\\+\\d+ input tokens`));
      assert.match(comments[0]!.body, /`prompts\/new\.prompt\.md` \| – \| ≈\d+ \| ≈\+\d+ \(new\)/);
      const summary = readFileSync(path.join(runner, 'summary.md'), 'utf8');
      assert.match(summary, /^### Token Lens check: ❌ 1 limit exceeded in 1 file/m, 'the check report');
      assert.ok(summary.includes(comments[0]!.body.slice(COMMENT_MARKER.length + 1)), 'and the diff report');
      const out = outputs();
      assert.match(out, /^delta-tokens=[1-9]\d*$/m);
      assert.match(out, /^total-tokens=[1-9]\d*$/m);
      // Every output action.yml declares is one its step wrote.
      const written = new Set([...out.matchAll(/^([a-z-]+)=/gm)].map((m) => m[1]));
      for (const [name, o] of Object.entries(action().outputs)) {
        const m = /steps\.[a-z]+\.outputs\.([a-z-]+)/.exec(o.value);
        if (m) assert.ok(written.has(m[1]!), `output ${name}: ${m[1]} written`);
      }
      const exits = [...out.matchAll(/^exit-code=(\d+)$/gm)].map((m) => m[1]);
      assert.deepEqual(exits, ['1', '0']);

      // A second run updates the same comment.
      const again = await step('report', work, { ...env, GITHUB_TOKEN: TOKEN });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(github.comments.filter((c) => isMarked(c.body)).length, 1);
      assert.deepEqual(github.requests.map((r) => r.method), ['GET', 'POST', 'GET', 'PATCH']);

      const finish = await step('finish', work, { ...env, TL_CHECK_EXIT: exits[0], TL_REPORT_EXIT: exits[1] });
      assert.equal(finish.code, 1);
      assert.match(finish.stderr, /a limit is exceeded/);
      assert.equal((await step('finish', work, { ...env, TL_CHECK_EXIT: '', TL_REPORT_EXIT: '0' })).code, 0, 'check: false leaves its exit code empty');
      assert.equal((await step('finish', work, { ...env, TL_CHECK_EXIT: '1', TL_REPORT_EXIT: '2' })).code, 2);
    });

    it('outside a pull request (no diff base): the count report in the summary, no comment, no failure', async () => {
      write(runner, 'event.json', { ref: 'refs/heads/main', repository: { full_name: 'o/r' } });
      const report = await step('report', work, { ...env, TL_DIFF_BASE: '', GITHUB_EVENT_NAME: 'push', GITHUB_TOKEN: TOKEN, TL_PATHS: 'requests\nprompts' });
      assert.equal(report.code, 0, report.stderr);
      assert.equal(github.requests.length, 0);
      assert.match(report.stderr, /::notice title=Token Lens::No pull-request comment: the push event is not about a pull request/);
      assert.match(readFileSync(path.join(runner, 'summary.md'), 'utf8'), /^### Token Lens: 3 files, ≈[\d,]+ input tokens \(offline estimates\)/);
      assert.match(outputs(), /^exit-code=0$/m);
    });

    it('context limits: max-context-tokens, max-server-tokens, and MCP servers started only with start-mcp-servers', async () => {
      const marker = path.join(work, 'started.txt');
      write(work, 'CLAUDE.md', 'Run the tests before every commit.\n');
      write(work, '.mcp.json', { mcpServers: { fixture: { command: process.execPath, args: [STDIO_SERVER, 'ok'], env: { MARKER_FILE: marker } } } });
      const base = { ...env, TL_CACHE_DIR: path.join(runner, 'cache'), TL_MAX_CONTEXT_TOKENS: '1', TL_MAX_SERVER_TOKENS: '1' };
      // Not opted in: nothing starts; the context is still over its limit of 1 token.
      const off = await step('check', work, base);
      assert.equal(off.code, 0, off.stderr);
      assert.ok(!existsSync(marker), 'no server started without start-mcp-servers');
      assert.match(off.stdout, /^::error file=CLAUDE\.md,line=1,title=Token Lens::the agent context loaded before the user types is ≈\d+ tokens, over the limit of 1 /m);
      assert.doesNotMatch(off.stdout, /MCP server "fixture" loads/);
      assert.match(outputs(), /^exit-code=1$/m);
      // Opted in: the server starts, and its tools go over the per-server limit on its line.
      const on = await step('check', work, { ...base, TL_START_MCP_SERVERS: 'true' });
      assert.equal(on.code, 0, on.stderr);
      assert.ok(existsSync(marker), 'the server started');
      assert.match(on.stdout, /^::error file=\.mcp\.json,line=3,title=Token Lens::MCP server "fixture" loads 3 tools costing ≈\d+ tokens on every request, over the limit of 1 per server \(limit from --max-server-tokens\)/m);
      assert.equal((await step('check', work, { ...base, TL_START_MCP_SERVERS: 'perhaps' })).code, 2, 'a bad boolean is an error');
    });

    it('a bad boolean input is an error naming it', async () => {
      const report = await step('report', work, { ...env, TL_COMMENT: 'maybe' });
      assert.equal(report.code, 2);
      assert.match(report.stderr, /expected true or false, not "maybe"/);
    });
  });
});
