/**
 * A fake Anthropic API for tests: `POST /v1/messages/count_tokens` over real HTTP on 127.0.0.1.
 *
 * README
 * ------
 * In-process (unit tests):
 *
 *     const api = await startFakeApi();
 *     const client = new Anthropic({ apiKey: api.apiKey, baseURL: api.url, maxRetries: 0 });
 *     await client.messages.countTokens({ model: 'claude-opus-4-6', messages: [...] });
 *     api.fail({ kind: 'status', status: 429, retryAfter: 3 });   // next request gets a 429
 *     api.setDefaultFault({ kind: 'drop' });                      // outage until set back to null
 *     await api.close();                                          // also kills keep-alive sockets
 *
 * As a process (e2e tests, manual runs):
 *
 *     node --import tsx test/fake-api/server.ts --port 0 --key K [--fault-file F] [--latency MS]
 *                                              [--models a,b,c]
 *
 * prints one line `{"url":"http://127.0.0.1:PORT","apiKey":"K"}` to stdout and serves until SIGTERM or
 * SIGINT. `--fault-file F` names a JSON file holding one `Fault` or `null`; it is re-read on every request
 * (a missing or unreadable file means no fault), so a test in another process can take the API down and
 * bring it back by rewriting the file. Point the extension at it with `ANTHROPIC_BASE_URL` / `ANTHROPIC_API_KEY`.
 *
 * What it checks, like the documented API (error bodies are `{type:"error",error:{type,message},request_id}`
 * with a `request-id` header): only `POST /v1/messages/count_tokens` exists (else 404); body over
 * `maxBodyBytes` (32 MiB) → 413 request_too_large; `x-api-key` or `Authorization: Bearer` must carry the key
 * (401); `anthropic-version` header required (400); JSON object body; `model` and `messages` required; only
 * the count_tokens top-level keys are allowed (`max_tokens: Extra inputs are not permitted`); unknown model
 * → 404 `model: <id>`; non-empty messages of role user/assistant with string or block content; empty text
 * rejected as the real API does; `url`/`file` image or document sources, server tools and `mcp_servers`
 * → 400; manual thinking budget >= 1024.
 *
 * PRESERVED THINKING (models in {@link FAKE_PREFIX_CHECK_MODELS}: Fable 5.1, Fable 5.2, Mythos 5.2, per
 * docs build-with-claude/preserved-thinking): a `thinking` / `redacted_thinking` block whose `signature`
 * starts with `tl-fake-sig:` is bound to what came before it: `system`, `tools`, the earlier messages
 * and the earlier blocks of its own message ({@link fakeThinkingSignature} makes such a signature). If
 * that prefix differs (earlier turns dropped, a message edited), the request gets the docs' 400:
 * `messages.I.content.J: Invalid \`signature\` in \`thinking\` block. The block is bound to a different
 * conversation. ...`. Other signatures are not checked (the fake cannot know what they were bound to).
 *
 * FAKE COUNT RULE — deliberately unlike any estimator, so a test can tell an exact count from a guess:
 *
 *     u(s)  = ceil(UTF-8 byte length of s / 3)             "units" of a string
 *     j(v)  = u(JSON.stringify(v))                         units of a JSON value, compact
 *     raw   = 5                                            request base
 *           + system: string → u(s); block array → Σ block(b)
 *           + Σ over messages: 4 + content(message.content)
 *           + if tools is a non-empty array: 120 + Σ over tools (9 + j(tool))
 *           + 13 if thinking.type === "enabled"
 *     content(c) = string → u(c); array → Σ block(b); anything else → 0
 *     block(b), by b.type:
 *       text                           u(b.text)          (cache_control and citations are free)
 *       image, base64 source           300
 *       document, base64 source        900 × max(1, occurrences of "/Type /Page" — not "/Pages" — in the
 *                                      decoded data)
 *       document, text source          u(source.data)
 *       document, content source       content(source.content)
 *       tool_use, server_tool_use      u(b.name) + j(b.input)
 *       tool_result                    content(b.content)
 *       thinking                       u(b.thinking) in the LAST message, 0 in earlier ones
 *       redacted_thinking              0
 *       anything else                  j(b)
 *     input_tokens = raw                       for the claude-4 family
 *                  = round(raw × 1.25)         for the newer tokenizer (`claude-4.7` family): claude-opus-4-7,
 *                                              claude-opus-4-8 (any claude-opus-4-7+), and every 5.x model
 *                                              (`claude-<name>-5`, `claude-<name>-5-…`)
 *
 * `tool_choice`, `output_config`, `speed` and `cache_control` never change the count.
 *
 * CONTEXT EDITING: `context_management` is accepted only when the `anthropic-beta` header names
 * `context-management-2025-06-27` (as `client.beta.messages.countTokens` with that beta sends it);
 * otherwise it is `Extra inputs are not permitted`. Its `clear_tool_uses_20250919` edit is applied like the
 * docs describe it: when the request counts at least `trigger.value` (default 100,000 input tokens), the
 * results of all but the last `keep.value` (default 3) tool uses, oldest first, are replaced by the
 * placeholder "[cleared]" (their inputs too with `clear_tool_inputs: true`; tools named in
 * `exclude_tools` are kept). The answer is then `{ input_tokens: <count after>, context_management:
 * { original_input_tokens: <count before> } }`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TokenizerFamily } from '../../src/core/types';

/** Model ids and aliases accepted by default: the reference doc's model table and the token-counting page's list. */
export const FAKE_DEFAULT_MODELS: readonly string[] = [
  'claude-opus-4-8',
  'claude-opus-4-7',
  'claude-opus-4-6',
  'claude-sonnet-4-6',
  'claude-opus-4-5-20251101',
  'claude-opus-4-5',
  'claude-sonnet-4-5-20250929',
  'claude-sonnet-4-5',
  'claude-haiku-4-5-20251001',
  'claude-haiku-4-5',
  'claude-opus-5',
  'claude-sonnet-5',
  'claude-sonnet-5-5',
  'claude-opus-5-5',
  'claude-haiku-5-5',
  'claude-fable-5-1',
  'claude-fable-5-2',
  'claude-fable-5',
  'claude-mythos-5',
  'claude-mythos-5-1',
  'claude-mythos-5-2',
  'claude-mythos-preview',
];

