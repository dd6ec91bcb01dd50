/**
 * Memory: the count caches stay within their bounds after 10,000 distinct payloads. Each payload
 * is counted through CountingClient against the fake API (real HTTP, through the SDK, latency 0),
 * with a CountCache at the shipped bounds (20,000 entries / 4 MB, which 10,000 counts do not
 * reach) and at tight bounds (which they do), side by side with an unbounded Map baseline that
 * keeps every count the same way. Heap used is taken before and after each run, after a full GC.
 *
 *   node --expose-gc --import tsx bench/memory.ts     (without --expose-gc it enables gc itself)
 */
import { performance } from 'node:perf_hooks';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { CountCache, type CachedCount } from '../src/core/client/count-cache';
import { RateLimiter } from '../src/core/client/rate-limiter';
import type { CountRequest } from '../src/core/types';
import { fakeCount, startFakeApi, type FakeApi } from '../test/fake-api/server';
import { fakeApiClient } from '../test/support/docs';

const PAYLOADS = 10_000;
const CONCURRENCY = 16;

/** `global.gc` when Node was started with --expose-gc; otherwise turned on through V8 flags. */
function gcFunction(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const gc = gcFunction();

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** A distinct, realistic request: a system prompt, a tool and a question that differs per `i`. */
function payload(i: number): CountRequest {
  return {
    model: 'claude-sonnet-4-6',
    system: 'You are the support assistant of an online bookshop. Answer briefly.',
    tools: [{ name: 'search_orders', description: 'Search orders by email or number.', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
    messages: [{ role: 'user', content: `Where is my order #${100_000 + i}? I ordered it on day ${i % 365} and it has not arrived.` }],
  };
}

interface Store {
  get(key: string): CachedCount | undefined;
  set(key: string, tokens: number, at?: number): void;
  readonly size: number;
}

/** The baseline: every count kept, in a plain Map, nothing evicted. */
class UnboundedMap implements Store {
  private readonly map = new Map<string, CachedCount>();
  get(key: string): CachedCount | undefined {
    return this.map.get(key);
  }
  set(key: string, tokens: number, at = Date.now()): void {
    this.map.set(key, { tokens, at });
  }
  get size(): number {
    return this.map.size;
  }
}

/** The control: keeps nothing, so what the heap gains with it is not the cache's. */
class NoStore implements Store {
  get(): CachedCount | undefined {
    return undefined;
  }
  set(): void {}
  get size(): number {
    return 0;
  }
}

interface RunResult {
  label: string;
  maxEntries: number | undefined;
  maxBytes: number | undefined;
  size: number;
  bytes: number | undefined;
  heapBefore: number;
  heapAfter: number;
  /** Heap used once the client and its cache are unreachable. */
  heapDropped: number;
  seconds: number;
  apiCalls: number;
  wrong: number;
  inFlightLeft: number;
}

/** Counts `payloads` distinct requests through a fresh client and store; heap readings around it. */
async function run(api: FakeApi, label: string, makeStore: () => Store, bounds: { maxEntries?: number; maxBytes?: number }, payloads = PAYLOADS): Promise<RunResult> {
  const result = await counted(api, label, makeStore(), bounds, payloads);
  // The client and its cache are unreachable now: what the heap loses is what they held, apart
  // from the noise of connection pools and compiled code that the before/after readings carry.
  result.heapDropped = heapUsed();
  return result;
}

async function counted(api: FakeApi, label: string, store: Store, bounds: { maxEntries?: number; maxBytes?: number }, payloads: number): Promise<RunResult> {
  const client = fakeApiClient(api, {
    // The client only needs get/set; the baseline Map stands in for the bounded cache.
    cache: store as unknown as CountCache,
    limiter: new RateLimiter({ limit: 1_000_000 }),
    timeoutMs: 10_000,
  });
  // Warm the SDK (loaded on the first count) before the first heap reading.
  await client.count({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'warm-up' }] });
  api.requests.length = 0;
  const heapBefore = heapUsed();
  const started = performance.now();
  let next = 0;
  let wrong = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < payloads; i = next++) {
        const request = payload(i);
        const result = await client.count(request);
        if (result.status !== 'exact' || result.tokens !== fakeCount(request)) wrong++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  // The fake (same process) records every request it served; that is not the client's memory.
  api.requests.length = 0;
  const heapAfter = heapUsed();
  const inFlight = (client as unknown as { inFlight: Map<string, unknown> }).inFlight;
  return {
    label,
    maxEntries: bounds.maxEntries,
    maxBytes: bounds.maxBytes,
    size: store.size,
    bytes: store instanceof CountCache ? store.bytes : undefined,
    heapBefore,
    heapAfter,
    heapDropped: 0,
    seconds,
    apiCalls: client.apiCalls,
    wrong,
    inFlightLeft: inFlight.size,
  };
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

export async function main(): Promise<string> {
  const api = await startFakeApi({ latencyMs: 0 });
  const rows: RunResult[] = [];
  try {
    const configs: { label: string; make: () => Store; bounds: { maxEntries?: number; maxBytes?: number } }[] = [
      { label: 'unbounded Map (baseline)', make: () => new UnboundedMap(), bounds: {} },
      { label: 'no cache (control)', make: () => new NoStore(), bounds: {} },
      { label: 'CountCache, shipped bounds', make: () => new CountCache({ maxEntries: 20_000, maxBytes: 4 * 1024 * 1024 }), bounds: { maxEntries: 20_000, maxBytes: 4 * 1024 * 1024 } },
      { label: 'CountCache, 2,000 entries', make: () => new CountCache({ maxEntries: 2_000, maxBytes: 4 * 1024 * 1024 }), bounds: { maxEntries: 2_000, maxBytes: 4 * 1024 * 1024 } },
      { label: 'CountCache, 128 KB', make: () => new CountCache({ maxEntries: 20_000, maxBytes: 128 * 1024 }), bounds: { maxEntries: 20_000, maxBytes: 128 * 1024 } },
    ];
    // A throwaway run first, so that one-time costs (SDK, JIT, sockets) fall on no row.
    await run(api, 'warm-up', () => new UnboundedMap(), {}, 3_000);
    for (const c of configs) {
      api.reset();
      rows.push(await run(api, c.label, c.make, c.bounds));
    }
  } finally {
    await api.close();
  }
  const held = (r: RunResult) => r.heapAfter - r.heapDropped;
  const baseHeld = held(rows[0]!);
  const lines = [
    '## Memory: count cache bounds after 10,000 distinct payloads',
    '',
    `${PAYLOADS.toLocaleString('en-US')} distinct requests counted through CountingClient and the SDK against the fake API (latency 0,`,
    `${CONCURRENCY} at a time), one fresh cache per row. Heap used after a full GC, before and after the run.`,
    '',
    '| store | bounds (entries / bytes) | entries held | bytes accounted | within bounds | heap before | heap after | heap growth | held by client + cache | vs baseline | bytes per entry held | wrong counts | in flight left | time |',
    '|---|--:|--:|--:|:-:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    const growth = r.heapAfter - r.heapBefore;
    const within = r.maxEntries === undefined ? '–' : r.size <= r.maxEntries && (r.bytes ?? 0) <= (r.maxBytes ?? Infinity) ? 'yes' : 'NO';
    lines.push(
      `| ${r.label} | ${r.maxEntries === undefined ? 'none' : `${r.maxEntries.toLocaleString('en-US')} / ${kb(r.maxBytes!)}`} | ${r.size.toLocaleString('en-US')} | ${r.bytes === undefined ? '–' : kb(r.bytes)} | ${within} | ${kb(r.heapBefore)} | ${kb(r.heapAfter)} | ${kb(growth)} | ${kb(held(r))} | ${(held(r) / baseHeld).toFixed(2)} | ${r.size > 0 ? (held(r) / r.size).toFixed(0) : '–'} | ${r.wrong} | ${r.inFlightLeft} | ${r.seconds.toFixed(1)} s |`,
    );
  }
  lines.push('');
  lines.push('Entries count their key (64 hex characters) plus 40 bytes of bookkeeping toward the byte bound. "Heap growth" (after');
  lines.push('less before) carries what connection pools and compiled code keep, as the control row that keeps nothing shows;');
  lines.push('"held by client + cache" is the heap with the client and its cache alive less the heap once they are let go.');
  lines.push('');
  return lines.join('\n');
}

if (require.main === module) {
  main().then(
    (s) => console.log(s),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
