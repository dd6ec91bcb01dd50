import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { run } from '../../src/cli/main';
import { startFakeApi, type FakeApi } from '../fake-api/server';

export interface CliOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function cli(argv: string[], env: NodeJS.ProcessEnv, cwd: string, isTTY = false): Promise<CliOutput> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd, isTTY });
  return { code, stdout, stderr };
}

/** Writes a fixture file (JSON for non-strings), making its folders; returns its path. */
export function write(dir: string, rel: string, content: unknown): string {
  const file = path.join(dir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

export interface CliWorkspace {
  api: FakeApi;
  /** A fresh fixture folder for each test. */
  dir: string;
  /** A fresh, empty cache folder for each test. */
  cacheDir: string;
  /** ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL pointing at the fake API. */
  env: NodeJS.ProcessEnv;
}

/**
 * Registers mocha hooks for CLI tests: one fake API for the suite, and for each test a fresh
 * fixture folder (from `makeDir`), a fresh cache folder and the environment, handed to `set`.
 */
export function useCliWorkspace(makeDir: () => string, set: (w: CliWorkspace) => void): void {
  let api: FakeApi;
  let current: CliWorkspace | undefined;
  before(async () => {
    api = await startFakeApi();
  });
  after(() => api.close());
  beforeEach(() => {
    api.reset();
    current = {
      api,
      dir: makeDir(),
      cacheDir: mkdtempSync(path.join(tmpdir(), 'tl-cli-cache-')),
      env: { ANTHROPIC_API_KEY: api.apiKey, ANTHROPIC_BASE_URL: api.url },
    };
    set(current);
  });
  afterEach(() => {
    if (!current) return;
    rmSync(current.dir, { recursive: true, force: true });
    rmSync(current.cacheDir, { recursive: true, force: true });
  });
}

/**
 * Bundles the CLI into one self-contained CommonJS file at `outfile`, as scripts/build.mjs does
 * (SDK included, jsonc-parser's ESM build, `import.meta.url` for CommonJS), for tests that run it
 * as another user or from a folder that cannot reach this checkout's node_modules.
 */
export function bundleCli(outfile: string): void {
  const root = path.join(__dirname, '../..');
  buildSync({
    entryPoints: [path.join(root, 'src/cli/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    logLevel: 'silent',
    alias: { 'jsonc-parser': path.join(root, 'node_modules/jsonc-parser/lib/esm/main.js') },
    define: { 'import.meta.url': '__importMetaUrl' },
    banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
  });
}
