import * as vscode from 'vscode';
import type { SourceRange } from '../../core/types';
import type { DocumentService } from '../documents';
import type { RevealData } from '../reports/html';

/** The document a report was made from, and where its editor was. */
export interface ReportSource {
  uri: vscode.Uri;
  /** The document version the report's offsets refer to. */
  version: number;
  viewColumn?: vscode.ViewColumn;
}

/** The range of part `tool:3` / `message:2` / `system:0` in the file's current parse, if it still exists. */
function currentPart(documents: DocumentService, uri: vscode.Uri, key: string | undefined): SourceRange | undefined {
  const state = documents.get(uri);
  if (!key || state?.parse?.status !== 'ok') return undefined;
  const [kind, index] = key.split(':');
  return state.parse.doc.parts.find((p) => p.kind === kind && p.index === Number(index))?.range;
}

/**
 * Shows the report's document with the part selected (the cursor at its start) and scrolled
 * into view, in the editor it was shown in. Offsets from an older version of the file are looked
 * up again by part; when the part is gone, says so instead of guessing.
 */
export async function revealInEditor(documents: DocumentService, source: ReportSource, data: RevealData): Promise<void> {
  const document = await vscode.workspace.openTextDocument(source.uri);
  let range: SourceRange | undefined = { start: data.start, end: data.end };
  if (document.version !== source.version) {
    range = currentPart(documents, source.uri, data.part);
    if (!range) {
      void vscode.window.showInformationMessage('Token Lens: the file changed since this report and that part is gone; run the command again.');
      return;
    }
  }
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === source.uri.toString());
  const options: vscode.TextDocumentShowOptions = { viewColumn: visible?.viewColumn ?? source.viewColumn ?? vscode.ViewColumn.One, preserveFocus: false, preview: false };
  const editor = await vscode.window.showTextDocument(document, options);
  const start = document.positionAt(range.start);
  const end = document.positionAt(range.end);
  // Anchored at the end, active at the start: the cursor (and "Ln, Col") is where the part begins.
  editor.selection = new vscode.Selection(end, start);
  editor.revealRange(new vscode.Range(start, start.line === end.line ? end : start), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  // The click that asked for this also focused the webview, and that can land after the editor
  // took the focus: take it back once, so the cursor is where the user looks.
  await new Promise((resolve) => setTimeout(resolve, 150));
  if (vscode.window.activeTextEditor?.document !== document) await vscode.window.showTextDocument(document, options);
}
