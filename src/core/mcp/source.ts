/**
 * The one `McpToolSource` both front ends build (the editor through src/extension/mcp/, the CLI
 * through src/cli/mcp.ts), deciding whether a server may start:
 *
 * 1. an untrusted workspace starts nothing (`untrusted`);
 * 2. a front end that was not told to start servers starts nothing (`cli-opt-in`: the CLI without
 *    `--start-mcp-servers`);
 * 3. a server definition the user has not allowed does not start (`not-allowed`).
 *
 * A server that is not started answers its cached tool list when there is one
 * (`{ status: 'ok', cached: true, notStarted: reason }`: a number beats no number, and it is said
 * to be cached), else `{ status: 'not-started', reason, message }`.
 *
 * A server that may start is started once per definition per source (in-flight calls share the
 * run; the answer, list or failure, is remembered until `refresh`), and a list it gives is
 * written to the cache. A failure is returned as is (the problem belongs on the config line),
 * not hidden behind an older cached list.
 */
import type { McpNotStartedReason, McpServerDef, McpToolList, McpToolSource } from '../context/mcp-types';
import type { McpToolCache } from './cache';
import { describeServer, fetchMcpTools, type FetchToolsOptions, type McpLog } from './client';
import { markDeferred, type DeferLoading } from './convert';
import type { ResolveInput } from './placeholders';

export interface McpToolSourceOptions {
  /** Whether the workspace is trusted (read on every call: trust can be granted later). */
  trusted: boolean | (() => boolean);
  /** Whether the user allowed this definition (by its hash). */
  isAllowed(def: McpServerDef): boolean | Promise<boolean>;
  /** False: never start a server (the CLI without --start-mcp-servers): cached lists only. */
  start: boolean;
  cache?: McpToolCache;
  resolveInput?: ResolveInput;
  /** Per server, start to last page (default 20 s); a function is read at each start (a setting). */
  timeoutMs?: number | (() => number | undefined);
  log?: McpLog;
  /** The environment for placeholders and servers (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** `${workspaceFolder}` and the like. */
  variables?: Record<string, string>;
  maxTools?: number;
  /** Which tools of a server are deferred (`defer_loading`), applied to fetched and cached lists alike. */
  deferLoading?: (def: McpServerDef) => DeferLoading;
  /** The fetcher (tests). */
  fetchTools?: (def: McpServerDef, options: FetchToolsOptions) => Promise<McpToolList>;
}

export interface ManagedMcpToolSource extends McpToolSource {
  /** Forgets what this source fetched (one definition, or all): the next `tools` starts the server again. */
  refresh(def?: McpServerDef): void;
}

export function notStartedMessage(def: McpServerDef, reason: McpNotStartedReason): string {
  const what = `MCP server '${def.name}' (${describeServer(def)})`;
  switch (reason) {
    case 'untrusted':
      return `${what} was not started: the workspace is not trusted, and starting a server runs code from it. Trust the workspace to count its tools.`;
    case 'not-allowed':
      return `${what} was not started: you have not allowed it. Run "Token Lens: Allow MCP Server…" to count its tools.`;
    case 'cli-opt-in':
      return `${what} was not started: the CLI starts MCP servers only with --start-mcp-servers.`;
  }
}

export function createMcpToolSource(options: McpToolSourceOptions): ManagedMcpToolSource {
  const fetchTools = options.fetchTools ?? fetchMcpTools;
  const trusted = typeof options.trusted === 'function' ? options.trusted : () => options.trusted as boolean;
  /** Answers fetched by this source, by hash (a changed definition has a new hash). */
  const answers = new Map<string, Promise<McpToolList>>();
  const deferOf = (def: McpServerDef): DeferLoading => options.deferLoading?.(def) ?? false;

  function cachedOr(def: McpServerDef, reason: McpNotStartedReason): McpToolList {
    const hit = options.cache?.get(def.hash);
    if (hit) return { status: 'ok', tools: markDeferred(hit.tools, deferOf(def)), fetchedAt: hit.fetchedAt, cached: true, notStarted: reason };
    return { status: 'not-started', reason, message: notStartedMessage(def, reason) };
  }

  function waitFor(answer: Promise<McpToolList>, def: McpServerDef, signal?: AbortSignal): Promise<McpToolList> {
    if (!signal) return answer;
    const cancelled: McpToolList = { status: 'failed', message: `MCP server '${def.name}': cancelled (the server keeps going; its answer is kept).` };
    if (signal.aborted) return Promise.resolve(cancelled);
    return new Promise((resolve) => {
      const onAbort = () => resolve(cancelled);
      signal.addEventListener('abort', onAbort, { once: true });
      void answer.then((r) => {
        signal.removeEventListener('abort', onAbort);
        resolve(r);
      });
    });
  }

  async function run(def: McpServerDef): Promise<McpToolList> {
    const result = await fetchTools(def, {
      timeoutMs: typeof options.timeoutMs === 'function' ? options.timeoutMs() : options.timeoutMs,
      resolveInput: options.resolveInput,
      env: options.env,
      variables: options.variables,
      maxTools: options.maxTools,
      log: options.log,
    });
    if (result.status === 'ok') {
      await options.cache?.set(def.hash, def.name, result.tools, result.fetchedAt);
      return { ...result, tools: markDeferred(result.tools, deferOf(def)) };
    }
    return result;
  }

  return {
    async tools(def, signal) {
      if (!trusted()) return cachedOr(def, 'untrusted');
      if (!options.start) return cachedOr(def, 'cli-opt-in');
      const known = answers.get(def.hash);
      if (known) return waitFor(known, def, signal);
      if (!(await options.isAllowed(def))) return cachedOr(def, 'not-allowed');
      // Checked again: another call may have started it while isAllowed was answering.
      const again = answers.get(def.hash);
      if (again) return waitFor(again, def, signal);
      // The run is shared and not cancelled by a caller (a footprint recomputed on every edit would
      // otherwise kill the server midway and start it again); a caller that gives up stops waiting.
      const answer = run(def);
      answers.set(def.hash, answer);
      return waitFor(answer, def, signal);
    },
    refresh(def) {
      if (def) answers.delete(def.hash);
      else answers.clear();
    },
  };
}
