import type { EstimateReason } from '../types';

export interface CircuitBreakerOptions {
  /** Attempts in a row answered 429, 5xx or not at all (timeout) after which the circuit opens. */
  threshold?: number;
  /** How long it stays open before one trial call may go through; Infinity for the rest of the run. */
  cooldownMs?: number;
  now?: () => number;
}

/** What an attempt came to, as far as the breaker cares. */
export type AttemptOutcome = 'ok' | 'rate-limited' | 'server' | 'timeout' | 'other';

/**
 * A circuit breaker over count_tokens attempts: after `threshold` attempts in a row that the API
 * answered with 429 or 5xx (or not at all), it opens, and every count fails at once with the
 * reason, instead of each one waiting out its own retries. A batch run (the CLI) keeps it open for
 * the rest of the run; with a finite cooldown one trial call is let through after it, and a success
 * closes it. `signal` aborts when it opens, so counts waiting to retry stop waiting.
 */
export class CircuitBreaker {
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private inARow = 0;
  private lastKind: 'rate-limited' | 'server' | 'timeout' = 'server';
  private openedAt: number | undefined;
  private trialInFlight = false;
  private controller = new AbortController();

  constructor(options: CircuitBreakerOptions = {}) {
    this.threshold = Math.max(1, options.threshold ?? 6);
    this.cooldownMs = options.cooldownMs ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? Date.now;
  }

  /** Aborts when the circuit opens. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get isOpen(): boolean {
    return this.openedAt !== undefined;
  }

  record(outcome: AttemptOutcome): void {
    if (outcome === 'ok') {
      this.inARow = 0;
      this.trialInFlight = false;
      if (this.openedAt !== undefined) {
        this.openedAt = undefined;
        this.controller = new AbortController();
      }
      return;
    }
    if (outcome === 'other') return;
    this.lastKind = outcome;
    this.inARow++;
    if (this.trialInFlight || (this.openedAt === undefined && this.inARow >= this.threshold)) {
      this.trialInFlight = false;
      this.openedAt = this.now();
      this.controller.abort();
    }
  }

  /** Called just before an attempt; false when the circuit is open and the one trial call is taken. */
  beginAttempt(): boolean {
    if (this.openedAt === undefined) return true;
    if (this.trialInFlight || this.now() - this.openedAt < this.cooldownMs) return false;
    this.trialInFlight = true;
    return true;
  }

  /** Why no call may be made now, or undefined when one may (a trial, after the cooldown). */
  blocked(): { reason: EstimateReason; message: string } | undefined {
    if (this.openedAt === undefined) return undefined;
    if (this.now() - this.openedAt >= this.cooldownMs && !this.trialInFlight) return undefined;
    const what = this.lastKind === 'rate-limited' ? 'rate limited (429)' : this.lastKind === 'timeout' ? 'not answering' : 'failing (5xx)';
    const until = Number.isFinite(this.cooldownMs) ? `for ${Math.round(this.cooldownMs / 1000)} s` : 'for the rest of this run';
    return {
      reason: this.lastKind === 'rate-limited' ? 'rate-limited' : this.lastKind === 'timeout' ? 'timeout' : 'server-error',
      message: `The API was ${what} on ${this.inARow} attempts in a row, so counts are estimated ${until} instead of waiting for each file (circuit breaker).`,
    };
  }
}
