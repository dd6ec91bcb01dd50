/**
 * Where large documents are parsed and estimated: a worker thread, so that the thread that runs
 * the editor's extensions (or any caller's event loop) is never blocked by a parse of many
 * megabytes. One worker, started on the first job, one job at a time, stopped after a while
 * without work. The result comes back in chunks (see ./transfer.ts). A job whose caller gave up
 * is dropped if it has not started, and stops its worker if it has (a parse cannot be interrupted
 * any other way, and the worker then never holds anything but the current job).
 *
 * If the worker cannot be started at all (its file is missing), documents are prepared on the
 * calling thread, as before, and that is logged once. If it fails while preparing a document
 * (out of memory on a pathological file: its heap is capped), that document gets an error that
 * says so and the next job starts a fresh worker: the caller's thread is never put at risk.
 */
import { Worker } from 'node:worker_threads';
import type { ParseOptions } from '../payload';
import { prepareDocument, type Prepared } from '../prepare';
import type { FromWorker, ToWorker } from './protocol';
import { Assembler } from './transfer';

/** Prepares documents; resolves to undefined when `signal` aborts first. Never rejects. */
export interface Preparer {
  prepare(path: string, text: string, options: ParseOptions, signal?: AbortSignal): Promise<Prepared | undefined>;
}

/** Prepares on the calling thread. */
export const inThreadPreparer: Preparer = {
  prepare: async (path, text, options, signal) => (signal?.aborted ? undefined : prepareDocument(path, text, options)),
};

export interface WorkerPreparerOptions {
  /** The worker script (dist/worker.js in the bundle). */
  filename: string;
  /** Passed to the worker as `workerData` (tests use it to run the TypeScript entry). */
  workerData?: unknown;
  /** Stop the worker after this long without a job. */
  idleMs?: number;
  /** The worker's heap cap; a document that needs more fails alone. */
  maxHeapMb?: number;
  log?: (message: string) => void;
}

interface Job {
  id: number;
  path: string;
  text: string;
  options: ParseOptions;
  signal: AbortSignal | undefined;
  resolve: (prepared: Prepared | undefined) => void;
  assembler?: Assembler;
}

export class WorkerPreparer implements Preparer {
  private worker: Worker | undefined;
  /** The worker's script loaded (it said so); failures after that are the document's, not the file's. */
  private online = false;
  /** The worker cannot be started: prepare on this thread. */
  private unavailable = false;
  private readonly queue: Job[] = [];
  private current: Job | undefined;
  private nextId = 1;
  private pumpScheduled = false;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private readonly idleMs: number;
  private readonly maxHeapMb: number;
  private readonly log: (message: string) => void;

  constructor(private readonly options: WorkerPreparerOptions) {
    this.idleMs = options.idleMs ?? 30_000;
    this.maxHeapMb = options.maxHeapMb ?? 1_024;
    this.log = options.log ?? (() => undefined);
  }

  /** Whether a worker thread is running now (for tests). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  prepare(path: string, text: string, options: ParseOptions, signal?: AbortSignal): Promise<Prepared | undefined> {
    if (signal?.aborted || this.disposed) return Promise.resolve(undefined);
    if (this.unavailable) return inThreadPreparer.prepare(path, text, options, signal);
    return new Promise((resolve) => {
      const onAbort = () => this.abandon(job);
      const job: Job = {
        id: this.nextId++,
        path,
        text,
        options,
        signal,
        resolve: (prepared) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(prepared);
        },
      };
      this.queue.push(job);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pump();
    });
  }

  private pump(): void {
    if (this.current || this.disposed) return;
    const job = this.queue.shift();
    if (!job) {
      this.idle();
      return;
    }
    clearTimeout(this.idleTimer);
    const worker = this.unavailable ? undefined : this.ensureWorker();
    if (!worker) {
      void inThreadPreparer.prepare(job.path, job.text, job.options, job.signal).then(job.resolve);
      this.pump();
      return;
    }
    this.current = job;
    worker.ref();
    this.post({ type: 'prepare', id: job.id, path: job.path, text: job.text, options: job.options });
  }

  /** The worker, started if need be; undefined (and prepare here from now on) when it cannot be. */
  private ensureWorker(): Worker | undefined {
    if (this.worker) return this.worker;
    let worker: Worker;
    try {
      worker = new Worker(this.options.filename, {
        workerData: this.options.workerData,
        resourceLimits: { maxOldGenerationSizeMb: this.maxHeapMb },
        // Not the host's flags: an extension host started with --inspect-brk would stop the worker.
        execArgv: [],
        stdout: false,
        stderr: false,
      });
    } catch (err) {
      this.becomeUnavailable(err as Error);
      return undefined;
    }
    this.online = false;
    worker.on('message', (message: FromWorker) => {
      // A stopped worker may still have had something on its way.
      if (this.worker !== worker) return;
      if (message.type === 'ready') this.online = true;
      else this.receive(message);
    });
    worker.on('error', (err) => this.failed(worker, err));
    worker.on('exit', (code) => this.failed(worker, new Error(`the worker stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private post(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  private receive(message: Exclude<FromWorker, { type: 'ready' }>): void {
    const job = this.current;
    if (!job || message.id !== job.id) return;
    try {
      if (message.type === 'error') {
        this.finish(job, failedPreparation(job.path, message.message));
        return;
      }
      if (message.type === 'head') job.assembler = new Assembler(message.head);
      else job.assembler?.add(message.chunk);
      const assembler = job.assembler;
      if (!assembler) throw new Error('chunk before head');
      if (assembler.complete) this.finish(job, assembler.result());
      else this.post({ type: 'next', id: job.id });
    } catch (err) {
      this.finish(job, failedPreparation(job.path, (err as Error).message));
    }
  }

  private finish(job: Job, prepared: Prepared | undefined): void {
    if (this.current === job) this.current = undefined;
    job.resolve(prepared);
    this.schedulePump();
  }

  /** The next job starts on a later turn, once the callers that are giving up have done so. */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** The caller gave up: drop the job if it has not started, stop its worker if it has. */
  private abandon(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.resolve(undefined);
      return;
    }
    if (this.current === job) {
      this.stopWorker();
      this.finish(job, undefined);
    }
  }

  private failed(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const job = this.current;
    if (!this.online && !this.disposed) {
      // The script never ran: no worker can be had.
      this.becomeUnavailable(err);
      this.current = undefined;
      if (job) void inThreadPreparer.prepare(job.path, job.text, job.options, job.signal).then(job.resolve);
      this.pump();
      return;
    }
    if (job) {
      this.log(`The worker failed while reading ${job.path}: ${err.message}`);
      this.finish(job, failedPreparation(job.path, err.message));
    }
  }

  /** No worker can be had (its file is missing or cannot load): prepare here from now on. */
  private becomeUnavailable(err: Error): void {
    this.unavailable = true;
    this.log(`Large documents are parsed on the editor's thread: the worker could not start (${err.message}).`);
  }

  private idle(): void {
    this.worker?.unref();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stopWorker(), this.idleMs);
    this.idleTimer.unref?.();
  }

  private stopWorker(): void {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) void worker.terminate();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.idleTimer);
    for (const job of this.queue.splice(0)) job.resolve(undefined);
    const job = this.current;
    this.current = undefined;
    job?.resolve(undefined);
    this.stopWorker();
  }
}

function failedPreparation(path: string, why: string): Prepared {
  const name = path.split(/[\\/]/).pop() || path;
  return { parse: { status: 'error', message: `${name} could not be read: the parser stopped (${why}). The file may be too large or too deeply nested.` }, estimates: [] };
}
