/**
 * Regression tests for issue #12 ("Hardening"), one `describe` per numbered defect. Each test
 * failed before its fix.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { CountCache } from '../../src/core/client/count-cache';
import { CircuitBreaker } from '../../src/core/client/circuit';
import { CountingClient } from '../../src/core/client/counting-client';
import { sdkTransport } from '../../src/core/client/transport';
import { startFakeApi, type FakeApi } from '../fake-api/server';
import { bundleCli, cli, useCliWorkspace, write, type CliWorkspace } from '../support/cli';
import { within } from '../support/poll';
import { releaseFifo } from '../support/probes';

const payload = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'Hello there.' }] };


function mkfifo(file: string): void {
  execFileSync('mkfifo', [file]);
}


describe('hardening #12.1: special files never hang a run or get read', function () {
  this.timeout(20_000);
  let w: CliWorkspace;
  const fifos: string[] = [];
  useCliWorkspace(() => mkdtempSync(path.join(tmpdir(), 'tl-hard-')), (x) => (w = x));
  afterEach(() => {
    for (const f of fifos.splice(0)) releaseFifo(f);
  });

  it('a symlink to a FIFO in a walked folder is an error naming it, offline, within seconds', async () => {
    write(w.dir, 'prompts/ok.json', payload);
    const fifo = path.join(w.dir, '.pipe');
    mkfifo(fifo);
    fifos.push(fifo);
    symlinkSync('.pipe', path.join(w.dir, 'prompt.json'));
    const out = await within(5_000, cli(['count', '--offline', '--json', '.'], {}, w.dir), 'count over a FIFO');
    assert.equal(out.code, 2, out.stderr);
    const files = JSON.parse(out.stdout).files as { path: string; error?: string }[];
    const bad = files.find((f) => f.path === 'prompt.json');
    assert.match(bad?.error ?? '', /named pipe \(FIFO\)/);
    assert.ok(files.some((f) => f.path === 'prompts/ok.json' && !f.error), 'the other file is still counted');
  });

  it('a symlink to /dev/zero is refused as a device before anything is read', async () => {
    symlinkSync('/dev/zero', path.join(w.dir, 'zero.json'));
    const before = process.memoryUsage().rss;
    const out = await within(5_000, cli(['count', '--offline', '--json', 'zero.json'], {}, w.dir), 'count of /dev/zero');
    assert.equal(out.code, 2);
    assert.match(JSON.parse(out.stdout).files[0].error, /character device/);
    assert.ok(process.memoryUsage().rss - before < 200 * 1024 * 1024, 'nothing big was read');
  });

  it('a FIFO at <cache-dir>/counts.json does not hang start-up: a problem is reported and the cache starts empty', async () => {
    const fifo = path.join(w.cacheDir, 'counts.json');
    mkfifo(fifo);
    fifos.push(fifo);
    const problems: string[] = [];
    const cache = new CountCache({ file: fifo, onProblem: (m) => problems.push(m) });
    await within(5_000, cache.load(), 'loading a FIFO cache file');
    assert.equal(cache.size, 0);
    assert.match(problems.join('\n'), /named pipe/);
    write(w.dir, 'a.json', payload);
    const out = await within(5_000, cli(['count', '--json', '--cache-dir', w.cacheDir, 'a.json'], w.env, w.dir), 'count with a FIFO cache');
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /named pipe/);
  });

  it('a file that is larger than the limit is refused from its size, not read', async () => {
    const big = path.join(w.dir, 'big.json');
    writeFileSync(big, '');
    // A sparse file: 30 MB by its size, nothing on disk.
    execFileSync('truncate', ['-s', '30M', big]);
    const out = await cli(['count', '--offline', '--json', 'big.json'], {}, w.dir);
    assert.match(JSON.parse(out.stdout).files[0].error, /too large/);
    rmSync(big);
  });
});

describe('hardening #12.4: unreadable folders and files are errors, never a silent pass', function () {
  this.timeout(60_000);
  let dir: string;
  let bundle: string;
  /** Runs the CLI as an unprivileged user (root reads chmod 000 folders), or as ourselves when we are not root. */
  let runAs: ((args: string[]) => { code: number; stdout: string; stderr: string }) | undefined;
  let skipReason = '';

  before(function () {
    dir = mkdtempSync(path.join(tmpdir(), 'tl-perm-'));
    chmodSync(dir, 0o755);
    bundle = path.join(dir, 'cli.cjs');
    // Self-contained: the unprivileged user may not reach this checkout's node_modules (a clone
    // under a 0700 temporary folder).
    bundleCli(bundle);
    const prefix = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'] : [];
    const exec = (args: string[]) => {
      const [cmd, ...rest] = [...prefix, process.execPath, bundle, ...args];
      const r = spawnSync(cmd!, rest, { cwd: path.join(dir, 'ws'), encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir }, timeout: 30_000 });
      return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    };
    write(dir, 'ws/ok.json', payload);
    write(dir, 'ws/locked/huge.json', { ...payload, messages: [{ role: 'user', content: 'word '.repeat(5_000) }] });
    chmodSync(path.join(dir, 'ws/locked'), 0o000);
    // The probe: can the user we run as list the locked folder? Then the test could not fail.
    const probe = exec(['count', '--offline', '--json', 'locked/huge.json']);
    if (probe.code === -1 || /setpriv: /.test(probe.stderr)) skipReason = `cannot run as an unprivileged user: ${probe.stderr.trim()}`;
    else if (probe.code === 0) skipReason = 'the user the tests run as can read a chmod 000 folder';
    else runAs = exec;
  });
  after(() => {
    chmodSync(path.join(dir, 'ws/locked'), 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  it('check over a folder with an unreadable subfolder exits 2 and names it and the reason', function () {
    if (!runAs) return this.skip();
    const out = runAs(['check', '--offline', '--budget', '100', '--json', '.']);
    assert.equal(out.code, 2, `${out.stdout}\n${out.stderr}`);
    const errors = JSON.parse(out.stdout).errors as { path: string; error: string }[];
    assert.ok(errors.some((e) => e.path === 'locked' && /permission denied \(EACCES\)/.test(e.error)), JSON.stringify(errors));
  });

  it('count over it exits 2 and names it on stderr', function () {
    if (!runAs) return this.skip();
    const out = runAs(['count', '--offline', '.']);
    assert.equal(out.code, 2, out.stderr);
    assert.match(out.stderr, /locked: cannot read folder: permission denied \(EACCES\)/);
  });

  it('a glob over it exits 2 and names the folder it could not read, like a folder argument', function () {
    if (!runAs) return this.skip();
    const out = runAs(['check', '--offline', '--budget', '100', '--json', '**/*.json']);
    assert.equal(out.code, 2, `${out.stdout}\n${out.stderr}`);
    const result = JSON.parse(out.stdout) as { errors: { path: string; error: string }[]; files: { path: string }[] };
    assert.ok(result.errors.some((e) => e.path === 'locked' && /permission denied \(EACCES\)/.test(e.error)), JSON.stringify(result.errors));
    assert.ok(result.files.some((f) => f.path === 'ok.json'), 'the readable files are still checked');
  });

  it('a file named inside it is "permission denied", not "no such file or folder"', function () {
    if (!runAs) return this.skip();
    const out = runAs(['count', '--offline', 'locked/huge.json']);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /locked\/huge\.json: permission denied \(EACCES\)/);
    assert.doesNotMatch(out.stderr, /no such file/);
  });

  it('an unreadable file is an error naming the reason', function () {
    if (!runAs) return this.skip();
    write(dir, 'ws/secret.json', payload);
    chmodSync(path.join(dir, 'ws/secret.json'), 0o000);
    try {
      const out = runAs(['check', '--offline', '--budget', '100', '--json', 'secret.json', 'ok.json']);
      assert.equal(out.code, 2);
      assert.match(JSON.stringify(JSON.parse(out.stdout).errors), /secret\.json.*permission denied/);
    } finally {
      rmSync(path.join(dir, 'ws/secret.json'));
    }
  });

  it('a FIFO named on the command line says it is a FIFO', async () => {
    const fifo = path.join(dir, 'ws/named.json');
    mkfifo(fifo);
    try {
      const out = await within(5_000, cli(['count', '--offline', 'named.json'], {}, path.join(dir, 'ws')), 'count of a named FIFO');
      assert.equal(out.code, 2);
      assert.match(out.stdout + out.stderr, /named pipe \(FIFO\)/);
      assert.doesNotMatch(out.stdout + out.stderr, /no such file/);
    } finally {
      releaseFifo(fifo);
      rmSync(fifo);
    }
  });

  after(function () {
    if (skipReason) console.log(`      (permission tests skipped: ${skipReason})`);
  });
});

