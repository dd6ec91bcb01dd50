import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { annotation, escapeData, escapeProperty } from '../../src/cli/output/github';
import { progressPrinter } from '../../src/cli/output/progress';
import { fakeCount, startFakeApi, type FakeApi } from '../fake-api/server';
import { cli, useCliWorkspace, write } from '../support/cli';

/** 1-based line of the first line containing `needle`. */
function lineOf(dir: string, rel: string, needle: string): number {
  const n = readFileSync(path.join(dir, rel), 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;
  assert.ok(n > 0, `${needle} in ${rel}`);
  return n;
}

const bigTool = {
  name: 'search_catalogue',
  description: `Search the catalogue. ${'Filters by author, title, year, publisher, language and format. '.repeat(12)}`,
  input_schema: { type: 'object', properties: { query: { type: 'string' }, year: { type: 'integer' } } },
};
const smallTool = { name: 'ping', description: 'Ping.', input_schema: { type: 'object', properties: {} } };
const agentPayload = {
  model: 'claude-sonnet-4-6',
  max_tokens: 512,
  system: `You are a librarian. ${'Answer precisely and cite the shelf. '.repeat(30)}`,
  tools: [smallTool, bigTool],
  messages: [{ role: 'user', content: 'Where are the Le Guin novels?' }],
};
const agentRequest = { model: 'claude-sonnet-4-6', system: agentPayload.system, tools: agentPayload.tools, messages: agentPayload.messages };
const smallPayload = { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'Hello.' }] };
const smallRequest = { model: 'claude-sonnet-4-6', messages: smallPayload.messages };
/** What a tool costs by the fake's rule, as the analyzer measures it. */
const toolTokens = (tool: unknown) => 9 + Math.ceil(Buffer.byteLength(JSON.stringify(tool)) / 3);

/** A repository: a git root marker, an agent payload over typical budgets, a small payload and a prompt. */
function fixture(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-check-'));
  mkdirSync(path.join(dir, '.git'));
  write(dir, 'agents/librarian.json', agentPayload);
  write(dir, 'requests/hello.json', smallPayload);
  write(dir, 'prompts/greeter.prompt.md', 'Greet the visitor and ask what they are looking for.\n');
  write(dir, 'package.json', { name: 'library-bot', version: '1.0.0' });
  return dir;
}

interface CheckJson {
  version: string;
  command: string;
  ok: boolean;
  offline: boolean;
  offlineReason: string | null;
  config: string | null;
  summary: Record<string, number>;
  offenders: Array<Record<string, any>>;
  errors: Array<Record<string, any>>;
  files: Array<Record<string, any>>;
}

