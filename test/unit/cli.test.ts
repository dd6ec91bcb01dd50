import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PLACEHOLDER_MESSAGE } from '../../src/core/payload';
import { fakeCount, type FakeApi } from '../fake-api/server';
import { cli, useCliWorkspace, write, type CliOutput } from '../support/cli';

const REPO = path.resolve(__dirname, '../..');

interface JsonReport {
  version: string;
  offline: boolean;
  pricesAsOf: string;
  files: Array<Record<string, unknown>>;
}

function json(out: CliOutput): JsonReport {
  return JSON.parse(out.stdout) as JsonReport;
}

function fileIn(report: JsonReport, p: string): Record<string, any> {
  const f = report.files.find((x) => x.path === p);
  assert.ok(f, `${p} in ${report.files.map((x) => x.path).join(', ')}`);
  return f;
}

const searchTool = {
  name: 'search_orders',
  description: 'Search customer orders by email, order number or date range. Returns at most 20 orders.',
  input_schema: {
    type: 'object',
    properties: {
      email: { type: 'string', description: 'Customer email address' },
      order_number: { type: 'string' },
      from: { type: 'string', format: 'date' },
      to: { type: 'string', format: 'date' },
    },
  },
};
const refundTool = {
  name: 'issue_refund',
  description: 'Refund an order in full or in part.',
  input_schema: { type: 'object', properties: { order_number: { type: 'string' }, amount_cents: { type: 'integer' } }, required: ['order_number'] },
};

const supportPayload = {
  model: 'claude-sonnet-4-6',
  max_tokens: 1024,
  temperature: 0.3,
  system: 'You are the support assistant of a small online bookshop. Be brief and friendly.',
  tools: [searchTool, refundTool],
  messages: [{ role: 'user', content: 'My order of "The Left Hand of Darkness" never arrived. My email is ana@example.org.' }],
};
const supportRequest = (model = 'claude-sonnet-4-6') => ({
  model,
  system: supportPayload.system,
  tools: supportPayload.tools,
  messages: supportPayload.messages,
});

const handbook = Array.from({ length: 60 }, (_, i) => `Policy ${i + 1}: books damaged in transit are replaced free of charge; returns are accepted within 30 days.`).join(' ');
const cachedPayload = {
  model: 'claude-sonnet-4-6',
  max_tokens: 800,
  system: [{ type: 'text', text: `You answer questions about the bookshop's policies.\n\n${handbook}`, cache_control: { type: 'ephemeral' } }],
  messages: [{ role: 'user', content: 'Can I return a book I bought five weeks ago?' }],
};

const reviewerPrompt = `---
model: claude-opus-4-6
---
You review pull requests for a TypeScript code base. Point out bugs first, then style.
Keep each comment to two sentences.
`;

/** A project folder with payloads, a tool list, a prompt, noise and a dependency folder. */
function fixture(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tl-cli-'));
  write(dir, 'requests/support.json', supportPayload);
  write(dir, 'requests/policies.json', cachedPayload);
  write(dir, 'tools/shop-tools.json', [searchTool, refundTool]);
  write(dir, 'prompts/reviewer.prompt.md', reviewerPrompt);
  write(dir, 'package.json', { name: 'bookshop-bot', version: '1.0.0', dependencies: {} });
  write(dir, 'node_modules/some-sdk/examples/request.json', supportPayload);
  write(dir, 'data/inventory.json', { books: [{ isbn: '9780441478125', stock: 3 }] });
  return dir;
}