describe('hardening #12.3: processes sharing a cache folder never lose each other\'s entries', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tl-share-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const keyOf = (who: number, i: number) => createHash('sha256').update(`${who}/${i}`).digest('hex');

  it('10 rounds of 4 caches saving 40 entries each at the same moment: all 160 are on disk every round', async () => {
    for (let round = 0; round < 10; round++) {
      const file = path.join(dir, `round-${round}`, 'counts.json');
      const caches = Array.from({ length: 4 }, () => new CountCache({ file, saveDelayMs: 1e9 }));
      caches.forEach((c, who) => {
        for (let i = 0; i < 40; i++) c.set(keyOf(who, i), who * 1000 + i + 1);
      });
      await Promise.all(caches.map((c) => c.flush()));
      const loaded = new CountCache({ file });
      await loaded.load();
      assert.equal(loaded.size, 160, `round ${round}: ${160 - loaded.size} entries lost`);
      for (let who = 0; who < 4; who++) for (let i = 0; i < 40; i++) assert.equal(loaded.get(keyOf(who, i))?.tokens, who * 1000 + i + 1);
    }
  });

  it('separate processes saving at once: nothing lost', async () => {
    const bundle = path.join(dir, 'cache.cjs');
    buildSync({ entryPoints: [path.join(__dirname, '../../src/core/client/count-cache.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: bundle, logLevel: 'silent' });
    const file = path.join(dir, 'procs', 'counts.json');
    const child = String.raw`
      const { CountCache } = require(process.argv[1]);
      const { createHash } = require('node:crypto');
      const [file, who, at] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
      const cache = new CountCache({ file, saveDelayMs: 1e9 });
      setTimeout(async () => {
        for (let round = 0; round < 5; round++) {
          for (let i = 0; i < 20; i++) cache.set(createHash('sha256').update(who + '/' + (round * 20 + i)).digest('hex'), 1);
          await cache.flush();
        }
      }, Math.max(0, at - Date.now()));
    `;
    const at = Date.now() + 1_500;
    await Promise.all(
      Array.from({ length: 4 }, (_, who) => new Promise<void>((resolve, reject) => {
        const p = spawn(process.execPath, ['-e', child, bundle, file, String(who), String(at)], { stdio: 'inherit' });
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`child ${who} exited ${code}`))));
      })),
    );
    const loaded = new CountCache({ file });
    await loaded.load();
    assert.equal(loaded.size, 400);
  });

  it('a lock left by a process that died is recovered at once; one left by a hung holder after staleMs', async () => {
    const file = path.join(dir, 'stale', 'counts.json');
    mkdirSync(path.dirname(file), { recursive: true });
    // A pid that cannot be running (above the kernel's pid_max).
    writeFileSync(`${file}.lock`, `4194399 ${hostname()} dead`);
    const cache = new CountCache({ file, saveDelayMs: 1e9, lock: { staleMs: 60_000, timeoutMs: 5_000 } });
    cache.set(keyOf(9, 1), 5);
    const started = Date.now();
    await cache.flush();
    assert.ok(Date.now() - started < 2_000, 'the dead holder\'s lock did not make the save wait');
    // A live holder (this very process) whose lock is old: broken once it is older than staleMs.
    writeFileSync(`${file}.lock`, `${process.pid} ${hostname()} hung`);
    utimesSync(`${file}.lock`, new Date(Date.now() - 5_000), new Date(Date.now() - 5_000));
    const problems: string[] = [];
    const second = new CountCache({ file, saveDelayMs: 1e9, lock: { staleMs: 2_000, timeoutMs: 5_000 }, onProblem: (m) => problems.push(m) });
    second.set(keyOf(9, 2), 6);
    await second.flush();
    assert.deepEqual(problems, []);
    const loaded = new CountCache({ file });
    await loaded.load();
    assert.equal(loaded.size, 2);
    assert.ok(!existsSync(`${file}.lock`), 'the lock is released');
  });

  it('a lock path that is not a lock (a non-empty folder) does not make a save wait: it is saved, and said so', async () => {
    const file = path.join(dir, 'lockdir', 'counts.json');
    mkdirSync(path.join(`${file}.lock`, 'inside'), { recursive: true });
    const problems: string[] = [];
    const cache = new CountCache({ file, saveDelayMs: 1e9, onProblem: (m) => problems.push(m) });
    cache.set(keyOf(8, 1), 3);
    const started = Date.now();
    await cache.flush();
    assert.ok(Date.now() - started < 2_000, `waited ${Date.now() - started} ms`);
    assert.match(problems.join('\n'), /not a lock file/);
    const loaded = new CountCache({ file });
    await loaded.load();
    assert.equal(loaded.get(keyOf(8, 1))?.tokens, 3);
  });
});

