/**
 * Prompt-caching breakpoints of a request body: every `cache_control` marker in prompt order,
 * what is wrong with them, and the request prefix each one caches.
 *
 * Pure functions, no I/O, no `vscode` import.
 */
import { isObject } from '../is-object';
import type { CountBody, Finding, Json } from '../types';

export type CacheTtl = '5m' | '1h';

/** The API accepts at most this many cache breakpoints per request. */
export const MAX_CACHE_BREAKPOINTS = 4;

/** One `cache_control` marker, in the order the API builds the prompt: tools, system, messages. */
export interface Breakpoint {
  /** 0-based position among the request's breakpoints. */
  index: number;
  /** `request` is the top-level `cache_control` (automatic caching of the whole prompt). */
  location: 'tools' | 'system' | 'messages' | 'request';
  /** Path of the block carrying `cache_control`, e.g. `['messages', 2, 'content', 0]`; `[]` for `request`. */
  path: (string | number)[];
  ttl: CacheTtl;
  /** The `ttl` as written when it is neither "5m" nor "1h" (then priced as "5m"). */
  invalidTtl?: string;
  /** Human label: "tool get_weather", "system block 2", "user #3, block 1 (text)". */
  label: string;
}


function marker(block: Json | undefined): { ttl: CacheTtl; invalidTtl?: string } | undefined {
  if (!isObject(block)) return undefined;
  const cc = block['cache_control'];
  if (!isObject(cc)) return undefined;
  const ttl = cc['ttl'];
  if (ttl === undefined || ttl === '5m') return { ttl: '5m' };
  if (ttl === '1h') return { ttl: '1h' };
  return { ttl: '5m', invalidTtl: typeof ttl === 'string' ? ttl : JSON.stringify(ttl) };
}

function blockType(block: Json): string {
  return isObject(block) && typeof block['type'] === 'string' ? block['type'] : 'block';
}

/**
 * Lists every `cache_control` of a request in prompt order: tools, then system blocks, then
 * message content blocks (including blocks nested in a `tool_result`), then the top-level
 * `cache_control`, which caches everything up to the last block. A string `system` or string
 * message content cannot carry one. More than {@link MAX_CACHE_BREAKPOINTS} are all listed:
 * see {@link checkCacheBreakpoints}.
 */
export function cacheBreakpoints(body: CountBody): Breakpoint[] {
  const out: Omit<Breakpoint, 'index'>[] = [];
  // A file's `tools` may be anything (the parser keeps a non-array with a warning).
  (Array.isArray(body.tools) ? body.tools : []).forEach((tool, i) => {
    const m = marker(tool);
    if (!m) return;
    const name = isObject(tool) && typeof tool['name'] === 'string' ? tool['name'] : `#${i + 1}`;
    out.push({ location: 'tools', path: ['tools', i], ...m, label: `tool ${name}` });
  });
  if (Array.isArray(body.system)) {
    body.system.forEach((block, j) => {
      const m = marker(block);
      if (m) out.push({ location: 'system', path: ['system', j], ...m, label: `system block ${j + 1}` });
    });
  }
  body.messages.forEach((message, i) => {
    if (!isObject(message) || !Array.isArray(message['content'])) return;
    const role = typeof message['role'] === 'string' ? message['role'] : 'message';
    message['content'].forEach((block, j) => {
      const where = `${role} #${i + 1}, block ${j + 1} (${blockType(block)})`;
      if (isObject(block) && Array.isArray(block['content'])) {
        block['content'].forEach((inner, k) => {
          const m = marker(inner);
          if (m) {
            out.push({
              location: 'messages',
              path: ['messages', i, 'content', j, 'content', k],
              ...m,
              label: `${where} item ${k + 1} (${blockType(inner)})`,
            });
          }
        });
      }
      const m = marker(block);
      if (m) out.push({ location: 'messages', path: ['messages', i, 'content', j], ...m, label: where });
    });
  });
  const top = marker({ cache_control: body.cache_control ?? null });
  if (top) out.push({ location: 'request', path: [], ...top, label: 'request (automatic caching: up to the last block)' });
  return out.map((b, index) => ({ index, ...b }));
}

/**
 * Findings about a request's breakpoints: more than four (`too-many-cache-breakpoints`, the API
 * rejects the request) and a `ttl` other than "5m"/"1h" (`cache-ttl-invalid`).
 */
