import { canonicalHash, canonicalSliced } from '../canonical';
import { DEFAULT_RATE_LIMIT_PER_MINUTE } from '../defaults';
import type { CountRequest, EstimateReason } from '../types';
import type { CountCache } from './count-cache';
import { AbortedError, RateLimiter, sleep, type CallPriority } from './rate-limiter';
import type { CircuitBreaker } from './circuit';
import { endpointOf, framingFloor, keyAt } from './plausible';
import type { CountTransport, TransportFailure, TransportFailureKind } from './transport';

/** An exact count, from the API now or from the cache of earlier answers. */
export interface ExactCount {
  status: 'exact';
  tokens: number;
  source: 'api' | 'cache';
  /** When the API returned this number (ms since epoch). */
  at: number;
  /** The count before context editing (`context_management.original_input_tokens`), when the request asked for editing. */
  original?: number;
}

/** No exact count: why, in words the user can act on. The caller falls back to the estimate. */
export interface CountFailure {
  status: 'failed';
  reason: EstimateReason;
  message: string;
}

export interface CountCancelled {
  status: 'cancelled';
}

export type CountResult = ExactCount | CountFailure | CountCancelled;

function exactFromCache(hit: { tokens: number; at: number; original?: number }): ExactCount {
  return { status: 'exact', tokens: hit.tokens, source: 'cache', at: hit.at, ...(hit.original !== undefined ? { original: hit.original } : {}) };
}

/** One line for the log: what was asked of the API and what came back. No key, no prompt text. */
export interface CountLogEvent {
  model: string;
  outcome: 'ok' | TransportFailureKind;
  status?: number;
  ms: number;
  attempt: number;
  message?: string;
}

export interface CountingClientOptions {
  /** How to reach the API; undefined when there is no key (every count fails with `no-key`). */
  transport: CountTransport | undefined;
  cache: CountCache;
  limiter?: RateLimiter;
  /** Per-attempt timeout. */
  timeoutMs?: number;
  /** Attempts per count for retryable failures (429, 5xx, timeouts, dropped connections). */
  maxAttempts?: number;
  /** A 429 asking to wait longer than this gives up on this count (the estimate stands). */
  maxRetryWaitMs?: number;
  /** First pause after the API was unreachable; doubles up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  log?: (event: CountLogEvent) => void;
  now?: () => number;
  /** The API base URL the transport talks to (undefined: the default): part of every cache key. */
  baseURL?: string;
  /** Stops every count at once after sustained 429/5xx answers (the CLI's, for the rest of its run). */
  circuit?: CircuitBreaker;
  /** When (ms since epoch) the run must be done: no wait, retry or call goes past it. */
  deadline?: number;
  /** How the deadline was set, for messages ("--max-wait 600"). */
  deadlineLabel?: string;
}

interface InFlight {
  promise: Promise<ExactCount | CountFailure>;
  controller: AbortController;
  waiters: number;
  /** A foreground caller waits for it: its turn at the rate limiter is a foreground one. */
  foreground: boolean;
}

interface SharedState {
  transport: CountTransport | undefined;
  inFlight: Map<string, InFlight>;
  unknownModels: Map<string, string>;
  authFailure: string | undefined;
  downUntil: number;
  downReason: CountFailure | undefined;
  nextBackoffMs: number;
  calls: number;
  endpoint: string;
  /** The views made by {@link CountingClient.withPriority}, one per priority. */
  views: Map<CallPriority, CountingClient>;
}

const RETRYABLE = new Set<TransportFailureKind>(['rate-limited', 'server', 'timeout', 'network', 'invalid-response']);

/**
 * Exact token counts through count_tokens, spending as few calls as possible:
 * - identical requests (by canonical hash) are answered from the cache, also across restarts;
 * - identical requests in flight at once share one call;
 * - a caller that no longer needs an answer aborts; the call is cancelled when nobody waits;
 * - calls stay within a client-side rate limit, and after a 429 wait out `retry-after`;
 * - when the API is down, calls stop for a growing pause instead of piling up;
 * - a rejected key or unknown model is remembered, so it is not asked again.
 * Failures are values, never exceptions.
 */