describe('token-lens count (CLI)', () => {
  let api: FakeApi;
  let dir: string;
  let cacheDir: string;
  let env: NodeJS.ProcessEnv;

  useCliWorkspace(() => fixture(), (w) => ({ api, dir, cacheDir, env } = w));

  it('prints a table of the files, with ≈ on estimates', async () => {
    const out = await cli(['count', '--offline', 'requests', 'tools/shop-tools.json'], env, dir);
    assert.equal(out.code, 0, out.stderr);
    for (const p of ['requests/support.json', 'requests/policies.json', 'tools/shop-tools.json']) assert.match(out.stdout, new RegExp(`^${p} .*≈[\\d,]+ .*estimate \\(offline\\)$`, 'm'));
    assert.match(out.stdout, /3 files counted \(0 exact, 3 estimated\)/);
    assert.match(out.stdout, /^requests\/policies\.json: cache: ≈[\d,]+ of ≈[\d,]+ tokens cached \(1 breakpoint\); first request \$[\d.]+, repeats \$[\d.]+/m);

    const exact = await cli(['count', '--cache-dir', cacheDir, 'requests/support.json'], env, dir);
    assert.equal(exact.code, 0, exact.stderr);
    const tokens = fakeCount(supportRequest()).toLocaleString('en-US');
    assert.match(exact.stdout, new RegExp(`^requests/support\\.json +payload +claude-sonnet-4-6 +${tokens} .* api$`, 'm'));
    assert.ok(!exact.stdout.includes('≈'));
  });

  it('prints the JSON report with the documented fields', async () => {
    const out = await cli(['count', '--json', '--cache-dir', cacheDir, 'requests', 'tools', 'prompts'], env, dir);
    assert.equal(out.code, 0, out.stderr);
    const report = json(out);
    assert.equal(report.offline, false);
    assert.match(report.pricesAsOf, /^\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual(report.files.map((f) => f.path).sort(), ['prompts/reviewer.prompt.md', 'requests/policies.json', 'requests/support.json', 'tools/shop-tools.json']);

    const support = fileIn(report, 'requests/support.json');
    assert.equal(support.kind, 'payload');
    assert.equal(support.model, 'claude-sonnet-4-6');
    assert.equal(support.inputTokens, fakeCount(supportRequest()));
    assert.equal(support.exact, true);
    assert.equal(support.source, 'api');
    assert.ok(!('reason' in support));
    assert.equal(support.maxTokens, 1024);
    const cost = support.costUSD;
    assert.ok(Math.abs(cost.input - (support.inputTokens * 3) / 1e6) < 1e-9);
    assert.ok(Math.abs(cost.output - (1024 * 15) / 1e6) < 1e-9);
    assert.ok(Math.abs(cost.total - cost.input - cost.output) < 1e-9);
    assert.ok(Math.abs(cost.batchTotal - cost.total / 2) < 1e-9);
    assert.equal(cost.longContext, false);
    assert.deepEqual(cost.unknown, []);
    assert.equal(cost.cacheFirstRequest, null);
    assert.equal(cost.cacheRepeatRequest, null);
    assert.equal(cost.cacheBreakEvenRequests, null);
    assert.deepEqual(
      support.tools.map((t: any) => [t.name, t.tokens, t.overThreshold, t.exact]),
      [
        ['search_orders', 9 + Math.ceil(Buffer.byteLength(JSON.stringify(searchTool)) / 3), false, true],
        ['issue_refund', 9 + Math.ceil(Buffer.byteLength(JSON.stringify(refundTool)) / 3), false, true],
      ],
    );
    for (const t of support.tools) assert.equal(typeof t.line, 'number');
    assert.ok(Array.isArray(support.diagnostics));

    // Cache pricing from the exact prefix (the system prompt, all of it) at Sonnet 4.6 prices.
    const policies = fileIn(report, 'requests/policies.json');
    const model = 'claude-sonnet-4-6';
    const total = fakeCount({ model, system: cachedPayload.system, messages: cachedPayload.messages });
    const prefix = fakeCount({ model, system: cachedPayload.system, messages: [PLACEHOLDER_MESSAGE] }) - fakeCount({ model, messages: [PLACEHOLDER_MESSAGE] });
    assert.ok(prefix >= 1024, `fixture prefix ${prefix} is cacheable`);
    assert.equal(policies.inputTokens, total);
    const out800 = 800 * 15;
    const first = ((total - prefix) * 3 + prefix * 3.75 + out800) / 1e6;
    const repeat = ((total - prefix) * 3 + prefix * 0.3 + out800) / 1e6;
    const uncached = (total * 3 + out800) / 1e6;
    assert.ok(Math.abs(policies.costUSD.cacheFirstRequest - first) < 1e-9);
    assert.ok(Math.abs(policies.costUSD.cacheRepeatRequest - repeat) < 1e-9);
    let n = 1;
    while (first + (n - 1) * repeat > n * uncached + 1e-12) n++;
    assert.equal(policies.costUSD.cacheBreakEvenRequests, n);
    // The line is that of the part carrying the breakpoint: the system prompt.
    const systemLine = readFileSync(path.join(dir, 'requests/policies.json'), 'utf8').split('\n').findIndex((l) => l.includes('"system"')) + 1;
    assert.deepEqual(policies.cache.breakpoints.map((b: any) => [b.label, b.prefixTokens, b.exact, b.cached, b.line]), [['system block 1', prefix, true, true, systemLine]]);

    const prompt = fileIn(report, 'prompts/reviewer.prompt.md');
    assert.equal(prompt.kind, 'prompt');
    assert.equal(prompt.model, 'claude-opus-4-6');

    const diag = await cli(['count', '--json', '--offline', '--budget', '10', 'requests/support.json'], env, dir);
    const d = fileIn(json(diag), 'requests/support.json').diagnostics.find((x: any) => x.code === 'over-budget');
    assert.ok(d, 'over-budget diagnostic');
    assert.equal(d.severity, 'warning');
    assert.equal(typeof d.message, 'string');
    assert.ok(d.line === null || typeof d.line === 'number');
  });

  it('lists a path it does not count as skipped, and a broken payload as an error with its line, exit 2', async () => {
    write(dir, 'requests/broken.json', '{\n  "model": "claude-sonnet-4-6",\n  "messages": [\n    { "role": "user", "content": "Hi" },,\n  ]\n}\n');
    const out = await cli(['count', '--json', '--cache-dir', cacheDir, 'package.json', 'requests'], env, dir);
    assert.equal(out.code, 2);
    const report = json(out);
    assert.match(fileIn(report, 'package.json').skipped, /package\.json/);
    const broken = fileIn(report, 'requests/broken.json');
    assert.equal(broken.line, 4);
    assert.match(broken.error, /line 4/);
    assert.equal(fileIn(report, 'requests/support.json').exact, true, 'the others are still counted');
    assert.equal(fileIn(report, 'requests/policies.json').exact, true);

    const table = await cli(['count', '--offline', 'requests'], env, dir);
    assert.equal(table.code, 2);
    assert.match(table.stdout, /^requests\/broken\.json:4: error: Invalid JSON at line 4/m);
    assert.match(table.stdout, /1 with errors/);
  });

  it('exits 2 and names a path that does not exist', async () => {
    const out = await cli(['count', '--offline', 'requests/support.json', 'requests/missing.json'], env, dir);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /requests\/missing\.json: no such file or folder/);
    assert.match(out.stdout, /requests\/support\.json/, 'what exists is still counted');
  });

  it('--offline makes no API call and writes no cache', async () => {
    const out = await cli(['count', '--offline', '--json', '--cache-dir', cacheDir, '.'], env, dir);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(api.countCalls(), 0);
    assert.ok(json(out).files.every((f) => f.source === 'estimate' && f.reason === 'offline'));
    assert.ok(!existsSync(path.join(cacheDir, 'counts.json')));
    assert.equal(out.stderr, '');
  });

  it('without ANTHROPIC_API_KEY gives estimates and says once how to get exact counts', async () => {
    const out = await cli(['count', '--json', 'requests', 'tools'], { ANTHROPIC_BASE_URL: api.url }, dir);
    assert.equal(out.code, 0);
    const report = json(out);
    assert.equal(report.files.length, 3);
    assert.ok(report.files.every((f) => f.exact === false && f.reason === 'no-key'));
    assert.equal(out.stderr.match(/no ANTHROPIC_API_KEY set/g)?.length, 1, out.stderr);
    assert.equal(api.countCalls(), 0);
  });

  it('--model counts every file on that model', async () => {
    const out = await cli(['count', '--json', '--model', 'claude-opus-4-7', '--cache-dir', cacheDir, 'requests/support.json', 'prompts'], env, dir);
    assert.equal(out.code, 0, out.stderr);
    const report = json(out);
    assert.ok(report.files.every((f) => f.model === 'claude-opus-4-7'));
    assert.equal(fileIn(report, 'requests/support.json').inputTokens, fakeCount(supportRequest('claude-opus-4-7')));
    assert.notEqual(fakeCount(supportRequest('claude-opus-4-7')), fakeCount(supportRequest()));
  });

  it('--cache-dir keeps counts.json, and a second run on unchanged files makes no call', async () => {
    const first = await cli(['count', '--json', '--cache-dir', cacheDir, '.'], env, dir);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(api.countCalls() > 0);
    assert.ok(existsSync(path.join(cacheDir, 'counts.json')));
    const counts = json(first).files.map((f) => [f.path, f.inputTokens]);

    api.reset();
    const second = await cli(['count', '--json', '--cache-dir', cacheDir, '.'], env, dir);
    assert.equal(api.countCalls(), 0);
    const report = json(second);
    assert.ok(report.files.every((f) => f.source === 'cache' && f.exact === true));
    assert.deepEqual(report.files.map((f) => [f.path, f.inputTokens]), counts);

    // A relative --cache-dir is relative to the directory the command runs in.
    const relative = await cli(['count', '--offline', '--cache-dir', 'local-cache', 'requests'], env, dir);
    assert.equal(relative.code, 0);
    const again = await cli(['count', '--cache-dir', 'local-cache', 'requests/support.json'], env, dir);
    assert.equal(again.code, 0);
    assert.ok(existsSync(path.join(dir, 'local-cache', 'counts.json')));
  });

  it('walks folders without node_modules, and expands globs', async () => {
    const walked = json(await cli(['count', '--json', '--offline', '.'], env, dir));
    const paths = walked.files.map((f) => f.path).sort();
    assert.deepEqual(paths, ['prompts/reviewer.prompt.md', 'requests/policies.json', 'requests/support.json', 'tools/shop-tools.json']);

    const globbed = await cli(['count', '--json', '--offline', 'requests/*.json', '**/*.prompt.md'], env, dir);
    assert.equal(globbed.code, 0);
    assert.deepEqual(json(globbed).files.map((f) => f.path).sort(), ['prompts/reviewer.prompt.md', 'requests/policies.json', 'requests/support.json']);

    const none = await cli(['count', '--offline', 'requests/*.yaml'], env, dir);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /requests\/\*\.yaml: no file matches this pattern/);
  });

  it('never shows or stores the key, even when the API rejects it', async () => {
    const wrongKey = 'sk-ant-api03-wrong-key-Zq8x1c9VbN2mK4pL7sT0uW3yA6dF5gH';
    const rejected = await cli(['count', '--json', '--cache-dir', cacheDir, 'requests', 'tools'], { ...env, ANTHROPIC_API_KEY: wrongKey }, dir);
    const report = json(rejected);
    assert.ok(report.files.every((f) => f.exact === false && f.reason === 'unauthorized'));
    assert.ok(api.countCalls() >= 1);
    const table = await cli(['count', '--cache-dir', cacheDir, 'requests'], { ...env, ANTHROPIC_API_KEY: wrongKey }, dir);
    assert.match(table.stdout, /estimate \(key rejected\)/);

    const good = await cli(['count', '--json', '--cache-dir', cacheDir, 'requests', 'tools'], env, dir);
    assert.equal(good.code, 0);
    const cacheFile = readFileSync(path.join(cacheDir, 'counts.json'), 'utf8');
    for (const key of [wrongKey, api.apiKey]) {
      for (const text of [rejected.stdout, rejected.stderr, table.stdout, table.stderr, good.stdout, good.stderr, cacheFile]) {
        assert.ok(!text.includes(key), 'the key never appears');
        assert.ok(!text.includes(key.slice(-16)), 'not even its tail');
      }
    }
  });

  it('--threshold marks heavier tools; a bad --threshold is a usage error', async () => {
    const out = await cli(['count', '--json', '--cache-dir', cacheDir, '--threshold', '100', 'tools/shop-tools.json'], env, dir);
    assert.equal(out.code, 0, out.stderr);
    const tools = fileIn(json(out), 'tools/shop-tools.json');
    const over = tools.tools.filter((t: any) => t.overThreshold).map((t: any) => t.name);
    assert.deepEqual(over, tools.tools.filter((t: any) => t.tokens > 100).map((t: any) => t.name));
    assert.ok(over.length > 0 && over.length < tools.tools.length, `one tool over, one under: ${JSON.stringify(tools.tools)}`);
    assert.ok(tools.diagnostics.some((d: any) => d.code === 'tool-over-threshold' && d.message.includes(over[0])));

    const calls = api.countCalls();
    const bad = await cli(['count', '--threshold', 'abc', 'tools'], env, dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--threshold must be a positive whole number, not "abc"/);
    assert.equal(bad.stdout, '');
    assert.equal(api.countCalls(), calls, 'the bad run made no call');
  });

  it('--markdown prints a compact table for a PR comment, marked offline when it is', async () => {
    const out = await cli(['count', '--markdown', '--cache-dir', cacheDir, 'requests', 'prompts'], env, dir);
    assert.equal(out.code, 0, out.stderr);
    const support = fakeCount(supportRequest());
    assert.match(out.stdout, /^### Token Lens: 3 files, [\d,]+ input tokens$/m);
    assert.match(out.stdout, /^\| File \| Model \| Tokens \| Input cost \| Max total \|$/m);
    assert.match(out.stdout, new RegExp(`^\\| \`requests/support\\.json\` \\| \`claude-sonnet-4-6\` \\| ${support.toLocaleString('en-US')} \\| \\$[\\d.]+ \\| \\$[\\d.]+ \\|$`, 'm'));
    assert.ok(!out.stdout.includes('≈'));

    const offline = await cli(['count', '--markdown', '--offline', 'requests'], env, dir);
    assert.match(offline.stdout, /^### Token Lens: 2 files, ≈[\d,]+ input tokens \(offline estimates\)$/m);
    assert.match(offline.stdout, /\| ≈[\d,]+ \|/);
  });

  it('--github annotates warnings and errors on their lines, with a notice when offline', async () => {
    write(dir, 'requests/broken.json', '{\n  "messages": [\n    { "role": "user", "content": "Hi" },,\n  ]\n}\n');
    const out = await cli(['count', '--github', '--offline', '--threshold', '20', 'requests', 'tools'], env, dir);
    assert.equal(out.code, 2);
    assert.match(out.stdout, /^::notice title=Token Lens::Token Lens used offline estimates \(--offline\)/m);
    assert.match(out.stdout, /^::error file=requests\/broken\.json,line=3,title=Token Lens::Invalid JSON at line 3/m);
    const toolLine = readFileSync(path.join(dir, 'tools/shop-tools.json'), 'utf8').split('\n').findIndex((l) => l.includes('"search_orders"')) + 1;
    assert.match(out.stdout, new RegExp(`^::warning file=tools/shop-tools\\.json,line=${toolLine},title=Token Lens::Tool "search_orders" costs`, 'm'));
    assert.match(out.stdout, /^FILE +KIND +MODEL/m, 'then the table, for the log');
  });

  it('applies the project config: its limits as warnings and its model, exit 0; --no-config ignores it', async () => {
    write(dir, '.tokenlens.json', { budget: 10, model: 'claude-opus-4-7', overrides: [{ files: 'requests/**', budget: null }] });
    const out = await cli(['count', '--json', '--offline', 'requests', 'prompts', 'tools'], env, dir);
    assert.equal(out.code, 0, out.stderr);
    const report = json(out) as JsonReport & { command: string; config: string | null; offlineReason: string | null };
    assert.equal(report.command, 'count');
    assert.equal(report.config, '.tokenlens.json');
    assert.equal(report.offlineReason, 'offline');
    assert.equal(fileIn(report, 'tools/shop-tools.json').model, 'claude-opus-4-7', 'the config model for a file that names none');
    assert.equal(fileIn(report, 'prompts/reviewer.prompt.md').model, 'claude-opus-4-6', "the file's own model wins");
    assert.ok(fileIn(report, 'tools/shop-tools.json').diagnostics.some((d: any) => d.code === 'over-budget'));
    assert.ok(!fileIn(report, 'requests/support.json').diagnostics.some((d: any) => d.code === 'over-budget'), 'null removes the budget for requests/');

    const none = json(await cli(['count', '--json', '--offline', '--no-config', 'tools'], env, dir)) as JsonReport & { config: string | null };
    assert.equal(none.config, null);
    assert.equal(fileIn(none, 'tools/shop-tools.json').model, 'claude-sonnet-4-6');
  });

  it('runs as a real process: node --import tsx src/cli/main.ts', async () => {
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'count', '--json', '--cache-dir', cacheDir, path.join(dir, 'requests/support.json')],
        { cwd: REPO, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 30_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as JsonReport;
    assert.equal(report.files.length, 1);
    assert.equal(report.files[0]!.inputTokens, fakeCount(supportRequest()));
    assert.equal(report.files[0]!.source, 'api');
    assert.ok(!result.stderr.includes(api.apiKey));

    const usage = await new Promise<number>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/cli/main.ts'), 'count'], { cwd: REPO, timeout: 30_000 }, (err) =>
        resolve(err ? ((err as { code?: number }).code ?? 1) : 0),
      );
    });
    assert.equal(usage, 2);
  });
});