/** Models that check a thinking block's signature against the conversation before it (400 on a mismatch). */
export const FAKE_PREFIX_CHECK_MODELS: ReadonlySet<string> = new Set(['claude-fable-5-1', 'claude-fable-5-2', 'claude-mythos-5-2']);

const FAKE_SIGNATURE_PREFIX = 'tl-fake-sig:';

/** JSON with object keys sorted at every level: the same value always writes the same text. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

/** What a thinking block at messages[i].content[j] is bound to (cache_control left out: it is not content). */
function thinkingPrefix(body: Record<string, unknown>, i: number, j: number): string {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'cache_control').map(([k, x]) => [k, strip(x)]));
    return v;
  };
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  const own = messages[i];
  const before = isObject(own) && Array.isArray(own['content']) ? own['content'].slice(0, j) : [];
  return stableJson(strip({ system: body['system'] ?? null, tools: body['tools'] ?? null, messages: messages.slice(0, i), before }));
}

/**
 * The signature the fake API gives the thinking block at `messages[i].content[j]` of `body`: it
 * binds the block to everything before it, as preserved thinking does. Fixtures call it to sign
 * their thinking blocks.
 */
export function fakeThinkingSignature(body: unknown, i: number, j: number): string {
  return FAKE_SIGNATURE_PREFIX + createHash('sha256').update(thinkingPrefix(body as Record<string, unknown>, i, j)).digest('base64url').slice(0, 32);
}

/** The request with every `tl-fake-sig:` thinking signature set to match its prefix (signed in order). */
export function signFakeThinking<T>(body: T): T {
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
  const messages = Array.isArray(copy['messages']) ? copy['messages'] : [];
  messages.forEach((m, i) => {
    if (!isObject(m) || !Array.isArray(m['content'])) return;
    m['content'].forEach((b, j) => {
      if (isObject(b) && (b['type'] === 'thinking' || b['type'] === 'redacted_thinking')) b['signature'] = fakeThinkingSignature(copy, i, j);
    });
  });
  return copy as T;
}