export class CountingClient {
  /** What every view of this client shares: the transport, calls in flight, what the API said. */
  private readonly state: SharedState;
  /** How this view's calls queue at the rate limiter (see {@link withPriority}). */
  readonly priority: CallPriority;
  private readonly options: CountingClientOptions;
  private readonly cache: CountCache;
  private readonly limiter: RateLimiter;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxRetryWaitMs: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly log: (event: CountLogEvent) => void;
  private readonly now: () => number;
  private readonly circuit: CircuitBreaker | undefined;
  private readonly deadline: number;
  private readonly deadlineLabel: string;

  constructor(options: CountingClientOptions, shared?: { state: SharedState; priority: CallPriority }) {
    this.options = options;
    this.priority = shared?.priority ?? 'foreground';
    this.cache = options.cache;
    this.limiter = options.limiter ?? new RateLimiter({ limit: DEFAULT_RATE_LIMIT_PER_MINUTE });
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.maxRetryWaitMs = options.maxRetryWaitMs ?? 20_000;
    this.backoffMs = options.backoffMs ?? 2_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.log = options.log ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.circuit = options.circuit;
    this.deadline = options.deadline ?? Number.POSITIVE_INFINITY;
    this.deadlineLabel = options.deadlineLabel ?? 'the time limit';
    this.state = shared?.state ?? {
      transport: options.transport,
      inFlight: new Map(),
      unknownModels: new Map(),
      authFailure: undefined,
      downUntil: 0,
      downReason: undefined,
      nextBackoffMs: this.backoffMs,
      calls: 0,
      endpoint: endpointOf(options.baseURL),
      views: new Map(),
    };
  }

  /**
   * The same client (cache, calls in flight, key, what the API said) whose calls queue as
   * `priority` at the rate limiter: `background` for the Explorer view's scan and the context
   * footprint, so the document being edited never waits behind them.
   */
  withPriority(priority: CallPriority): CountingClient {
    if (priority === this.priority) return this;
    let view = this.state.views.get(priority);
    if (!view) this.state.views.set(priority, (view = new CountingClient(this.options, { state: this.state, priority })));
    return view;
  }

  /** HTTP attempts made so far (for benchmarks and tests). */
  get apiCalls(): number {
    return this.state.calls;
  }

  /** A new key or endpoint: forget what the old one was told. Counts are cached per endpoint (`baseURL`). */
  setTransport(transport: CountTransport | undefined, baseURL?: string): void {
    this.state.transport = transport;
    this.state.endpoint = endpointOf(baseURL);
    this.state.authFailure = undefined;
    this.state.unknownModels.clear();
    this.state.downUntil = 0;
    this.state.downReason = undefined;
    this.state.nextBackoffMs = this.backoffMs;
  }

  /** The cache key of a request at the default endpoint. */
  static keyOf(request: CountRequest): string {
    return canonicalHash(request);
  }

  /** A cached exact count for this request at the current endpoint, without any I/O. */
  peek(request: CountRequest): ExactCount | undefined {
    const hit = this.cache.get(keyAt(this.state.endpoint, CountingClient.keyOf(request)));
    return hit ? exactFromCache(hit) : undefined;
  }

  /**
   * The exact count of a request, or why there is none. Never rejects. The request is put in
   * canonical form (its cache key is that form's hash, and that form is what is sent) in slices,
   * so a request of many megabytes does not block the thread while it is.
   */
  async count(request: CountRequest, signal?: AbortSignal): Promise<CountResult> {
    const { hash, bytes } = await canonicalSliced(request);
    const key = keyAt(this.state.endpoint, hash);
    const hit = this.cache.get(key);
    if (hit) return exactFromCache(hit);
    const early = this.failFast(request.model);
    if (early) return early;
    if (signal?.aborted) return { status: 'cancelled' };

    let shared = this.state.inFlight.get(key);
    // A call every earlier caller walked away from is being cancelled: it would answer
    // "cancelled" to a caller who still wants the count. Start a fresh one instead.
    if (shared?.controller.signal.aborted) shared = undefined;
    if (!shared) {
      const controller = new AbortController();
      // The priority is read by fetchCount at once, so it is set before the call starts.
      const entry: InFlight = { controller, waiters: 0, promise: Promise.resolve(null as never), foreground: this.priority === 'foreground' };
      entry.promise = this.fetchCount(request, key, bytes, controller.signal, () => (entry.foreground ? 'foreground' : 'background')).finally(() => {
        if (this.state.inFlight.get(key) === entry) this.state.inFlight.delete(key);
      });
      this.state.inFlight.set(key, entry);
      shared = entry;
    }
    if (this.priority === 'foreground') shared.foreground = true;
    return this.waitFor(shared, signal);
  }