describe('hardening #12.7: answers the client cannot verify are not taken as exact', function () {
  this.timeout(20_000);
  const request = { model: 'claude-sonnet-4-6', messages: [{ role: 'user' as const, content: 'Hello there, how are you?' }] };
  /** A transport through the real SDK whose fetch answers `input_tokens` as given. */
  const answering = (tokens: number, seen?: string[]) =>
    sdkTransport({
      apiKey: 'sk-ant-test-0000',
      baseURL: 'http://gateway.invalid',
      fetch: (async (url: string | URL | Request) => {
        seen?.push(String(url));
        return new Response(JSON.stringify({ input_tokens: tokens }), { status: 200, headers: { 'content-type': 'application/json' } });
      }) as typeof fetch,
    });

  it('input_tokens: 0 for a non-empty request is an error, not an exact count, and is not cached', async () => {
    const cache = new CountCache();
    const client = new CountingClient({ transport: answering(0), cache, maxAttempts: 1 });
    const result = await client.count(request);
    assert.equal(result.status, 'failed', JSON.stringify(result));
    assert.match((result as { message: string }).message, /answered 0 input tokens.*not trusted/);
    assert.equal(cache.size, 0);
    assert.equal(client.peek(request), undefined);
  });

  it('a count below the request\'s framing (1 token for three messages, a system prompt and a tool) is refused', async () => {
    const big = { ...request, system: 'Be brief.', tools: [{ name: 't', input_schema: { type: 'object' } }], messages: [...request.messages, { role: 'assistant' as const, content: 'Fine.' }, { role: 'user' as const, content: 'Good.' }] };
    const client = new CountingClient({ transport: answering(1), cache: new CountCache(), maxAttempts: 1 });
    assert.equal((await client.count(big as never)).status, 'failed');
    const sane = new CountingClient({ transport: answering(42), cache: new CountCache(), maxAttempts: 1 });
    assert.deepEqual(((await sane.count(big as never)) as { tokens: number }).tokens, 42);
  });

  it('a cached 0 on disk (from before) is dropped on load', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tl-zero-'));
    try {
      const file = path.join(dir, 'counts.json');
      const writer = new CountCache({ file });
      writer.set('a'.repeat(64), 0);
      writer.set('b'.repeat(64), 17);
      await writer.flush();
      const loaded = new CountCache({ file });
      await loaded.load();
      assert.equal(loaded.get('a'.repeat(64)), undefined);
      assert.equal(loaded.get('b'.repeat(64))?.tokens, 17);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the cache is keyed by endpoint: a count from one origin is not served once the endpoint changes', async () => {
    const cache = new CountCache();
    const first = new CountingClient({ transport: answering(111), cache, baseURL: 'https://proxy-a.example/v' });
    assert.equal(((await first.count(request)) as { tokens: number }).tokens, 111);
    const seen: string[] = [];
    const second = new CountingClient({ transport: answering(222, seen), cache, baseURL: 'https://proxy-b.example' });
    const again = await second.count(request);
    assert.equal((again as { tokens: number; source: string }).tokens, 222, 'asked the new endpoint, not the cache');
    assert.equal(seen.length, 1);
    // And switching back in one client (setTransport with the endpoint) finds the first endpoint's count.
    second.setTransport(answering(999), 'https://proxy-a.example/v/');
    const back = (await second.count(request)) as { tokens: number; source: string };
    assert.deepEqual([back.tokens, back.source], [111, 'cache']);
    // The default endpoint keeps the keys caches already hold.
    const plain = new CountingClient({ transport: answering(5), cache: new CountCache(), baseURL: 'https://api.anthropic.com/' });
    await plain.count(request);
    assert.ok(plain.peek(request));
  });
});