/** The prefix check of preserved thinking: the first thinking block bound to another conversation, as the API's 400. */
function checkThinkingBinding(body: Record<string, unknown>): void {
  if (!FAKE_PREFIX_CHECK_MODELS.has(String(body['model']))) return;
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  messages.forEach((m, i) => {
    if (!isObject(m) || !Array.isArray(m['content'])) return;
    m['content'].forEach((b, j) => {
      if (!isObject(b) || (b['type'] !== 'thinking' && b['type'] !== 'redacted_thinking')) return;
      const sig = b['signature'];
      if (typeof sig !== 'string' || !sig.startsWith(FAKE_SIGNATURE_PREFIX)) return;
      if (sig !== fakeThinkingSignature(body, i, j)) {
        throw bad(`messages.${i}.content.${j}: Invalid \`signature\` in \`${String(b['type'])}\` block. The block is bound to a different conversation. Remove the block, or set \`thinking.block_binding.prefix_mismatch_behavior\` to "drop_block".`);
      }
    });
  });
}

/** The API's documented request size limit. */
export const FAKE_MAX_BODY_BYTES = 32 * 1024 * 1024;

const COUNT_PATH = '/v1/messages/count_tokens';

const ALLOWED_KEYS = new Set([
  'model',
  'messages',
  'system',
  'tools',
  'tool_choice',
  'thinking',
  'cache_control',
  'output_config',
  'speed',
  'user_profile_id',
  'workspace_id',
]);

const SERVER_TOOL_PREFIXES = ['web_search_', 'web_fetch_', 'code_execution_', 'tool_search_'];

/** A failure to inject instead of (or before) the normal answer. */
export type Fault =
  /** Answer with this status and an API error body. */
  | {
      kind: 'status';
      status: number;
      /** `retry-after` header, in seconds. */
      retryAfter?: number;
      /** `retry-after-ms` header. */
      retryAfterMs?: number;
      /** `error.type` in the body; derived from the status when absent. */
      errorType?: string;
      message?: string;
      /** `x-should-retry` header, which the SDK obeys over its own retry policy. */
      shouldRetry?: boolean;
      /** Extra response headers. */
      headers?: Record<string, string>;
    }
  /** Wait, then answer normally. */
  | { kind: 'delay'; ms: number }
  /** Never answer; the connection stays open until the client gives up or the fake closes. */
  | { kind: 'hang' }
  /** Destroy the socket without a response. */
  | { kind: 'drop' }
  /** 200, `application/json`, a body that is not JSON. */
  | { kind: 'malformed' }
  /** 200 with a content-length for the whole body, then half of it and the socket closed. */
  | { kind: 'truncated' }
  /** The normal answer, its body sent one byte at a time with `ms` between bytes. */
  | { kind: 'drip'; ms: number };

export interface FakeApiOptions {
  /** Port to listen on; 0 (default) picks a free one. The host is always 127.0.0.1. */
  port?: number;
  /** The one key accepted; defaults to a random test key. */
  apiKey?: string;
  /** Accepted model ids; defaults to {@link FAKE_DEFAULT_MODELS}. */
  models?: readonly string[];
  /** Added before every answer, in ms (default 0). */
  latencyMs?: number;
  /** Request size limit (default 32 MiB, the API's); lower it to test 413 cheaply. */
  maxBodyBytes?: number;
  /** JSON file holding a `Fault` or `null`, re-read on every request. */
  faultFile?: string;
}

/** One request as the fake saw it. Never holds a credential. */
export interface RecordedRequest {
  method: string;
  /** Path including any query string. */
  path: string;
  /**
   * Lower-cased request headers, without `authorization` and `x-api-key`, and with any value that
   * contains the key replaced by `[redacted]`.
   */
  headers: Record<string, string>;
  /** Which credential headers were present (their values are never recorded). */
  auth: { xApiKey: boolean; authorization: boolean };
  /** Parsed JSON body; `undefined` when empty, not JSON or too large. */
  body: unknown;
  bodyBytes: number;
  /** Status sent; 0 while pending or when no response was sent (`drop`, `hang`). */
  status: number;
  /** The fault applied to this request, if any. */
  fault?: Fault['kind'];
  /** `Date.now()` when the request arrived. */
  timestamp: number;
}

export interface FakeApi {
  /** Base URL for the SDK's `baseURL`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly apiKey: string;
  /** Every request received since start or the last `reset()`, oldest first. */
  readonly requests: RecordedRequest[];
  /** Number of `POST /v1/messages/count_tokens` requests received, faulted ones included. */
  countCalls(): number;
  /** The most count requests it was answering at one time since start or the last `reset()`. */
  maxInFlight(): number;
  /** Queue `fault` for each of the next `times` requests (any path). Queued faults go first. */
  fail(fault: Fault, times?: number): void;
  /** A fault for every request once the queue is empty (after the fault file), or `null` to heal. */
  setDefaultFault(fault: Fault | null): void;
  /** Change the latency added before every answer. */
  setLatency(ms: number): void;
  /** Forget recorded requests and the call count; drop queued faults and the default fault. */
  reset(): void;
  /** Stop listening and destroy every connection (keep-alive and hanging ones too). Idempotent. */
  close(): Promise<void>;
}

