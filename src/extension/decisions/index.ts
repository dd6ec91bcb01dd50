import * as vscode from 'vscode';
import type { DocumentService } from '../documents';
import type { Engine } from '../engine';
import { showBreakdownCommand } from './breakdown';
import { adviseCacheCommand } from './cache';
import type { DecisionDeps } from './deps';
import { COMMANDS, TITLES } from './ids';
import { ReportPanels } from './panel';
import { previewRoutingCommand } from './routing';
import { ActiveEditors, guarded } from './target';
import { estimateThinking } from './thinking';
import { auditToolsCommand } from './tools';
import { trimCommand } from './trim';
import { TRIM_SCHEME, TrimPreviews } from './trimPreview';

export { COMMANDS as DECISION_COMMANDS } from './ids';

/**
 * Registers the decision commands (thinking budget, tool audit, caching advice, routing preview,
 * trim to budget, token breakdown), their report panels and the trim preview documents. Every
 * registration goes to `context.subscriptions`.
 */
export function registerDecisionCommands(context: vscode.ExtensionContext, engine: Engine, documents: DocumentService): void {
  const active = new ActiveEditors(documents);
  const panels = new ReportPanels(context.extensionUri, documents);
  const previews = new TrimPreviews();
  context.subscriptions.push(active, panels, previews, vscode.workspace.registerTextDocumentContentProvider(TRIM_SCHEME, previews));
  const deps: DecisionDeps = { context, engine, documents, active, panels, previews };

  const command = <A extends unknown[]>(key: keyof typeof COMMANDS, run: (...args: A) => Promise<void>) =>
    context.subscriptions.push(vscode.commands.registerCommand(COMMANDS[key], guarded(TITLES[key], active, engine.log, run)));
  command('thinking', (uri?: unknown) => estimateThinking(deps, uri));
  command('tools', (uri?: unknown, index?: unknown) => auditToolsCommand(deps, uri, index));
  command('cache', (uri?: unknown) => adviseCacheCommand(deps, uri));
  command('routing', (uri?: unknown) => previewRoutingCommand(deps, uri));
  command('trim', (uri?: unknown) => trimCommand(deps, uri));
  command('breakdown', (uri?: unknown) => showBreakdownCommand(deps, uri));
}
