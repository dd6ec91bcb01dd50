import * as vscode from 'vscode';
import { ActiveEditors } from './activeEditors';
import { ApiKeyStore } from './apiKey';
import { TokenCodeLensProvider } from './codeLens';
import { COMMAND_HANDLERS, type CommandServices } from './commandHandlers';
import { COMMAND_TABLE, type CommandKey, type CommandRow } from './commandTable';
import { ContextCodeLensProvider, ContextFootprints } from './contextFootprint';
import { ContextFootprintView } from './contextView';
import { decisionServices, registerReportRestore } from './decisions';
import { guarded } from './decisions/target';
import { Diagnostics } from './diagnostics';
import { DocumentService } from './documents';
import { Engine } from './engine';
import { createEditorMcpToolSource } from './mcp/editorSource';
import { StatusBar } from './statusBar';
import { WorkspaceFilesView } from './workspaceFiles';
import { WorkspaceScanner } from './workspaceScanner';

/** Documents Token Lens may look at: files on disk and unsaved buffers, in any language. */
const SELECTOR: vscode.DocumentSelector = [{ scheme: 'file' }, { scheme: 'untitled' }, { scheme: 'vscode-remote' }];

/** What `activate` returns: for the extension's own tests in the extension host, not a public API. */
export interface TokenLensApi {
  engine: Engine;
  documents: DocumentService;
  files: WorkspaceFilesView;
  scanner: WorkspaceScanner;
  footprints: ContextFootprints;
  statusBar: StatusBar;
}

/** The composition root: every service is built here and every registration is disposed with the extension. */
export function activate(context: vscode.ExtensionContext): TokenLensApi {
  const log = vscode.window.createOutputChannel('Token Lens', { log: true });
  const keys = new ApiKeyStore(context.secrets);
  const engine = new Engine(context, keys, log);
  const documents = new DocumentService(engine, context.workspaceState);
  const active = new ActiveEditors(documents);
  const diagnostics = new Diagnostics(documents);
  const codeLens = new TokenCodeLensProvider(engine, documents);
  const scanner = new WorkspaceScanner(engine, documents, diagnostics);
  const files = new WorkspaceFilesView(scanner, documents);
  const statusBar = new StatusBar(engine, documents, active);
  // MCP servers: started only in a trusted workspace, after the user allowed each (src/extension/mcp/).
  // The context footprint reads tool lists through mcp.source and recounts on mcp.onDidChange.
  const mcp = createEditorMcpToolSource(context, { log, timeoutMs: () => engine.config.mcpTimeoutMs });
  const footprints = new ContextFootprints(engine, mcp.source);
  context.subscriptions.push(log, keys, engine, documents, active, diagnostics, codeLens, scanner, statusBar, mcp, footprints, mcp.onDidChange(() => footprints.refreshSoon()));

  const decisions = decisionServices(context, engine, documents, active);
  const services: CommandServices = { keys, engine, documents, active, scanner, footprints, log, decisions, mcp };
  for (const [key, row] of Object.entries(COMMAND_TABLE) as [CommandKey, CommandRow][]) {
    const run = (...args: unknown[]) => COMMAND_HANDLERS[key](services, ...args);
    context.subscriptions.push(vscode.commands.registerCommand(row.id, row.guarded ? guarded(row.title, active, engine.log, async (...args: unknown[]) => void (await run(...args))) : run));
  }
  registerReportRestore(decisions);

  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider(SELECTOR, codeLens),
    vscode.window.registerTreeDataProvider('tokenLens.files', files),
    vscode.window.registerTreeDataProvider('tokenLens.context', new ContextFootprintView(footprints)),
    // The servers of MCP config files, wherever a setting puts them: the provider answers for the files it knows.
    vscode.languages.registerCodeLensProvider([{ scheme: 'file', language: 'json' }, { scheme: 'file', language: 'jsonc' }], new ContextCodeLensProvider(footprints, engine)),
  );

  // Reading the key and the count cache is I/O: activation does not wait for it.
  // The context footprint waits until its view is shown or an MCP config file is opened.
  void engine.start().then(() => scanner.scanSoon());
  return { engine, documents, files, scanner, footprints, statusBar };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