/** Which tokenizer family the fake counts `model` with. */
export function fakeFamily(model: unknown): TokenizerFamily {
  if (typeof model !== 'string') return 'claude-4';
  const opus4 = /^claude-opus-4-(\d+)(?:-|$)/.exec(model);
  if (opus4 && Number(opus4[1]) >= 7) return 'claude-4.7';
  if (/^claude-[a-z]+-5(?:-|$)/.test(model)) return 'claude-4.7';
  return 'claude-4';
}

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');
const units = (s: unknown): number => (typeof s === 'string' ? Math.ceil(utf8(s) / 3) : 0);
/** j(v): the fake's units of a JSON value (its per-tool figure is 9 + this). */
export const jsonUnits = (v: unknown): number => units(JSON.stringify(v ?? null));

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pdfPages(base64: unknown): number {
  if (typeof base64 !== 'string') return 1;
  const text = Buffer.from(base64, 'base64').toString('latin1');
  const pages = text.match(/\/Type\s*\/Page(?!s)/g)?.length ?? 0;
  return Math.max(1, pages);
}

function blockUnits(block: unknown, inLastMessage: boolean): number {
  if (!isObject(block)) return jsonUnits(block);
  const source = isObject(block['source']) ? block['source'] : undefined;
  switch (block['type']) {
    case 'text':
      return units(block['text']);
    case 'image':
      return source?.['type'] === 'base64' ? 300 : jsonUnits(block);
    case 'document':
      if (source?.['type'] === 'base64') return 900 * pdfPages(source['data']);
      if (source?.['type'] === 'text') return units(source['data']);
      if (source?.['type'] === 'content') return contentUnits(source['content'], inLastMessage);
      return jsonUnits(block);
    case 'tool_use':
    case 'server_tool_use':
      return units(block['name']) + jsonUnits(block['input']);
    case 'tool_result':
      return contentUnits(block['content'], inLastMessage);
    case 'thinking':
      return inLastMessage ? units(block['thinking']) : 0;
    case 'redacted_thinking':
      return 0;
    default:
      return jsonUnits(block);
  }
}

function contentUnits(content: unknown, inLastMessage: boolean): number {
  if (typeof content === 'string') return units(content);
  if (Array.isArray(content)) return content.reduce<number>((n, b) => n + blockUnits(b, inLastMessage), 0);
  return 0;
}

/**
 * The fake's deterministic token count for a count_tokens body (see the rule at the top of this file).
 * Total: never throws on odd shapes, though the server only counts bodies it has validated.
 */
export function fakeCount(body: unknown): number {
  if (!isObject(body)) return 0;
  let raw = 5;
  raw += contentUnits(body['system'], false);
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  messages.forEach((m, i) => {
    raw += 4 + (isObject(m) ? contentUnits(m['content'], i === messages.length - 1) : 0);
  });
  const tools = body['tools'];
  if (Array.isArray(tools) && tools.length > 0) {
    raw += 120 + tools.reduce<number>((n, t) => n + 9 + jsonUnits(t), 0);
  }
  const thinking = body['thinking'];
  if (isObject(thinking) && thinking['type'] === 'enabled') raw += 13;
  return fakeFamily(body['model']) === 'claude-4.7' ? Math.round(raw * 1.25) : raw;
}

// ---------------------------------------------------------------------------------------------------
// Validation

class ApiFailure {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly message: string,
  ) {}
}

const bad = (message: string) => new ApiFailure(400, 'invalid_request_error', message);

/** Visits every object in `root` without recursion (deeply nested input cannot overflow the stack). */
function findObject(
  root: unknown,
  rootPath: string,
  test: (o: Record<string, unknown>) => boolean,
): { at: string; obj: Record<string, unknown> } | undefined {
  const stack: Array<{ v: unknown; at: string }> = [{ v: root, at: rootPath }];
  while (stack.length > 0) {
    const { v, at } = stack.pop()!;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], at: `${at}.${i}` });
    } else if (isObject(v)) {
      if (test(v)) return { at, obj: v };
      for (const k of Object.keys(v).reverse()) stack.push({ v: v[k], at: `${at}.${k}` });
    }
  }
  return undefined;
}

