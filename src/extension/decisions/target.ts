import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Analysis } from '../../core/analyze';
import type { ParsedDocument } from '../../core/types';
import type { ActiveEditors } from '../activeEditors';
import type { DocumentService, DocumentState } from '../documents';
import type { ReportSource } from './reveal';

/** How long a command waits for the exact count of the file before using the estimate it has. */
const SETTLE_MS = 15_000;

/** The analysed payload a command works on. */
export interface Target {
  uri: vscode.Uri;
  /** File name, for messages and report headers. */
  name: string;
  document: vscode.TextDocument;
  /** Where the file is shown, if it is. */
  editor: vscode.TextEditor | undefined;
  state: DocumentState;
  doc: ParsedDocument;
  analysis: Analysis;
}

/** Where a report on the target comes from: its file, version and editor column. */
export function sourceOf(target: Target): ReportSource {
  return { uri: target.uri, version: target.document.version, viewColumn: target.editor?.viewColumn };
}

export function fileName(uri: vscode.Uri): string {
  return path.posix.basename(uri.path) || uri.toString();
}

/** The state of `uri` once its current version has a result that is not still being counted. */
function settled(documents: DocumentService, document: vscode.TextDocument, timeoutMs: number): Promise<DocumentState | undefined> {
  const done = (s: DocumentState | undefined) => !!s && s.version === document.version && s.parse !== undefined && (s.parse.status !== 'ok' || (!!s.analysis && !s.pending));
  const now = documents.get(document.uri);
  if (!now || done(now)) return Promise.resolve(now);
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      sub.dispose();
      resolve(documents.get(document.uri));
    };
    const timer = setTimeout(finish, timeoutMs);
    const sub = documents.onDidChange((uri) => {
      if (uri.toString() === document.uri.toString() && done(documents.get(uri))) finish();
    });
  });
}

/**
 * The payload to work on: `uri` when a menu or CodeLens passed one, else the active editor's
 * file. Waits (with a status bar spinner) for an exact count in progress. Says why in an
 * information message, and resolves to undefined, when there is no analysed payload.
 */
export async function resolveTarget(documents: DocumentService, active: ActiveEditors, uri: unknown, command: string): Promise<Target | undefined> {
  const editor = uri instanceof vscode.Uri ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString()) : active.current();
  const target = uri instanceof vscode.Uri ? uri : editor?.document.uri;
  if (!target) {
    void vscode.window.showInformationMessage(`Token Lens: open a Messages API payload, tool list or prompt file, then run "${command}".`);
    return undefined;
  }
  const name = fileName(target);
  const document = editor?.document ?? (await vscode.workspace.openTextDocument(target));
  let state = documents.get(target);
  // A large document waits for its parse too (it has none between an edit and the pause after it).
  if (state && (!state.parse || state.parse.status === 'ok') && (state.pending || !state.analysis || state.version !== document.version)) {
    state = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Token Lens: counting ${name}…` },
      () => settled(documents, document, SETTLE_MS),
    );
  }
  if (!state) {
    void vscode.window.showInformationMessage(`Token Lens: ${name} is not a prompt or payload file Token Lens counts, so "${command}" has nothing to work on.`);
    return undefined;
  }
  if (!state.parse) {
    void vscode.window.showInformationMessage(`Token Lens: ${name} has not been read yet; try "${command}" again in a moment.`);
    return undefined;
  }
  if (state.parse.status !== 'ok') {
    const why = state.parse.status === 'error' ? state.parse.message : state.parse.reason;
    void vscode.window.showInformationMessage(`Token Lens: ${name} could not be read (${why}), so "${command}" has nothing to work on.`);
    return undefined;
  }
  if (!state.analysis) {
    void vscode.window.showInformationMessage(`Token Lens: ${name} has not been counted yet; try "${command}" again in a moment.`);
    return undefined;
  }
  return { uri: target, name, document, editor, state, doc: state.parse.doc, analysis: state.analysis };
}

/**
 * Wraps a command handler so nothing escapes it: an unexpected failure is logged and shown as
 * an error naming the command and the file.
 */
export function guarded<A extends unknown[]>(
  title: string,
  active: ActiveEditors,
  log: vscode.LogOutputChannel,
  run: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (err) {
      const uri = args.find((a): a is vscode.Uri => a instanceof vscode.Uri) ?? active.current()?.document.uri;
      const file = uri ? fileName(uri) : 'no file';
      const message = err instanceof Error ? err.message : String(err);
      log.error(`${title} failed on ${file}: ${message}${err instanceof Error && err.stack ? `\n${err.stack}` : ''}`);
      void vscode.window.showErrorMessage(`Token Lens: "${title}" failed on ${file}: ${message}`);
    }
  };
}
