// Helpers for the MCP tests: server definitions pointing at the fixture servers, and process checks.
import * as path from 'node:path';
import type { McpServerDef } from '../../src/core/context/mcp-types';

export const FIXTURES = path.resolve(__dirname, '../fixtures/mcp');
export const STDIO_SERVER = path.join(FIXTURES, 'stdio-server.mjs');
export const EVERYTHING_SERVER = path.resolve(__dirname, '../../node_modules/@modelcontextprotocol/server-everything/dist/index.js');

let n = 0;

/** A stdio server of a VS Code `.vscode/mcp.json` (every placeholder form); pass `configKind: 'mcp.json'` for Claude Code's. */
export function stdioDef(mode: string, extra: Partial<McpServerDef> = {}): McpServerDef {
  return {
    name: extra.name ?? mode,
    configFile: path.join(FIXTURES, '.vscode', 'mcp.json'),
    configKind: 'vscode-mcp.json',
    range: { start: 0, end: 1 },
    transport: 'stdio',
    command: process.execPath,
    args: [STDIO_SERVER, mode],
    hash: extra.hash ?? `hash-${mode}-${++n}`,
    ...extra,
  };
}

export function httpDef(url: string, extra: Partial<McpServerDef> = {}): McpServerDef {
  return {
    name: 'remote',
    configFile: path.join(FIXTURES, '.vscode', 'mcp.json'),
    configKind: 'vscode-mcp.json',
    range: { start: 0, end: 1 },
    transport: 'http',
    url,
    hash: `hash-http-${++n}`,
    ...extra,
  };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until `pid` is gone (the group kill is asynchronous); false if it is still there after `ms`. */
export async function gone(pid: number, ms = 3_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}
