// Token Lens e2e harness: on activation (onStartupFinished) runs a mocha suite inside the extension
// host and writes the results as JSON. Bundled together with mocha by packageHarness() in
// ../driver.ts; never published.
//
// Environment (of the code-server process, which reaches the extension host):
//   TOKEN_LENS_HOST_TESTS    absolute path of a bundled CommonJS file that registers mocha tests
//                            (describe/it as globals, `require('vscode')` for the API)
//   TOKEN_LENS_HOST_RESULTS  absolute path of the JSON results file to write:
//                            { passed, failed, pending, failures: [{ title, fullTitle, message, stack }] }
//   TOKEN_LENS_HOST_TIMEOUT  per-test timeout in ms (default 60000)
//   TOKEN_LENS_HOST_GREP     optional mocha grep
// Without TOKEN_LENS_HOST_TESTS the harness does nothing.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
// mocha's package entry is ESM re-exporting lib/mocha.cjs: take the constructor either way.
const mochaModule = require('mocha');
const Mocha = typeof mochaModule === 'function' ? mochaModule : mochaModule.default;

/** Writes the results file atomically, so a reader never sees half of it. */
function writeResults(file, results) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(results, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

function describeError(err) {
  if (err instanceof Error) return { message: err.message, stack: err.stack ?? '' };
  return { message: String(err), stack: '' };
}

/** Runs the suite; resolves with the results (never rejects). */
function runSuite(suiteFile) {
  return new Promise((resolve) => {
    const started = Date.now();
    const results = { passed: 0, failed: 0, pending: 0, failures: [], tests: [], durationMs: 0 };
    let mocha;
    try {
      mocha = new Mocha({
        ui: 'bdd',
        reporter: 'spec',
        color: false,
        timeout: Number(process.env.TOKEN_LENS_HOST_TIMEOUT || 60000),
      });
      if (process.env.TOKEN_LENS_HOST_GREP) mocha.grep(process.env.TOKEN_LENS_HOST_GREP);
      mocha.addFile(suiteFile);
      const runner = mocha.run(() => {
        results.durationMs = Date.now() - started;
        resolve(results);
      });
      runner.on('pass', (test) => {
        results.passed++;
        results.tests.push({ fullTitle: test.fullTitle(), state: 'passed', durationMs: test.duration });
      });
      runner.on('pending', (test) => {
        results.pending++;
        results.tests.push({ fullTitle: test.fullTitle(), state: 'pending' });
      });
      runner.on('fail', (test, err) => {
        results.failed++;
        const { message, stack } = describeError(err);
        results.failures.push({ title: test.title, fullTitle: test.fullTitle(), message, stack });
        results.tests.push({ fullTitle: test.fullTitle(), state: 'failed' });
      });
    } catch (err) {
      // The suite did not even load (syntax error, missing file, ...).
      const { message, stack } = describeError(err);
      results.failed++;
      results.failures.push({ title: 'loading the suite', fullTitle: `loading ${suiteFile}`, message, stack });
      results.durationMs = Date.now() - started;
      resolve(results);
    }
  });
}

/** @param {import('vscode').ExtensionContext} _context */
async function activate(_context) {
  const suiteFile = process.env.TOKEN_LENS_HOST_TESTS;
  const resultsFile = process.env.TOKEN_LENS_HOST_RESULTS;
  if (!suiteFile) return;
  const out = resultsFile || path.join(path.dirname(suiteFile), 'host-results.json');
  console.log(`[token-lens e2e harness] running ${suiteFile}`);
  const results = await runSuite(suiteFile);
  console.log(`[token-lens e2e harness] ${results.passed} passed, ${results.failed} failed`);
  try {
    writeResults(out, results);
  } catch (err) {
    console.error(`[token-lens e2e harness] could not write ${out}: ${describeError(err).message}`);
  }
}

function deactivate() {}

module.exports = { activate, deactivate };