describe('hardening #12.6: ANTHROPIC_LOG=debug never breaks --json or leaks the key', function () {
  this.timeout(60_000);
  let dir: string;
  let bundle: string;
  let api: FakeApi;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tl-sdklog-'));
    bundle = path.join(dir, 'cli.cjs');
    // Self-contained: the unprivileged user may not reach this checkout's node_modules (a clone
    // under a 0700 temporary folder).
    bundleCli(bundle);
    api = await startFakeApi();
    write(dir, 'ws/requests/a.json', { ...payload, messages: [{ role: 'user', content: 'PROMPT-TEXT-MARKER hello' }] });
  });
  after(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const runCli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [bundle, ...args], {
        cwd: path.join(dir, 'ws'),
        env: { PATH: process.env.PATH ?? '', HOME: dir, ANTHROPIC_API_KEY: api.apiKey, ANTHROPIC_BASE_URL: api.url, ANTHROPIC_LOG: 'debug' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });

  it('--json stdout parses, the SDK log is on stderr, and neither holds the key (echoed in a 401 body) or the prompt', async () => {
    const ok = await runCli(['count', '--json', '--cache-dir', path.join(dir, 'c1'), 'requests']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).files[0].exact, true);
    assert.match(ok.stderr, /sdk debug/, 'the SDK debug log went to stderr');

    api.setDefaultFault({ kind: 'status', status: 401, message: `invalid x-api-key ${api.apiKey}` });
    try {
      const denied = await runCli(['count', '--json', '--cache-dir', path.join(dir, 'c2'), 'requests']);
      assert.doesNotThrow(() => JSON.parse(denied.stdout), `stdout is pure JSON:\n${denied.stdout.slice(0, 500)}`);
      for (const out of [ok, denied]) {
        const all = out.stdout + out.stderr;
        assert.ok(!all.includes(api.apiKey), 'the key is never printed');
        assert.ok(!all.includes('PROMPT-TEXT-MARKER'), 'the prompt is never printed');
        assert.doesNotMatch(all, /<Buffer|Uint8Array|50 52 4f 4d 50 54/, 'no preview of the request bytes');
      }
    } finally {
      api.setDefaultFault(null);
    }
  });
});

