/** Thrown inside the limiter only; callers see a rejected promise with this error when aborted. */
export class AbortedError extends Error {
  constructor() {
    super('aborted');
    this.name = 'AbortedError';
  }
}

export interface RateLimiterOptions {
  /** Calls allowed per window. */
  limit: number;
  /** Window length in ms (a minute, for requests per minute). */
  windowMs?: number;
  now?: () => number;
}

/**
 * Who is waiting for a call: `foreground` for what the user is looking at (the document being
 * edited, a report they asked for), `background` for work nobody waits on (the workspace scan,
 * the context footprint).
 */
export type CallPriority = 'foreground' | 'background';

interface Waiter {
  priority: () => CallPriority;
  resolve: () => void;
  reject: (err: Error) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * A sliding-window limiter: at most `limit` calls start in any `windowMs`. After the API says
 * 429 the limiter is closed until `retry-after` has passed. Foreground waiters go before
 * background ones, first come first served within each, and background calls leave a fifth of the
 * window (at least one call) to the foreground, so a document being edited never waits behind a
 * scan of the workspace. Waiters may leave the queue by aborting, without using up a slot.
 */
export class RateLimiter {
  private readonly starts: number[] = [];
  private readonly windowMs: number;
  private readonly now: () => number;
  private limit: number;
  private blockedUntil = 0;
  private readonly waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(options: RateLimiterOptions) {
    this.limit = Math.max(1, Math.floor(options.limit));
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  setLimit(limit: number): void {
    this.limit = Math.max(1, Math.floor(limit));
    this.pump();
  }

  /** Closes the limiter until `until` (ms since epoch), e.g. after a 429 with retry-after. */
  blockUntil(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
    this.pump();
  }

  /** Calls a priority may have started in the window: background ones leave the foreground's reserve. */
  private allowance(priority: CallPriority): number {
    if (priority === 'foreground' || this.limit === 1) return this.limit;
    return this.limit - Math.max(1, Math.floor(this.limit / 5));
  }

  /** How long a call of `priority` made now would have to wait, in ms (0 if it could start at once). */
  delay(priority: CallPriority = 'foreground'): number {
    const now = this.now();
    this.prune(now);
    let wait = Math.max(0, this.blockedUntil - now);
    const allowed = this.allowance(priority);
    if (this.starts.length >= allowed) {
      wait = Math.max(wait, this.starts[this.starts.length - allowed]! + this.windowMs - now);
    }
    return wait;
  }

  /**
   * Resolves when a call may start (and counts it as started); rejects with AbortedError on abort.
   * `priority` may be a function: a call first wanted by the background becomes a foreground one
   * when the user starts waiting for the same count.
   */
  acquire(signal?: AbortSignal, priority: CallPriority | (() => CallPriority) = 'foreground'): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        priority: typeof priority === 'function' ? priority : () => priority,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.remove(waiter);
          reject(new AbortedError());
          this.pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** Starts every waiter that may start now, in turn; else wakes up when the next one may. */
  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (;;) {
      const next = this.waiters.find((w) => w.priority() === 'foreground') ?? this.waiters[0];
      if (!next) return;
      const wait = this.delay(next.priority());
      if (wait > 0) {
        this.timer = setTimeout(() => this.pump(), wait);
        return;
      }
      this.remove(next);
      next.signal?.removeEventListener('abort', next.onAbort);
      this.starts.push(this.now());
      next.resolve();
    }
  }

  private remove(waiter: Waiter): void {
    const i = this.waiters.indexOf(waiter);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  private prune(now: number): void {
    while (this.starts.length > 0 && this.starts[0]! <= now - this.windowMs) this.starts.shift();
  }
}

/** setTimeout as a promise that rejects with AbortedError when the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
