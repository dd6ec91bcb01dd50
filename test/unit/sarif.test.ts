import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { Log, Result } from 'sarif';
import type { CheckResult } from '../../src/cli/output/model';
import { checkSarif, UNREADABLE_RULE } from '../../src/cli/output/sarif';
import { cli, write } from '../support/cli';

/**
 * The published SARIF 2.1.0 schema (2.1.0-rtm.5, the one SchemaStore serves as sarif-2.1.0.json),
 * as shipped by @microsoft/jest-sarif. It is a draft-04 schema, hence ajv-draft-04.
 */
const SCHEMA_FILE = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

let compiled: ReturnType<Ajv04['compile']> | undefined;

/** The schema's validator, compiled once. */
function sarifValidator() {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  assert.match(String(schema.title), /SARIF\) Version 2\.1\.0/);
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false }) // the schema's language pattern is not valid with the u flag;
  addFormats(ajv);
  compiled = ajv.compile(schema);
  return compiled;
}

function assertValidSarif(log: unknown): void {
  const validate = sarifValidator();
  assert.ok(validate(log), JSON.stringify(validate.errors, null, 2));
}

/** 1-based line and column of the first occurrence of `needle` in the file. */
function positionOf(file: string, needle: string): { line: number; column: number } {
  const lines = readFileSync(file, 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `${needle} in ${file}`);
  return { line: line + 1, column: lines[line]!.indexOf(needle) + 1 };
}

const bigTool = {
  name: 'search_catalogue',
  description: `Search the catalogue. ${'Filters by author, title, year, publisher, language and format. '.repeat(12)}`,
  input_schema: { type: 'object', properties: { query: { type: 'string' } } },
};

