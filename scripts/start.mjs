#!/usr/bin/env node
// `npm start`: try Token Lens in a real editor on the examples folder.
//   node scripts/start.mjs [VSIX] [FOLDER] [--smoke] [--code-server]
// VSIX defaults to token-lens.vsix in the repo (what `npm run package` writes), FOLDER to examples/.
//
// - With `code` (desktop VS Code) on PATH: `code --install-extension VSIX --force`, then `code FOLDER`.
// - Otherwise (or with --code-server): sets up code-server via scripts/e2e-env.mjs, installs the
//   VSIX into a persistent profile under the e2e cache, serves on 127.0.0.1 (PORT env, else 8080 or
//   the next free port), prints the URL to open and runs until Ctrl+C.
// - --smoke: do all of that, wait until the URL answers with the workbench page, print it, stop
//   the server and exit 0 (so CI can check that `npm start` works). With `code`, it installs the
//   VSIX and checks `code --list-extensions` instead of opening a window.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, ensureE2eEnv } from './e2e-env.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function log(msg) {
  process.stderr.write(`[start] ${msg}\n`);
}

function fail(msg) {
  log(msg);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { smoke: false, forceCodeServer: false, positional: [] };
  for (const a of argv) {
    if (a === '--smoke') opts.smoke = true;
    else if (a === '--code-server') opts.forceCodeServer = true;
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node scripts/start.mjs [VSIX] [FOLDER] [--smoke] [--code-server]\n');
      process.exit(0);
    } else if (a.startsWith('--')) fail(`unknown option ${a}`);
    else opts.positional.push(a);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
  const vsix = path.resolve(opts.positional[0] ?? path.join(repo, `${pkg.name}.vsix`));
  const folder = path.resolve(opts.positional[1] ?? path.join(repo, 'examples'));
  const extensionId = `${pkg.publisher}.${pkg.name}`;
  return { ...opts, vsix, folder, extensionId };
}

function onPath(cmd) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      fs.accessSync(path.join(dir, cmd), fs.constants.X_OK);
      return path.join(dir, cmd);
    } catch {
      // not here
    }
  }
  return undefined;
}

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function choosePort() {
  if (process.env.PORT) {
    const port = Number(process.env.PORT);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) fail(`PORT=${process.env.PORT} is not a port number`);
    if (!(await portFree(port))) fail(`PORT=${port} is in use`);
    return port;
  }
  for (let port = 8080; port < 8180; port++) if (await portFree(port)) return port;
  fail('no free port in 8080-8179; set PORT');
}

async function waitForUrl(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return undefined;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      const body = await res.text();
      if (res.ok) return body;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

function withDesktopCode(code, { vsix, folder, smoke, extensionId }) {
  log(`found ${code}: installing ${path.basename(vsix)}`);
  const inst = spawnSync(code, ['--install-extension', vsix, '--force'], { stdio: 'inherit' });
  if (inst.status !== 0) fail(`code --install-extension failed (${inst.status})`);
  if (smoke) {
    const list = spawnSync(code, ['--list-extensions'], { encoding: 'utf8' });
    if (!list.stdout.toLowerCase().split('\n').includes(extensionId.toLowerCase())) {
      fail(`${extensionId} is not in code --list-extensions`);
    }
    process.stdout.write(`smoke ok: ${extensionId} installed in VS Code (${code})\n`);
    return;
  }
  const open = spawnSync(code, [folder], { stdio: 'inherit' });
  if (open.status !== 0) fail(`code ${folder} failed (${open.status})`);
  log(`opened ${folder} in VS Code`);
}

async function withCodeServer({ vsix, folder, smoke }) {
  const { node, codeServer } = await ensureE2eEnv();
  const home = path.join(cacheDir(), 'start');
  const userDataDir = path.join(home, 'user-data');
  const extensionsDir = path.join(home, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  if (!fs.existsSync(settingsFile)) {
    fs.writeFileSync(
      settingsFile,
      JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'update.mode': 'none' }, null, 2),
    );
  }
  const config = path.join(home, 'config.yaml');
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  const env = {
    ...process.env,
    PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}`,
    XDG_DATA_HOME: path.join(home, 'xdg-data'),
    TMPDIR: path.join(home, 'tmp'),
  };
  fs.mkdirSync(env.TMPDIR, { recursive: true });
  delete env.VSCODE_IPC_HOOK_CLI;
  delete env.PORT; // we pass --bind-addr; code-server would let $PORT override it

  const common = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  log(`installing ${path.basename(vsix)} into ${extensionsDir}`);
  const inst = spawnSync(codeServer, [...common, '--force', '--install-extension', vsix], { encoding: 'utf8', env });
  if (inst.status !== 0) fail(`code-server --install-extension failed:\n${inst.stdout}${inst.stderr}`);

  const port = await choosePort();
  const url = `http://127.0.0.1:${port}/?folder=${encodeURI(folder)}`;
  const args = [
    ...common,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  // Own process group, so stopping kills code-server and everything it started.
  const logFile = path.join(home, 'code-server.log');
  const logFd = fs.openSync(logFile, 'w');
  const child = spawn(codeServer, args, { env, detached: true, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  const logTail = () => fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
  let stopping = false;
  const stop = (code) => {
    if (!stopping) {
      stopping = true;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
        process.exit(code);
      }, 3000).unref();
    }
    child.once('exit', () => process.exit(code));
    if (child.exitCode !== null || child.signalCode !== null) process.exit(code);
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  process.on('SIGHUP', () => stop(0));
  process.on('exit', () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });

  const body = await waitForUrl(url, child, 60_000);
  if (body === undefined) {
    log(`code-server did not answer on ${url}; last lines of ${logFile}:\n${logTail()}`);
    stop(1);
    return;
  }
  if (smoke) {
    if (!/workbench/i.test(body)) {
      log(`the page at ${url} is not the VS Code workbench`);
      stop(1);
      return;
    }
    process.stdout.write(`${url}\n`);
    log('smoke ok: code-server answered with the workbench; stopping');
    stop(0);
    return;
  }
  process.stdout.write(`\nToken Lens is running in code-server (log: ${logFile}). Open:\n\n  ${url}\n\nPress Ctrl+C to stop.\n`);
  child.on('exit', (code, sig) => {
    if (!stopping) {
      log(`code-server exited (${code ?? sig}); last lines of ${logFile}:\n${logTail()}`);
      process.exit(code ?? 1);
    }
  });
}

const opts = parseArgs(process.argv.slice(2));
if (!fs.existsSync(opts.vsix)) fail(`no extension package at ${opts.vsix}; build and package first (npm run package)`);
if (!fs.existsSync(opts.folder) || !fs.statSync(opts.folder).isDirectory()) fail(`no folder ${opts.folder}`);
const code = opts.forceCodeServer ? undefined : onPath('code');
if (code) withDesktopCode(code, opts);
else await withCodeServer(opts);