function isTextEmpty(block: unknown): boolean {
  return isObject(block) && block['type'] === 'text' && block['text'] === '';
}

function validateContent(content: unknown, at: string): void {
  if (typeof content === 'string') return;
  if (!Array.isArray(content)) throw bad(`${at}: Input should be a valid string or a list of content blocks`);
  content.forEach((block, i) => {
    if (!isObject(block) || typeof block['type'] !== 'string') {
      throw bad(`${at}.${i}: Input should be a content block object with a 'type'`);
    }
    if (block['type'] === 'text' && typeof block['text'] !== 'string') {
      throw bad(`${at}.${i}.text: Field required`);
    }
  });
}

/** Throws an {@link ApiFailure} for whatever the real API would reject. */
const CONTEXT_MANAGEMENT_BETA = 'context-management-2025-06-27';

function positiveValue(v: unknown, fallback: number): number {
  return isObject(v) && typeof v['value'] === 'number' && v['value'] >= 0 ? v['value'] : fallback;
}

/** The request after the `clear_tool_uses_20250919` edits of its `context_management` (see the README above). */
export function fakeContextEdit(body: Record<string, unknown>): Record<string, unknown> {
  const cm = body['context_management'];
  const edits = isObject(cm) && Array.isArray(cm['edits']) ? cm['edits'] : [];
  let out = body;
  for (const edit of edits) {
    if (!isObject(edit) || edit['type'] !== 'clear_tool_uses_20250919') continue;
    if (fakeCount(out) < positiveValue(edit['trigger'], 100_000)) continue;
    const keep = positiveValue(edit['keep'], 3);
    const exclude = new Set(Array.isArray(edit['exclude_tools']) ? edit['exclude_tools'].filter((t): t is string => typeof t === 'string') : []);
    const clearInputs = edit['clear_tool_inputs'] === true;
    const messages = JSON.parse(JSON.stringify(out['messages'])) as unknown[];
    const uses: { id: string; block: Record<string, unknown> }[] = [];
    for (const m of messages) {
      if (!isObject(m) || !Array.isArray(m['content'])) continue;
      for (const b of m['content']) {
        if (isObject(b) && b['type'] === 'tool_use' && typeof b['id'] === 'string' && !exclude.has(String(b['name']))) uses.push({ id: b['id'], block: b });
      }
    }
    const cleared = new Set(uses.slice(0, Math.max(0, uses.length - keep)).map((u) => u.id));
    for (const u of uses) if (cleared.has(u.id) && clearInputs) u.block['input'] = {};
    for (const m of messages) {
      if (!isObject(m) || !Array.isArray(m['content'])) continue;
      for (const b of m['content']) {
        if (isObject(b) && b['type'] === 'tool_result' && cleared.has(String(b['tool_use_id']))) b['content'] = '[cleared]';
      }
    }
    out = { ...out, messages };
  }
  return out;
}

