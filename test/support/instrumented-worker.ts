/**
 * A test-only worker script: the real prepare worker (src/core/worker/entry.ts), plus
 *
 * - a record, in a SharedArrayBuffer the test can read at any time, of the messages the worker
 *   received (see {@link WorkerRecord}), so a test can tell whether a job ever reached the worker;
 * - an optional crash: on a `prepare` whose path contains `crashOn`, the worker exits (`crash:
 *   'exit'`, the default) or throws from its message handler (`crash: 'throw'`), after it has said
 *   'ready', as a worker that runs out of memory does.
 *
 * Run it through test/support/ts-worker.mjs: `workerData: { entry: <this file>, record?, crashOn?, crash?, delayNextMs? }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ToWorker } from '../../src/core/worker/protocol';

export interface InstrumentedWorkerData {
  entry: string;
  /** A {@link WorkerRecord} buffer. */
  record?: SharedArrayBuffer;
  crashOn?: string;
  crash?: 'exit' | 'throw';
  /** Holds each `next` this long before the real entry answers it (a slow hand-over, to abort in). */
  delayNextMs?: number;
}

/** Layout of the record (Int32 slots). */
export const RECORD = {
  /** Number of `prepare` messages received. */
  prepares: 0,
  /** Number of times this worker script started (a stopped worker is replaced by a fresh one). */
  boots: 1,
  /** Number of `next` messages received. */
  nexts: 2,
  /** From here: the text length of each `prepare`, in order of arrival. */
  lengths: 3,
  /** Slots in all. */
  size: 64,
} as const;

/** A new buffer for the record. */
export function newRecord(): SharedArrayBuffer {
  return new SharedArrayBuffer(RECORD.size * Int32Array.BYTES_PER_ELEMENT);
}

/** Reads a record: counts and the text lengths of the prepared jobs, in order. */
export function readRecord(buffer: SharedArrayBuffer): { prepares: number; boots: number; nexts: number; lengths: number[] } {
  const view = new Int32Array(buffer);
  const prepares = Atomics.load(view, RECORD.prepares);
  const lengths: number[] = [];
  for (let i = 0; i < Math.min(prepares, RECORD.size - RECORD.lengths); i++) lengths.push(Atomics.load(view, RECORD.lengths + i));
  return { prepares, boots: Atomics.load(view, RECORD.boots), nexts: Atomics.load(view, RECORD.nexts), lengths };
}

const port = parentPort;
if (port) {
  const data = workerData as InstrumentedWorkerData;
  const view = data.record ? new Int32Array(data.record) : undefined;
  if (view) Atomics.add(view, RECORD.boots, 1);
  // Registered before the real entry's listener, so the record (and a crash) comes first.
  port.on('message', (message: ToWorker) => {
    if (view) {
      if (message.type === 'prepare') {
        const n = Atomics.add(view, RECORD.prepares, 1);
        if (RECORD.lengths + n < RECORD.size) Atomics.store(view, RECORD.lengths + n, message.text.length);
      } else if (message.type === 'next') Atomics.add(view, RECORD.nexts, 1);
    }
    if (message.type === 'next' && data.delayNextMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, data.delayNextMs);
    if (message.type === 'prepare' && data.crashOn !== undefined && message.path.includes(data.crashOn)) {
      if (data.crash === 'throw') throw new Error('the test worker crashed on purpose');
      process.exit(7);
    }
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../../src/core/worker/entry');
}
