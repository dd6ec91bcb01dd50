import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { COMMENT_MARKER, commentBody, isMarked, MAX_COMMENT_CHARS } from '../../src/cli/github/comment';
import { nextLink, redact } from '../../src/cli/github/rest';
import { startFakeGithub, type FakeComment, type FakeGithub } from '../fake-github/server';
import { useGithubRunner } from '../support/github-runner';
import { cli, write, type CliOutput } from '../support/cli';
import { git } from '../support/git';

const TOKEN = 'ghs_FakeInstallationToken0123456789abcdef';
const OWNER = 'octo-org';
const REPO = 'prompts';
const PR = 7;
const ISSUE = `${OWNER}/${REPO}#${PR}`;
const COMMENTS_PATH = `/repos/${OWNER}/${REPO}/issues/${PR}/comments`;

const payload = (content: string) => ({ model: 'claude-sonnet-4-6', max_tokens: 256, messages: [{ role: 'user', content }] });

/** The pull_request event GitHub writes to GITHUB_EVENT_PATH (the fields Token Lens reads). */
function prEvent(head = `${OWNER}/${REPO}`) {
  return {
    action: 'synchronize',
    number: PR,
    pull_request: { number: PR, head: { ref: 'feature', repo: { full_name: head } }, base: { ref: 'main', repo: { full_name: `${OWNER}/${REPO}` } } },
    repository: { full_name: `${OWNER}/${REPO}` },
  };
}

/** Fails when the token appears in anything the CLI printed. */
function assertNoToken(out: CliOutput): void {
  assert.ok(!out.stdout.includes(TOKEN) && !out.stderr.includes(TOKEN), 'the token is never printed');
  assert.ok(!out.stderr.includes(TOKEN.slice(4, 20)), 'not even a part of it');
}

/** Pipes that separate cells: not escaped by an odd number of backslashes. */
function separators(row: string): number {
  return (row.match(/(\\*)\|/g) ?? []).filter((m) => (m.length - 1) % 2 === 0).length;
}