describe('token-lens check (CLI)', () => {
  let api: FakeApi;
  let dir: string;
  let cacheDir: string;
  let env: NodeJS.ProcessEnv;
  const budgetOver = () => fakeCount(agentRequest) - 1;

  useCliWorkspace(() => fixture(), (w) => ({ api, dir, cacheDir, env } = w));

  it('exits 0 when every file is within its limits', async () => {
    const out = await cli(['check', '--cache-dir', cacheDir, '--budget', String(fakeCount(agentRequest)), '--max-tool-tokens', String(toolTokens(bigTool))], env, dir);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /✓ 3 files checked \(3 exact, 0 estimated\): all within their limits\./);
    assert.ok(!out.stdout.includes('≈'));
  });

  it('exits 1 over --budget, listing the file and line with exact numbers', async () => {
    const limit = budgetOver();
    const out = await cli(['check', '--cache-dir', cacheDir, '--budget', String(limit), '.'], env, dir);
    assert.equal(out.code, 1, out.stderr);
    const tokens = fakeCount(agentRequest);
    assert.match(out.stdout, new RegExp(`^agents/librarian\\.json:1 +budget +${tokens.toLocaleString('en-US')} +${limit.toLocaleString('en-US')} +\\+1 +--budget$`, 'm'));
    assert.ok(!/requests\/hello\.json:/.test(out.stdout), 'the small payload is within the budget');
    assert.match(out.stdout, /✗ 1 limit exceeded in 1 file; 3 files checked \(3 exact, 0 estimated\)\./);

    const json = JSON.parse((await cli(['check', '--json', '--cache-dir', cacheDir, '--budget', String(limit)], env, dir)).stdout) as CheckJson;
    assert.equal(json.command, 'check');
    assert.equal(json.ok, false);
    assert.deepEqual(json.offenders, [
      {
        path: 'agents/librarian.json',
        line: 1,
        column: 1,
        rule: 'budget',
        tokens,
        exact: true,
        limit,
        limitFrom: '--budget',
        message: `${tokens.toLocaleString('en-US')} input tokens per request, over the budget of ${limit.toLocaleString('en-US')} by 1 (budget from --budget)`,
      },
    ]);
    assert.deepEqual(json.summary, { files: 3, counted: 3, exact: 3, estimated: 0, offenders: 1, errors: 0 });
    const small = json.files.find((f) => f.path === 'requests/hello.json')!;
    assert.equal(small.inputTokens, fakeCount(smallRequest));
    assert.deepEqual(small.limits, { budget: limit, maxToolTokens: null, budgetUSD: null });
  });

  it('exits 1 over --max-tool-tokens, pointing at the tool\'s line', async () => {
    const limit = toolTokens(bigTool) - 5;
    const out = await cli(['check', '--json', '--cache-dir', cacheDir, '--max-tool-tokens', String(limit), 'agents'], env, dir);
    assert.equal(out.code, 1, out.stderr);
    const json = JSON.parse(out.stdout) as CheckJson;
    assert.equal(json.offenders.length, 1, 'the small tool is within the limit');
    const o = json.offenders[0]!;
    assert.equal(o.rule, 'max-tool-tokens');
    assert.equal(o.tool, 'search_catalogue');
    assert.equal(o.tokens, toolTokens(bigTool));
    assert.equal(o.exact, true);
    assert.equal(o.limit, limit);
    assert.equal(o.line, lineOf(dir, 'agents/librarian.json', '"name": "search_catalogue"'));
    assert.match(o.message, /tool "search_catalogue" costs [\d,]+ tokens on every request, over the limit of [\d,]+ per tool by 5/);
  });

  it('lists offenders with file and line in every format', async () => {
    const args = ['--cache-dir', cacheDir, '--budget', String(budgetOver()), '--max-tool-tokens', String(toolTokens(bigTool) - 1)];
    const toolLine = lineOf(dir, 'agents/librarian.json', '"name": "search_catalogue"');

    const table = await cli(['check', ...args], env, dir);
    assert.equal(table.code, 1);
    assert.match(table.stdout, /^agents\/librarian\.json:1 +budget /m);
    assert.match(table.stdout, new RegExp(`^agents/librarian\\.json:${toolLine} +tool search_catalogue `, 'm'));

    const md = await cli(['check', '--markdown', ...args], env, dir);
    assert.equal(md.code, 1);
    assert.match(md.stdout, /^### Token Lens check: ❌ 2 limits exceeded in 1 file$/m);
    assert.match(md.stdout, /^\| File \| Limit \| Tokens \/ USD \| Max \| Over by \| Set by \|$/m);
    assert.match(md.stdout, /^\| `agents\/librarian\.json:1` \| budget per request \| [\d,]+ \| [\d,]+ \| \+1 \| `--budget` \|$/m);
    assert.match(md.stdout, new RegExp(`^\\| \`agents/librarian\\.json:${toolLine}\` \\| tool \`search_catalogue\` \\| `, 'm'));
    assert.ok(!md.stdout.includes('offline'));

    const gh = await cli(['check', '--github', ...args], env, dir);
    assert.equal(gh.code, 1);
    assert.match(gh.stdout, /^::error file=agents\/librarian\.json,line=1,title=Token Lens::[\d,]+ input tokens per request, over the budget of [\d,]+ by 1 \(budget from --budget\)$/m);
    assert.match(gh.stdout, new RegExp(`^::error file=agents/librarian\\.json,line=${toolLine},title=Token Lens::tool "search_catalogue" costs`, 'm'));
    assert.match(gh.stdout, /✗ 2 limits exceeded in 1 file/, 'the readable report follows for the log');

    const json = JSON.parse((await cli(['check', '--json', ...args], env, dir)).stdout) as CheckJson;
    // The tool's column is where its name's value starts on that line.
    const toolText = readFileSync(path.join(dir, 'agents/librarian.json'), 'utf8').split('\n')[toolLine - 1]!;
    const nameColumn = toolText.indexOf('"search_catalogue"') + 1;
    assert.ok(nameColumn > 1);
    assert.deepEqual(json.offenders.map((o) => [o.path, o.line, o.column, o.rule]), [
      ['agents/librarian.json', 1, 1, 'budget'],
      ['agents/librarian.json', toolLine, nameColumn, 'max-tool-tokens'],
    ]);
  });

  it('other findings do not fail a check: --github shows them as warnings', async () => {
    write(dir, 'requests/thinking.json', { model: 'claude-sonnet-4-6', max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 512 }, messages: [{ role: 'user', content: 'Think.' }] });
    const out = await cli(['check', '--github', '--offline', '--budget', '100000', 'requests'], env, dir);
    assert.equal(out.code, 0, out.stdout);
    const line = lineOf(dir, 'requests/thinking.json', '"thinking"');
    assert.match(out.stdout, new RegExp(`^::warning file=requests/thinking\\.json,line=${line},title=Token Lens::.*budget_tokens`, 'm'));
    assert.ok(!out.stdout.includes('::error'));
    const json = JSON.parse((await cli(['check', '--json', '--offline', '--budget', '100000', 'requests'], env, dir)).stdout) as CheckJson;
    const thinking = json.files.find((f) => f.path === 'requests/thinking.json')!.diagnostics.find((d: any) => /budget_tokens/.test(d.message));
    assert.ok(thinking);
    assert.equal(thinking.line, line);
    const thinkingText = readFileSync(path.join(dir, 'requests/thinking.json'), 'utf8').split('\n')[line - 1]!;
    assert.ok(thinking.column >= 1 && thinking.column <= thinkingText.length, `column ${thinking.column} on ${JSON.stringify(thinkingText)}`);
  });

  it('--github paths are relative to GITHUB_WORKSPACE, and properties and messages are escaped', async () => {
    write(dir, 'prompts/a,b:c.prompt.md', `${'Tell a long story about the library. '.repeat(40)}\n`);
    const sub = path.join(dir, 'prompts');
    const out = await cli(['check', '--github', '--offline', '--budget', '50', '.'], { ...env, GITHUB_WORKSPACE: dir }, sub);
    assert.equal(out.code, 1);
    assert.match(out.stdout, /^::error file=prompts\/a%2Cb%3Ac\.prompt\.md,line=1,title=Token Lens::≈[\d,]+ input tokens per request/m);
    assert.match(out.stdout, /^a,b:c\.prompt\.md:1 +budget/m, 'the table keeps paths relative to the working directory');

    assert.equal(escapeData('50% of\r\nit'), '50%25 of%0D%0Ait');
    assert.equal(escapeProperty('a,b:c%.md'), 'a%2Cb%3Ac%25.md');
    assert.equal(annotation('warning', 'multi\nline', { file: 'x,y.md', line: 3 }), '::warning file=x%2Cy.md,line=3,title=Token Lens::multi%0Aline');
    assert.equal(annotation('notice', 'no file'), '::notice title=Token Lens::no file');
  });

  describe('limits from the project config', () => {
    const projectConfig = () => ({
      budget: fakeCount(agentRequest) + 100,
      overrides: [
        { files: 'agents/**', budget: budgetOver() },
        { files: 'agents/**', maxToolTokens: toolTokens(bigTool) - 1 },
      ],
    });

    it('finds .tokenlens.json from a subfolder and applies per-glob overrides, naming where each limit was set', async () => {
      write(dir, '.tokenlens.json', projectConfig());
      const out = await cli(['check', '--json', '--cache-dir', cacheDir, '..'], env, path.join(dir, 'requests'));
      assert.equal(out.code, 1, out.stderr);
      const json = JSON.parse(out.stdout) as CheckJson;
      // Paths outside the working directory are shown absolute, as by `count`.
      assert.equal(json.config, path.join(dir, '.tokenlens.json'));
      const agent = path.join(dir, 'agents/librarian.json');
      assert.deepEqual(
        json.offenders.map((o) => [o.path, o.rule, o.limitFrom]),
        [
          [agent, 'budget', '.tokenlens.json overrides[0] (agents/**)'],
          [agent, 'max-tool-tokens', '.tokenlens.json overrides[1] (agents/**)'],
        ],
      );
      const hello = json.files.find((f) => f.path === 'hello.json')!;
      assert.deepEqual(hello.limits, { budget: projectConfig().budget, maxToolTokens: null, budgetUSD: null }, 'the top-level budget where no override matches');
    });

    it('flags on the command line win over the config', async () => {
      write(dir, '.tokenlens.json', projectConfig());
      const out = await cli(['check', '--json', '--cache-dir', cacheDir, '--budget', '1000000', '--max-tool-tokens', '100000'], env, dir);
      assert.equal(out.code, 0, out.stdout);
      const json = JSON.parse(out.stdout) as CheckJson;
      assert.ok(json.files.every((f) => !('limits' in f) || (f.limits.budget === 1000000 && f.limits.maxToolTokens === 100000)));
    });

    it('reads the "tokenLens" key of package.json, and --config names a file', async () => {
      write(dir, 'package.json', { name: 'library-bot', tokenLens: projectConfig() });
      const out = await cli(['check', '--cache-dir', cacheDir, '--markdown'], env, dir);
      assert.equal(out.code, 1);
      assert.match(out.stdout, /`package\.json "tokenLens" overrides\[0\] \(agents\/\*\*\)`/);
      assert.match(out.stdout, /limits from `package\.json`/);

      write(dir, 'ci/strict.json', { budget: 1 });
      const strict = await cli(['check', '--json', '--offline', '--config', 'ci/strict.json'], env, dir);
      assert.equal(strict.code, 1);
      const json = JSON.parse(strict.stdout) as CheckJson;
      assert.equal(json.config, 'ci/strict.json');
      assert.equal(json.offenders.filter((o) => o.rule === 'budget').length, 3, 'every file is over a budget of 1');
    });

    it('uses the config\'s model for files that name none, and leaves out excluded files', async () => {
      write(dir, '.tokenlens.json', { budget: 100000, model: 'claude-opus-4-7', exclude: ['requests/**'] });
      const out = await cli(['check', '--json', '--cache-dir', cacheDir], env, dir);
      assert.equal(out.code, 0, out.stderr);
      const json = JSON.parse(out.stdout) as CheckJson;
      assert.deepEqual(json.files.map((f) => f.path).sort(), ['agents/librarian.json', 'prompts/greeter.prompt.md']);
      assert.equal(json.files.find((f) => f.path === 'prompts/greeter.prompt.md')!.model, 'claude-opus-4-7');
      assert.equal(json.files.find((f) => f.path === 'agents/librarian.json')!.model, 'claude-sonnet-4-6', "the file's own model wins");
      assert.equal(json.files.find((f) => f.path === 'agents/librarian.json')!.inputTokens, fakeCount(agentRequest));
    });

    it('an invalid config is exit 2 naming the file, line and problem, before any API call', async () => {
      write(dir, '.tokenlens.json', '{\n  "budget": 100,\n  "maxToolTokens": "lots"\n}\n');
      for (const command of [['check'], ['count', '.']]) {
        const out = await cli([...command, '--cache-dir', cacheDir], env, dir);
        assert.equal(out.code, 2);
        assert.match(out.stderr, /^token-lens: \.tokenlens\.json:3: "maxToolTokens" must be a positive whole number of tokens, not "lots"$/m);
        assert.equal(out.stdout, '');
      }
      assert.equal(api.countCalls(), 0);
      const ignored = await cli(['check', '--no-config', '--offline', '--budget', '10'], env, dir);
      assert.equal(ignored.code, 1, '--no-config ignores it');
    });
  });

  it('without any limit it is a usage error (exit 2)', async () => {
    const out = await cli(['check', '--offline'], env, dir);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /check has no limits to check: give --budget N, --budget-usd X, --max-tool-tokens N, --max-context-tokens N and\/or --max-server-tokens N, or set "budget"\/"budgetUSD"\/"maxToolTokens"\/"maxContextTokens"\/"maxServerTokens" in \.tokenlens\.json/);
    write(dir, '.tokenlens.json', { model: 'claude-haiku-4-5' });
    assert.equal((await cli(['check', '--offline'], env, dir)).code, 2, 'a config without limits neither');
  });

  it('--offline says so in every format and makes no API call', async () => {
    const args = ['check', '--offline', '--cache-dir', cacheDir, '--budget', '100000'];
    const table = await cli(args, env, dir);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /Offline estimates \(--offline\) marked ≈\./);
    const md = await cli([...args, '--markdown'], env, dir);
    assert.match(md.stdout, /^### Token Lens check: ✅ all 3 files within their limits \(offline estimates\)$/m);
    const gh = await cli([...args, '--github'], env, dir);
    assert.match(gh.stdout, /^::notice title=Token Lens::Token Lens used offline estimates \(--offline\) marked ≈: run without --offline/m);
    const json = JSON.parse((await cli([...args, '--json'], env, dir)).stdout) as CheckJson;
    assert.equal(json.offline, true);
    assert.equal(json.offlineReason, 'offline');
    assert.ok(json.files.every((f) => f.exact === false && f.reason === 'offline'));
    assert.equal(api.countCalls(), 0);
    for (const out of [table, md, gh]) assert.equal(out.stderr, '');
  });

  it('without a key uses estimates, says once how to get exact counts, and labels the output', async () => {
    const out = await cli(['check', '--budget', '50', '--markdown'], { ANTHROPIC_BASE_URL: api.url }, dir);
    assert.equal(out.code, 1, 'estimates over the budget still fail');
    assert.equal(out.stderr.match(/no ANTHROPIC_API_KEY set/g)?.length, 1);
    assert.match(out.stdout, /\(offline estimates\)$/m);
    assert.match(out.stdout, /\| ≈[\d,]+ \| 50 \| ≈\+[\d,]+ \|/);
    const json = JSON.parse((await cli(['check', '--json', '--budget', '50'], { ANTHROPIC_BASE_URL: api.url }, dir)).stdout) as CheckJson;
    assert.equal(json.offlineReason, 'no-key');
    assert.ok(json.offenders.every((o) => o.exact === false));
    assert.equal(api.countCalls(), 0);
  });

  it('a file that cannot be parsed, or a path that matches nothing, is exit 2 even with offenders', async () => {
    write(dir, 'requests/broken.json', '{\n  "messages": [\n    { "role": "user", "content": "Hi" },,\n  ]\n}\n');
    const out = await cli(['check', '--offline', '--budget', '10'], env, dir);
    assert.equal(out.code, 2);
    assert.match(out.stdout, /^requests\/broken\.json:3: error: Invalid JSON at line 3/m);
    assert.match(out.stdout, /^agents\/librarian\.json:1 +budget/m, 'the other files are still checked');

    const gh = await cli(['check', '--github', '--offline', '--budget', '10'], env, dir);
    assert.match(gh.stdout, /^::error file=requests\/broken\.json,line=3,title=Token Lens::Invalid JSON at line 3/m);

    rmSync(path.join(dir, 'requests/broken.json'));
    const missing = await cli(['check', '--json', '--offline', '--budget', '100000', 'agents', 'nope/*.json'], env, dir);
    assert.equal(missing.code, 2);
    const json = JSON.parse(missing.stdout) as CheckJson;
    assert.deepEqual(json.errors, [{ path: 'nope/*.json', error: 'no file matches this pattern', line: null }]);
    assert.equal(json.ok, false);
  });

  it('usage errors are exit 2 with a message', async () => {
    const cases: [string[], RegExp][] = [
      [['check', '--json', '--markdown', '--budget', '1'], /choose one output format, not --json and --markdown/],
      [['check', '--budget', '0'], /--budget must be a positive whole number, not "0"/],
      [['check', '--max-tool-tokens', 'x'], /--max-tool-tokens must be a positive whole number, not "x"/],
      [['check', '--threshold', '5', '--max-tool-tokens', '5'], /the same limit/],
      [['check', '--concurrency', '-1', '--budget', '1'], /--concurrency must be a positive whole number|argument/],
      [['check', '--config', 'a.json', '--no-config'], /contradict/],
      [['check', '--config', 'missing.json', '--budget', '1'], /missing\.json: cannot read: ENOENT/],
      [['check', '--bogus'], /Unknown option '--bogus'/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    for (const [argv, re] of cases) {
      const out = await cli(argv, env, dir);
      assert.equal(out.code, 2, argv.join(' '));
      assert.match(out.stderr, re, argv.join(' '));
    }
    assert.equal(api.countCalls(), 0);
    const version = await cli(['--version'], env, dir);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+(-[\w.]+)?\n$/);
    const help = await cli(['check', '--help'], env, dir);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: token-lens check \[options\] \[PATH\.\.\.\]/);
    assert.match((await cli(['help', 'diff'], env, dir)).stdout, /^Usage: token-lens diff REF/);
  });

  describe('a repository of 300 prompt files', () => {
    let slow: FakeApi;
    let repo: string;
    before(async () => {
      slow = await startFakeApi({ latencyMs: 20 });
      repo = mkdtempSync(path.join(tmpdir(), 'tl-check-300-'));
      mkdirSync(path.join(repo, '.git'));
      for (let i = 0; i < 300; i++) {
        write(repo, `prompts/team-${i % 10}/p${i}.prompt.md`, `Prompt ${i}: ${'summarise the ticket and propose a reply. '.repeat(1 + (i % 7))}\n`);
      }
      write(repo, '.tokenlens.json', { budget: 60, overrides: [{ files: 'prompts/team-3/**', budget: 40 }] });
    });
    after(async () => {
      await slow.close();
      rmSync(repo, { recursive: true, force: true });
    });

    it('counts concurrently within the rate limit, and a second run makes no API call', async function () {
      this.timeout(20_000);
      const slowEnv = { ANTHROPIC_API_KEY: slow.apiKey, ANTHROPIC_BASE_URL: slow.url };
      const first = await cli(['check', '--json', '--cache-dir', cacheDir, '--rpm', '2000'], slowEnv, repo, true);
      assert.equal(slow.countCalls(), 300, 'one call per file');
      // Concurrency seen by the API itself, not inferred from the time taken on a shared machine.
      assert.ok(slow.maxInFlight() > 1, `at most ${slow.maxInFlight()} count at a time`);
      const json = JSON.parse(first.stdout) as CheckJson;
      assert.equal(json.summary.counted, 300);
      assert.equal(json.summary.exact, 300);
      // The expected offenders, from the fake's rule: 5 + 4 + ceil(bytes / 3) per prompt.
      const expected = [];
      for (let i = 0; i < 300; i++) {
        const text = readFileSync(path.join(repo, `prompts/team-${i % 10}/p${i}.prompt.md`), 'utf8');
        const tokens = json.files.find((f) => f.path === `prompts/team-${i % 10}/p${i}.prompt.md`)!.inputTokens as number;
        assert.equal(tokens, fakeCount({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: text }] }));
        if (tokens > (i % 10 === 3 ? 40 : 60)) expected.push(`prompts/team-${i % 10}/p${i}.prompt.md`);
      }
      assert.ok(expected.length > 0 && expected.length < 300);
      assert.deepEqual(json.offenders.map((o) => o.path).sort(), expected.sort());
      assert.equal(first.code, 1);
      assert.ok(!first.stderr.includes('counting'), 'no progress with --json');

      slow.reset();
      const second = await cli(['check', '--cache-dir', cacheDir], slowEnv, repo);
      assert.equal(slow.countCalls(), 0, 'unchanged files are answered by the cache');
      assert.equal(second.code, 1);
      assert.match(second.stdout, /300 files checked \(300 exact, 0 estimated\)/);
    });

    it('--concurrency bounds the files analysed at once', async function () {
      this.timeout(20_000);
      const slowEnv = { ANTHROPIC_API_KEY: slow.apiKey, ANTHROPIC_BASE_URL: slow.url };
      slow.reset();
      const out = await cli(['count', '--json', '--cache-dir', path.join(cacheDir, 'c2'), '--rpm', '2000', '--concurrency', '2', 'prompts/team-0'], slowEnv, repo);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(slow.countCalls(), 30);
      // Each count is held 20 ms by the API: a third file analysed at once would be a third request in flight.
      assert.ok(slow.maxInFlight() >= 1 && slow.maxInFlight() <= 2, `${slow.maxInFlight()} requests at once with --concurrency 2`);
    });
  });

  it('shows progress on stderr only after a moment, and clears it', () => {
    let clock = 0;
    let written = '';
    const progress = progressPrinter((t) => (written += t), 'counting', () => clock);
    progress(1, 10);
    assert.equal(written, '', 'nothing in the first second');
    clock = 1500;
    progress(2, 10);
    assert.equal(written, '\rcounting 2/10…');
    progress(10, 10);
    assert.match(written, /\r +\r$/);
    const quick = progressPrinter((t) => (written += t), 'counting', () => 0);
    written = '';
    quick(5, 5);
    assert.equal(written, '', 'a quick run shows nothing at all');
  });
});
