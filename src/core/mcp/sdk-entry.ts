// Entry of dist/mcp-sdk.js: the MCP SDK client (and cross-spawn) bundled apart, so that loading
// Token Lens never parses it; it is required the first time a server is started.
export { Client } from '@modelcontextprotocol/sdk/client/index.js';
export { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
export { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
export { deserializeMessage, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
export { default as crossSpawn } from 'cross-spawn';
