/**
 * Where the editor gets MCP servers' tools. PLACEHOLDER until the MCP client (branch `mcp`) is
 * merged: the lead swaps this file for the real source, which starts a server only in a trusted
 * workspace after the user allows it, and answers from the tool-list cache otherwise.
 */
import type { McpToolSource } from '../core/context/mcp-types';

export function editorMcpSource(): McpToolSource {
  return {
    tools: async () => ({ status: 'not-started', reason: 'not-allowed', message: 'not started: this build of Token Lens cannot start MCP servers yet' }),
  };
}
