/**
 * The CLI's MCP tool source. The CLI is run by the user on a checkout they chose, so there is no
 * trust prompt; what stands in for the editor's per-server permission is the explicit opt-in
 * `--start-mcp-servers` (CI opts in), which starts every configured server. Without it, only the
 * tool lists cached by an earlier run (the editor's or the CLI's, in the same cache file) are used,
 * said to be cached, and a server with none is reported as not started.
 *
 * `${input:id}` placeholders come from the environment variable `TOKEN_LENS_MCP_INPUT_<ID>`,
 * the id upper-cased with every character other than A-Z and 0-9 turned into `_`
 * (`${input:github-token}` → `TOKEN_LENS_MCP_INPUT_GITHUB_TOKEN`); an unset one fails that server
 * with a message naming the variable.
 */
import * as path from 'node:path';
import { McpToolCache } from '../core/mcp/cache';
import { defaultCacheDir } from './session';
import type { DeferLoading } from '../core/mcp/convert';
import type { McpLog } from '../core/mcp/client';
import { createMcpToolSource, type ManagedMcpToolSource } from '../core/mcp/source';
import type { McpServerDef } from '../core/context/mcp-types';

export const MCP_CACHE_FILE_NAME = 'mcp-tools.json';

/** The environment variable an `${input:id}` is read from. */
export function inputVariableName(id: string): string {
  return `TOKEN_LENS_MCP_INPUT_${id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export interface CliMcpOptions {
  /** --start-mcp-servers. */
  start: boolean;
  /** The tool-list cache file (default: `mcp-tools.json` in `cacheDir`). */
  cacheFile?: string;
  /** The CLI's cache folder (`--cache-dir`; default `$XDG_CACHE_HOME/token-lens` or `~/.cache/token-lens`). */
  cacheDir?: string;
  /** The CLI's working directory: a relative `cacheDir` is resolved against it. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Per server (default 20 s). */
  timeoutMs?: number;
  /**
   * Where the servers' stderr and what happened go (the CLI's stderr, prefixed). `problem` lines:
   * a server that failed (and what it wrote to stderr), a cache file that could not be used.
   */
  log?: McpLog;
  /** The root of the scanned folder: `${workspaceFolder}` and a stdio server's default cwd. */
  workspaceFolder?: string;
  deferLoading?: (def: McpServerDef) => DeferLoading;
}

export interface CliMcp {
  /** Answers once the cache file is read; lists fetched are written to it as they come. */
  source: ManagedMcpToolSource;
  cache: McpToolCache;
  /** The cache file used. */
  cacheFile: string;
}

export function createCliMcpToolSource(options: CliMcpOptions): CliMcp {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => undefined);
  const cwd = options.cwd ?? process.cwd();
  const cacheFile = options.cacheFile ?? path.join(path.resolve(cwd, options.cacheDir ?? defaultCacheDir(env)), MCP_CACHE_FILE_NAME);
  const cache = new McpToolCache({ file: cacheFile, onProblem: (line) => log(line, 'problem') });
  const loaded = cache.load();
  const inner = createMcpToolSource({
    trusted: true,
    start: options.start,
    isAllowed: () => true,
    cache,
    env,
    timeoutMs: options.timeoutMs,
    log,
    variables: options.workspaceFolder ? { workspaceFolder: path.resolve(cwd, options.workspaceFolder) } : undefined,
    deferLoading: options.deferLoading,
    resolveInput: Object.assign(async (id: string) => env[inputVariableName(id)], {
      hint: (id: string) => `set the environment variable ${inputVariableName(id)}`,
    }),
  });
  const source: ManagedMcpToolSource = {
    async tools(def, signal) {
      await loaded;
      return inner.tools(def, signal);
    },
    refresh: (def) => inner.refresh(def),
  };
  return { source, cache, cacheFile };
}