describe('GitHub Actions reporting (--step-summary, --pr-comment, --step-outputs)', function () {
  const gh = useGithubRunner(TOKEN, () => prEvent());
  let github: FakeGithub;
  let dir: string;
  let runner: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    github = gh.github;
    runner = gh.dir;
    dir = mkdtempSync(path.join(tmpdir(), 'tl-gh-'));
    write(dir, 'requests/support.json', payload('Where is my order?'));
    write(dir, 'prompts/writer.prompt.md', 'Write a short poem about autumn.\n');
    env = { ...gh.env, GITHUB_REPOSITORY: `${OWNER}/${REPO}`, GITHUB_WORKSPACE: dir };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const summary = () => readFileSync(path.join(runner, 'summary.md'), 'utf8');
  const marked = () => github.comments.filter((c) => c.issue === ISSUE && isMarked(c.body));
  const snapshot = (comments: FakeComment[]) => comments.map((c) => ({ ...c }));
  /** The Markdown report alone, as `--markdown` prints it. */
  const markdownOf = async (args: string[]) => {
    const out = await cli([...args, '--markdown'], {}, dir);
    assert.ok(out.stdout.startsWith('### Token Lens'), out.stdout + out.stderr);
    return out.stdout;
  };

  it('diff REF --pr-comment creates the marked comment with the diff report when none exists', async () => {
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'base');
    write(dir, 'requests/support.json', payload('Where is my order? It was due last Tuesday and the tracking page says nothing.'));
    write(dir, 'prompts/new.prompt.md', 'Summarise the poem in one line.\n');
    const others = [github.seed(ISSUE, 'Looks good to me!'), github.seed(ISSUE, 'Please also update the README.', 'reviewer')];
    // A marked comment on another pull request is not this one's.
    const elsewhere = github.seed(`${OWNER}/${REPO}#8`, `${COMMENT_MARKER}\nold report on #8`, 'github-actions[bot]');
    const before = snapshot([...others, elsewhere]);

    const out = await cli(['diff', 'HEAD', '--offline', '--pr-comment', '--step-summary'], env, dir);
    assert.equal(out.code, 0, out.stderr);
    assertNoToken(out);
    const report = await markdownOf(['diff', 'HEAD', '--offline']);
    assert.match(report, /^### Token Lens vs `HEAD`: ≈\+[\d,]+ input tokens/);

    assert.deepEqual(
      github.requests.map((r) => [r.method, r.url]),
      [
        ['GET', `${COMMENTS_PATH}?per_page=100`],
        ['POST', COMMENTS_PATH],
      ],
    );
    for (const r of github.requests) assert.equal(r.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(github.requests[1]!.body, { body: `${COMMENT_MARKER}\n${report}` });
    assert.equal(marked().length, 1);
    assert.deepEqual(snapshot([...others, elsewhere]), before, 'other comments are untouched');
    assert.equal(summary(), `${report}\n`, 'the job summary has the same report');
    assert.match(out.stderr, /created the Token Lens comment on pull request #7/);
  });

  it('updates the marked comment found on page 2, touching no comment without the marker', async () => {
    for (let i = 0; i < 100; i++) github.seed(ISSUE, i === 40 ? 'I quoted "token-lens" here, but this is not the marked comment' : `comment ${i}`, i % 2 ? 'reviewer' : 'github-actions[bot]');
    const ours = github.seed(ISSUE, `${COMMENT_MARKER}\n### Token Lens: an old report`, 'github-actions[bot]');
    for (let i = 0; i < 5; i++) github.seed(ISSUE, `later comment ${i}`);
    const others = github.comments.filter((c) => c.id !== ours.id);
    const before = snapshot(others);

    const out = await cli(['count', '--offline', '--pr-comment', 'requests', 'prompts'], env, dir);
    assert.equal(out.code, 0, out.stderr);
    assertNoToken(out);
    const report = await markdownOf(['count', '--offline', 'requests', 'prompts']);
    assert.deepEqual(
      github.requests.map((r) => [r.method, r.url]),
      [
        ['GET', `${COMMENTS_PATH}?per_page=100`],
        ['GET', `${COMMENTS_PATH}?per_page=100&page=2`],
        ['PATCH', `/repos/${OWNER}/${REPO}/issues/comments/${ours.id}`],
      ],
    );
    for (const r of github.requests) assert.equal(r.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(github.requests[2]!.body, { body: `${COMMENT_MARKER}\n${report}` });
    assert.equal(ours.body, `${COMMENT_MARKER}\n${report}`);
    assert.deepEqual(snapshot(others), before, 'no comment without the marker is changed');
    assert.equal(github.comments.length, 106, 'nothing created');
    assert.match(out.stderr, /updated the Token Lens comment/);
  });

  it('GitHub Enterprise Server: GITHUB_API_URL with a path, followed on every page', async () => {
    for (let i = 0; i < 150; i++) github.seed(ISSUE, `comment ${i}`);
    const out = await cli(['count', '--offline', '--pr-comment', 'requests'], { ...env, GITHUB_API_URL: `${github.url}/api/v3` }, dir);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(
      github.requests.map((r) => [r.method, r.url]),
      [
        ['GET', `/api/v3${COMMENTS_PATH}?per_page=100`],
        ['GET', `/api/v3${COMMENTS_PATH}?per_page=100&page=2`],
        ['POST', `/api/v3${COMMENTS_PATH}`],
      ],
    );
    assert.equal(marked().length, 1);
  });

  it('a second run updates the comment the first one created: never two', async () => {
    github.seed(ISSUE, 'First!');
    const first = await cli(['count', '--offline', '--pr-comment', 'requests'], env, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(marked().length, 1);
    const id = marked()[0]!.id;
    write(dir, 'requests/support.json', payload('Where is my order? Please answer within the hour, it is urgent.'));
    const second = await cli(['count', '--offline', '--pr-comment', 'requests'], env, dir);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(
      github.requests.map((r) => r.method),
      ['GET', 'POST', 'GET', 'PATCH'],
    );
    assert.equal(marked().length, 1);
    assert.equal(marked()[0]!.id, id);
    assert.equal(marked()[0]!.body, `${COMMENT_MARKER}\n${await markdownOf(['count', '--offline', 'requests'])}`);
  });

  it('permission denied (403): writes the job summary only, warns without the token, keeps the exit code', async () => {
    github.denyWrites = true;
    github.echoInErrors = `token ${TOKEN}`;
    const out = await cli(['check', '--offline', '--budget', '5', '--pr-comment', '--step-summary', 'requests'], env, dir);
    assert.equal(out.code, 1, 'the check still fails on its own merits, not with 2');
    assertNoToken(out);
    assert.deepEqual(
      github.requests.map((r) => r.method),
      ['GET', 'POST'],
    );
    assert.equal(github.comments.length, 0);
    assert.match(out.stderr, /^::warning title=Token Lens::Could not comment on pull request #7: POST \/repos\/octo-org\/prompts\/issues\/7\/comments answered 403: Resource not accessible by integration \(token \*\*\*\) \(the token needs the pull-requests: write permission\); the report is in the job summary\.$/m);
    assert.equal(summary(), `${await markdownOf(['check', '--offline', '--budget', '5', 'requests'])}\n`);
  });

  it('bad credentials (401) on reading the comments: a warning, exit 0, the token redacted from the message', async () => {
    github.echoInErrors = `got Bearer ${TOKEN}`;
    const out = await cli(['count', '--offline', '--pr-comment', '--step-summary', 'requests'], { ...env, GITHUB_TOKEN: TOKEN.replace('ghs_', 'ghx_') }, dir);
    assert.equal(out.code, 0);
    assert.ok(!out.stderr.includes(TOKEN.replace('ghs_', 'ghx_')));
    assert.match(out.stderr, /::warning title=Token Lens::Could not comment on pull request #7: GET \/repos\/octo-org\/prompts\/issues\/7\/comments answered 401: Bad credentials/);
    assert.deepEqual(github.requests.map((r) => r.method), ['GET']);
    assert.ok(summary().startsWith('### Token Lens'));
  });

  it('a pull request from a fork without a token: job summary only, no request, no failure', async () => {
    write(runner, 'event.json', prEvent('a-contributor/prompts'));
    const { GITHUB_TOKEN: _, ...noToken } = env;
    const out = await cli(['count', '--offline', '--pr-comment', '--step-summary', 'requests'], noToken, dir);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(github.requests.length, 0);
    assert.match(out.stderr, /::warning title=Token Lens::No pull-request comment on #7: it comes from a fork and the run has no token/);
    assert.equal(summary(), `${await markdownOf(['count', '--offline', 'requests'])}\n`);
  });

  it('not a pull request (a push): job summary only, a notice, no request', async () => {
    write(runner, 'event.json', { ref: 'refs/heads/main', before: '0'.repeat(40), after: '1'.repeat(40), repository: { full_name: `${OWNER}/${REPO}` } });
    const out = await cli(['count', '--offline', '--pr-comment', '--step-summary', 'requests'], { ...env, GITHUB_EVENT_NAME: 'push' }, dir);
    assert.equal(out.code, 0, out.stderr);
    assertNoToken(out);
    assert.equal(github.requests.length, 0);
    assert.match(out.stderr, /::notice title=Token Lens::No pull-request comment: the push event is not about a pull request\./);
    assert.ok(summary().startsWith('### Token Lens: 1 file'));
  });

  it('sends the token only to the API origin: a next-page link elsewhere is not followed', async () => {
    const elsewhere = await startFakeGithub({ token: TOKEN });
    try {
      for (let i = 0; i < 101; i++) github.seed(ISSUE, `comment ${i}`);
      github.nextLinkOrigin = elsewhere.url;
      const out = await cli(['count', '--offline', '--pr-comment', 'requests'], env, dir);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(elsewhere.requests.length, 0, 'nothing reached the other origin');
      assert.deepEqual(github.requests.map((r) => r.method), ['GET', 'POST']);
    } finally {
      await elsewhere.close();
    }
  });

  it('--step-outputs writes the totals the --json report has', async () => {
    const out = await cli(['count', '--offline', '--step-outputs', 'requests', 'prompts'], env, dir);
    assert.equal(out.code, 0, out.stderr);
    const json = JSON.parse((await cli(['count', '--offline', '--json', 'requests', 'prompts'], {}, dir)).stdout) as { files: { inputTokens: number; costUSD: { input: number } }[] };
    const outputs = Object.fromEntries(readFileSync(path.join(runner, 'output.txt'), 'utf8').trim().split('\n').map((l) => l.split('=') as [string, string]));
    assert.equal(Number(outputs['total-tokens']), json.files.reduce((n, f) => n + f.inputTokens, 0));
    assert.ok(Math.abs(Number(outputs['total-usd']) - json.files.reduce((n, f) => n + f.costUSD.input, 0)) < 1e-9);
    assert.equal(outputs.exact, 'false');
    assert.equal(outputs.offline, 'true');
    assert.equal(outputs['over-budget'], undefined, 'count has no limits to be over');

    writeFileSync(path.join(runner, 'output.txt'), '');
    const check = await cli(['check', '--offline', '--budget', '5', '--step-outputs', 'requests', 'prompts'], env, dir);
    assert.equal(check.code, 1);
    const checkJson = JSON.parse((await cli(['check', '--offline', '--budget', '5', '--json', 'requests', 'prompts'], {}, dir)).stdout) as { offenders: unknown[] };
    const checkOutputs = readFileSync(path.join(runner, 'output.txt'), 'utf8');
    assert.match(checkOutputs, /^over-budget=true$/m);
    assert.match(checkOutputs, new RegExp(`^offenders=${checkJson.offenders.length}$`, 'm'));
  });

  it('--step-outputs on diff: the totals now, at REF and the change', async () => {
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'base');
    write(dir, 'requests/support.json', payload('Where is my order? It has been three weeks now.'));
    const out = await cli(['diff', 'HEAD', '--offline', '--step-outputs'], env, dir);
    assert.equal(out.code, 0, out.stderr);
    const json = JSON.parse((await cli(['diff', 'HEAD', '--offline', '--json'], {}, dir)).stdout) as { totals: { before: { inputTokens: number }; after: { inputTokens: number; inputUSD: number }; delta: { inputTokens: number } } };
    const outputs = readFileSync(path.join(runner, 'output.txt'), 'utf8');
    assert.match(outputs, new RegExp(`^total-tokens=${json.totals.after.inputTokens}$`, 'm'));
    assert.match(outputs, new RegExp(`^base-tokens=${json.totals.before.inputTokens}$`, 'm'));
    assert.match(outputs, new RegExp(`^delta-tokens=${json.totals.delta.inputTokens}$`, 'm'));
    assert.ok(json.totals.delta.inputTokens > 0);
  });

  it('without GITHUB_STEP_SUMMARY or GITHUB_OUTPUT: warns, writes nothing, exit unchanged', async () => {
    const { GITHUB_STEP_SUMMARY: _s, GITHUB_OUTPUT: _o, GITHUB_ACTIONS: _a, ...bare } = env;
    const out = await cli(['count', '--offline', '--step-summary', '--step-outputs', 'requests'], bare, dir);
    assert.equal(out.code, 0);
    assert.match(out.stderr, /token-lens: warning: No job summary: GITHUB_STEP_SUMMARY is not set/);
    assert.match(out.stderr, /token-lens: warning: No step outputs: GITHUB_OUTPUT is not set/);
    assert.equal(summary(), '');
  });

  it('--sarif is an option of check only', async () => {
    const out = await cli(['count', '--offline', '--sarif', 'x.sarif', 'requests'], env, dir);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /--sarif FILE is an option of check/);
    assert.ok(!existsSync(path.join(dir, 'x.sarif')));
  });

  it('text from files goes into the comment escaped: no table broken, no HTML, no second marker', async () => {
    const hostileTool = `lookup\`<img src=x onerror=alert(1)>|${COMMENT_MARKER}`;
    write(dir, 'requests/hostile.json', {
      model: `claude-sonnet-4-6<script>alert(1)</script>|x\n${COMMENT_MARKER}`,
      max_tokens: 100,
      tools: [{ name: hostileTool, description: 'Look things up. '.repeat(40), input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: 'Hi' }],
    });
    for (const args of [
      ['check', '--offline', '--max-tool-tokens', '10', 'requests'],
      ['count', '--offline', 'requests'],
    ]) {
      github.reset();
      const out = await cli([...args, '--pr-comment'], env, dir);
      assert.ok(out.code === 0 || out.code === 1, out.stderr);
      const body = marked()[0]?.body;
      assert.ok(body, `${args[0]}: a comment`);
      assert.equal(body.indexOf(COMMENT_MARKER), 0);
      const rows = body.split('\n').filter((l) => l.startsWith('|'));
      assert.ok(rows.length >= 3, body);
      for (const row of rows) assert.equal(separators(row), separators(rows[0]!), `${args[0]}: a row with as many cells as the header: ${row}`);
      // Outside code spans, nothing is HTML but the footer's <sub>: every other < is escaped.
      const prose = body
        .slice(COMMENT_MARKER.length)
        .replace(/\\`/g, '')
        .replace(/`[^`\n]*`/g, '')
        .replace(/<\/?sub>/g, '');
      assert.ok(!prose.includes('<'), `${args[0]}: raw HTML in ${prose}`);
      assert.match(prose, args[0] === 'check' ? /lookup&lt;img src=x onerror=alert\(1\)&gt;\\\|&lt;!-- token-lens --&gt;/ : /&lt;script&gt;/);
    }
  });
});

describe('GitHub comment helpers', () => {
  it('finds the marker only at the start of a comment', () => {
    assert.ok(isMarked(`${COMMENT_MARKER}\n### Token Lens`));
    assert.ok(isMarked(`\n  ${COMMENT_MARKER}\nreport`));
    assert.ok(!isMarked(`> quoted\n${COMMENT_MARKER}`));
    assert.ok(!isMarked('token-lens'));
  });

  it('cuts a report too long for a comment at a line, saying so', () => {
    const line = `| \`prompts/file.prompt.md\` | 1,234 | 1,300 | +66 | +$0.0002 |\n`;
    const report = `### Token Lens\n\n${line.repeat(Math.ceil((MAX_COMMENT_CHARS * 1.5) / line.length))}`;
    const body = commentBody(report);
    assert.ok(body.length <= MAX_COMMENT_CHARS, `${body.length}`);
    assert.ok(body.startsWith(`${COMMENT_MARKER}\n### Token Lens`));
    assert.match(body, /\| \+\$0\.0002 \|\n\n_… cut to fit a comment: the whole report is in the job summary\._\n$/);
    const short = commentBody('### Token Lens\n');
    assert.equal(short, `${COMMENT_MARKER}\n### Token Lens\n`);
  });

  it('reads the next page from a Link header', () => {
    assert.equal(nextLink('<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"'), 'https://api.github.com/x?page=2');
    assert.equal(nextLink('<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=1>; rel="first"'), undefined);
    assert.equal(nextLink(null), undefined);
  });

  it('redacts a secret everywhere in a message', () => {
    assert.equal(redact('a SECRET b SECRET', 'SECRET'), 'a *** b ***');
    assert.equal(redact('nothing', ''), 'nothing');
  });
});
