import type { CountRequest } from '../types';
import { sdkLogger, type SdkLogSink } from './sdk-log';

/** What one HTTP attempt at count_tokens came to. Never carries the API key. */
export type TransportResult =
  | {
      ok: true;
      tokens: number;
      /** `context_management.original_input_tokens`: the count before context editing, when the request asked for editing. */
      original?: number;
    }
  | {
      ok: false;
      kind: 'auth' | 'not-found' | 'bad-request' | 'too-large' | 'rate-limited' | 'server' | 'timeout' | 'network' | 'aborted' | 'invalid-response';
      status?: number;
      /** The API's own message where it gave one. */
      message: string;
      /** From `retry-after-ms` / `retry-after`, when the API sent one. */
      retryAfterMs?: number;
    };

export type TransportFailure = Extract<TransportResult, { ok: false }>;
export type TransportFailureKind = TransportFailure['kind'];

/** How one attempt is made. */
export interface TransportOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** The request already encoded as JSON (UTF-8), to send as it is; else it is encoded here. */
  body?: Uint8Array;
}

/** One attempt at counting a request; must resolve (never reject) and honour the signal. */
export type CountTransport = (request: CountRequest, options: TransportOptions) => Promise<TransportResult>;

export interface SdkTransportOptions {
  apiKey: string;
  /** API origin; undefined uses the SDK's default (which honours ANTHROPIC_BASE_URL). */
  baseURL?: string;
  /** Sent as the SDK's `fetch`; tests and proxies only. */
  fetch?: typeof fetch;
  /** Where the SDK's own log lines go (redacted, no bodies); they never reach the console. */
  log?: SdkLogSink;
}

type Sdk = typeof import('@anthropic-ai/sdk');

/** The count_tokens route, as the SDK's `messages.countTokens` calls it. */
const COUNT_TOKENS_PATH = '/v1/messages/count_tokens';

/**
 * The beta that lets count_tokens take `context_management`, sent in the `anthropic-beta` header
 * as `client.beta.messages.countTokens({ ..., betas: [it] })` sends it (SDK 1.14: the header
 * only, with the token-counting beta beside it; the route is the same).
 */
export const CONTEXT_MANAGEMENT_BETA = 'context-management-2025-06-27';

let sdkModule: Promise<Sdk> | undefined;

/** Loads the SDK on first use, so that starting the editor never pays for it. */
function loadSdk(): Promise<Sdk> {
  // A plain require, which the bundler keeps lazy: the SDK is evaluated on the first count.
  sdkModule ??= Promise.resolve().then(() => require('@anthropic-ai/sdk') as Sdk);
  return sdkModule;
}

/**
 * A transport over the official SDK: `POST /v1/messages/count_tokens` through the client's `post`
 * (the route `messages.countTokens` takes), with the body sent as the bytes the counting client
 * encoded in slices: the SDK would otherwise `JSON.stringify` a request of many megabytes on the
 * caller's thread in one go (about 40 ms at 10 MB, bench/large-documents.ts). The SDK's own
 * retries are off: the counting client decides when to try again, within its rate limit.
 */