describe('hardening #12.5: a 429 storm or a hung API has an end', function () {
  this.timeout(120_000);
  let w: CliWorkspace;
  useCliWorkspace(() => mkdtempSync(path.join(tmpdir(), 'tl-storm-')), (x) => (w = x));
  const files = (n: number) => {
    for (let i = 0; i < n; i++) write(w.dir, `requests/r${i}.json`, { ...payload, messages: [{ role: 'user', content: `Question number ${i}.` }] });
  };

  it('48 files against an API answering 429 with retry-after: 1 finish in seconds, each file saying why it is estimated', async () => {
    files(48);
    w.api.setDefaultFault({ kind: 'status', status: 429, retryAfter: 1 });
    const started = Date.now();
    const out = await cli(['count', '--json', '--cache-dir', w.cacheDir, 'requests'], w.env, w.dir);
    const seconds = (Date.now() - started) / 1000;
    assert.equal(out.code, 0, out.stderr);
    assert.ok(seconds < 15, `took ${seconds} s (it took 123 s)`);
    const report = JSON.parse(out.stdout).files as { exact: boolean; reason: string; reasonMessage: string }[];
    assert.equal(report.length, 48);
    assert.ok(report.every((f) => !f.exact && f.reason === 'rate-limited' && f.reasonMessage.length > 0));
    assert.ok(report.filter((f) => /circuit breaker/.test(f.reasonMessage)).length >= 30, 'most files were estimated by the breaker, not after their own retries');
    assert.ok(w.api.countCalls() <= 24, `${w.api.countCalls()} calls`);
  });

  it('--max-wait bounds a run against an API that never answers', async () => {
    files(40);
    w.api.setDefaultFault({ kind: 'hang' });
    const started = Date.now();
    const out = await cli(['count', '--json', '--max-wait', '2', '--cache-dir', w.cacheDir, 'requests'], w.env, w.dir);
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 8, `took ${seconds} s`);
    const report = JSON.parse(out.stdout).files as { exact: boolean; reason: string; reasonMessage: string }[];
    assert.ok(report.every((f) => !f.exact && f.reason === 'timeout'), JSON.stringify(report.map((f) => f.reason)));
    assert.ok(report.some((f) => /--max-wait 2 s/.test(f.reasonMessage)));
  });

  it('the breaker opens after `threshold` 429/5xx attempts in a row, lets one trial through after a cooldown, and a success closes it', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ threshold: 3, cooldownMs: 1_000, now: () => now });
    breaker.record('rate-limited');
    breaker.record('ok');
    breaker.record('server');
    breaker.record('rate-limited');
    assert.equal(breaker.blocked(), undefined, 'a success in between resets the run');
    breaker.record('rate-limited');
    assert.ok(breaker.signal.aborted);
    assert.equal(breaker.blocked()?.reason, 'rate-limited');
    assert.equal(breaker.beginAttempt(), false);
    now = 1_000;
    assert.equal(breaker.blocked(), undefined);
    assert.equal(breaker.beginAttempt(), true, 'one trial');
    assert.equal(breaker.beginAttempt(), false, 'only one');
    breaker.record('server');
    assert.equal(breaker.blocked()?.reason, 'server-error', 'a failed trial opens it again');
    now = 2_000;
    assert.equal(breaker.beginAttempt(), true);
    breaker.record('ok');
    assert.equal(breaker.blocked(), undefined);
    assert.equal(breaker.signal.aborted, false);
  });

  it('--max-wait must be a positive whole number', async () => {
    const out = await cli(['count', '--max-wait', '0', 'x'], {}, w.dir);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /--max-wait must be a positive whole number/);
  });
});