  private waitFor(shared: InFlight, signal?: AbortSignal): Promise<CountResult> {
    shared.waiters++;
    return new Promise<CountResult>((resolve) => {
      let settled = false;
      const settle = (result: CountResult) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const onAbort = () => {
        settle({ status: 'cancelled' });
        if (--shared.waiters === 0) shared.controller.abort();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(settle, (err: unknown) =>
        settle({ status: 'failed', reason: 'network', message: `Counting failed unexpectedly: ${(err as Error).message}` }),
      );
    });
  }

  /** Failures known without asking: no key, a rejected key, an unknown model, the API down. */
  private failFast(model: string): CountFailure | undefined {
    if (!this.state.transport) {
      return { status: 'failed', reason: 'no-key', message: 'No API key: set one with "Token Lens: Set API Key" or ANTHROPIC_API_KEY.' };
    }
    if (this.state.authFailure) return { status: 'failed', reason: 'unauthorized', message: this.state.authFailure };
    const unknown = this.state.unknownModels.get(model);
    if (unknown) return { status: 'failed', reason: 'unknown-model', message: unknown };
    if (this.state.downReason && this.now() < this.state.downUntil) return this.state.downReason;
    if (this.now() >= this.deadline) return this.deadlineFailure();
    const blocked = this.circuit?.blocked();
    if (blocked) return { status: 'failed', ...blocked };
    return undefined;
  }

  private deadlineFailure(): CountFailure {
    return { status: 'failed', reason: 'timeout', message: `The run's time limit (${this.deadlineLabel}) is used up, so this count is estimated instead of waiting.` };
  }

  /** Aborts on the caller's abort, the circuit opening, or the deadline. */
  private waitSignal(signal: AbortSignal): AbortSignal {
    const signals = [signal];
    if (this.circuit) signals.push(this.circuit.signal);
    if (Number.isFinite(this.deadline)) signals.push(AbortSignal.timeout(Math.max(0, this.deadline - this.now())));
    return signals.length === 1 ? signal : AbortSignal.any(signals);
  }

  /** Why a wait was cut short, when it was not the caller. */
  private interrupted(model: string, last: CountFailure | undefined): CountFailure {
    // Past the deadline or with the circuit open, failFast says so; else the wait ended for a circuit
    // that has closed again since, and the last failure stands.
    return this.failFast(model) ?? last ?? this.deadlineFailure();
  }

  private async fetchCount(request: CountRequest, key: string, body: Uint8Array, signal: AbortSignal, priority: () => CallPriority): Promise<ExactCount | CountFailure> {
    let last: CountFailure | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const early = this.failFast(request.model);
      if (early) return early;
      // Estimates never wait on the API; a count that would wait past the retry budget gives up.
      const delay = this.limiter.delay(priority());
      if (delay > this.deadline - this.now()) return this.deadlineFailure();
      if (delay > this.maxRetryWaitMs) {
        return { status: 'failed', reason: 'rate-limited', message: 'Rate limited: waiting for the next free slot.' };
      }
      try {
        await this.limiter.acquire(this.waitSignal(signal), priority);
      } catch (err) {
        if (!(err instanceof AbortedError)) throw err;
        return signal.aborted ? cancelledFailure() : this.interrupted(request.model, last);
      }
      const transport = this.state.transport;
      if (!transport) return this.failFast(request.model)!;
      if (this.circuit && !this.circuit.beginAttempt()) return this.failFast(request.model) ?? this.interrupted(request.model, last);
      const started = this.now();
      this.state.calls++;
      const timeoutMs = Math.max(1, Math.min(this.timeoutMs, this.deadline - started));
      const result = await transport(request, { signal, timeoutMs, body });
      const ms = this.now() - started;
      this.circuit?.record(result.ok ? 'ok' : result.kind === 'rate-limited' || result.kind === 'server' || result.kind === 'timeout' ? result.kind : 'other');
      if (result.ok && result.tokens < framingFloor(request)) {
        // 0 (or less than the framing alone) for a non-empty request: not a count, and never cached.
        const message = `The API answered ${result.tokens} input tokens for a request that cannot have fewer than ${framingFloor(request)}; not trusted.`;
        this.log({ model: request.model, outcome: 'invalid-response', ms, attempt, status: 200, message });
        return { status: 'failed', reason: 'server-error', message };
      }
      if (result.ok) {
        this.log({ model: request.model, outcome: 'ok', ms, attempt, status: 200 });
        this.markUp();
        const at = this.now();
        this.cache.set(key, result.tokens, at, result.original);
        return { status: 'exact', tokens: result.tokens, source: 'api', at, ...(result.original !== undefined ? { original: result.original } : {}) };
      }
      this.log({ model: request.model, outcome: result.kind, ms, attempt, message: result.message, ...(result.status !== undefined ? { status: result.status } : {}) });
      if (result.kind === 'aborted' || signal.aborted) return cancelledFailure();
      last = this.failureOf(request.model, result);
      if (!RETRYABLE.has(result.kind) || attempt === this.maxAttempts) {
        // The last 429 closes the limiter for its retry-after too, so the next count waits it out.
        if (result.kind === 'rate-limited') this.retryWait(result, attempt);
        break;
      }
      const wait = this.retryWait(result, attempt);
      if (wait > this.maxRetryWaitMs) break;
      if (wait > this.deadline - this.now()) return this.deadlineFailure();
      try {
        await sleep(wait, this.waitSignal(signal));
      } catch {
        return signal.aborted ? cancelledFailure() : this.interrupted(request.model, last);
      }
    }
    if (last && (last.reason === 'network' || last.reason === 'timeout' || last.reason === 'server-error')) this.markDown(last);
    return last ?? { status: 'failed', reason: 'network', message: 'No answer from the API.' };
  }

