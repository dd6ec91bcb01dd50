import * as vscode from 'vscode';
import type { ActiveEditors } from '../activeEditors';
import { COMMANDS, REPORT_KINDS, TITLES, viewType, type ReportKind } from '../commandTable';
import type { DocumentService } from '../documents';
import type { Engine } from '../engine';
import { html, type Html } from '../reports/html';
import type { DecisionDeps } from './deps';
import { parseRestoreState, ReportPanels, type ReportView } from './panel';
import { fileName } from './target';
import { TRIM_SCHEME, TrimPreviews } from './trimPreview';

/**
 * What the decision commands share: their report panels and the trim preview documents (with
 * their content provider). Every registration goes to `context.subscriptions`.
 */
export function decisionServices(context: vscode.ExtensionContext, engine: Engine, documents: DocumentService, active: ActiveEditors): DecisionDeps {
  const panels = new ReportPanels(context.extensionUri, documents);
  const previews = new TrimPreviews();
  context.subscriptions.push(panels, previews, vscode.workspace.registerTextDocumentContentProvider(TRIM_SCHEME, previews));
  return { context, engine, documents, active, panels, previews };
}

/** Brings back, after a reload, the report panels of every kind (see {@link restoreReport}). Register after the commands. */
export function registerReportRestore(deps: DecisionDeps): void {
  for (const kind of REPORT_KINDS) {
    deps.context.subscriptions.push(
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
