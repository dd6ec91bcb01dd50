/**
 * Where exact counts come from: the one shape of "can we count exactly here, and if not why",
 * and the one factory that assembles what exact counting needs (cache, rate limiter, counting
 * client, transport). Each front end builds its {@link Counting} in one place from it: the
 * editor's engine and the CLI's session.
 *
 * Pure TypeScript, no `vscode` import.
 */
import type { CircuitBreaker } from './client/circuit';
import { CountCache } from './client/count-cache';
import { CountingClient, type CountLogEvent } from './client/counting-client';
import { RateLimiter } from './client/rate-limiter';
import type { SdkLogSink } from './client/sdk-log';
import { sdkTransport } from './client/transport';
import type { EstimateReason } from './types';

/** Exact counts through `client`, or only estimates, and why. */
export type Counting = { client: CountingClient } | { reason: EstimateReason };

/** The client when exact counts are possible, else undefined. */
export function clientOf(counting: Counting): CountingClient | undefined {
  return 'client' in counting ? counting.client : undefined;
}

/** Why there are only estimates, or undefined when exact counts are possible. */
export function reasonOf(counting: Counting): EstimateReason | undefined {
  return 'reason' in counting ? counting.reason : undefined;
}

/** An API key and the endpoint it is for. Never logged, cached or printed. */
export interface ApiAccess {
  apiKey: string;
  /** API origin; undefined uses the SDK's default. */
  baseURL?: string;
}

export interface CountingStackOptions {
  /** The persistent count cache's file; in memory only when absent. */
  cacheFile?: string;
  /** Told about an unreadable cache file (never the key or prompt text). */
  onCacheProblem?: (message: string) => void;
  /** API calls allowed per minute. */
  rateLimitPerMinute: number;
  /** Longest one count waits for a free slot or a 429's retry-after before it gives up. */
  maxRetryWaitMs?: number;
  /** Each API call, for the log. */
  log?: (event: CountLogEvent) => void;
  /** The SDK's own log lines (`ANTHROPIC_LOG`), redacted, to the front end's log; never stdout. */
  sdkLog?: SdkLogSink;
  /** A run-level deadline (epoch ms) no wait or retry goes past, and how it was set for messages. */
  deadline?: { at: number; label: string };
  /** Stops calling after sustained 429/5xx answers: the rest is estimated. */
  circuit?: CircuitBreaker;
}

/** What exact counting runs on: built once per front end by {@link createCountingStack}. */
export interface CountingStack {
  readonly cache: CountCache;
  readonly limiter: RateLimiter;
  readonly client: CountingClient;
  /**
   * Points the client at `access` (an API key and endpoint), or at nothing when there are only
   * estimates, and returns the {@link Counting} that follows: the client, or the reason. A new
   * key or endpoint makes the client forget what the old one was told.
   */
  connect(access: { access: ApiAccess } | { reason: EstimateReason }): Counting;
}

/** Assembles the count cache, the rate limiter and the counting client, without a transport yet. */
export function createCountingStack(options: CountingStackOptions): CountingStack {
  const cache = new CountCache({
    ...(options.cacheFile !== undefined ? { file: options.cacheFile } : {}),
    ...(options.onCacheProblem ? { onProblem: options.onCacheProblem } : {}),
  });
  const limiter = new RateLimiter({ limit: options.rateLimitPerMinute });
  const client = new CountingClient({
    transport: undefined,
    cache,
    limiter,
    ...(options.maxRetryWaitMs !== undefined ? { maxRetryWaitMs: options.maxRetryWaitMs } : {}),
    ...(options.log ? { log: options.log } : {}),
    ...(options.deadline ? { deadline: options.deadline.at, deadlineLabel: options.deadline.label } : {}),
    ...(options.circuit ? { circuit: options.circuit } : {}),
  });
  return {
    cache,
    limiter,
    client,
    connect(how) {
      if ('reason' in how) {
        client.setTransport(undefined);
        return { reason: how.reason };
      }
      const { apiKey, baseURL } = how.access;
      // The endpoint also keys the count cache, so a count from another API is never reused.
      client.setTransport(sdkTransport({ apiKey, ...(baseURL ? { baseURL } : {}), ...(options.sdkLog ? { log: options.sdkLog } : {}) }), baseURL);
      return { client };
    },
  };
}