  private retryWait(result: TransportFailure, attempt: number): number {
    if (result.kind === 'rate-limited') {
      // A retry-after longer than the longest backoff (or absurd: days, Infinity) would close the
      // limiter for that long; past maxBackoffMs the next call asks again, and a 429 answers it.
      const wait = Math.min(this.maxBackoffMs, result.retryAfterMs ?? 1_000 * 2 ** attempt);
      this.limiter.blockUntil(this.now() + wait);
      return wait;
    }
    // Exponential backoff with jitter for 5xx, timeouts and dropped connections.
    return Math.round(250 * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
  }

  private failureOf(model: string, result: TransportFailure): CountFailure {
    switch (result.kind) {
      case 'auth':
        this.state.authFailure = `The API key was rejected (${result.status ?? 401}): ${result.message}`;
        return { status: 'failed', reason: 'unauthorized', message: this.state.authFailure };
      case 'not-found': {
        const message = `The API does not know the model "${model}": ${result.message}`;
        this.state.unknownModels.set(model, message);
        return { status: 'failed', reason: 'unknown-model', message };
      }
      case 'bad-request':
        return { status: 'failed', reason: 'rejected', message: `The API rejected the request: ${result.message}` };
      case 'too-large':
        return { status: 'failed', reason: 'too-large', message: `The request is too large for the API (32 MB limit): ${result.message}` };
      case 'rate-limited':
        return { status: 'failed', reason: 'rate-limited', message: `Rate limited by the API: ${result.message}` };
      case 'server':
        return { status: 'failed', reason: 'server-error', message: `The API had an error (${result.status ?? 'no status'}): ${result.message}` };
      case 'timeout':
        return { status: 'failed', reason: 'timeout', message: `The API did not answer within ${Math.round(this.timeoutMs / 1000)} s.` };
      case 'invalid-response':
        return { status: 'failed', reason: 'server-error', message: `The API sent an unreadable answer: ${result.message}` };
      default:
        return { status: 'failed', reason: 'network', message: `The API could not be reached: ${result.message}` };
    }
  }

  private markDown(failure: CountFailure): void {
    // Calls that were in flight together fail together: one outage, one step of the backoff.
    // (Each of them doubling it would turn the first 2 s pause into a minute at once.)
    if (this.state.downReason && this.now() < this.state.downUntil) return;
    this.state.downReason = failure;
    this.state.downUntil = this.now() + this.state.nextBackoffMs;
    this.state.nextBackoffMs = Math.min(this.maxBackoffMs, this.state.nextBackoffMs * 2);
  }

  private markUp(): void {
    this.state.downReason = undefined;
    this.state.downUntil = 0;
    this.state.nextBackoffMs = this.backoffMs;
  }
}

/** The shared call was abandoned by every waiter; nobody reads this value. */
function cancelledFailure(): CountFailure {
  return { status: 'failed', reason: 'network', message: 'cancelled' };
}
