/**
 * Large documents in the editor's path: a 10 MB payload opened, typed in (a burst of edits) and
 * left to settle, through the same `DocumentSession` the editor uses, counting exactly against the
 * fake API over real HTTP (the fake runs in its own process, so its work is not ours). Measured
 * side by side: documents prepared on a worker thread (dist/worker.js, as the editor does) and on
 * this thread (as before). What matters is the longest time the thread is blocked, measured by a
 * 1 ms ticker: the target is under 50 ms.
 *
 *   npm run build:prod && node --import tsx bench/large-documents.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { AnalyzeOptions } from '../src/core/analyze';
import { sleep } from '../src/core/client/rate-limiter';
import { ModelRegistry } from '../src/core/models/registry';
import { DocumentSession, type SessionState } from '../src/core/session';
import { inThreadPreparer, WorkerPreparer, type Preparer } from '../src/core/worker/preparer';
import { blockMonitor } from '../test/support/block-monitor';
import { fakeApiClient } from '../test/support/docs';
import { editSites, realisticPayload, typeAt } from '../test/support/payloads';
import { prng } from '../test/support/prng';
import { median } from './stats';

const ROOT = path.resolve(__dirname, '..');
const DEBOUNCE_MS = 300;
const EDITS = 12;
const EDIT_GAP_MS = 60;
const TARGET_MS = 50;
/** Measured runs per path; the median is reported (a shared 2-core machine deschedules threads). */
const RUNS = 3;

interface FakeProcess {
  url: string;
  apiKey: string;
  child: ChildProcess;
}

/** The fake API in a child process (its JSON parsing and counting must not block this thread). */
async function startFakeProcess(): Promise<FakeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'fake-api', 'server.ts'), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the fake API exited (${code})`)));
  });
  const { url, apiKey } = JSON.parse(line) as { url: string; apiKey: string };
  return { url, apiKey, child };
}

export interface LargeRow {
  label: string;
  /** Slowest `update()` call: what one keystroke costs the thread. */
  keystrokeMax: number;
  /** Longest block of the thread from the first edit to the exact count. */
  longestBlock: number;
  toEstimate: number;
  toExact: number;
  exact: boolean;
  tokens: number;
}

async function run(label: string, preparer: Preparer, fake: FakeProcess, base: string, options: AnalyzeOptions): Promise<LargeRow> {
  const client = fakeApiClient(fake, { timeoutMs: 60_000 });
  let last: SessionState | undefined;
  let estimateAt = 0;
  let exactAt = 0;
  const session = new DocumentSession(
    'requests/conversation.json',
    { parseOptions: () => ({}), analyzeOptions: () => options, counting: () => ({ client }), debounceMs: () => DEBOUNCE_MS, preparer },
    (state) => {
      last = state;
      if (state?.analysis && !estimateAt) estimateAt = performance.now();
      if (state?.analysis?.total.exact && !state.pending) exactAt = performance.now();
    },
  );
  const sites = editSites(base);
  const rand = prng(0x1a2e);
  let text = base;
  let keystrokeMax = 0;
  const monitor = blockMonitor();
  let lastEdit = 0;
  for (let version = 1; version <= EDITS; version++) {
    text = typeAt(text, sites[Math.floor(rand() * sites.length)]!, rand);
    const t0 = performance.now();
    session.update(version, text);
    lastEdit = performance.now();
    keystrokeMax = Math.max(keystrokeMax, lastEdit - t0);
    estimateAt = exactAt = 0;
    await sleep(EDIT_GAP_MS);
  }
  const deadline = performance.now() + 60_000;
  while (!exactAt && performance.now() < deadline) await sleep(5);
  const longestBlock = monitor.stop();
  session.dispose();
  const state = last as SessionState | undefined;
  return {
    label,
    keystrokeMax,
    longestBlock,
    toEstimate: estimateAt - lastEdit,
    toExact: exactAt - lastEdit,
    exact: state?.version === EDITS && !!state.analysis?.total.exact,
    tokens: state?.analysis?.total.tokens ?? 0,
  };
}

/** Per measure, the median over runs. */
function medianRow(rows: LargeRow[]): LargeRow {
  return {
    label: rows[0]!.label,
    keystrokeMax: median(rows.map((r) => r.keystrokeMax)),
    longestBlock: median(rows.map((r) => r.longestBlock)),
    toEstimate: median(rows.map((r) => r.toEstimate)),
    toExact: median(rows.map((r) => r.toExact)),
    exact: rows.every((r) => r.exact),
    tokens: rows[0]!.tokens,
  };
}

export async function main(): Promise<string> {
  const base = realisticPayload(10 * 1024 * 1024);
  const options: AnalyzeOptions = { registry: ModelRegistry.bundled(), defaultModel: 'claude-sonnet-4-6', toolThreshold: 500 };
  const fake = await startFakeProcess();
  const worker = new WorkerPreparer({ filename: path.join(ROOT, 'dist', 'worker.js'), log: (m) => console.error(m) });
  try {
    // One warm-up each (JIT, the SDK's first load), then the measured runs.
    await run('warm-up', worker, fake, base, options);
    await run('warm-up', inThreadPreparer, fake, base, options);
    // Alternated, so both paths see the same machine.
    const runs: [LargeRow[], LargeRow[]] = [[], []];
    for (let i = 0; i < RUNS; i++) {
      runs[0].push(await run('worker thread (the editor)', worker, fake, base, options));
      runs[1].push(await run('this thread (before)', inThreadPreparer, fake, base, options));
    }
    const rows = runs.map(medianRow);
    const counts = new Set([...runs[0], ...runs[1]].map((r) => r.tokens));
    if (counts.size !== 1) throw new Error(`the runs counted differently: ${[...counts].join(', ')}`);
    const f = (ms: number) => `${ms.toFixed(1)} ms`;
    const lines = [
      '## Large documents: the main thread stays free',
      '',
      `A ${(base.length / 1024 / 1024).toFixed(1)} MB payload in a \`DocumentSession\` (the editor's path): ${EDITS} edits ${EDIT_GAP_MS} ms apart, a ${DEBOUNCE_MS} ms debounce, then`,
      'parse, estimate and the exact count against the fake API (real SDK, real HTTP, the fake in its own',
      'process). Longest block = the longest gap of a 1 ms ticker on this thread from the first edit to',
      `the exact count. Target: no task over ${TARGET_MS} ms. Median of ${RUNS} runs per path, alternated (worst run in`,
      `brackets); same document, same counts (${rows[0]!.tokens.toLocaleString('en-US')} tokens).`,
      '',
      '| prepared on | slowest keystroke | longest block | block / target | last edit → estimate | last edit → exact | exact for the last version |',
      '|---|--:|--:|--:|--:|--:|--:|',
      ...rows.map((r, i) => {
        const worst = Math.max(...runs[i]!.map((x) => x.longestBlock));
        return `| ${r.label} | ${f(r.keystrokeMax)} | ${f(r.longestBlock)} (${f(worst)}) | ${(r.longestBlock / TARGET_MS).toFixed(2)} ${r.longestBlock <= TARGET_MS ? '(met)' : '(MISSED)'} | ${f(r.toEstimate)} | ${f(r.toExact)} | ${runs[i]!.every((x) => x.exact) ? 'yes' : 'NO'} |`;
      }),
      '',
      `Longest block, this thread / worker: ${(rows[1]!.longestBlock / rows[0]!.longestBlock).toFixed(1)}x.`,
      '',
    ];
    return lines.join('\n');
  } finally {
    worker.dispose();
    fake.child.kill();
  }
}

if (require.main === module) void main().then((s) => console.log(s));
