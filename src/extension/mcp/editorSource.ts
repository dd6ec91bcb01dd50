/**
 * The editor's MCP tool source: the core's (src/core/mcp/source.ts) with the editor's trust,
 * permissions, prompts and log.
 *
 * - Nothing starts in an untrusted workspace (`vscode.workspace.isTrusted`; the "Allow Counting in
 *   This Workspace" override of the API counting does not extend to running workspace code).
 * - A server starts only after the user allowed its definition: the first time the footprint asks
 *   for an undecided server, a notification (not modal) asks "Start MCP server 'x' from .mcp.json
 *   to count its tools? It runs `…`" with Allow / Not now; the decision is kept per workspace and
 *   definition hash (permissions.ts) and can be revoked.
 * - `${input:id}` is asked with an input box (masked unless the config's input says
 *   `password: false`), kept in memory for this session only, never stored.
 * - Servers' stderr and what happened go to the Token Lens output channel.
 * - Tool lists are cached in the extension's global storage (`mcp-tools.json`).
 *
 * `onDidChange` fires when a decision, trust or a refresh means the footprint should ask again.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { McpServerDef } from '../../core/context/mcp-types';
import { McpToolCache } from '../../core/mcp/cache';
import { describeServer } from '../../core/mcp/client';
import type { DeferLoading } from '../../core/mcp/convert';
import type { ResolveInput } from '../../core/mcp/placeholders';
import { createMcpToolSource, type ManagedMcpToolSource } from '../../core/mcp/source';
import { McpPermissions } from './permissions';

export const MCP_CACHE_FILE_NAME = 'mcp-tools.json';

export interface EditorMcpOptions {
  log: vscode.LogOutputChannel;
  /** Per server (default 20 s). */
  timeoutMs?: number | (() => number | undefined);
  deferLoading?: (def: McpServerDef) => DeferLoading;
}

export interface EditorMcp extends vscode.Disposable {
  source: ManagedMcpToolSource;
  permissions: McpPermissions;
  cache: McpToolCache;
  /** The footprint should ask for tool lists again. */
  onDidChange: vscode.Event<void>;
  /** Definitions the source was asked about, by hash (the commands pick from them). */
  seen(): McpServerDef[];
  /**
   * "Token Lens: Allow MCP Server…": a pick of the servers seen; with a definition's hash (the
   * CodeLens or the view row of a server not allowed yet, which show what it runs), that server.
   */
  allowCommand(hash?: unknown): Promise<void>;
  /** "Token Lens: Revoke MCP Server Permissions" */
  revokeCommand(): Promise<void>;
  /** "Token Lens: Refresh MCP Tool Lists" */
  refreshCommand(): Promise<void>;
}

function configLabel(def: McpServerDef): string {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(def.configFile));
  return folder ? path.relative(folder.uri.fsPath, def.configFile) || path.basename(def.configFile) : path.basename(def.configFile);
}

/** What the prompt says a server runs: the command line as written (placeholders, not values), shortened. */
function runs(def: McpServerDef): string {
  const text = describeServer(def);
  const shown = text.length > 120 ? `${text.slice(0, 119)}…` : text;
  return def.transport === 'stdio' ? `It runs \`${shown}\`.` : `It connects to ${shown}.`;
}

