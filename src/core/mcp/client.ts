/**
 * Asking one MCP server for its tools: resolve the definition's placeholders, start or connect
 * (stdio; Streamable HTTP falling back to SSE; SSE), `initialize`, `tools/list` page by page, then
 * end the server with its whole process tree. Everything under one deadline.
 *
 * `fetchMcpTools` never throws and never hangs past its deadline (plus the second of grace the
 * process tree gets to end): every failure is `{ status: 'failed', message }` naming the server
 * and what happened, with the server's stderr (the last 64 KB) when it had one.
 *
 * Messages and logs show the definition as written (placeholders, not their values) and a URL
 * without its query; environment values and headers are never logged.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpServerDef, McpToolList } from '../context/mcp-types';
import { DEFAULT_MCP_TIMEOUT_SECONDS } from '../defaults';
import { toMessagesTools, type DeferLoading } from './convert';
import { resolveServer, type ResolveInput, type ResolvedServer } from './placeholders';
import { mcpSdk } from './sdk';
import { ProcessStdioTransport } from './stdio-transport';

declare const __VERSION__: string | undefined;

export const DEFAULT_MCP_TIMEOUT_MS = DEFAULT_MCP_TIMEOUT_SECONDS * 1000;
export const DEFAULT_MAX_TOOLS = 1_000;
const MAX_PAGES = 100;

export interface FetchToolsOptions {
  /** The whole exchange, start to the last page (default 20 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
  resolveInput?: ResolveInput;
  /** The environment placeholders read and a stdio server inherits (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** `${workspaceFolder}` and the like; `workspaceFolder` is also the default cwd of a stdio server from a settings file. */
  variables?: Record<string, string>;
  /** More tools than this is a failure (default 1,000). */
  maxTools?: number;
  /** Which tools to mark `defer_loading`. */
  deferLoading?: DeferLoading;
  /**
   * Told the server's stderr and what happened, one entry per line group: `problem` when the list
   * could not be had (the failure, and the stderr of a server that failed), `info` otherwise.
   */
  log?: McpLog;
  stderrLimitBytes?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** How much a line of the MCP log matters: the editor logs both, the CLI prints only problems. */
export type McpLogLevel = 'info' | 'problem';
export type McpLog = (line: string, level: McpLogLevel) => void;

class Failure extends Error {}

/** The definition as written, for messages: command and args with their placeholders, or the URL without its query. */
export function describeServer(def: McpServerDef): string {
  if (def.transport === 'stdio') return [def.command ?? '(no command)', ...(def.args ?? [])].join(' ');
  return safeUrl(def.url ?? '(no url)');
}

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return url.replace(/[?#].*$/, '');
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && (err as NodeJS.ErrnoException).syscall?.startsWith('spawn')) return `command not found (${(err as NodeJS.ErrnoException).path ?? 'spawn'})`;
    if (code === 'EACCES' && (err as NodeJS.ErrnoException).syscall?.startsWith('spawn')) return `command is not executable (${(err as NodeJS.ErrnoException).path ?? 'spawn'})`;
    return clip(err.message.replace(/\s+/g, ' ').trim() || err.name);
  }
  return clip(String(err));
}

