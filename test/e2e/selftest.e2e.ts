// Self-test of the real-editor infrastructure (driver, harness, e2e env) with a throwaway sample
// extension built at test time from test/e2e/fixtures/sample-extension/ into a temp folder.
//   npx mocha --timeout 300000 test/e2e/selftest.e2e.ts
// The first run installs code-server (a few minutes); later runs reuse the cache.
import * as assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  bundleForExtensionHost,
  e2eEnv,
  launchEditor,
  packageVsix,
  prepareHostTests,
  repoRoot,
  type Editor,
} from './driver';

const FIXTURE = path.join(repoRoot(), 'test', 'e2e', 'fixtures', 'sample-extension');

const NOTES = [
  '# Project notes',
  '',
  'Some text under the first heading.',
  '',
  '## Next steps for the release',
  '',
  'More text.',
  '',
].join('\n');

/** Builds the sample extension from its template into `dir` and packages it; returns the vsix path. */
async function buildSampleExtension(dir: string): Promise<string> {
  const ext = path.join(dir, 'sample-extension');
  fs.mkdirSync(ext, { recursive: true });
  fs.copyFileSync(path.join(FIXTURE, 'package.json'), path.join(ext, 'package.json'));
  fs.writeFileSync(path.join(ext, 'README.md'), '# Sample Hello\n\nThrowaway extension for the e2e self-test.\n');
  await bundleForExtensionHost(path.join(FIXTURE, 'extension.ts'), path.join(ext, 'dist', 'extension.js'));
  return packageVsix(ext, path.join(dir, 'sample-hello.vsix'));
}

