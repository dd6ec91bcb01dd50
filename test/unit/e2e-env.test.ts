// The real-editor setup (scripts/e2e-env.mjs) installs code-server with an inner `npm install`
// on Node 24. Run as `npm test`, the outer npm (on the machine's Node 20) exports variables that
// made code-server's postinstall refuse ("requires node v24 … you are on node v20") on a fresh
// machine. These tests run a real outer `npm run` and look at what the inner process receives.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const script = pathToFileURL(path.resolve(__dirname, '..', '..', 'scripts', 'e2e-env.mjs')).href;

/** What a process started with `installEnv` sees, when the setup itself runs under `npm run`. */
function probeUnderNpmRun(): { outer: Record<string, string>; inner: Record<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'token-lens-e2e-env-'));
  try {
    // The probe stands where e2e-env.mjs runs under `npm test`: a lifecycle script of a project.
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'probe', version: '1.0.0', private: true, scripts: { probe: 'node probe.mjs' } }),
    );
    fs.writeFileSync(
      path.join(dir, 'probe.mjs'),
      `import { spawnSync } from 'node:child_process';
import { installEnv } from ${JSON.stringify(script)};
const nodeInfo = { dir: '/opt/node-24', node: '/opt/node-24/bin/node' };
const inner = spawnSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.env))'], {
  env: installEnv(process.env, nodeInfo), encoding: 'utf8' });
process.stdout.write(JSON.stringify({ outer: process.env, inner: JSON.parse(inner.stdout) }));
`,
    );
    const r = spawnSync('npm', ['run', '--silent', 'probe'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('e2e setup environment (scripts/e2e-env.mjs)', function () {
  this.timeout(60_000);
  let seen: { outer: Record<string, string>; inner: Record<string, string> };
  before(() => {
    seen = probeUnderNpmRun();
  });

  it('the outer npm run does export the variables that broke the fresh install', () => {
    // Guards the test itself: if npm stopped exporting them, the next assertions would prove nothing.
    assert.match(seen.outer.npm_config_user_agent ?? '', /node\/v\d+/);
    assert.ok(seen.outer.npm_lifecycle_event === 'probe');
  });

  it('the inner install sees none of the caller’s npm variables, only its own settings', () => {
    const npmKeys = Object.keys(seen.inner)
      .filter((k) => /^npm_/i.test(k))
      .sort();
    assert.deepEqual(npmKeys, ['npm_config_audit', 'npm_config_fund', 'npm_config_nodedir', 'npm_config_update_notifier']);
    assert.equal(seen.inner.npm_config_nodedir, '/opt/node-24');
    assert.equal(seen.inner.INIT_CWD, undefined);
    assert.equal(seen.inner.NODE_OPTIONS, undefined);
  });

  it('Node 24 comes first on PATH and the outer project’s bin folders are gone', () => {
    const dirs = (seen.inner.PATH ?? '').split(path.delimiter);
    assert.equal(dirs[0], '/opt/node-24/bin');
    assert.ok(
      (seen.outer.PATH ?? '').split(path.delimiter).some((d) => /node_modules[\\/]\.bin$|node-gyp-bin$/.test(d)),
      'npm run put its bin folders on the outer PATH',
    );
    assert.deepEqual(
      dirs.filter((d) => /node_modules[\\/]\.bin$|node-gyp-bin$/.test(d)),
      [],
    );
  });

  it('keeps the rest of the caller’s environment (HOME, proxies, the cache override)', async () => {
    const { installEnv } = (await import(script)) as {
      installEnv: (env: NodeJS.ProcessEnv, n: { dir: string; node: string }) => Record<string, string>;
    };
    const env = installEnv(
      { HOME: '/home/u', HTTPS_PROXY: 'http://127.0.0.1:3128', TOKEN_LENS_E2E_CACHE: '/c', npm_config_nodedir: '/wrong', PATH: '/usr/bin' },
      { dir: '/n', node: '/n/bin/node' },
    );
    assert.equal(env.HOME, '/home/u');
    assert.equal(env.HTTPS_PROXY, 'http://127.0.0.1:3128');
    assert.equal(env.TOKEN_LENS_E2E_CACHE, '/c');
    assert.equal(env.npm_config_nodedir, '/n');
    assert.equal(env.PATH, `/n/bin${path.delimiter}/usr/bin`);
  });
});
