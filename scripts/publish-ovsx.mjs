#!/usr/bin/env node
// Publishing to Open VSX (the registry Cursor, Windsurf, VSCodium and Gitpod install from).
//
//   node scripts/publish-ovsx.mjs [VSIX]            dry run (the default)
//   OVSX_PAT=… node scripts/publish-ovsx.mjs --real [VSIX]
//
// VSIX defaults to token-lens.vsix (what `npm run package` writes).
//
// The dry run does everything a real publish does except reach open-vsx.org: it checks the
// manifest fields a listing needs, then runs the real `ovsx publish` against a stand-in registry
// on 127.0.0.1 that answers as Open VSX does, and checks that what ovsx uploaded is, byte for
// byte, the package on disk. The token it sends is a dummy; none is read from the environment.
//
// --real publishes to https://open-vsx.org with the token in OVSX_PAT (ovsx reads it from the
// environment, so it never appears on a command line or in this script's output).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ovsxBin = path.join(repo, 'node_modules', 'ovsx', 'bin', 'ovsx');

function log(msg) {
  process.stderr.write(`[publish:ovsx] ${msg}\n`);
}

/**
 * What a listing needs from package.json, as a list of problems (empty when ready). Placeholders
 * that a maintainer fills before the first real publish (the `your-org` repository) are allowed
 * in a dry run and named, and refused by --real.
 * @param {Record<string, any>} pkg
 * @param {{ real: boolean }} opts
 */
export function listingProblems(pkg, { real }) {
  const problems = [];
  for (const field of ['name', 'displayName', 'description', 'version', 'publisher', 'license', 'icon']) {
    if (!pkg[field]) problems.push(`package.json has no "${field}"`);
  }
  const repoUrl = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  if (!repoUrl) problems.push('package.json has no "repository" (Open VSX links the source from it)');
  if (real && /your-org/.test(JSON.stringify([repoUrl, pkg.bugs, pkg.homepage]))) {
    problems.push('repository/bugs/homepage still name the placeholder "your-org": fill in the real repository first');
  }
  if (!Array.isArray(pkg.categories) || pkg.categories.length === 0) problems.push('package.json has no "categories"');
  if (pkg.icon && !fs.existsSync(path.join(repo, pkg.icon))) problems.push(`icon ${pkg.icon} does not exist`);
  return problems;
}

/** A stand-in for the Open VSX publish endpoint: keeps the uploaded body, answers like the registry. */
function standInRegistry(pkg) {
  const received = { uploads: [], tokens: [] };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && url.pathname === '/api/-/publish') {
        received.uploads.push(Buffer.concat(chunks));
        received.tokens.push(url.searchParams.get('token'));
        res.end(
          JSON.stringify({ namespace: pkg.publisher, name: pkg.name, version: pkg.version, targetPlatform: 'universal' }),
        );
        return;
      }
      if (req.method === 'GET' && url.pathname === '/api/version') {
        res.end(JSON.stringify({ version: '0.0.0-stand-in' }));
        return;
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ error: `stand-in registry: no ${req.method} ${url.pathname}` }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, received })));
}

function runOvsx(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ovsxBin, ...args], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function main() {
  const argv = process.argv.slice(2);
  const real = argv.includes('--real');
  const vsix = path.resolve(argv.find((a) => !a.startsWith('--')) ?? path.join(repo, 'token-lens.vsix'));
  const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));

  if (!fs.existsSync(vsix)) {
    log(`no package at ${vsix}: run npm run package first`);
    return 1;
  }
  if (!fs.existsSync(ovsxBin)) {
    log('ovsx is not installed (it is a devDependency): run npm install');
    return 1;
  }
  const problems = listingProblems(pkg, { real });
  if (problems.length) {
    for (const p of problems) log(`not ready: ${p}`);
    return 1;
  }

  if (real) {
    if (!process.env.OVSX_PAT) {
      log('OVSX_PAT is not set: create a token at open-vsx.org (user settings, Access Tokens)');
      return 1;
    }
    log(`publishing ${path.basename(vsix)} (${pkg.publisher}.${pkg.name} ${pkg.version}) to open-vsx.org`);
    const { code, out } = await runOvsx(['publish', vsix], process.env);
    process.stderr.write(out);
    return code ?? 1;
  }

  const { server, received } = await standInRegistry(pkg);
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  try {
    const env = { ...process.env };
    delete env.OVSX_PAT;
    const { code, out } = await runOvsx(['publish', vsix, '--registryUrl', `http://127.0.0.1:${port}`, '--pat', 'dry-run'], env);
    if (code !== 0) {
      process.stderr.write(out);
      log(`ovsx publish failed against the stand-in registry (exit ${code})`);
      return 1;
    }
    const sha = (b) => createHash('sha256').update(b).digest('hex');
    const onDisk = sha(fs.readFileSync(vsix));
    if (received.uploads.length !== 1 || sha(received.uploads[0]) !== onDisk) {
      log(`ovsx uploaded ${received.uploads.length} file(s), not the package on disk`);
      return 1;
    }
    const mb = (fs.statSync(vsix).size / 1024 / 1024).toFixed(2);
    log(`dry run passed: ovsx uploaded ${path.basename(vsix)} (${mb} MB, sha256 ${onDisk.slice(0, 12)}…) as ${pkg.publisher}.${pkg.name} ${pkg.version}`);
    if (/your-org/.test(JSON.stringify(pkg.repository))) {
      log('before a real publish: replace the placeholder "your-org" in repository, bugs and homepage');
    }
    log('to publish for real: OVSX_PAT=… npm run publish:ovsx -- --real');
    return 0;
  } finally {
    server.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      log(`FAILED: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
