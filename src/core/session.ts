import { setMaxListeners } from 'node:events';
import { analyzeDocument, estimateDocument, type Analysis, type AnalyzeOptions } from './analyze';
import type { CountingClient } from './client/counting-client';
import { parseDocument, type ParseOptions } from './payload';
import type { EstimateReason, ParseResult } from './types';

/** Failures that pass by themselves: the version is counted again after a pause, without an edit. */
const TRANSIENT: ReadonlySet<EstimateReason> = new Set(['network', 'timeout', 'server-error', 'rate-limited']);

export function isTransient(reason: EstimateReason | undefined): boolean {
  return reason !== undefined && TRANSIENT.has(reason);
}
/** First pause before such a recount; it doubles for each further failure of the same version. */
export const RETRY_FIRST_MS = 2_000;
export const RETRY_MAX_MS = 60_000;

/** Above this size the estimate waits for a pause in typing too, so keystrokes never queue. */
export const LIVE_ESTIMATE_MAX_CHARS = 1_000_000;

/** What is known about one version of one document. */
export interface SessionState {
  version: number;
  parse: ParseResult;
  /** The newest result for this version: the estimate at once, the exact count when it arrives. */
  analysis: Analysis | undefined;
  /** An exact count for this version is being fetched. */
  pending: boolean;
}

/** What a session reads afresh on every update, so setting changes apply at once. */
export interface SessionEnvironment {
  parseOptions(): ParseOptions;
  analyzeOptions(): AnalyzeOptions;
  /** The client for exact counts, or why there are only estimates. */
  counting(): { client: CountingClient } | { reason: EstimateReason };
  debounceMs(): number;
}

/**
 * One open document, kept analysed while it is edited: parse and estimate on each edit, the
 * exact count after a pause in typing (or at once when the cache already knows the content).
 * A result for an older version is never reported; a newer version cancels the older one's
 * pending work. Free of editor APIs, so the editor adapter and the benchmarks share it.
 */
export class DocumentSession {
  private current: SessionState | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private controller: AbortController | undefined;
  private disposed = false;
  /** Recounts of the current version after transient failures. */
  private retries = 0;

  constructor(
    private readonly path: string,
    private readonly env: SessionEnvironment,
    /** Called whenever the state changes: new version, estimate, exact count. */
    private readonly onChange: (state: SessionState | undefined) => void,
  ) {}

  get state(): SessionState | undefined {
    return this.current;
  }

  /**
   * Takes a new version of the text. `force` re-analyses the same version (settings, key or
   * model changed). Returns false when the document is not a prompt or payload file.
   */
  update(version: number, text: string, force = false): boolean {
    if (this.disposed) return false;
    if (!force && this.current?.version === version) return true;
    if (this.current?.version !== version) this.retries = 0;
    this.cancel();
    const parse = parseDocument(this.path, text, this.env.parseOptions());
    if (parse.status === 'skipped') {
      const had = this.current !== undefined;
      this.current = undefined;
      if (had) this.onChange(undefined);
      return false;
    }
    const state: SessionState = { version, parse, analysis: undefined, pending: false };
    this.current = state;
    if (parse.status === 'error') {
      this.onChange(state);
      return true;
    }

    const options = this.env.analyzeOptions();
    const counting = this.env.counting();
    const reason: EstimateReason = 'client' in counting ? 'network' : counting.reason;
    const estimate = () => {
      state.analysis = estimateDocument(parse.doc, options, reason);
    };
    const live = text.length <= LIVE_ESTIMATE_MAX_CHARS;
    if (live) estimate();
    if (!('client' in counting)) {
      if (live) this.onChange(state);
      else this.schedule(() => {
        estimate();
        this.onChange(state);
      });
      return true;
    }

    state.pending = true;
    this.onChange(state);
    const client = counting.client;
    const count = async () => {
      const controller = new AbortController();
      // One signal is shared by the whole count, each tool and each cache prefix.
      setMaxListeners(0, controller.signal);
      this.controller = controller;
      const analysis = await analyzeDocument(parse.doc, options, client, controller.signal);
      if (controller.signal.aborted || this.current !== state) return;
      this.controller = undefined;
      state.pending = false;
      // Cancelled (undefined) cannot happen here unaborted; keep the estimate if it somehow does.
      if (analysis) state.analysis = analysis;
      else if (!state.analysis) estimate();
      this.onChange(state);
      // The API was down or busy: count again by itself (while the client's own backoff lasts it
      // answers at once without a call), so the exact number comes back without an edit.
      const failed = state.analysis?.total;
      if (failed && !failed.exact && isTransient(failed.reason)) {
        const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** this.retries);
        this.timer = setTimeout(() => {
          this.timer = undefined;
          if (this.current !== state) return;
          this.retries++;
          this.update(version, text, true);
        }, delay);
      }
    };
    // Known content (reopened, undone, recounted) is answered by the cache at once.
    const model = options.modelOverride ?? parse.doc.model ?? options.defaultModel;
    const canonical = options.registry.resolve(model)?.id ?? model;
    if (client.peek({ model: canonical, ...parse.doc.body })) void count();
    else this.schedule(count);
    return true;
  }

  private schedule(run: () => unknown): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void run();
    }, this.env.debounceMs());
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.controller?.abort();
    this.controller = undefined;
  }

  /** Stops pending work; the session reports nothing more. */
  dispose(): void {
    this.disposed = true;
    this.cancel();
    this.current = undefined;
  }
}
