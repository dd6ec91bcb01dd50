/**
 * Which MCP server definitions the user allowed to start, per workspace (`workspaceState`, keyed
 * by the definition's hash: a changed definition must be allowed again). What is stored is the
 * hash, the server's name, its config file and when: never its command line, environment or
 * headers. "Not now" is remembered for this session only.
 */
import * as vscode from 'vscode';
import type { McpServerDef } from '../../core/context/mcp-types';

export const MCP_DECISIONS_KEY = 'tokenLens.mcp.allowed';

export interface AllowedServer {
  hash: string;
  name: string;
  configFile: string;
  at: number;
}

export class McpPermissions implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  /** Hashes the user answered "Not now" for in this session. */
  private readonly declined = new Set<string>();

  constructor(private readonly state: vscode.Memento) {}

  private read(): Record<string, AllowedServer> {
    const value = this.state.get<Record<string, AllowedServer>>(MCP_DECISIONS_KEY);
    return value && typeof value === 'object' ? value : {};
  }

  isAllowed(hash: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.read(), hash);
  }

  isDeclined(hash: string): boolean {
    return this.declined.has(hash);
  }

  allowed(): AllowedServer[] {
    return Object.values(this.read()).sort((a, b) => a.name.localeCompare(b.name));
  }

  async allow(def: McpServerDef): Promise<void> {
    this.declined.delete(def.hash);
    await this.state.update(MCP_DECISIONS_KEY, { ...this.read(), [def.hash]: { hash: def.hash, name: def.name, configFile: def.configFile, at: Date.now() } });
    this.changed.fire();
  }

  decline(def: McpServerDef): void {
    this.declined.add(def.hash);
  }

  /** Revokes the given hashes (all when none given). */
  async revoke(hashes?: readonly string[]): Promise<void> {
    const kept = hashes ? Object.fromEntries(Object.entries(this.read()).filter(([h]) => !hashes.includes(h))) : {};
    await this.state.update(MCP_DECISIONS_KEY, kept);
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
