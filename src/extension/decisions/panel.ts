import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { DocumentService } from '../documents';
import { html, type Html, type RevealData } from '../reports/html';
import { viewType, type ReportKind } from '../commandTable';
import { revealInEditor, type ReportSource } from './reveal';
import { ALLOW_UNTRUSTED_ACTION, SET_KEY_ACTION } from '../reports/view';

/**
 * What brings a report back after a window reload: its file and the inputs the command was given
 * (a thinking budget). The page keeps it as its webview state; nothing else is stored.
 */
export interface RestoreState {
  uri: string;
  budget?: number;
}

/** A webview state as VS Code hands it back, checked: undefined unless it is a file's report. */
export function parseRestoreState(raw: unknown): { uri: vscode.Uri; budget?: number } | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { uri, budget } = raw as Record<string, unknown>;
  if (typeof uri !== 'string') return undefined;
  let parsed: vscode.Uri;
  try {
    parsed = vscode.Uri.parse(uri, true);
  } catch {
    return undefined;
  }
  // An untitled document is gone after a reload (opening its URI would make a new empty one).
  if (parsed.scheme !== 'file' && parsed.scheme !== 'vscode-remote') return undefined;
  const validBudget = typeof budget === 'number' && Number.isInteger(budget) && budget > 0;
  return { uri: parsed, ...(validBudget ? { budget } : {}) };
}

/** What a report panel shows. */
export interface ReportView {
  /** The panel's tab title. */
  title: string;
  /** The page's content (inside `<main>`), built with {@link html} so every text is escaped. */
  body: Html;
  /** What "Copy as Markdown" puts on the clipboard. */
  markdown: string;
  /** Id of an element to scroll into view once shown (e.g. the tool a CodeLens was clicked on). */
  scrollTo?: string;
  /** Inputs beyond the file that restoring the report after a reload needs (see {@link RestoreState}). */
  restore?: Omit<RestoreState, 'uri'>;
}

/** What a report's own buttons and inputs do (copy and reveal are handled by the panel). */
export interface ReportHandlers {
  /** A `data-action` button other than `copy`. */
  onAction?(id: string): unknown;
  /** The tools ticked off in a tool audit (indexes into `tools`). */
  onExclude?(indexes: number[]): unknown;
}

/** Buttons any report may show that run a command (see view.ts). */
const RUNNABLE = new Set([SET_KEY_ACTION, ALLOW_UNTRUSTED_ACTION]);

type Inbound = { type: 'ready' } | { type: 'copy' } | { type: 'reveal'; data: RevealData } | { type: 'action'; id: string } | { type: 'exclude'; indexes: number[] };

function parseInbound(raw: unknown): Inbound | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'copy':
      return { type: 'copy' };
    case 'action':
      return typeof m.id === 'string' ? { type: 'action', id: m.id } : undefined;
    case 'exclude':
      return Array.isArray(m.indexes) && m.indexes.every(num) ? { type: 'exclude', indexes: m.indexes } : undefined;
    case 'reveal': {
      const d = m.data as Record<string, unknown> | undefined;
      if (!d || !num(d.start) || !num(d.end)) return undefined;
      const data: RevealData = { start: d.start, end: d.end };
      if (typeof d.part === 'string') data.part = d.part;
      return { type: 'reveal', data };
    }
    default:
      return undefined;
  }
}

/**
 * A webview panel beside the editor showing one report: strict Content-Security-Policy (nothing
 * but our stylesheet and nonce'd script from media/webview), theme colours from VS Code's CSS
 * variables, "Copy as Markdown", and clicks on parts revealed in the editor. A new report of the
 * same kind reuses it; {@link own} ties listeners (live updates) to the current report only.
 */
export class ReportPanel {
  private view: ReportView;
  private handlers: ReportHandlers = {};
  private session: vscode.Disposable[] = [];
  /** The page shows newer content than `webview.html` holds (sent by message while visible). */
  private stale = false;
  /** The page's script is running: messages reach it (until the page is loaded again). */
  private ready = false;
  private disposed = false;