function validateBody(body: unknown, models: ReadonlySet<string>, beta: ReadonlySet<string> = new Set()): asserts body is Record<string, unknown> {
  if (!isObject(body)) throw bad('Input should be a valid dictionary or object to extract fields from');
  for (const key of ['model', 'messages']) {
    if (!(key in body)) throw bad(`${key}: Field required`);
  }
  if ('mcp_servers' in body) throw bad('mcp_servers: the MCP connector is not supported for token counting');
  for (const key of Object.keys(body)) {
    if (key === 'context_management' && beta.has(CONTEXT_MANAGEMENT_BETA)) continue;
    if (!ALLOWED_KEYS.has(key)) throw bad(`${key}: Extra inputs are not permitted`);
  }
  const model = body['model'];
  if (typeof model !== 'string') throw bad('model: Input should be a valid string');
  if (!models.has(model)) throw new ApiFailure(404, 'not_found_error', `model: ${model}`);

  const messages = body['messages'];
  if (!Array.isArray(messages)) throw bad('messages: Input should be a valid list');
  if (messages.length === 0) throw bad('messages: at least one message is required');
  messages.forEach((m, i) => {
    const at = `messages.${i}`;
    if (!isObject(m)) throw bad(`${at}: Input should be a valid dictionary`);
    if (m['role'] !== 'user' && m['role'] !== 'assistant') throw bad(`${at}.role: Input should be 'user' or 'assistant'`);
    if (!('content' in m)) throw bad(`${at}.content: Field required`);
    validateContent(m['content'], `${at}.content`);
    const content = m['content'];
    const finalAssistant = i === messages.length - 1 && m['role'] === 'assistant';
    if (!finalAssistant && (content === '' || (Array.isArray(content) && content.length === 0))) {
      throw bad(`${at}: all messages must have non-empty content except for the optional final assistant message`);
    }
    if (Array.isArray(content) && content.some(isTextEmpty)) throw bad('messages: text content blocks must be non-empty');
  });

  const system = body['system'];
  if (system !== undefined && typeof system !== 'string') {
    if (!Array.isArray(system)) throw bad('system: Input should be a valid string or a list of text blocks');
    system.forEach((b, i) => {
      if (!isObject(b) || b['type'] !== 'text' || typeof b['text'] !== 'string') {
        throw bad(`system.${i}: Input should be a text block`);
      }
    });
    if (system.some(isTextEmpty)) throw bad('system: text content blocks must be non-empty');
  }

  const tools = body['tools'];
  if (tools !== undefined) {
    if (!Array.isArray(tools)) throw bad('tools: Input should be a valid list');
    tools.forEach((tool, i) => {
      const at = `tools.${i}`;
      if (!isObject(tool)) throw bad(`${at}: Input should be a valid dictionary`);
      const type = tool['type'];
      if (typeof type === 'string' && SERVER_TOOL_PREFIXES.some((p) => type.startsWith(p))) {
        throw bad(`${at}: server tool '${type}' is not supported for token counting`);
      }
      if (typeof tool['name'] !== 'string' || tool['name'] === '') throw bad(`${at}.name: Field required`);
      if ((type === undefined || type === 'custom') && !isObject(tool['input_schema'])) {
        throw bad(`${at}.custom.input_schema: Field required`);
      }
    });
  }

  const unsupported = findObject(body, 'body', (o) => {
    if (o['type'] !== 'image' && o['type'] !== 'document') return false;
    const source = o['source'];
    return isObject(source) && (source['type'] === 'url' || source['type'] === 'file');
  });
  if (unsupported) {
    const sourceType = String((unsupported.obj['source'] as Record<string, unknown>)['type']);
    throw bad(
      `${unsupported.at.slice('body.'.length)}.source: ${sourceType} sources are not supported for token counting; ` +
        'send the content as base64 to count it',
    );
  }

  const thinking = body['thinking'];
  if (thinking !== undefined) {
    if (!isObject(thinking)) throw bad('thinking: Input should be a valid dictionary');
    if (thinking['type'] === 'enabled') {
      const budget = thinking['budget_tokens'];
      if (typeof budget !== 'number' || !Number.isInteger(budget)) throw bad('thinking.enabled.budget_tokens: Field required');
      if (budget < 1024) throw bad('thinking.enabled.budget_tokens: Input should be greater than or equal to 1024');
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// HTTP

const DEFAULT_ERROR_TYPES: Record<number, [string, string]> = {
  400: ['invalid_request_error', 'Invalid request.'],
  401: ['authentication_error', 'invalid x-api-key'],
  402: ['billing_error', 'Your credit balance is too low to access the Anthropic API.'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'Not found.'],
  408: ['timeout_error', 'Request timed out.'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'Number of requests has exceeded your rate limit.'],
  500: ['api_error', 'Internal server error.'],
  503: ['api_error', 'Service unavailable.'],
  504: ['timeout_error', 'Request timed out.'],
  529: ['overloaded_error', 'Overloaded'],
};

function requestId(): string {
  return `req_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}`;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function errorAnswer(status: number, type: string, message: string, headers: Record<string, string> = {}): Answer {
  const id = requestId();
  return {
    status,
    headers: { 'content-type': 'application/json', 'request-id': id, ...headers },
    body: JSON.stringify({ type: 'error', error: { type, message }, request_id: id }),
  };
}

function okAnswer(inputTokens: number, originalInputTokens?: number): Answer {
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'request-id': requestId() },
    body: JSON.stringify(originalInputTokens === undefined ? { input_tokens: inputTokens } : { input_tokens: inputTokens, context_management: { original_input_tokens: originalInputTokens } }),
  };
}

function statusFaultAnswer(fault: Extract<Fault, { kind: 'status' }>): Answer {
  const [defaultType, defaultMessage] = DEFAULT_ERROR_TYPES[fault.status] ?? ['api_error', `HTTP ${fault.status}`];
  const headers: Record<string, string> = { ...fault.headers };
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
  if (fault.shouldRetry !== undefined) headers['x-should-retry'] = String(fault.shouldRetry);
  return errorAnswer(fault.status, fault.errorType ?? defaultType, fault.message ?? defaultMessage, headers);
}

function bearer(value: string | undefined): string | undefined {
  const match = value === undefined ? null : /^Bearer\s+(.+)$/i.exec(value.trim());
  return match?.[1];
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

function readFaultFile(path: string): Fault | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Fault | null;
  } catch {
    return null;
  }
}

/** Starts the fake on 127.0.0.1. Resolves once it is listening. */
export async function startFakeApi(options: FakeApiOptions = {}): Promise<FakeApi> {
  const apiKey = options.apiKey ?? `sk-ant-test-${randomBytes(24).toString('base64url')}`;
  const models = new Set(options.models ?? FAKE_DEFAULT_MODELS);
  const maxBodyBytes = options.maxBodyBytes ?? FAKE_MAX_BODY_BYTES;
  const faultFile = options.faultFile;
  let latencyMs = options.latencyMs ?? 0;

  const requests: RecordedRequest[] = [];
  let calls = 0;
  /** Count requests being answered now, and the most at one time. */
  let inFlight = 0;
  let maxInFlight = 0;
  const queue: Array<{ fault: Fault; remaining: number }> = [];
  let defaultFault: Fault | null = null;
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let closed = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  function nextFault(): Fault | null {
    const head = queue[0];
    if (head) {
      if (--head.remaining <= 0) queue.shift();
      return head.fault;
    }
    const fromFile = faultFile === undefined ? null : readFaultFile(faultFile);
    return fromFile ?? defaultFault;
  }

  function record(req: http.IncomingMessage, path: string): RecordedRequest {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'authorization' || name === 'x-api-key') continue;
      const v = headerString(value);
      if (v !== undefined) headers[name] = apiKey !== '' && v.includes(apiKey) ? '[redacted]' : v;
    }
    const entry: RecordedRequest = {
      method: req.method ?? '',
      path,
      headers,
      auth: { xApiKey: req.headers['x-api-key'] !== undefined, authorization: req.headers['authorization'] !== undefined },
      body: undefined,
      bodyBytes: 0,
      status: 0,
      timestamp: Date.now(),
    };
    requests.push(entry);
    return entry;
  }

  /** Reads the body, keeping at most `maxBodyBytes` of it (the rest is drained, not stored). */
  function readBody(req: http.IncomingMessage): Promise<{ text: string; bytes: number; tooLarge: boolean }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes <= maxBodyBytes) chunks.push(chunk);
      });
      req.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), bytes, tooLarge: bytes > maxBodyBytes }));
      req.on('error', reject);
    });
  }

  /** The answer the documented API would give, faults aside. */
  function answer(req: http.IncomingMessage, pathname: string, parsed: Parsed, tooLarge: boolean): Answer {
    if (req.method !== 'POST' || pathname !== COUNT_PATH) {
      return errorAnswer(404, 'not_found_error', `Not Found: ${req.method} ${pathname}`);
    }
    if (tooLarge) return errorAnswer(413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes.');
    const given = headerString(req.headers['x-api-key']) ?? bearer(headerString(req.headers['authorization']));
    if (given === undefined) return errorAnswer(401, 'authentication_error', 'x-api-key header is required');
    if (given !== apiKey) return errorAnswer(401, 'authentication_error', 'invalid x-api-key');
    if (!req.headers['anthropic-version']) {
      return errorAnswer(400, 'invalid_request_error', 'anthropic-version: header is required');
    }
    if (!parsed.ok) {
      return errorAnswer(400, 'invalid_request_error', `There was an issue with the format of your request: ${parsed.error}`);
    }
    const body = parsed.value;
    // The betas named in `anthropic-beta` (what `client.beta.messages.countTokens` sends).
    const betas = new Set((headerString(req.headers['anthropic-beta']) ?? '').split(',').map((b) => b.trim()));
    try {
      validateBody(body, models, betas);
      checkThinkingBinding(body);
    } catch (err) {
      if (err instanceof ApiFailure) return errorAnswer(err.status, err.type, err.message);
      throw err;
    }
    if (body['context_management'] !== undefined) return okAnswer(fakeCount(fakeContextEdit(body)), fakeCount(body));
    return okAnswer(fakeCount(body));
  }

  function send(res: http.ServerResponse, entry: RecordedRequest, a: Answer): void {
    entry.status = a.status;
    res.writeHead(a.status, { ...a.headers, 'content-length': String(Buffer.byteLength(a.body)) });
    res.end(a.body);
  }

  async function drip(res: http.ServerResponse, entry: RecordedRequest, a: Answer, ms: number): Promise<void> {
    entry.status = a.status;
    const bytes = Buffer.from(a.body);
    res.writeHead(a.status, { ...a.headers, 'content-length': String(bytes.length) });
    res.flushHeaders();
    for (let i = 0; i < bytes.length; i++) {
      if (closed || res.destroyed) return;
      res.write(bytes.subarray(i, i + 1));
      if (i < bytes.length - 1) await sleep(ms);
    }
    res.end();
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = req.url ?? '/';
    const pathname = path.split('?')[0] ?? path;
    const entry = record(req, path);
    if (req.method === 'POST' && pathname === COUNT_PATH) {
      calls++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      res.once('close', () => inFlight--);
    }
    const { text, bytes, tooLarge } = await readBody(req);
    entry.bodyBytes = bytes;
    const parsed: Parsed = tooLarge ? { ok: false, error: 'request too large' } : parseJson(text);
    if (parsed.ok) entry.body = parsed.value;
    const normal = () => answer(req, pathname, parsed, tooLarge);

    const fault = nextFault();
    if (fault) entry.fault = fault.kind;
    await sleep(latencyMs);
    if (closed) return;

    switch (fault?.kind) {
      case 'hang':
        return; // closeAllConnections() on close() ends it
      case 'drop':
        req.socket.destroy();
        return;
      case 'status':
        send(res, entry, statusFaultAnswer(fault));
        return;
      case 'malformed':
        send(res, entry, { ...okAnswer(0), body: '{"input_tokens": 12, oops' });
        return;
      case 'truncated': {
        const full = normal();
        const whole = full.status === 200 ? full.body : okAnswer(0).body;
        const bytesOut = Buffer.from(whole);
        entry.status = 200;
        res.writeHead(200, { ...full.headers, 'content-length': String(bytesOut.length) });
        res.write(bytesOut.subarray(0, Math.floor(bytesOut.length / 2)), () => req.socket.destroy());
        return;
      }
      case 'delay':
        await sleep(fault.ms);
        if (closed) return;
        send(res, entry, normal());
        return;
      case 'drip':
        await drip(res, entry, normal(), fault.ms);
        return;
      case undefined:
        send(res, entry, normal());
        return;
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const a = errorAnswer(500, 'api_error', `fake API internal error: ${(err as Error)?.message ?? String(err)}`);
      res.writeHead(a.status, a.headers);
      res.end(a.body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    countCalls: () => calls,
    maxInFlight: () => maxInFlight,
    fail(fault, times = 1) {
      if (times > 0) queue.push({ fault, remaining: times });
    },
    setDefaultFault(fault) {
      defaultFault = fault;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    reset() {
      requests.length = 0;
      calls = 0;
      maxInFlight = inFlight;
      queue.length = 0;
      defaultFault = null;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// CLI entry

function parseArgs(argv: readonly string[]): FakeApiOptions {
  const options: FakeApiOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = (): string => {
      if (value === undefined) throw new Error(`${flag} needs a value`);
      i++;
      return value;
    };
    switch (flag) {
      case '--port':
        options.port = Number(need());
        break;
      case '--key':
        options.apiKey = need();
        break;
      case '--fault-file':
        options.faultFile = need();
        break;
      case '--latency':
        options.latencyMs = Number(need());
        break;
      case '--models':
        options.models = need()
          .split(',')
          .map((m) => m.trim())
          .filter(Boolean);
        break;
      default:
        throw new Error(`unknown argument: ${flag}`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  let options: FakeApiOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`fake-api: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const api = await startFakeApi(options);
  process.stdout.write(JSON.stringify({ url: api.url, apiKey: api.apiKey }) + '\n');
  const stop = () => {
    void api.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  void main();
}
