import * as vscode from 'vscode';
import { isCandidatePath } from '../core/payload';
import { DocumentSession, type DocumentText, type SessionState } from '../core/session';
import type { Engine } from './engine';

const MODEL_OVERRIDES = 'tokenLens.modelOverrides.byFile';
/** Documents that are not files a user edits: never analysed. */
export const IGNORED_SCHEMES: ReadonlySet<string> = new Set(['output', 'vscode-scm', 'git', 'debug', 'vscode-settings']);

/** What is known about one open document, for one version of its text. */
export interface DocumentState extends SessionState {
  uri: vscode.Uri;
}

/**
 * Keeps every open prompt or payload document analysed, one core DocumentSession per document
 * (parse and estimate on each edit, the exact count after a pause in typing, recounts after
 * transient API failures). This class only adapts editor events to sessions.
 */
export class DocumentService implements vscode.Disposable {
  private readonly sessions = new Map<string, { uri: vscode.Uri; session: DocumentSession }>();
  /** Documents whose path is not a prompt or payload file (until settings or project rules change). */
  private readonly notCandidates = new Set<string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly engine: Engine, private readonly state: vscode.Memento) {
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidOpenTextDocument((d) => this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.update(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      engine.onDidChange((e) => {
        if (!e.recount) return;
        // Globs or project rules may have changed what is a prompt or payload file.
        this.notCandidates.clear();
        this.recountAll();
      }),
    );
    for (const d of vscode.workspace.textDocuments) this.update(d);
  }

  get(uri: vscode.Uri): DocumentState | undefined {
    const entry = this.sessions.get(uri.toString());
    const state = entry?.session.state;
    return entry && state ? { ...state, uri: entry.uri } : undefined;
  }

  /** The model the user picked for this file, overriding the file's own. */
  modelOverride(uri: vscode.Uri): string | undefined {
    return this.state.get<Record<string, string>>(MODEL_OVERRIDES, {})[uri.toString()];
  }

  async setModelOverride(uri: vscode.Uri, model: string | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, string>>(MODEL_OVERRIDES, {}) };
    if (model) all[uri.toString()] = model;
    else delete all[uri.toString()];
    await this.state.update(MODEL_OVERRIDES, all);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc) this.update(doc, true);
  }

  recountAll(): void {
    for (const d of vscode.workspace.textDocuments) this.update(d, true);
  }

  /** Hands a document's current text to its session (made on first sight). */
  update(document: vscode.TextDocument, force = false): void {
    const uri = document.uri;
    if (IGNORED_SCHEMES.has(uri.scheme)) return;
    const key = uri.toString();
    let entry = this.sessions.get(key);
    // Cheap path check first, once per document: most documents (source code) are never read.
    if (!entry && this.notCandidates.has(key)) return;
    if (!entry && !isCandidatePath(uri.fsPath || uri.path, this.engine.optionsFor(uri).parse)) {
      this.notCandidates.add(key);
      return;
    }
    if (!entry) {
      const options = () => this.engine.optionsFor(uri, this.modelOverride(uri));
      const session = new DocumentSession(
        uri.fsPath || uri.path,
        {
          parseOptions: () => options().parse,
          analyzeOptions: () => options().analyze,
          counting: () => this.engine.counting,
          debounceMs: () => this.engine.config.debounceMs,
          preparer: this.engine.preparer,
        },
        () => this.changed.fire(uri),
      );
      entry = { uri, session };
      this.sessions.set(key, entry);
    }
    // The text is read only when the session needs it: a large file is not read on every keystroke.
    const text: DocumentText = { length: textLength(document), read: () => document.getText() };
    if (!entry.session.update(document.version, text, force)) {
      // Not a prompt or payload file (any more).
      entry.session.dispose();
      this.sessions.delete(key);
    }
  }

  forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.notCandidates.delete(key);
    const entry = this.sessions.get(key);
    if (!entry) return;
    entry.session.dispose();
    this.sessions.delete(key);
    this.changed.fire(uri);
  }

  dispose(): void {
    for (const { session } of this.sessions.values()) session.dispose();
    this.sessions.clear();
    for (const d of this.disposables) d.dispose();
  }
}

/** The length of a document's text in UTF-16 code units, without reading the text. */
function textLength(document: vscode.TextDocument): number {
  return document.lineCount === 0 ? 0 : document.offsetAt(document.lineAt(document.lineCount - 1).range.end);
}
