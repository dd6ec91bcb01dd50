import { setMaxListeners } from 'node:events';
import type { Analysis, AnalyzeOptions } from './analyze';
import type { Counting } from './counting';
import type { ParseOptions } from './payload';
import { countDocument, countIsCached, estimateFor, parseLive, parsesLive, parseText, retryDelay } from './pipeline';
import type { ParsedDocument, ParseResult } from './types';
import { inThreadPreparer, type Preparer } from './worker/preparer';

/**
 * A document's text, read only when it is needed: a large document is not read on every
 * keystroke (the editor joins all its lines to do so).
 */
export interface DocumentText {
  readonly length: number;
  read(): string;
}

/** What is known about one version of one document. */
export interface SessionState {
  version: number;
  /**
   * Undefined while a large document waits for its parse: above the pipeline's
   * `LIVE_ESTIMATE_MAX_CHARS` a document is not parsed on each keystroke, but by the
   * {@link Preparer} after a pause in typing, and until then there is no number for the new version.
   */
  parse: ParseResult | undefined;
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
  counting(): Counting;
  debounceMs(): number;
  /** Where large documents are parsed and estimated; on this thread when not given. */
  preparer?: Preparer;
}

/**
 * One open document, kept analysed while it is edited: parse and estimate on each edit, the
 * exact count after a pause in typing (or at once when the cache already knows the content).
 * A result for an older version is never reported; a newer version cancels the older one's
 * pending work. The steps are the core pipeline's (`pipeline.ts`); this class keeps the versions
 * and timers between them. Free of editor APIs, so the editor adapter and the benchmarks share it.
 */
export class DocumentSession {
  private current: SessionState | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private controller: AbortController | undefined;
  private disposed = false;
  /** Recounts of the current version after transient failures. */
  private retries = 0;
  /** The newest large version waiting to be read. */
  private waiting: SessionState | undefined;
  /** The last large version read was not a prompt or payload: say nothing until one is. */
  private skipped = false;

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
  update(version: number, text: string | DocumentText, force = false): boolean {
    if (this.disposed) return false;
    if (!force && this.current?.version === version) return true;
    if (this.current?.version !== version) this.retries = 0;
    this.cancel();
    if (!parsesLive(text.length)) {
      this.updateLarge(version, text);
      return true;
    }
    this.waiting = undefined;
    this.skipped = false;
    const parse = parseLive(this.path, typeof text === 'string' ? text : text.read(), this.env.parseOptions());
    if (parse.status === 'skipped') {
      this.forgetState();
      return false;
    }
    const state: SessionState = { version, parse, analysis: undefined, pending: false };
    this.current = state;
    if (parse.status === 'error') {
      this.onChange(state);
      return true;
    }
    this.analyse(state, parse.doc, true);
    return true;
  }

  /**
   * A large document: nothing is parsed while typing goes on. After a pause the preparer parses
   * and estimates it (off this thread), then it is counted like any other, without a second
   * pause. Until then the state has no parse and no analysis, so no number of an older version is
   * shown for it.
   */
  private updateLarge(version: number, text: string | DocumentText): void {
    const state: SessionState = { version, parse: undefined, analysis: undefined, pending: true };
    this.waiting = state;
    // A large file that is no payload (a lockfile, a data dump) does not flash "counting" on each edit.
    if (this.skipped) this.forgetState();
    else {
      this.current = state;
      this.onChange(state);
    }
    this.schedule(async () => {
      const controller = this.track(new AbortController());
      // Read now: a newer version would have cancelled this, so the text is this version's.
      const content = typeof text === 'string' ? text : text.read();
      const parse = await parseText(this.path, content, this.env.parseOptions(), this.env.preparer ?? inThreadPreparer, controller.signal);
      if (!parse || controller.signal.aborted || this.waiting !== state) return;
      this.controller = undefined;
      this.waiting = undefined;
      this.skipped = parse.status === 'skipped';
      if (parse.status === 'skipped') {
        this.forgetState();
        return;
      }
      this.current = state;
      state.parse = parse;
      if (parse.status === 'error') {
        state.pending = false;
        this.onChange(state);
        return;
      }
      this.analyse(state, parse.doc, false);
    });
  }

  /**
   * The estimate of a parsed version, then its exact count: at once when the cache knows it (or
   * when `debounce` is false: the pause already happened), else after a pause in typing.
   */
  private analyse(state: SessionState, doc: ParsedDocument, debounce: boolean): void {
    const options = this.env.analyzeOptions();
    const counting = this.env.counting();
    state.analysis = estimateFor(doc, options, counting);
    if ('reason' in counting) {
      state.pending = false;
      this.onChange(state);
      return;
    }

    state.pending = true;
    this.onChange(state);
    const count = async () => {
      const controller = this.track(new AbortController());
      const analysis = await countDocument(doc, options, counting, controller.signal);
      if (controller.signal.aborted || this.current !== state) return;
      this.controller = undefined;
      state.pending = false;
      // Undefined only once aborted; the estimate stays if it somehow is not.
      if (analysis) state.analysis = analysis;
      this.onChange(state);
      // The API was down or busy: count again by itself (while the client's own backoff lasts it
      // answers at once without a call), so the exact number comes back without an edit.
      const delay = retryDelay(state.analysis, this.retries);
      if (delay !== undefined) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          if (this.current !== state) return;
          this.retries++;
          state.pending = true;
          this.onChange(state);
          void count();
        }, delay);
      }
    };
    if (!debounce) {
      // A large document: the estimate just shown was one task, the count starts in another.
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void count();
      }, 0);
      return;
    }
    // Known content (reopened, undone, recounted) is answered by the cache at once.
    if (countIsCached(doc, options, counting)) void count();
    else this.schedule(count);
  }

  /** One signal is shared by the whole count, each tool and each cache prefix. */
  private track(controller: AbortController): AbortController {
    setMaxListeners(0, controller.signal);
    this.controller = controller;
    return controller;
  }

  private forgetState(): void {
    const had = this.current !== undefined;
    this.current = undefined;
    if (had) this.onChange(undefined);
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
    this.waiting = undefined;
  }
}
