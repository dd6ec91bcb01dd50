#!/usr/bin/env node
// `npm run test:fresh`: the README's two commands as a new user runs them, in a clean clone of
// this repository's HEAD with an empty setup cache, each timed:
//   1. npm install && npm run start:smoke
//   2. npm test
// A warm cache (~/.cache/token-lens-e2e) once hid a setup failure that only a fresh machine saw;
// this runs the fresh path on any machine. Uncommitted changes are not in the clone: commit first.
//
//   node scripts/test-fresh.mjs [--keep] [--skip-test]
// TOKEN_LENS_E2E_CACHE, when set, names the cache folder to use (it must be empty or absent, so
// that nothing installed earlier is reused); otherwise a new temporary one is made.
// --keep leaves the clone and the cache in place (their paths are printed).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withoutCallerNpm } from './e2e-env.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));

function log(msg) {
  process.stderr.write(`[test:fresh] ${msg}\n`);
}

function emptyOrAbsent(dir) {
  return !fs.existsSync(dir) || fs.readdirSync(dir).length === 0;
}

const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo, encoding: 'utf8' });
if (dirty.status !== 0) {
  log('not a git checkout: nothing to clone');
  process.exit(2);
}
if (dirty.stdout.trim()) log('warning: uncommitted changes to tracked files are not in the clone');

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'token-lens-fresh-'));
const clone = path.join(work, 'token-lens');
const cache = process.env.TOKEN_LENS_E2E_CACHE ? path.resolve(process.env.TOKEN_LENS_E2E_CACHE) : path.join(work, 'e2e-cache');
if (!emptyOrAbsent(cache)) {
  log(`TOKEN_LENS_E2E_CACHE=${cache} is not empty: a fresh run needs an empty setup cache`);
  process.exit(2);
}

// The steps run as a new user's shell would run them: without this process's npm variables (when
// started as `npm run test:fresh`) and with the empty cache.
const env = { ...withoutCallerNpm(process.env), TOKEN_LENS_E2E_CACHE: cache };

/** Runs one shell step in the clone, output streamed; returns its seconds, or exits on failure. */
function step(title, command, cwd = clone) {
  log(`${title}: ${command}`);
  const t0 = Date.now();
  const r = spawnSync('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
  const seconds = (Date.now() - t0) / 1000;
  if (r.status !== 0) {
    log(`FAILED after ${seconds.toFixed(0)} s: ${command} (exit ${r.status ?? r.signal}); clone ${clone}, cache ${cache}`);
    process.exit(1);
  }
  log(`${title} passed in ${seconds.toFixed(0)} s`);
  return seconds;
}

const timings = [];
step('clone', `git clone --quiet --no-local ${JSON.stringify(repo)} token-lens`, work);
timings.push(['npm install && npm run start:smoke', step('start', 'npm install && npm run start:smoke')]);
if (!args.has('--skip-test')) timings.push(['npm test', step('test', 'npm test')]);

process.stdout.write(`\nFresh clone of ${repo} with an empty setup cache:\n`);
for (const [command, seconds] of timings) process.stdout.write(`  ${command.padEnd(36)} ${seconds.toFixed(0)} s\n`);
if (args.has('--keep')) {
  process.stdout.write(`kept: clone ${clone}, cache ${cache}\n`);
} else {
  fs.rmSync(work, { recursive: true, force: true });
}
