/**
 * The contract between the context footprint (`core/context/`) and the MCP side (`core/mcp/`):
 * what a configured MCP server is, and how the footprint asks for its tools without knowing
 * whether they come from a running server, the cache of an earlier run, or nowhere.
 *
 * Pure TypeScript, no `vscode` import.
 */
import type { Json, SourceRange } from '../types';

/** Where a server definition came from. */
export type McpConfigKind = 'mcp.json' | 'vscode-mcp.json' | 'settings';

/** One MCP server as a config file defines it, with where to point at it. */
export interface McpServerDef {
  /** The server's key in its config file (`github` in `{ "mcpServers": { "github": … } }`). */
  name: string;
  /** Absolute path of the config file. */
  configFile: string;
  configKind: McpConfigKind;
  /**
   * Which agent's conventions the file follows: `claude-code` (`mcpServers`: `.mcp.json`, or a
   * settings file in that shape) sends each tool to the model as `mcp__<server>__<tool>`;
   * `vscode` (`servers`) keeps the server's names. Absent: from `configKind` (`mcp.json` is
   * Claude Code's, the others VS Code's).
   */
  agent?: 'claude-code' | 'vscode';
  /** The range of the server's key in the config file (CodeLens and problems go there). */
  range: SourceRange;
  /** 1-based line of `range.start` (added by the footprint side; optional). */
  line?: number;
  transport: 'stdio' | 'http' | 'sse';
  command?: string;
  args?: string[];
  /** Environment with placeholders as written (`${env:X}`, `${input:y}`): resolved when started. */
  env?: Record<string, string>;
  cwd?: string;
  url?: string;
  headers?: Record<string, string>;
  /**
   * The `${input:id}` prompts the config file declares (VS Code's `mcp.json` `inputs`), for the
   * editor's input box: its text and whether to mask it (masked unless `password: false`).
   */
  inputs?: McpInputDef[];
  /**
   * Hash of the definition as written (name, transport, command, args, env, cwd, url, headers):
   * the key of the allow decision and of the cached tool list. A changed definition is a new
   * server that must be allowed again.
   */
  hash: string;
}

/** An `${input:id}` a config file declares. */
export interface McpInputDef {
  id: string;
  description?: string;
  password?: boolean;
}

/** A tool in the Messages API form (`tools/list`'s `inputSchema` becomes `input_schema`). */
export interface McpTool {
  name: string;
  description?: string;
  input_schema: Json;
  /** Not loaded up front (a tool-search setup or `defer_loading: true`). */
  defer_loading?: boolean;
}

/** Why a server's tools are not known now. */
export type McpNotStartedReason =
  | 'untrusted' // the workspace is not trusted: nothing from it runs
  | 'not-allowed' // the user has not allowed this server definition (or revoked it)
  | 'cli-opt-in'; // the CLI starts servers only with --start-mcp-servers

export type McpToolList =
  | {
      status: 'ok';
      tools: McpTool[];
      /** When the list was fetched from the running server (ms since epoch). */
      fetchedAt: number;
      /** True when the list is the cached answer of an earlier run, not fetched now. */
      cached: boolean;
      /** With `cached`: why the server was not started this time (so the view can say it and offer the remedy). */
      notStarted?: McpNotStartedReason;
    }
  | { status: 'not-started'; reason: McpNotStartedReason; message: string }
  | { status: 'failed'; message: string; stderr?: string };

/** Gives the footprint a server's tools; the front end decides whether to start anything. */
export interface McpToolSource {
  tools(server: McpServerDef, signal?: AbortSignal): Promise<McpToolList>;
}