export function sdkTransport(options: SdkTransportOptions): CountTransport {
  let client: InstanceType<Sdk['default']> | undefined;
  // fetch would refuse such a key with an error about a header; say what is wrong instead.
  const unsendable = /[\u0000-\u001f\u007f-\uffff]/.test(options.apiKey);
  return async (request, { signal, timeoutMs, body }) => {
    if (unsendable) {
      return { ok: false, kind: 'auth', message: 'The API key contains a line break, a control character or a non-ASCII character; set it again.' };
    }
    let sdk: Sdk;
    try {
      sdk = await loadSdk();
    } catch (err) {
      return { ok: false, kind: 'network', message: `The Anthropic SDK could not be loaded: ${(err as Error).message}` };
    }
    client ??= new sdk.default({
      apiKey: options.apiKey,
      ...(options.baseURL !== undefined ? { baseURL: options.baseURL } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      // Requests go to the configured origin only: a redirect elsewhere is reported, not followed
      // (fetch would re-send the prompt there, and take that host's answer as the count).
      fetchOptions: { redirect: 'manual' },
      maxRetries: 0,
      timeout: timeoutMs,
      // Never the SDK's default console logger: ANTHROPIC_LOG=debug would print on stdout (breaking
      // --json), unredacted error bodies, and a preview of the prompt.
      logger: sdkLogger(options.log ?? (() => undefined), options.apiKey),
    });
    // The SDK's timeout stops at the response headers; a body that drips in needs a deadline too.
    const deadline = AbortSignal.timeout(timeoutMs);
    try {
      const beta = request.context_management !== undefined;
      const result = await client.post<unknown>(COUNT_TOKENS_PATH, {
        body: body ?? Buffer.from(JSON.stringify(request), 'utf8'),
        headers: { 'content-type': 'application/json', ...(beta ? { 'anthropic-beta': `${CONTEXT_MANAGEMENT_BETA},token-counting-2024-11-01` } : {}) },
        signal: AbortSignal.any([signal, deadline]),
        timeout: timeoutMs,
        maxRetries: 0,
      });
      const tokens = (result as { input_tokens?: unknown }).input_tokens;
      if (typeof tokens !== 'number' || !Number.isSafeInteger(tokens) || tokens < 0) {
        return { ok: false, kind: 'invalid-response', message: 'The API answered without a valid input_tokens number.' };
      }
      const cm = (result as { context_management?: { original_input_tokens?: unknown } | null }).context_management;
      const original = cm?.original_input_tokens;
      if (typeof original === 'number' && Number.isSafeInteger(original) && original >= 0) return { ok: true, tokens, original };
      return { ok: true, tokens };
    } catch (err) {
      if (signal.aborted) return { ok: false, kind: 'aborted', message: 'cancelled' };
      if (deadline.aborted) return { ok: false, kind: 'timeout', message: 'The request timed out.' };
      return classify(sdk, err, options.apiKey);
    }
  };
}

function classify(sdk: Sdk, err: unknown, apiKey: string): TransportFailure {
  const message = redact(apiMessage(err), apiKey);
  if (err instanceof sdk.APIUserAbortError) return { ok: false, kind: 'aborted', message };
  if (err instanceof sdk.APIConnectionTimeoutError) return { ok: false, kind: 'timeout', message: 'The request timed out.' };
  if (err instanceof sdk.APIConnectionError) return { ok: false, kind: 'network', message };
  if (err instanceof sdk.APIError && typeof err.status === 'number') {
    const status = err.status;
    const retryAfterMs = retryAfter(err.headers);
    const base = { ok: false as const, status, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    if (status === 401 || status === 403) return { ...base, kind: 'auth' };
    if (status === 404) return { ...base, kind: 'not-found' };
    if (status === 413) return { ...base, kind: 'too-large' };
    if (status === 429) return { ...base, kind: 'rate-limited' };
    if (status >= 300 && status < 400) {
      const to = redirectOrigin(err.headers);
      return { ...base, kind: 'network', message: `The endpoint answered with a redirect (${status}${to ? ` to ${to}` : ''}), which is not followed: set the API base URL to the address that answers.` };
    }
    if (status === 408 || status >= 500) return { ...base, kind: 'server' };
    return { ...base, kind: 'bad-request' };
  }
  // A body that was not JSON, a truncated response, or something else the SDK threw.
  return { ok: false, kind: 'invalid-response', message };
}

/** The API's own error message when the body had one, else the error's text. */
function apiMessage(err: unknown): string {
  const body = (err as { error?: { error?: { message?: unknown } } }).error;
  const inner = body?.error?.message;
  if (typeof inner === 'string' && inner) return inner;
  return err instanceof Error ? err.message : String(err);
}

/** The origin a redirect points to, for the message; never its path or query. */
function redirectOrigin(headers: unknown): string | undefined {
  const location = headers && typeof (headers as Headers).get === 'function' ? (headers as Headers).get('location') : null;
  if (!location) return undefined;
  try {
    return new URL(location).origin;
  } catch {
    return undefined;
  }
}

function retryAfter(headers: unknown): number | undefined {
  const get = (name: string): string | null | undefined =>
    headers && typeof (headers as Headers).get === 'function' ? (headers as Headers).get(name) : undefined;
  const ms = Number(get('retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && get('retry-after-ms')) return ms;
  const raw = get('retry-after');
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** Removes the key from any text that might reach a log or the user. */
export function redact(text: string, apiKey: string | undefined): string {
  if (!apiKey || apiKey.length < 4) return text;
  return text.split(apiKey).join('[redacted]');
}