export function checkCacheBreakpoints(breakpoints: Breakpoint[]): Finding[] {
  const findings: Finding[] = [];
  if (breakpoints.length > MAX_CACHE_BREAKPOINTS) {
    const extra = breakpoints.slice(MAX_CACHE_BREAKPOINTS).map((b) => b.label).join('; ');
    findings.push({
      severity: 'error',
      code: 'too-many-cache-breakpoints',
      message: `The request has ${breakpoints.length} cache_control breakpoints; the API accepts at most ${MAX_CACHE_BREAKPOINTS}. Remove ${breakpoints.length - MAX_CACHE_BREAKPOINTS} (after the 4th: ${extra}).`,
    });
  }
  for (const b of breakpoints) {
    if (b.invalidTtl !== undefined) {
      findings.push({
        severity: 'error',
        code: 'cache-ttl-invalid',
        message: `cache_control on ${b.label} has ttl ${b.invalidTtl}; use "5m" (the default) or "1h".`,
      });
    }
  }
  return findings;
}

function settingsOf(body: CountBody): Partial<CountBody> {
  const out: Partial<CountBody> = {};
  if (body.tool_choice !== undefined) out.tool_choice = body.tool_choice;
  if (body.thinking !== undefined) out.thinking = body.thinking;
  if (body.output_config !== undefined) out.output_config = body.output_config;
  if (body.speed !== undefined) out.speed = body.speed;
  return out;
}

/**
 * The request body up to and including the breakpoint's block, for counting the cached prefix:
 * - tools breakpoint: the tools up to it, no system, no messages;
 * - system breakpoint: all tools, the system blocks up to it, no messages;
 * - message breakpoint: all tools and system, earlier messages whole, and the breakpoint's message
 *   cut after its block (a nested `tool_result` item cuts the `tool_result`'s content too);
 * - `request` (top-level): the whole body.
 * Request settings (`tool_choice`, `thinking`, `output_config`, `speed`) are kept because they
 * shape the rendered prompt; the top-level `cache_control` is dropped. A `tool_choice` naming a
 * tool that is cut off becomes `{ type: "any" }` (same hidden tool prompt, still valid).
 * Prefixes ending in tools or system have `messages: []`: the counting client must add its
 * placeholder message and subtract its cost, as for tools-only documents.
 */
export function prefixBody(body: CountBody, breakpoint: Breakpoint): CountBody {
  // Shares everything it does not cut with `body` (no copy of megabytes per breakpoint): read only.
  if (breakpoint.location === 'request') return { ...body };
  const out: CountBody = { messages: [], ...(settingsOf(body) as Partial<CountBody>) };
  const [, first, , second, , third] = breakpoint.path;
  const i = typeof first === 'number' ? first : 0;
  if (breakpoint.location === 'tools') {
    out.tools = (body.tools ?? []).slice(0, i + 1);
    const tc = out.tool_choice;
    if (isObject(tc) && tc['type'] === 'tool') {
      const names = out.tools.map((t) => (isObject(t) ? t['name'] : undefined));
      if (!names.includes(tc['name'] ?? null)) out.tool_choice = { type: 'any' };
    }
    return out;
  }
  if (body.tools !== undefined) out.tools = body.tools;
  if (breakpoint.location === 'system') {
    out.system = Array.isArray(body.system) ? body.system.slice(0, i + 1) : (body.system ?? null);
    return out;
  }
  if (body.system !== undefined) out.system = body.system;
  const messages = body.messages.slice(0, i + 1);
  const last = messages[i];
  if (isObject(last) && Array.isArray(last['content']) && typeof second === 'number') {
    const content = last['content'].slice(0, second + 1);
    const block = content[second];
    if (typeof third === 'number' && isObject(block) && Array.isArray(block['content'])) {
      content[second] = { ...block, content: block['content'].slice(0, third + 1) };
    }
    messages[i] = { ...last, content };
  }
  out.messages = messages;
  return out;
}

/** Prompt order of a location: tools, system, messages. */
const LOCATION_ORDER = { tools: 0, system: 1, messages: 2 } as const;

/**
 * Whether the prefix ending at `breakpoint` includes the block at `path` (`['tools', i]`,
 * `['system']`, `['system', j]`, `['messages', i, 'content'(, j)]`): the order is tools, then
 * system, then messages, whatever order the file writes them in. The top-level breakpoint
 * covers everything.
 */
export function breakpointCovers(breakpoint: Breakpoint, path: readonly (string | number)[]): boolean {
  if (breakpoint.location === 'request') return true;
  const where = path[0] as keyof typeof LOCATION_ORDER;
  const a = LOCATION_ORDER[breakpoint.location];
  const b = LOCATION_ORDER[where];
  if (b === undefined) return false;
  if (b !== a) return b < a;
  const num = (p: readonly (string | number)[], i: number) => (typeof p[i] === 'number' ? (p[i] as number) : 0);
  if (where === 'tools') return num(path, 1) <= num(breakpoint.path, 1);
  if (where === 'system') return num(path, 1) <= num(breakpoint.path, 1);
  const [mi, bi] = [num(path, 1), num(breakpoint.path, 1)];
  if (mi !== bi) return mi < bi;
  // The same message: string content is one block (index 0).
  return num(path, 3) <= num(breakpoint.path, 3);
}
