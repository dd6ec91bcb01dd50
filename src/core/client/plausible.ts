import { createHash } from 'node:crypto';
import type { CountRequest } from '../types';

/** The API origin every key without one is for (cache entries from before origins were keyed). */
export const DEFAULT_API_ORIGIN = 'https://api.anthropic.com';

/**
 * The endpoint a count came from, as part of its cache key: a proxy, a gateway or a fake answers
 * for itself, and its numbers must not be served once the endpoint changes. Normalised (case, a
 * trailing slash); the default origin gives the empty string.
 */
export function endpointOf(baseURL: string | undefined): string {
  const raw = baseURL?.trim();
  if (!raw) return '';
  let normal: string;
  try {
    const url = new URL(raw);
    normal = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    normal = raw.replace(/\/+$/, '');
  }
  return normal === DEFAULT_API_ORIGIN ? '' : normal;
}

/** The cache key of a request's canonical hash at an endpoint (the hash itself for the default one). */
export function keyAt(endpoint: string, hash: string): string {
  return endpoint === '' ? hash : createHash('sha256').update(`${endpoint}\n${hash}`).digest('hex');
}

/**
 * The fewest input tokens a request can have: every message, the system prompt and each tool is
 * framed by at least a token of its own. A count below it (0 for a non-empty request, a negative
 * number) is a broken or hostile answer, never a count.
 */
export function framingFloor(request: CountRequest): number {
  const messages = Array.isArray(request.messages) ? request.messages.length : 0;
  const system = request.system !== undefined && request.system !== '' ? 1 : 0;
  const tools = Array.isArray(request.tools) ? request.tools.length : 0;
  return Math.max(1, messages + system + tools);
}
