import { strict as assert } from 'node:assert';
import { CountCache } from '../../src/core/client/cache';
import { CountingClient, type CountingClientOptions } from '../../src/core/client/counting-client';
import { RateLimiter } from '../../src/core/client/rate-limiter';
import { sdkTransport } from '../../src/core/client/transport';
import { parseDocument } from '../../src/core/payload';
import type { ParsedDocument } from '../../src/core/types';
import type { FakeApi } from '../fake-api/server';

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

/** A counting client on the fake API: fresh cache, no practical rate limit, short timeout. */
export function fakeApiClient(api: FakeApi, overrides: Partial<CountingClientOptions> = {}): CountingClient {
  return new CountingClient({
    transport: sdkTransport({ apiKey: api.apiKey, baseURL: api.url }),
    cache: new CountCache(),
    limiter: new RateLimiter({ limit: 10_000 }),
    timeoutMs: 2_000,
    ...overrides,
  });
}