export function createEditorMcpToolSource(context: vscode.ExtensionContext, options: EditorMcpOptions): EditorMcp {
  const { log } = options;
  const permissions = new McpPermissions(context.workspaceState);
  const cache = new McpToolCache({ file: vscode.Uri.joinPath(context.globalStorageUri, MCP_CACHE_FILE_NAME).fsPath, onProblem: (m) => log.warn(m) });
  const loaded = cache.load();
  const changed = new vscode.EventEmitter<void>();
  const seen = new Map<string, McpServerDef>();
  /** Hashes asked about in this session (one notification per definition). */
  const asked = new Set<string>();
  /** `${input:…}` answers for this session, by config file and id. Never written anywhere. */
  const inputs = new Map<string, string>();

  const resolveInput: ResolveInput = Object.assign(async (id: string, def: McpServerDef) => {
    const key = `${def.configFile}\u0000${id}`;
    const known = inputs.get(key);
    if (known !== undefined) return known;
    const spec = def.inputs?.find((i) => i.id === id);
    const value = await vscode.window.showInputBox({
      title: `MCP server '${def.name}' (${configLabel(def)})`,
      prompt: spec?.description ?? `Value of \${input:${id}}`,
      password: spec?.password !== false,
      ignoreFocusOut: true,
    });
    if (value !== undefined) inputs.set(key, value);
    return value;
  }, { hint: () => 'run "Token Lens: Refresh MCP Tool Lists" to be asked again' });

  function ask(def: McpServerDef): void {
    if (asked.has(def.hash)) return;
    asked.add(def.hash);
    const allow = 'Allow';
    const later = 'Not now';
    void vscode.window
      .showInformationMessage(`Start MCP server '${def.name}' from ${configLabel(def)} to count its tools? ${runs(def)}`, allow, later)
      .then(async (choice) => {
        // Decided meanwhile (the CodeLens, the view, the command): VS Code has no way to close the
        // notification, so a late answer to it changes nothing.
        if (permissions.isAllowed(def.hash)) return;
        if (choice === allow) {
          await permissions.allow(def);
          log.info(`MCP server '${def.name}' (${configLabel(def)}) allowed.`);
        } else if (choice === later) {
          permissions.decline(def);
        } else {
          asked.delete(def.hash); // dismissed: ask again next time
        }
      });
  }

  const source = createMcpToolSource({
    trusted: () => vscode.workspace.isTrusted,
    start: true,
    isAllowed: (def) => {
      if (permissions.isAllowed(def.hash)) return true;
      if (!permissions.isDeclined(def.hash)) ask(def);
      return false;
    },
    cache,
    resolveInput,
    timeoutMs: options.timeoutMs,
    log: (line, level) => (level === 'problem' ? log.warn(line) : log.info(line)),
    deferLoading: options.deferLoading,
    variables: vscode.workspace.workspaceFolders?.[0] ? { workspaceFolder: vscode.workspace.workspaceFolders[0].uri.fsPath } : undefined,
  });

  const tracked: ManagedMcpToolSource = {
    async tools(def, signal) {
      seen.set(def.hash, def);
      await loaded;
      return source.tools(def, signal);
    },
    refresh: (def) => source.refresh(def),
  };

  const subscriptions: vscode.Disposable[] = [
    changed,
    permissions,
    permissions.onDidChange(() => changed.fire()),
    vscode.workspace.onDidGrantWorkspaceTrust(() => changed.fire()),
  ];

  return {
    source: tracked,
    permissions,
    cache,
    onDidChange: changed.event,
    seen: () => [...seen.values()],
    async allowCommand(hash?: unknown) {
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('Token Lens starts no MCP server in an untrusted workspace: starting one runs code from the workspace. Trust the workspace first.');
        return;
      }
      const named = typeof hash === 'string' ? seen.get(hash) : undefined;
      if (named) {
        if (!permissions.isAllowed(named.hash)) {
          await permissions.allow(named);
          log.info(`MCP server '${named.name}' (${configLabel(named)}) allowed.`);
        }
        return;
      }
      const candidates = [...seen.values()].filter((d) => !permissions.isAllowed(d.hash));
      if (candidates.length === 0) {
        void vscode.window.showInformationMessage(seen.size === 0 ? 'Token Lens has not seen an MCP server definition in this workspace yet.' : 'Every MCP server Token Lens has seen in this workspace is allowed.');
        return;
      }
      const picked = await vscode.window.showQuickPick(
        candidates.map((def) => ({ label: def.name, description: configLabel(def), detail: runs(def), def })),
        { title: 'Allow MCP servers to start (to count their tools)', canPickMany: true },
      );
      for (const item of picked ?? []) await permissions.allow(item.def);
    },
    async revokeCommand() {
      const allowed = permissions.allowed();
      if (allowed.length === 0) {
        void vscode.window.showInformationMessage('No MCP server is allowed in this workspace.');
        return;
      }
      const picked = await vscode.window.showQuickPick(
        allowed.map((a) => ({ label: a.name, description: vscode.workspace.asRelativePath(a.configFile), picked: true, hash: a.hash })),
        { title: 'Revoke permission to start these MCP servers', canPickMany: true },
      );
      if (!picked || picked.length === 0) return;
      const hashes = picked.map((p) => p.hash);
      for (const hash of hashes) {
        const def = seen.get(hash);
        if (def) source.refresh(def);
        asked.delete(hash);
      }
      await permissions.revoke(hashes);
      log.info(`MCP permissions revoked: ${picked.map((p) => p.label).join(', ')}.`);
    },
    async refreshCommand() {
      source.refresh();
      inputs.clear();
      changed.fire();
    },
    dispose() {
      for (const s of subscriptions) s.dispose();
    },
  };
}
