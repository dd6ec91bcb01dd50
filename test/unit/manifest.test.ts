// The listing: what the Marketplace and Open VSX show and need, the package vsce builds from the
// manifest without bypass flags, and the Open VSX publish dry run.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { imageSize } from 'image-size';

const run = promisify(execFile);
const REPO = path.resolve(__dirname, '../..');
const vsce = path.join(REPO, 'node_modules', '@vscode', 'vsce', 'vsce');
const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as Record<string, any>;

/** The Marketplace's categories (https://code.visualstudio.com/api/references/extension-manifest). */
const MARKETPLACE_CATEGORIES = new Set([
  'AI', 'Azure', 'Chat', 'Data Science', 'Debuggers', 'Education', 'Extension Packs', 'Formatters', 'Keymaps',
  'Language Packs', 'Linters', 'Machine Learning', 'Notebooks', 'Programming Languages', 'SCM Providers',
  'Snippets', 'Testing', 'Themes', 'Visualization', 'Other',
]);

describe('extension manifest and package', function () {
  this.timeout(120_000);

  it('names where the source, issues and home page are', () => {
    assert.match(pkg.repository?.url ?? '', /^https:\/\/github\.com\/[^/]+\/token-lens\.git$/);
    assert.match(pkg.bugs?.url ?? '', /\/issues$/);
    assert.match(pkg.homepage ?? '', /^https:\/\//);
  });

  it('is listed under Marketplace categories, with at most 30 keywords people search for', () => {
    assert.ok(pkg.categories.length > 0 && !pkg.categories.includes('Other'), 'more than "Other"');
    for (const c of pkg.categories) assert.ok(MARKETPLACE_CATEGORIES.has(c), `${c} is a Marketplace category`);
    assert.ok(pkg.keywords.length <= 30, 'the Marketplace takes at most 30 keywords');
    for (const k of ['claude', 'anthropic', 'tokens', 'mcp']) assert.ok(pkg.keywords.includes(k), k);
  });

  it('has a gallery banner and an icon of at least 128x128', () => {
    assert.match(pkg.galleryBanner?.color ?? '', /^#[0-9A-Fa-f]{6}$/);
    assert.ok(['dark', 'light'].includes(pkg.galleryBanner?.theme));
    const icon = imageSize(readFileSync(path.join(REPO, pkg.icon)));
    assert.equal(icon.type, 'png');
    assert.ok(icon.width >= 128 && icon.height >= 128);
  });

  it('runs where the workspace files are (remote hosts included)', () => {
    // .tokenlens.json, price files and the count cache are read with node:fs, so the extension
    // must run on the side that has the files: the remote host under SSH/WSL/containers.
    assert.deepEqual(pkg.extensionKind, ['workspace']);
  });

  it('packages with vsce without --allow-missing-repository, and ships no README pictures', async () => {
    assert.doesNotMatch(pkg.scripts.package, /allow-missing-repository/);
    const { stdout } = await run(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: REPO });
    const files = stdout.trim().split('\n');
    assert.ok(files.includes('package.json') && files.includes('media/icon.png'), stdout);
    assert.deepEqual(
      files.filter((f) => /^(src|test|bench|scripts|examples|media\/screenshots)\//.test(f)),
      [],
      'sources, tests and screenshots stay out of the .vsix',
    );
  });

  it('README pictures: each one is copied by npm run screenshots from an e2e screenshot, and exists', async () => {
    const { PICTURES } = (await import(pathToFileURL(path.join(REPO, 'scripts', 'screenshots.mjs')).href)) as { PICTURES: Record<string, string> };
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const shown = [...readme.matchAll(/!\[[^\]]*\]\(media\/screenshots\/([^)]+)\)/g)].map((m) => m[1]!);
    assert.ok(shown.length >= 7, `the README shows the pictures: ${shown.join(', ')}`);
    for (const name of shown) {
      assert.ok(name in PICTURES, `${name} is made by npm run screenshots`);
      const size = imageSize(readFileSync(path.join(REPO, 'media', 'screenshots', name)));
      assert.ok(size.type === 'png' && size.width >= 800, `${name} is a screenshot of the editor`);
    }
    // Each e2e screenshot the script copies is taken by a test (a renamed shot would leave a stale picture).
    const e2e = ['token-lens.e2e.ts', 'decisions.e2e.ts', 'context.e2e.ts'].map((f) => readFileSync(path.join(REPO, 'test', 'e2e', f), 'utf8')).join('\n');
    for (const source of Object.values(PICTURES)) {
      const shotName = source.replace(/^(token-lens|decisions)-/, '').replace(/\.png$/, '');
      assert.ok(e2e.includes(`'${shotName}'`), `an e2e test takes ${source}`);
    }
  });

  describe('Open VSX publishing (scripts/publish-ovsx.mjs)', () => {
    let listingProblems: (p: Record<string, any>, o: { real: boolean }) => string[];
    before(async () => {
      ({ listingProblems } = await import(pathToFileURL(path.join(REPO, 'scripts', 'publish-ovsx.mjs')).href));
    });

    it('the manifest is ready for a dry run; a real publish refuses the placeholder repository', () => {
      assert.deepEqual(listingProblems(pkg, { real: false }), []);
      const placeholder = { ...pkg, repository: { type: 'git', url: 'https://github.com/your-org/token-lens.git' } };
      assert.match(listingProblems(placeholder, { real: true }).join('\n'), /your-org/);
      const { repository: _omit, ...noRepo } = pkg;
      assert.match(listingProblems(noRepo, { real: false }).join('\n'), /no "repository"/);
    });

    it('dry run: the real ovsx uploads exactly the packaged .vsix to a stand-in registry', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'token-lens-vsix-'));
      try {
        const vsix = path.join(dir, 'token-lens.vsix');
        await run(process.execPath, [vsce, 'package', '--no-dependencies', '-o', vsix], { cwd: REPO });
        assert.ok(statSync(vsix).size > 100_000);
        const env = { ...process.env, OVSX_PAT: 'must-not-be-used' };
        const { stderr } = await run(process.execPath, [path.join(REPO, 'scripts', 'publish-ovsx.mjs'), vsix], { cwd: REPO, env });
        assert.match(stderr, /dry run passed: ovsx uploaded token-lens\.vsix/);
        assert.doesNotMatch(stderr, /must-not-be-used/);
        // A file that is not the package is refused before anything is uploaded.
        const missing = await run(process.execPath, [path.join(REPO, 'scripts', 'publish-ovsx.mjs'), path.join(dir, 'none.vsix')], { cwd: REPO }).then(
          () => 0,
          (e: { code: number }) => e.code,
        );
        assert.equal(missing, 1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