describe('hardening #12.7: input edge cases are read as what they are', function () {
  this.timeout(30_000);
  let w: CliWorkspace;
  useCliWorkspace(() => mkdtempSync(path.join(tmpdir(), 'tl-edge-')), (x) => (w = x));

  it('invalid UTF-8 is reported and never counted as exact', async () => {
    const good = Buffer.from(JSON.stringify({ ...payload, messages: [{ role: 'user', content: 'caf\u00e9 BAD' }] }));
    // "BAD" becomes a lone continuation byte and an overlong sequence.
    const bad = Buffer.from(good.toString('latin1').replace('BAD', '\u0080\u00c0\u00af'), 'latin1');
    writeFileSync(path.join(w.dir, 'bad.json'), bad);
    writeFileSync(path.join(w.dir, 'good.json'), good);
    const out = await cli(['count', '--json', '--cache-dir', w.cacheDir, 'bad.json', 'good.json'], w.env, w.dir);
    assert.equal(out.code, 0, out.stderr);
    const [b, g] = JSON.parse(out.stdout).files as { exact: boolean; reasonMessage?: string; diagnostics: { code: string; line: number | null }[] }[];
    assert.equal(b!.exact, false, 'not exact');
    assert.match(b!.reasonMessage ?? '', /not valid UTF-8/);
    assert.ok(b!.diagnostics.some((d) => d.code === 'invalid-utf8' && d.line === 1));
    assert.equal(g!.exact, true, 'a valid file is still counted exactly');
    assert.equal(w.api.countCalls() > 0, true);
  });

  it('diff: a file that is not valid UTF-8 at REF is not exact on that side either', async () => {
    const env = { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.org', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
    const git = (...args: string[]) => execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], { cwd: w.dir, env });
    const bad = Buffer.from(JSON.stringify({ ...payload, messages: [{ role: 'user', content: 'caf\u00e9 X' }] }).replace('X', '\u0080'), 'latin1');
    git('init', '-q');
    writeFileSync(path.join(w.dir, 'bad.json'), bad);
    git('add', '.');
    git('commit', '-qm', 'bad');
    writeFileSync(path.join(w.dir, 'bad.json'), JSON.stringify({ ...payload, messages: [{ role: 'user', content: 'now fine' }] }));
    const out = await cli(['diff', 'HEAD', '--json', '--cache-dir', w.cacheDir, 'bad.json'], w.env, w.dir);
    const [entry] = JSON.parse(out.stdout).files as { before: { exact: boolean }; after: { exact: boolean } }[];
    assert.equal(entry!.before.exact, false, out.stdout);
    assert.equal(entry!.after.exact, true);
  });

  it('"max_tokens": 1e400 (valid JSON) is read as Infinity and reported, not refused as a bad number', async () => {
    write(w.dir, 'inf.json', JSON.stringify(payload).replace('"max_tokens":64', '"max_tokens":1e400'));
    const out = await cli(['count', '--offline', '--json', 'inf.json'], {}, w.dir);
    const [f] = JSON.parse(out.stdout).files as { error?: string; diagnostics: { code: string; message: string }[] }[];
    assert.equal(f!.error, undefined, JSON.stringify(f));
    assert.ok(f!.diagnostics.some((d) => d.code === 'invalid-max-tokens' && /Infinity \(beyond the range of a double\)/.test(d.message)), JSON.stringify(f!.diagnostics));
  });

  it('a number beyond double range inside counted content is reported where it is', async () => {
    const tool = { name: 'pick', description: 'Pick a number.', input_schema: { type: 'object', properties: { n: { type: 'number', maximum: 1 } } } };
    write(w.dir, 'tool.json', JSON.stringify({ ...payload, tools: [tool] }).replace('"maximum":1', '"maximum":-1e999'));
    const out = await cli(['count', '--offline', '--json', 'tool.json'], {}, w.dir);
    const [f] = JSON.parse(out.stdout).files as { diagnostics: { code: string; message: string }[] }[];
    assert.ok(f!.diagnostics.some((d) => d.code === 'non-finite-number' && d.message.includes('tools[0].input_schema.properties.n.maximum') && /-Infinity/.test(d.message)), JSON.stringify(f!.diagnostics));
  });

  it('YAML .inf and .nan are read as Infinity and NaN, not null', async () => {
    write(w.dir, 'req.yaml', 'model: claude-sonnet-4-6\nmax_tokens: .inf\nmessages:\n  - role: user\n    content: hi\ntools:\n  - name: t\n    input_schema:\n      type: object\n      maximum: .nan\n');
    const out = await cli(['count', '--offline', '--json', 'req.yaml'], {}, w.dir);
    const [f] = JSON.parse(out.stdout).files as { diagnostics: { code: string; message: string }[] }[];
    const text = JSON.stringify(f!.diagnostics);
    assert.match(text, /max_tokens.*Infinity/);
    assert.doesNotMatch(text, /it is null/);
    assert.match(text, /tools\[0\]\.input_schema\.maximum.*NaN/);
  });
});
