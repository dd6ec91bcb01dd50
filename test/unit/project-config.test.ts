import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  findProjectConfig,
  hasLimits,
  limitsFor,
  loadProjectConfig,
  parseProjectConfig,
  pathOptionsFor,
  projectRelativePath,
  type ProjectConfig,
} from '../../src/core/config/project';
import { classifyPath, isCandidatePath, parseDocument } from '../../src/core/payload';

function write(dir: string, rel: string, content: unknown): string {
  const file = path.join(dir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

/** Parses a config given as an object, at `/project/.tokenlens.json`; fails the test on any finding. */
function config(value: unknown): ProjectConfig {
  const file = path.resolve('/project/.tokenlens.json');
  const { config: c, findings } = parseProjectConfig(file, JSON.stringify(value, null, 2));
  assert.deepEqual(findings, []);
  assert.ok(c);
  return c;
}

describe('project config (.tokenlens.json / package.json "tokenLens")', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tl-project-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('findProjectConfig', () => {
    it('walks up from a nested folder to the nearest .tokenlens.json', async () => {
      write(dir, '.git/HEAD', 'ref: refs/heads/main\n');
      const root = write(dir, '.tokenlens.json', { budget: 1000 });
      mkdirSync(path.join(dir, 'a/b/c'), { recursive: true });
      assert.equal(await findProjectConfig(path.join(dir, 'a/b/c')), root);
      assert.equal(await findProjectConfig(dir), root);

      const nested = write(dir, 'a/.tokenlens.json', { budget: 2000 });
      assert.equal(await findProjectConfig(path.join(dir, 'a/b/c')), nested, 'the nearest folder wins');
    });

    it('prefers .tokenlens.json over package.json "tokenLens" in one folder, and passes over a package.json without the key', async () => {
      write(dir, '.git/HEAD', 'ref: refs/heads/main\n');
      const pkg = write(dir, 'package.json', { name: 'x', tokenLens: { budget: 5 } });
      write(dir, 'packages/web/package.json', { name: 'web', dependencies: {} });
      assert.equal(await findProjectConfig(path.join(dir, 'packages/web')), pkg, 'a package.json without the key is passed over');
      const own = write(dir, '.tokenlens.json', { budget: 9 });
      assert.equal(await findProjectConfig(path.join(dir, 'packages/web')), own);
    });

    it('stops at the git root', async () => {
      write(dir, '.tokenlens.json', { budget: 1 });
      write(dir, 'repo/.git/HEAD', 'ref: refs/heads/main\n');
      mkdirSync(path.join(dir, 'repo/src'), { recursive: true });
      assert.equal(await findProjectConfig(path.join(dir, 'repo/src')), undefined, 'a config above the repository does not apply');
      // A worktree or submodule has a .git file rather than a folder: also a root.
      write(dir, 'other/.git', 'gitdir: ../repo/.git\n');
      assert.equal(await findProjectConfig(path.join(dir, 'other')), undefined);
      assert.equal(await findProjectConfig(path.join(dir, 'nowhere-yet')), path.join(dir, '.tokenlens.json'), 'outside a repository it walks on');
    });
  });

  describe('loadProjectConfig', () => {
    it('reads every key of .tokenlens.json, comments and trailing commas allowed', async () => {
      const file = write(
        dir,
        '.tokenlens.json',
        `{
  // limits for the whole repository
  "$schema": "https://example.org/tokenlens.schema.json",
  "budget": 8000,
  "maxToolTokens": 500,
  "model": "claude-sonnet-4-6",
  "include": ["prompts/**", "agents/**"],
  "exclude": "**/fixtures/**",
  "promptGlobs": ["**/*.tmpl"],
  "overrides": [
    { "files": "prompts/agents/**", "budget": 20000, "maxToolTokens": 800 },
    { "files": ["legacy/**"], "budget": null, "model": "claude-opus-4-8" },
  ],
}
`,
      );
      const { config: c, findings } = await loadProjectConfig(file);
      assert.deepEqual(findings, []);
      assert.ok(c);
      assert.equal(c.file, file);
      assert.equal(c.root, dir);
      assert.equal(c.source, 'tokenlens.json');
      assert.equal(c.budget, 8000);
      assert.equal(c.maxToolTokens, 500);
      assert.equal(c.model, 'claude-sonnet-4-6');
      assert.deepEqual(c.include, ['prompts/**', 'agents/**']);
      assert.deepEqual(c.exclude, ['**/fixtures/**']);
      assert.deepEqual(c.promptGlobs, ['**/*.tmpl']);
      assert.deepEqual(c.overrides, [
        { files: ['prompts/agents/**'], budget: 20000, maxToolTokens: 800 },
        { files: ['legacy/**'], budget: null, model: 'claude-opus-4-8' },
      ]);
    });

    it('reads the "tokenLens" key of package.json', async () => {
      const file = write(dir, 'package.json', { name: 'bot', version: '1.0.0', tokenLens: { budget: 1234, overrides: [{ files: '*.prompt.md', maxToolTokens: 50 }] } });
      const { config: c, findings } = await loadProjectConfig(file);
      assert.deepEqual(findings, []);
      assert.equal(c?.source, 'package.json');
      assert.equal(c?.budget, 1234);
      assert.equal(c?.overrides.length, 1);
    });

    it('reports each invalid value with the file and its line, and keeps the valid ones', async () => {
      const text = `{
  "budget": "8000",
  "maxToolTokens": 250,
  "model": 4,
  "budgte": 10,
  "include": [],
  "overrides": [
    { "files": "a/**", "budget": -1 },
    { "budget": 10 },
    "b/**",
    { "files": "c/**", "maxToolTokens": 1.5, "colour": "red" }
  ]
}`;
      const file = write(dir, '.tokenlens.json', text);
      const { config: c, findings } = await loadProjectConfig(file);
      assert.ok(c, 'what is valid still applies');
      assert.equal(c.maxToolTokens, 250);
      assert.equal(c.budget, undefined);
      assert.ok(findings.every((f) => f.file === file && f.severity === 'error'));
      const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
      const expect: [RegExp, number][] = [
        [/"budget" must be a positive whole number of tokens, not "8000"/, lineOf('"budget": "8000"')],
        [/"model" must be a model id/, lineOf('"model": 4')],
        [/unknown key "budgte" \(known: budget, maxToolTokens, maxContextTokens, maxServerTokens, model, budgetUSD, speed, inferenceGeo, include, exclude, promptGlobs, overrides\)/, lineOf('"budgte"')],
        [/"include" must be a glob or a list of globs/, lineOf('"include"')],
        [/overrides\[0\]\.budget must be a positive whole number of tokens, or null for no limit, not -1/, lineOf('"a/**"')],
        [/overrides\[1\] needs "files"/, lineOf('{ "budget": 10 }')],
        [/overrides\[2\] must be an object/, lineOf('"b/**"')],
        [/overrides\[3\]\.maxToolTokens must be a positive whole number/, lineOf('"c/**"')],
        [/unknown key "colour" in overrides\[3\]/, lineOf('"c/**"')],
      ];
      for (const [re, line] of expect) {
        const f = findings.find((x) => re.test(x.message));
        assert.ok(f, `${re} in ${JSON.stringify(findings.map((x) => x.message))}`);
        assert.equal(f.line, line, `${re} at line ${line}`);
      }
      assert.equal(findings.length, expect.length);
      assert.deepEqual(c.overrides.map((o) => o.files), [['a/**'], ['c/**']]);
    });

    it('reports invalid JSON and a non-object with the line, and a missing file, without throwing', async () => {
      const broken = write(dir, '.tokenlens.json', '{\n  "budget": 100,\n  "model" "x"\n}\n');
      const a = await loadProjectConfig(broken);
      assert.equal(a.config, undefined);
      assert.equal(a.findings[0]?.line, 3);
      assert.match(a.findings[0]!.message, /invalid JSON at line 3: colon expected/);

      const array = write(dir, 'x/.tokenlens.json', '[1, 2]');
      const b = await loadProjectConfig(array);
      assert.equal(b.config, undefined);
      assert.match(b.findings[0]!.message, /\.tokenlens\.json must be an object, not an array/);

      const pkg = write(dir, 'y/package.json', { tokenLens: 'yes' });
      assert.match((await loadProjectConfig(pkg)).findings[0]!.message, /package\.json "tokenLens" must be an object/);

      const missing = await loadProjectConfig(path.join(dir, 'nope/.tokenlens.json'));
      assert.equal(missing.config, undefined);
      assert.match(missing.findings[0]!.message, /cannot read: ENOENT/);
      assert.equal(missing.findings[0]!.file, path.join(dir, 'nope/.tokenlens.json'));

      for (const junk of ['', 'null', '"x"', '{"overrides": {}}', '{"overrides": [null, 1, []]}', '\u0000\u0001', '{"budget": 1e400}', '{"include": [1]}']) {
        const r = parseProjectConfig(path.join(dir, '.tokenlens.json'), junk);
        assert.ok(Array.isArray(r.findings));
        assert.ok(r.findings.length > 0, `${JSON.stringify(junk)} is reported`);
      }
    });
  });

  describe('limitsFor', () => {
    const c = config({
      budget: 8000,
      maxToolTokens: 500,
      model: 'claude-sonnet-4-6',
      overrides: [
        { files: 'prompts/agents/**', budget: 20000, maxToolTokens: 800 },
        { files: ['prompts/agents/huge/**', 'legacy/**'], budget: null },
        { files: '*.opus.prompt.md', model: 'claude-opus-4-8' },
        { files: 'prompts/agents/**/*.prompt.md', maxToolTokens: 900 },
      ],
    });

    it('gives the top-level limits where no override matches', () => {
      const l = limitsFor(c, 'prompts/writer.prompt.md');
      assert.equal(l.budget, 8000);
      assert.equal(l.maxToolTokens, 500);
      assert.equal(l.model, 'claude-sonnet-4-6');
      assert.equal(l.from.budget, '.tokenlens.json');
    });

    it('applies matching overrides in order: the last one that sets a value wins', () => {
      const agent = limitsFor(c, 'prompts/agents/planner.json');
      assert.equal(agent.budget, 20000);
      assert.equal(agent.maxToolTokens, 800);
      assert.equal(agent.from.budget, '.tokenlens.json overrides[0] (prompts/agents/**)');

      const prompt = limitsFor(c, 'prompts/agents/planner.prompt.md');
      assert.equal(prompt.budget, 20000, 'from overrides[0]');
      assert.equal(prompt.maxToolTokens, 900, 'overrides[3] comes later and wins');
    });

    it('removes a limit with null', () => {
      const huge = limitsFor(c, 'prompts/agents/huge/x.json');
      assert.equal(huge.budget, undefined);
      assert.equal(huge.from.budget, undefined);
      assert.equal(huge.maxToolTokens, 800, 'other limits stay');
      assert.equal(limitsFor(c, 'legacy/old.json').budget, undefined);
    });

    it('matches a glob without a slash on the file name in any folder', () => {
      assert.equal(limitsFor(c, 'deep/down/review.opus.prompt.md').model, 'claude-opus-4-8');
      assert.equal(limitsFor(c, 'review.opus.prompt.md').model, 'claude-opus-4-8');
      assert.equal(limitsFor(c, 'deep/review.prompt.md').model, 'claude-sonnet-4-6');
    });

    it('takes absolute paths, Windows separators and ./; a file outside the folder gets the top-level values', () => {
      assert.equal(limitsFor(c, path.join(c.root, 'prompts', 'agents', 'a.json')).budget, 20000);
      assert.equal(limitsFor(c, 'prompts\\agents\\a.json').budget, 20000);
      assert.equal(limitsFor(c, './prompts/agents/a.json').budget, 20000);
      const outside = limitsFor(c, path.resolve(c.root, '../elsewhere/prompts/agents/a.json'));
      assert.equal(outside.budget, 8000);
      assert.equal(projectRelativePath(c, path.resolve(c.root, '../x.md')), undefined);
    });

    it('gives no limits without a config', () => {
      assert.deepEqual(limitsFor(undefined, 'a.json'), { from: {} });
      const bare = config({});
      assert.deepEqual(limitsFor(bare, 'a.json'), { from: {} });
      assert.equal(hasLimits(bare), false);
      assert.equal(hasLimits(undefined), false);
      assert.equal(hasLimits(config({ overrides: [{ files: 'x/**', maxToolTokens: 3 }] })), true);
      assert.equal(hasLimits(config({ overrides: [{ files: 'x/**', budget: null }] })), false);
      assert.equal(hasLimits(c), true);
    });

    it('names package.json "tokenLens" as the source for a package.json config', () => {
      const { config: p } = parseProjectConfig('/project/package.json', JSON.stringify({ tokenLens: { budget: 10, overrides: [{ files: 'a/**', budget: 20 }] } }));
      assert.equal(limitsFor(p, 'b.json').from.budget, 'package.json "tokenLens"');
      assert.equal(limitsFor(p, 'a/b.json').from.budget, 'package.json "tokenLens" overrides[0] (a/**)');
    });
  });

  describe('pathOptionsFor', () => {
    const c = config({ include: ['prompts/**', 'requests/**'], exclude: ['**/fixtures/**'], promptGlobs: ['**/*.tmpl'] });
    const abs = (rel: string) => path.join(c.root, rel);

    it('excludes what `exclude` matches and what `include` does not', () => {
      assert.equal(isCandidatePath(abs('prompts/a.prompt.md'), pathOptionsFor(c, abs('prompts/a.prompt.md'))), true);
      assert.equal(isCandidatePath(abs('prompts/fixtures/a.prompt.md'), pathOptionsFor(c, abs('prompts/fixtures/a.prompt.md'))), false);
      assert.equal(isCandidatePath(abs('other/CLAUDE.md'), pathOptionsFor(c, abs('other/CLAUDE.md'))), false, 'outside include');
      assert.equal(classifyPath(abs('other/CLAUDE.md'), pathOptionsFor(c, abs('other/CLAUDE.md'))).kind, 'none');
      assert.equal(isCandidatePath(abs('requests/a.json'), pathOptionsFor(c, abs('requests/a.json'))), true);
    });

    it('reads files matching promptGlobs as prompts', () => {
      const file = abs('prompts/welcome.tmpl');
      assert.equal(isCandidatePath(file), false, 'not a prompt by the built-in rules');
      const parsed = parseDocument(file, 'Welcome the user warmly.', pathOptionsFor(c, file));
      assert.equal(parsed.status, 'ok');
      assert.equal(parsed.status === 'ok' && parsed.doc.kind, 'prompt');
    });

    it('sets no rules without a config or outside its folder', () => {
      assert.deepEqual(pathOptionsFor(undefined, abs('x.md')), {});
      assert.deepEqual(pathOptionsFor(c, path.resolve(c.root, '../x/CLAUDE.md')), {});
      assert.deepEqual(pathOptionsFor(config({}), abs('x.md')), {});
    });
  });
});
