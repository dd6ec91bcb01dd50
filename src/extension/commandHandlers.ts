/**
 * What each command of `commandTable.ts` does: one handler per row, by key. The type makes a row
 * without a handler (or a handler without a row) a compile error. `main.ts` registers them.
 */
import type * as vscode from 'vscode';
import type { ActiveEditors } from './activeEditors';
import type { ApiKeyStore } from './apiKey';
import type { CommandKey } from './commandTable';
import { clearApiKey, setApiKey } from './commands/apiKey';
import { selectModel } from './commands/selectModel';
import type { ContextFootprints } from './contextFootprint';
import { showBreakdownCommand } from './decisions/breakdown';
import { showContextFootprintCommand } from './decisions/context';
import type { DecisionDeps } from './decisions/deps';
import { adviseCacheCommand } from './decisions/prompt-caching';
import { previewRoutingCommand } from './decisions/routing';
import { estimateThinking } from './decisions/thinking';
import { auditToolsCommand } from './decisions/tools';
import { trimCommand } from './decisions/trim';
import type { DocumentService } from './documents';
import type { Engine } from './engine';
import type { EditorMcp } from './mcp/editorSource';
import type { WorkspaceScanner } from './workspaceScanner';

/** What the handlers work with (built once by `main.ts`). */
export interface CommandServices {
  keys: ApiKeyStore;
  engine: Engine;
  documents: DocumentService;
  active: ActiveEditors;
  scanner: WorkspaceScanner;
  /** The context footprint of each workspace folder. */
  footprints: ContextFootprints;
  log: vscode.LogOutputChannel;
  decisions: DecisionDeps;
  mcp: EditorMcp;
}

export type CommandHandler = (services: CommandServices, ...args: unknown[]) => unknown;

export const COMMAND_HANDLERS: { readonly [K in CommandKey]: CommandHandler } = {
  setApiKey: (s) => setApiKey(s.keys),
  clearApiKey: (s) => clearApiKey(s.keys),
  selectModel: (s) => selectModel(s.engine, s.documents, s.active),
  recount: (s) => s.documents.recountAll(),
  showLog: (s) => s.log.show(),
  allowUntrusted: (s) => s.engine.allowUntrusted(),
  allowMcpServer: (s, hash?: unknown) => s.mcp.allowCommand(hash),
  revokeMcpServers: (s) => s.mcp.revokeCommand(),
  refreshMcpTools: (s) => s.mcp.refreshCommand(),
  refreshFiles: (s) => s.scanner.rescan(),
  thinking: (s, uri?: unknown, budget?: unknown) => estimateThinking(s.decisions, uri, budget),
  tools: (s, uri?: unknown, index?: unknown) => auditToolsCommand(s.decisions, uri, index),
  cache: (s, uri?: unknown) => adviseCacheCommand(s.decisions, uri),
  routing: (s, uri?: unknown) => previewRoutingCommand(s.decisions, uri),
  trim: (s, uri?: unknown) => trimCommand(s.decisions, uri),
  breakdown: (s, uri?: unknown) => showBreakdownCommand(s.decisions, uri),
  context: (s, uri?: unknown) => showContextFootprintCommand(s.decisions, s.footprints, uri),
  refreshContext: (s) => s.footprints.refresh(),
};
