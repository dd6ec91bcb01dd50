/**
 * The MCP SDK, loaded on first use. In the bundles `./sdk-entry` is rewritten to `./mcp-sdk.js`
 * (scripts/build.mjs), a file of its own, so the extension's start-up and a CLI run that starts
 * no server never parse it.
 */
export type McpSdk = typeof import('./sdk-entry');

let loaded: McpSdk | undefined;

export function mcpSdk(): McpSdk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('./sdk-entry') as McpSdk;
  return loaded;
}