/** Headings in NOTES, with the word count the sample's CodeLens reports. */
function expectedLenses(prefix: string): string[] {
  return NOTES.split('\n')
    .map((l) => /^#+\s+(.*)$/.exec(l)?.[1])
    .filter((h): h is string => h !== undefined)
    .map((h) => `${prefix}: ${h.split(/\s+/).length} words in heading`);
}

describe('e2e self-test: sample extension in code-server', function () {
  this.timeout(600_000);
  let work = '';
  let vsix = '';
  let workspace = '';

  before(async () => {
    await e2eEnv(); // installs on first use
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'token-lens-selftest-'));
    vsix = await buildSampleExtension(work);
    workspace = path.join(work, 'workspace');
    fs.mkdirSync(workspace);
    fs.writeFileSync(path.join(workspace, 'notes.md'), NOTES);
    fs.writeFileSync(path.join(workspace, 'other.txt'), 'plain text\n');
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  describe('what the workbench shows', () => {
    let editor: Editor | undefined;
    const prefix = 'Sample lens';

    before(async () => {
      const started = Date.now();
      editor = await launchEditor({
        vsix,
        workspace,
        settings: { 'sampleHello.number': 42 },
        env: { SAMPLE_LENS_PREFIX: prefix },
      });
      process.stderr.write(`      (editor up in ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    });

    after(async () => {
      await editor?.close();
    });

    it('shows "Hello 42" (from settings.json) in the status bar', async () => {
      const texts = await editor!.waitForStatusBar(/^Hello \d+$/, 60_000);
      assert.ok(texts.includes('Hello 42'), `status bar: ${JSON.stringify(texts)}`);
    });

    it('shows a CodeLens (labelled from the env) above each Markdown heading', async () => {
      await editor!.openFile('notes.md');
      const want = expectedLenses(prefix);
      const lenses = await editor!.waitForCodeLens((t) => want.every((w) => t.includes(w)), 30_000);
      assert.deepEqual(lenses, want);
      await editor!.screenshot('selftest-codelens-statusbar');
    });

    it('opens a file created after the window opened, in a subfolder', async () => {
      fs.mkdirSync(path.join(workspace, 'later'), { recursive: true });
      fs.writeFileSync(path.join(workspace, 'later', 'notes.md'), '# Written after launch\n');
      await editor!.openFile('later/notes.md');
      await editor!.waitForCodeLens(`${prefix}: 3 words in heading`);
    });

    it('runs a command from the palette', async () => {
      await editor!.runCommand('Sample Hello: Increment Number');
      const texts = await editor!.waitForStatusBar('Hello 43');
      assert.ok(!texts.includes('Hello 42'));
    });

    it('types into the editor and reads the new problem from the Problems panel', async () => {
      await editor!.openFile('notes.md');
      await editor!.page.keyboard.press('Control+End');
      await editor!.typeText('TODO finish this');
      const rows = await editor!.waitForProblems(/unfinished TODO/);
      assert.equal(rows.filter((r) => /unfinished TODO/.test(r.text)).length, 1, JSON.stringify(rows));
      assert.equal(rows.find((r) => /unfinished TODO/.test(r.text))?.severity, 'warning');
      await editor!.screenshot('selftest-problems');
    });
  });

  describe('host tests through the harness', () => {
    it('runs a 2-test mocha suite in the extension host and reports it passed', async () => {
      const host = await prepareHostTests(path.join(FIXTURE, 'host-suite.ts'));
      const editor = await launchEditor({ vsix, workspace, extraVsix: [host.vsix], env: host.env });
      try {
        const results = await editor.waitForHostResults();
        assert.equal(results.failed, 0, JSON.stringify(results.failures, null, 2));
        assert.equal(results.passed, 2);
        assert.deepEqual(
          results.tests.map((t) => t.state),
          ['passed', 'passed'],
        );
        await editor.screenshot('selftest-host-suite');
      } finally {
        await editor.close();
      }
    });

    it('reports a failing host test with its message', async () => {
      const host = await prepareHostTests(path.join(FIXTURE, 'host-suite.ts'), 'host-suite-failing');
      const editor = await launchEditor({
        vsix,
        workspace,
        extraVsix: [host.vsix],
        env: { ...host.env, SAMPLE_HOST_SUITE_FAIL: '1' },
      });
      try {
        const results = await editor.waitForHostResults();
        assert.equal(results.passed, 2);
        assert.equal(results.failed, 1);
        assert.match(results.failures[0]?.title ?? '', /fails on purpose/);
        assert.match(results.failures[0]?.message ?? '', /Expected values to be strictly equal/);
      } finally {
        await editor.close();
      }
    });

    it('opens an untrusted folder in Restricted Mode when trusted is false', async () => {
      const host = await prepareHostTests(path.join(FIXTURE, 'host-suite.ts'), 'host-suite-untrusted');
      const editor = await launchEditor({
        vsix,
        workspace,
        trusted: false,
        extraVsix: [host.vsix],
        env: { ...host.env, SAMPLE_HOST_SUITE_MODE: 'untrusted' },
      });
      try {
        await editor.waitForStatusBar(/Restricted Mode/, 60_000);
        const results = await editor.waitForHostResults();
        assert.equal(results.failed, 0, JSON.stringify(results.failures, null, 2));
        assert.equal(results.passed, 1);
        assert.ok(!(await editor.statusBarTexts()).some((t) => /^Hello/.test(t)), 'sample extension is not running');
        await editor.screenshot('selftest-untrusted');
      } finally {
        await editor.close();
      }
    });
  });

  describe('workspace trust prompt', () => {
    it('shows the trust modal when asked for, and trusting the folder starts the sample extension', async () => {
      const editor = await launchEditor({
        vsix,
        workspace,
        trusted: false,
        settings: { 'security.workspace.trust.startupPrompt': 'once', 'sampleHello.number': 7 },
      });
      try {
        await editor.waitForStatusBar(/Restricted Mode/, 60_000);
        await editor.answerTrustPrompt(true);
        const texts = await editor.waitForStatusBar('Hello 7', 60_000);
        assert.ok(!texts.some((t) => /Restricted Mode/.test(t)), JSON.stringify(texts));
      } finally {
        await editor.close();
      }
    });
  });
});
