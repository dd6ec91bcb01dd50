import * as vscode from 'vscode';
import type { Finding } from '../core/types';
import type { DocumentService } from './documents';

const SEVERITY: Record<Finding['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** Converts findings to diagnostics, given a way to turn offsets into positions. */
export function toDiagnostics(findings: readonly Finding[], positionAt: (offset: number) => vscode.Position): vscode.Diagnostic[] {
  return findings.map((f) => {
    const range = f.range ? new vscode.Range(positionAt(f.range.start), positionAt(Math.max(f.range.start, f.range.end))) : new vscode.Range(0, 0, 0, 0);
    const d = new vscode.Diagnostic(range, f.message, SEVERITY[f.severity]);
    d.source = 'Token Lens';
    d.code = f.code;
    return d;
  });
}

/** Offsets to positions for a text that is not open in an editor. */
export function positionsOf(text: string): (offset: number) => vscode.Position {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return new vscode.Position(lo, offset - starts[lo]!);
  };
}

/**
 * The Problems panel: findings of open documents (current version) and of workspace files that
 * are not open (from the Explorer view's scan). An open document's findings win.
 */
export class Diagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('token-lens');
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor(private readonly documents: DocumentService) {
    this.disposables.push(documents.onDidChange((uri) => this.refresh(uri)));
  }

  private refresh(uri: vscode.Uri): void {
    const state = this.documents.get(uri);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!state?.analysis || !doc || state.version !== doc.version) {
      if (!state) this.collection.delete(uri);
      return;
    }
    this.collection.set(uri, toDiagnostics(state.analysis.findings, (o) => doc.positionAt(o)));
  }

  /** Findings of a file that is not open (no-op when it is: the editor's state wins). */
  setForClosedFile(uri: vscode.Uri, findings: readonly Finding[] | undefined, text: string): void {
    if (this.documents.get(uri)) return;
    if (!findings || findings.length === 0) this.collection.delete(uri);
    else this.collection.set(uri, toDiagnostics(findings, positionsOf(text)));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