  constructor(
    readonly kind: ReportKind,
    readonly panel: vscode.WebviewPanel,
    private readonly mediaRoot: vscode.Uri,
    private readonly documents: DocumentService,
    public source: ReportSource,
    view: ReportView,
    onDispose: () => void,
  ) {
    this.view = view;
    this.load();
    panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m));
    panel.onDidChangeViewState(() => {
      if (panel.visible) return;
      // Hidden, the page is gone (no retained context) and is loaded from webview.html when
      // shown again: bring that up to date with what was sent by message.
      this.ready = false;
      if (this.stale) this.load();
    });
    panel.onDidDispose(() => {
      this.disposed = true;
      this.endSession();
      onDispose();
    });
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The view shown now (a new object with each report or update). */
  get shown(): ReportView {
    return this.view;
  }

  /** Starts a new report in this panel: earlier listeners go, new handlers apply. */
  start(source: ReportSource, handlers: ReportHandlers): void {
    this.endSession();
    this.source = source;
    this.handlers = handlers;
  }

  /** Disposed when the next report replaces this one, or when the panel closes. */
  own(...disposables: vscode.Disposable[]): void {
    if (this.disposed) disposables.forEach((d) => d.dispose());
    else this.session.push(...disposables);
  }

  /** Shows a new version of the report (by message while visible: no reload, no flicker). */
  render(view: ReportView, version?: number): void {
    if (this.disposed) return;
    this.view = view;
    if (version !== undefined) this.source = { ...this.source, version };
    this.panel.title = view.title;
    if (this.panel.visible && this.ready) {
      this.stale = true;
      void this.panel.webview.postMessage({
        type: 'render',
        html: view.body.value,
        title: view.title,
        restore: this.restoreState(),
        ...(view.scrollTo ? { scrollTo: view.scrollTo } : {}),
      });
    } else {
      this.load();
    }
  }

  /**
   * Replaces the inside of the element with this id (e.g. the "without these tools" summary);
   * `view` is the whole report as it now stands, kept for copying and re-showing.
   */
  patch(id: string, fragment: Html, view: ReportView): void {
    if (this.disposed) return;
    this.view = view;
    if (!this.panel.visible || !this.ready) {
      this.load();
      return;
    }
    this.stale = true;
    void this.panel.webview.postMessage({ type: 'patch', id, html: fragment.value });
  }

  reveal(): void {
    this.panel.reveal(this.panel.viewColumn ?? vscode.ViewColumn.Beside, true);
  }

  /** What the page keeps as its webview state, to bring this report back after a reload. */
  private restoreState(): RestoreState {
    return { ...this.view.restore, uri: this.source.uri.toString() };
  }

  /** Sets the whole page from the current view (a reload: used while hidden or still loading). */
  private load(): void {
    this.ready = false;
    this.stale = false;
    this.panel.webview.html = this.page();
  }

  private endSession(): void {
    for (const d of this.session.splice(0)) d.dispose();
  }

  private async receive(raw: unknown): Promise<void> {
    const m = parseInbound(raw);
    if (!m) return;
    try {
      switch (m.type) {
        case 'ready':
          this.ready = true;
          return;
        case 'copy':
          await vscode.env.clipboard.writeText(this.view.markdown);
          void vscode.window.showInformationMessage('Token Lens: report copied as Markdown.');
          return;
        case 'reveal':
          await revealInEditor(this.documents, this.source, m.data);
          return;
        case 'action':
          if (RUNNABLE.has(m.id)) await vscode.commands.executeCommand(m.id.slice('run:'.length));
          else await this.handlers.onAction?.(m.id);
          return;
        case 'exclude':
          await this.handlers.onExclude?.(m.indexes);
          return;
      }
    } catch (err) {
      void vscode.window.showErrorMessage(`Token Lens: ${this.view.title}: ${(err as Error).message}`);
    }
  }

  private page(): string {
    const webview = this.panel.webview;
    const nonce = randomBytes(18).toString('base64');
    const css = webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'report.css'));
    const js = webview.asWebviewUri(vscode.Uri.joinPath(this.mediaRoot, 'report.js'));
    const csp = `default-src 'none'; style-src ${webview.cspSource}; img-src ${webview.cspSource} data:; font-src ${webview.cspSource}; script-src 'nonce-${nonce}';`;
    return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css.toString()}">
<title>${this.view.title}</title>
</head>
<body data-report="${this.kind}" data-restore="${JSON.stringify(this.restoreState())}">
<main id="report"${this.view.scrollTo ? html` data-scroll-to="${this.view.scrollTo}"` : html``}>${this.view.body}</main>
<div id="tooltip" role="tooltip" hidden></div>
<script nonce="${nonce}" src="${js.toString()}"></script>
</body>
</html>`.value;
  }
}

/** Creates and reuses the report panels, one per {@link ReportKind}. */
export class ReportPanels implements vscode.Disposable {
  private readonly panels = new Map<ReportKind, ReportPanel>();
  private readonly mediaRoot: vscode.Uri;

  constructor(extensionUri: vscode.Uri, private readonly documents: DocumentService) {
    this.mediaRoot = vscode.Uri.joinPath(extensionUri, 'media', 'webview');
  }

  /** Shows `view` in the panel of `kind` (created beside the editor, or reused and brought forward). */
  open(kind: ReportKind, source: ReportSource, view: ReportView, handlers: ReportHandlers = {}): ReportPanel {
    const existing = this.panels.get(kind);
    if (existing && !existing.isDisposed) {
      existing.start(source, handlers);
      existing.render(view);
      // Only a panel behind other tabs is brought forward. Revealing a visible one is no help and
      // can move it: VS Code reveals into the group numbered `viewColumn`, which for a panel it
      // has just restored after a reload may still name the file's group (the report then jumped
      // there as a preview tab).
      if (!existing.panel.visible) existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(viewType(kind), view.title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.webviewOptions());
    const report = this.adopt(kind, panel, source, view);
    report.start(source, handlers);
    return report;
  }

  /**
   * Takes a panel VS Code restored after a reload: it shows `view` (a placeholder) until the
   * report's command renders into it, as it reuses the panel of its kind.
   */
  restore(kind: ReportKind, panel: vscode.WebviewPanel, source: ReportSource, view: ReportView): ReportPanel {
    this.panels.get(kind)?.panel.dispose();
    panel.webview.options = this.webviewOptions();
    return this.adopt(kind, panel, source, view);
  }

  private webviewOptions(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return { enableScripts: true, enableFindWidget: true, localResourceRoots: [this.mediaRoot] };
  }

  private adopt(kind: ReportKind, panel: vscode.WebviewPanel, source: ReportSource, view: ReportView): ReportPanel {
    const report = new ReportPanel(kind, panel, this.mediaRoot, this.documents, source, view, () => {
      if (this.panels.get(kind) === report) this.panels.delete(kind);
    });
    this.panels.set(kind, report);
    return report;
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.panel.dispose();
    this.panels.clear();
  }
}
