import { strict as assert } from 'node:assert';
import type { AnalyzeOptions } from '../../src/core/analyze';
import { CountCache } from '../../src/core/client/count-cache';
import { CountingClient, type CountingClientOptions } from '../../src/core/client/counting-client';
import { RateLimiter } from '../../src/core/client/rate-limiter';
import { sdkTransport } from '../../src/core/client/transport';
import { ModelRegistry } from '../../src/core/models/registry';
import { parseDocument } from '../../src/core/payload';
import type { ParsedDocument } from '../../src/core/types';

/** The bundled model and price table. */
export const registry = ModelRegistry.bundled();

/** The extension's default analysis options, on a fixed day (so model retirement findings never drift). */
export function analyzeOptions(overrides: Partial<AnalyzeOptions> = {}): AnalyzeOptions {
  return { registry, defaultModel: 'claude-sonnet-4-6', toolThreshold: 500, today: new Date('2026-11-27T12:00:00Z'), ...overrides };
}

/** Parses a request (an object, pretty-printed as JSON, or text) that must be recognised. */
export function parseOk(value: unknown, file = 'request.json'): ParsedDocument {
  const result = parseDocument(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  assert.equal(result.status, 'ok', JSON.stringify(result));
  return (result as { doc: ParsedDocument }).doc;
}

/** A USD amount equal to the expected one but for floating-point noise. */
export function assertClose(actual: number | undefined, expected: number, what = ''): void {
  assert.ok(actual !== undefined, `${what}: defined`);
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} ≠ ${expected}`);
}

/**
 * A counting client on the fake API (a FakeApi, or the url and key of one in another process):
 * fresh cache, no practical rate limit, short timeout.
 */
export function fakeApiClient(api: { apiKey: string; url: string }, overrides: Partial<CountingClientOptions> = {}): CountingClient {
  return new CountingClient({
    transport: sdkTransport({ apiKey: api.apiKey, baseURL: api.url }),
    cache: new CountCache(),
    limiter: new RateLimiter({ limit: 10_000 }),
    timeoutMs: 2_000,
    ...overrides,
  });
}