describe('SARIF (check --sarif FILE)', () => {
  let repo: string;
  before(() => sarifValidator()); // compiles the schema once, outside the tests' time

  beforeEach(() => {
    repo = mkdtempSync(path.join(tmpdir(), 'tl-sarif-'));
    mkdirSync(path.join(repo, '.git'));
    write(repo, 'app/agents/librarian.json', { model: 'claude-sonnet-4-6', max_tokens: 512, tools: [bigTool], messages: [{ role: 'user', content: 'Where are the Le Guin novels?' }] });
    write(repo, 'app/requests/thinking.json', { model: 'claude-sonnet-4-6', max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 512 }, messages: [{ role: 'user', content: 'Think.' }] });
    write(repo, 'app/requests/broken.json', '{ "model": "claude-sonnet-4-6", "messages": [ }');
    write(repo, 'app/prompts/with space #1.prompt.md', 'Greet the visitor.\n');
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  it('writes a valid SARIF 2.1.0 log: a rule per kind of finding, locations relative to the repository root', async () => {
    const cwd = path.join(repo, 'app');
    const args = ['check', '--offline', '--budget', '300', '--max-tool-tokens', '100'];
    const out = await cli([...args, '--sarif', 'reports/token-lens.sarif'], { GITHUB_WORKSPACE: repo }, cwd);
    assert.equal(out.code, 2, 'the broken file makes the check incomplete');
    const log = JSON.parse(readFileSync(path.join(cwd, 'reports/token-lens.sarif'), 'utf8')) as Log;
    assertValidSarif(log);

    const json = JSON.parse((await cli([...args, '--json'], {}, cwd)).stdout) as CheckResult;
    const run = log.runs[0]!;
    const results = run.results!;
    const rules = run.tool.driver.rules!;
    // One rule per kind, each id once, every result pointing at its rule.
    assert.deepEqual(rules.map((r) => r.id), [...new Set(results.map((r) => r.ruleId))]);
    for (const r of results) assert.equal(rules[r.ruleIndex!]!.id, r.ruleId);
    assert.ok(rules.every((r) => r.shortDescription?.text && r.shortDescription.text.length > 0));

    const byRule = (id: string) => results.filter((r) => r.ruleId === id);
    const where = (r: Result) => r.locations![0]!.physicalLocation!;
    // Every offender the check reported, as an error where the JSON report puts it.
    assert.equal(byRule('budget').length + byRule('max-tool-tokens').length, json.offenders.length);
    for (const o of json.offenders) {
      const r = results.find((x) => x.ruleId === o.rule && x.message.text === o.message);
      assert.ok(r, `${o.rule} ${o.path}`);
      assert.equal(r.level, 'error');
      assert.equal(where(r).artifactLocation!.uri, `app/${o.path}`);
      assert.equal(where(r).artifactLocation!.uriBaseId, '%SRCROOT%');
    }
    const tool = byRule('max-tool-tokens')[0]!;
    const name = positionOf(path.join(cwd, 'agents/librarian.json'), '"search_catalogue"');
    assert.ok(name.column > 1);
    assert.deepEqual(where(tool).region, { startLine: name.line, startColumn: name.column });
    // The unreadable file: an error on its line.
    const broken = byRule(UNREADABLE_RULE);
    assert.equal(broken.length, 1);
    assert.equal(broken[0]!.level, 'error');
    assert.equal(where(broken[0]!).artifactLocation!.uri, 'app/requests/broken.json');
    assert.equal(where(broken[0]!).region!.startLine, json.errors[0]!.line);
    // A finding that is not a limit (a thinking budget too small): a warning under its own code, on its line.
    const thinkingDiag = json.files.flatMap((f) => ('diagnostics' in f && f.path === 'requests/thinking.json' ? f.diagnostics : [])).find((d) => /budget_tokens/.test(d.message))!;
    const thinking = byRule(thinkingDiag.code);
    assert.equal(thinking.length, 1);
    assert.equal(thinking[0]!.level, thinkingDiag.severity);
    assert.deepEqual(where(thinking[0]!).region, { startLine: thinkingDiag.line, startColumn: thinkingDiag.column });
    assert.equal(where(thinking[0]!).artifactLocation!.uri, 'app/requests/thinking.json');
    // Limits are not reported twice (once as a limit, once as the file's own over-budget warning).
    assert.equal(byRule('over-budget').length + byRule('tool-over-threshold').length, 0);
  });

  it('encodes paths as URI references and is valid with no finding at all', async () => {
    const cwd = path.join(repo, 'app');
    const out = await cli(['check', '--offline', '--budget', '1000000', '--sarif', '../clean.sarif', 'prompts'], { GITHUB_WORKSPACE: repo }, cwd);
    assert.equal(out.code, 0, out.stderr);
    const clean = JSON.parse(readFileSync(path.join(repo, 'clean.sarif'), 'utf8')) as Log;
    assertValidSarif(clean);
    assert.deepEqual(clean.runs[0]!.results, []);

    const over = await cli(['check', '--offline', '--budget', '1', '--sarif', '../over.sarif', 'prompts'], { GITHUB_WORKSPACE: repo }, cwd);
    assert.equal(over.code, 1);
    const log = JSON.parse(readFileSync(path.join(repo, 'over.sarif'), 'utf8')) as Log;
    assertValidSarif(log);
    assert.equal(log.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri, 'app/prompts/with%20space%20%231.prompt.md');
  });

  it('without GITHUB_WORKSPACE, paths are relative to the git root', async () => {
    const { execFileSync } = await import('node:child_process');
    rmSync(path.join(repo, '.git'), { recursive: true });
    execFileSync('git', ['init', '-q'], { cwd: repo });
    const cwd = path.join(repo, 'app', 'prompts');
    const out = await cli(['check', '--offline', '--budget', '1', '--sarif', 'out.sarif', '.'], {}, cwd);
    assert.equal(out.code, 1, out.stderr);
    const log = JSON.parse(readFileSync(path.join(cwd, 'out.sarif'), 'utf8')) as Log;
    assert.equal(log.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri, 'app/prompts/with%20space%20%231.prompt.md');
  });

  it('an unwritable SARIF path is exit 2 with the reason', async () => {
    write(repo, 'app/blocker', 'a file where a folder should be');
    const out = await cli(['check', '--offline', '--budget', '1000000', '--sarif', 'blocker/x.sarif', 'prompts'], {}, path.join(repo, 'app'));
    assert.equal(out.code, 2);
    assert.match(out.stderr, /token-lens: cannot write the SARIF file blocker\/x\.sarif: (EEXIST|ENOTDIR)/);
  });

  it('the builder: levels, rules reused, an argument that named no file left out', () => {
    const base = { version: '1.2.3', offline: false, offlineReason: null, pricesAsOf: '2026-11-27', config: null } as const;
    const counted = (p: string, diagnostics: CheckResult['files'][number] extends infer F ? (F extends { diagnostics: infer D } ? D : never) : never) =>
      ({ path: p, kind: 'payload', model: 'claude-sonnet-4-6', modelKnown: true, inputTokens: 10, exact: true, source: 'api', costUSD: { input: 0, output: 0, total: 0, batchTotal: 0, longContext: false, unknown: [], batchWorstCase: 0, modes: [], unconfirmed: [], speed: null, inferenceGeo: null, cacheFirstRequest: null, cacheRepeatRequest: null, cacheBreakEvenRequests: null }, parts: [], tools: [], overhead: { tokens: 0, exact: true }, diagnostics, limits: { budget: null, maxToolTokens: null, budgetUSD: null } }) as CheckResult['files'][number];
    const result: CheckResult = {
      ...base,
      command: 'check',
      ok: false,
      summary: { files: 2, counted: 2, exact: 2, estimated: 0, offenders: 0, errors: 1 },
      offenders: [],
      errors: [{ path: 'nothing/*.json', error: 'no file matches this pattern', line: null }],
      files: [
        counted('a.json', [
          { severity: 'error', code: 'over-context-window', message: 'too big for the window', line: null, column: null },
          { severity: 'info', code: 'max-tokens-assumed', message: 'an info', line: 2, column: 3 },
          { severity: 'warning', code: 'model-retiring', message: 'retiring', line: 2, column: 12 },
        ]),
        counted('b.json', [{ severity: 'warning', code: 'model-retiring', message: 'retiring too', line: 4, column: 5 }]),
      ],
    };
    const log = checkSarif(result, { version: '1.2.3', repoPath: (p) => `repo/${p}` });
    assertValidSarif(log);
    const run = log.runs[0]!;
    assert.deepEqual(run.tool.driver.rules!.map((r) => [r.id, r.defaultConfiguration?.level]), [
      ['over-context-window', 'error'],
      ['model-retiring', 'warning'],
    ]);
    assert.deepEqual(run.results!.map((r) => [r.ruleId, r.ruleIndex, r.level, r.locations![0]!.physicalLocation!.artifactLocation!.uri, r.locations![0]!.physicalLocation!.region]), [
      ['over-context-window', 0, 'error', 'repo/a.json', { startLine: 1 }],
      ['model-retiring', 1, 'warning', 'repo/a.json', { startLine: 2, startColumn: 12 }],
      ['model-retiring', 1, 'warning', 'repo/b.json', { startLine: 4, startColumn: 5 }],
    ]);
    assert.equal(run.tool.driver.version, '1.2.3');

    // The validator does reject what is not SARIF.
    const validate = sarifValidator();
    const broken = (mutate: (l: any) => void) => {
      const copy = JSON.parse(JSON.stringify(log));
      mutate(copy);
      return validate(copy);
    };
    assert.equal(broken(() => undefined), true);
    assert.equal(broken((l) => (l.runs[0].results[0].level = 'fatal')), false);
    assert.equal(broken((l) => delete l.runs[0].results[0].message), false);
    assert.equal(broken((l) => (l.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0)), false);
    assert.equal(broken((l) => (l.version = '2.0.0')), false);
  });
});
