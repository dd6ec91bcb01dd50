/**
 * Where the CLI gets MCP servers' tools. PLACEHOLDER until the MCP client (branch `mcp`) is
 * merged: the lead swaps this file for the real source, which starts servers only with
 * `--start-mcp-servers` and otherwise answers from the tool-list cache.
 */
import type { McpToolSource } from '../core/context/mcp-types';

export interface CliMcpOptions {
  /** `--start-mcp-servers`: CI opts in to starting the workspace's servers. */
  start: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export function cliMcpSource(options: CliMcpOptions): McpToolSource {
  return {
    tools: async () => ({
      status: 'not-started',
      reason: 'cli-opt-in',
      message: options.start ? 'this build of token-lens cannot start MCP servers yet' : 'not started: run with --start-mcp-servers to list its tools',
    }),
  };
}