/** A schema validation error can quote a whole tools/list answer: messages stay readable. */
function clip(text: string, max = 600): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export async function fetchMcpTools(def: McpServerDef, options: FetchToolsOptions = {}): Promise<McpToolList> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_MCP_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => undefined);
  const label = `MCP server '${def.name}' (${describeServer(def)})`;

  if (options.signal?.aborted) return { status: 'failed', message: `${label}: cancelled.` };
  const resolved = await resolveServer(def, { env: options.env, resolveInput: options.resolveInput, variables: options.variables });
  if (!resolved.ok) return { status: 'failed', message: resolved.message };

  const deadline = new AbortController();
  const started = now();
  let timedOut = false;
  let listed = false;
  const timer = setTimeout(() => {
    timedOut = true;
    deadline.abort(new Failure(`no answer within ${Math.round(timeoutMs / 100) / 10} s`));
  }, timeoutMs);
  const onOuterAbort = () => deadline.abort(new Failure('cancelled'));
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const remaining = () => Math.max(1, timeoutMs - (now() - started));

  let stdio: ProcessStdioTransport | undefined;
  const transports: Transport[] = [];
  try {
    const aborted = new Promise<never>((_, reject) => {
      deadline.signal.addEventListener('abort', () => reject(deadline.signal.reason), { once: true });
    });
    aborted.catch(() => undefined);
    const run = async (): Promise<McpToolList> => {
      if (def.transport === 'stdio') {
        stdio = await stdioTransport(def, resolved.value, options);
        const fatal = new Promise<never>((_, reject) => {
          stdio!.onfatal = (err) => reject(new Failure(errorText(err)));
        });
        fatal.catch(() => undefined);
        transports.push(stdio);
        return Promise.race([listTools(stdio), fatal]);
      }
      const url = resolved.value.url;
      if (!url) throw new Failure(`no "url" for a ${def.transport} server`);
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw new Failure(`"url" is not a valid URL`);
      }
      const requestInit: RequestInit = { headers: resolved.value.headers };
      const sdk = mcpSdk();
      if (def.transport === 'sse') {
        const t = new sdk.SSEClientTransport(parsed, { requestInit, eventSourceInit: { fetch: withHeaders(resolved.value.headers) } });
        transports.push(t);
        return listTools(t);
      }
      const http = new sdk.StreamableHTTPClientTransport(parsed, { requestInit });
      transports.push(http);
      try {
        return await listTools(http);
      } catch (err) {
        if (deadline.signal.aborted || err instanceof Failure) throw err;
        // Servers of the earlier protocol revision speak SSE only: try that before giving up.
        log(`${label}: Streamable HTTP failed (${errorText(err)}); trying SSE.`, 'info');
        const sse = new sdk.SSEClientTransport(parsed, { requestInit, eventSourceInit: { fetch: withHeaders(resolved.value.headers) } });
        transports.push(sse);
        try {
          return await listTools(sse);
        } catch (sseErr) {
          if (deadline.signal.aborted || sseErr instanceof Failure) throw sseErr;
          throw new Failure(`${errorText(err)} (and over SSE: ${errorText(sseErr)})`);
        }
      }
    };

    const listTools = async (transport: Transport): Promise<McpToolList> => {
      const sdk = mcpSdk();
      const client = new sdk.Client({ name: 'token-lens', version: typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0' }, { capabilities: {} });
      const request = () => ({ signal: deadline.signal, timeout: remaining() });
      await client.connect(transport, request());
      const raw: unknown[] = [];
      const maxTools = options.maxTools ?? DEFAULT_MAX_TOOLS;
      const seen = new Set<string>();
      let cursor: string | undefined;
      for (let page = 0; ; page++) {
        if (page >= MAX_PAGES) throw new Failure(`tools/list went on past ${MAX_PAGES} pages`);
        const result = await client.listTools(cursor === undefined ? {} : { cursor }, request());
        raw.push(...result.tools);
        if (raw.length > maxTools) {
          throw new Failure(`listed more than ${maxTools.toLocaleString('en-US')} tools (${raw.length.toLocaleString('en-US')} so far); Token Lens stops there`);
        }
        cursor = result.nextCursor;
        if (cursor === undefined) break;
        if (seen.has(cursor)) throw new Failure(`tools/list repeated the cursor ${JSON.stringify(cursor.slice(0, 40))}`);
        seen.add(cursor);
      }
      return { status: 'ok', tools: toMessagesTools(raw, options.deferLoading), fetchedAt: now(), cached: false };
    };

    const result = await Promise.race([run(), aborted]);
    if (result.status === 'ok') {
      listed = true;
      log(`${label}: ${result.tools.length} tools in ${now() - started} ms.`, 'info');
    }
    return result;
  } catch (err) {
    const parts = [`${label}: ${errorText(err)}.`];
    if (timedOut && stdio?.pid !== undefined) parts.push('The server and its processes were ended.');
    if (stdio && stdio.garbageCount > 0) {
      parts.push(`It wrote ${stdio.garbageCount} line(s) to stdout that are not JSON-RPC messages (a stdio server may write only protocol messages there; logs go to stderr), the first: ${JSON.stringify(stdio.garbage[0])}.`);
    }
    const stderr = stdio?.stderr.text.trim();
    const message = parts.join(' ');
    log(message, 'problem');
    return stderr ? { status: 'failed', message, stderr } : { status: 'failed', message };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
    // A Streamable HTTP session is ended politely (DELETE), within a second, before the transport closes.
    await Promise.all(
      transports.map(async (t) => {
        if ('terminateSession' in t && t.sessionId) {
          await Promise.race([(t as { terminateSession(): Promise<void> }).terminateSession().catch(() => undefined), new Promise((r) => setTimeout(r, 1_000).unref())]);
        }
        await t.close().catch(() => undefined);
      }),
    );
    const stderr = stdio?.stderr.text.trim();
    if (stderr) log(`${label} stderr:\n${stderr}`, listed ? 'info' : 'problem');
  }
}

/** EventSource requests (SSE's GET) get the headers too (requestInit covers only the POSTs). */
function withHeaders(headers: Record<string, string>): typeof fetch {
  return (input, init) => {
    const merged = new Headers(init?.headers);
    for (const [k, v] of Object.entries(headers)) merged.set(k, v);
    return fetch(input, { ...init, headers: merged });
  };
}

async function stdioTransport(def: McpServerDef, resolved: ResolvedServer, options: FetchToolsOptions): Promise<ProcessStdioTransport> {
  if (!resolved.command) throw new Failure('no "command" for a stdio server');
  // The folder the agent would run it in: the project root its config file belongs to (where
  // `.mcp.json` is, above `.vscode/mcp.json`); for a file named in settings, the workspace root.
  const base =
    def.configKind === 'mcp.json'
      ? path.dirname(def.configFile)
      : def.configKind === 'vscode-mcp.json'
        ? path.dirname(path.dirname(def.configFile))
        : (options.variables?.workspaceFolder ?? path.dirname(def.configFile));
  const cwd = resolved.cwd ? path.resolve(base, resolved.cwd) : base;
  const stat = await fs.stat(cwd).catch(() => undefined);
  if (!stat?.isDirectory()) throw new Failure(`its working directory ${cwd} does not exist`);
  const transport = new ProcessStdioTransport({
    command: resolved.command,
    args: resolved.args,
    cwd,
    env: { ...(options.env ?? process.env), ...resolved.env },
    stderrLimitBytes: options.stderrLimitBytes,
  });
  return transport;
}
