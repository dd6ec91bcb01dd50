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
 * A sliding-window limiter: at most `limit` calls start in any `windowMs`. After the API says
 * 429 the limiter is closed until `retry-after` has passed. Waiters are served first come, first
 * served and may leave the queue by aborting, without using up a slot.
 */
export class RateLimiter {
  private readonly starts: number[] = [];
  private readonly windowMs: number;
  private readonly now: () => number;
  private limit: number;
  private blockedUntil = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: RateLimiterOptions) {
    this.limit = Math.max(1, Math.floor(options.limit));
    this.windowMs = options.windowMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  setLimit(limit: number): void {
    this.limit = Math.max(1, Math.floor(limit));
  }

  /** Closes the limiter until `until` (ms since epoch), e.g. after a 429 with retry-after. */
  blockUntil(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
  }

  /** How long a call made now would have to wait, in ms (0 if it could start at once). */
  delay(): number {
    const now = this.now();
    this.prune(now);
    let wait = Math.max(0, this.blockedUntil - now);
    if (this.starts.length >= this.limit) {
      wait = Math.max(wait, this.starts[this.starts.length - this.limit]! + this.windowMs - now);
    }
    return wait;
  }

  /** Resolves when a call may start (and counts it as started); rejects with AbortedError on abort. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.waitForSlot(signal));
    // The next waiter queues behind this one whether it succeeds or aborts.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async waitForSlot(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) throw new AbortedError();
      const wait = this.delay();
      if (wait <= 0) {
        this.starts.push(this.now());
        return;
      }
      await sleep(wait, signal);
    }
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
