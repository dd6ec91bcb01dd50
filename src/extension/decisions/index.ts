import * as vscode from 'vscode';
import type { ActiveEditors } from '../activeEditors';
import type { DocumentService } from '../documents';
import type { Engine } from '../engine';
import { showBreakdownCommand } from './breakdown';
import { adviseCacheCommand } from './prompt-caching';
import type { DecisionDeps } from './deps';
import { html, type Html } from './html';
import { COMMANDS, REPORT_KINDS, TITLES, viewType, type ReportKind } from './ids';
import { parseRestoreState, ReportPanels, type ReportView } from './panel';
import { previewRoutingCommand } from './routing';
import { fileName, guarded } from './target';
import { estimateThinking } from './thinking';
import { auditToolsCommand } from './tools';
import { trimCommand } from './trim';
import { TRIM_SCHEME, TrimPreviews } from './trimPreview';


/**
 * Registers the decision commands (thinking budget, tool audit, caching advice, routing preview,
 * trim to budget, token breakdown), their report panels and the trim preview documents. Every
 * registration goes to `context.subscriptions`.
 */
export function registerDecisionCommands(context: vscode.ExtensionContext, engine: Engine, documents: DocumentService, active: ActiveEditors): void {
  const panels = new ReportPanels(context.extensionUri, documents);
  const previews = new TrimPreviews();
  context.subscriptions.push(panels, previews, vscode.workspace.registerTextDocumentContentProvider(TRIM_SCHEME, previews));
  const deps: DecisionDeps = { context, engine, documents, active, panels, previews };

  const command = <A extends unknown[]>(key: keyof typeof COMMANDS, run: (...args: A) => Promise<void>) =>
    context.subscriptions.push(vscode.commands.registerCommand(COMMANDS[key], guarded(TITLES[key], active, engine.log, run)));
  command('thinking', (uri?: unknown, budget?: unknown) => estimateThinking(deps, uri, budget));
  command('tools', (uri?: unknown, index?: unknown) => auditToolsCommand(deps, uri, index));
  command('cache', (uri?: unknown) => adviseCacheCommand(deps, uri));
  command('routing', (uri?: unknown) => previewRoutingCommand(deps, uri));
  command('trim', (uri?: unknown) => trimCommand(deps, uri));
  command('breakdown', (uri?: unknown) => showBreakdownCommand(deps, uri));

  for (const kind of REPORT_KINDS) {
    context.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(viewType(kind), { deserializeWebviewPanel: (panel, state) => restoreReport(deps, kind, panel, state) }),
    );
  }
}

/**
 * A report panel left open when the window reloaded: run its command again on the same file
 * (with the same thinking budget), into this panel. When that cannot be done (the file is gone,
 * no longer a payload, or the state is not ours), the panel says so instead of staying blank.
 */
async function restoreReport(deps: DecisionDeps, kind: ReportKind, panel: vscode.WebviewPanel, state: unknown): Promise<void> {
  const restored = parseRestoreState(state);
  const name = restored ? fileName(restored.uri) : undefined;
  const title = TITLES[kind];
  const placeholder = (body: Html): ReportView => ({ title: `${title}${name ? ` · ${name}` : ''}`, body, markdown: '' });
  if (!restored) {
    deps.panels.restore(kind, panel, { uri: vscode.Uri.parse('untitled:report'), version: 0 }, placeholder(html`<div class="callout">This report cannot be brought back after the reload. Run "Token Lens: ${title}" again.</div>`));
    return;
  }
  const report = deps.panels.restore(kind, panel, { uri: restored.uri, version: 0 }, { ...placeholder(html`<p class="muted">Bringing the report on ${name} back…</p>`), ...(restored.budget ? { restore: { budget: restored.budget } } : {}) });
  const before = report.shown;
  // A file that is gone is said so here, without the command's error message on top.
  const exists = await vscode.workspace.fs.stat(restored.uri).then(
    () => true,
    () => false,
  );
  if (exists) await vscode.commands.executeCommand(COMMANDS[kind], restored.uri, ...(kind === 'thinking' && restored.budget ? [restored.budget] : []));
  // The command could not make the report (and said why): the panel says what to do.
  if (!report.isDisposed && report.shown === before) {
    report.render(placeholder(html`<div class="callout">${name} could not be reported on after the reload (closed, moved or no longer a payload). Open it and run "Token Lens: ${title}" again.</div>`));
  }
}
