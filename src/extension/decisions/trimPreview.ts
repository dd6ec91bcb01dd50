import * as path from 'node:path';
import * as vscode from 'vscode';

/** Scheme of the read-only documents that show a trimmed conversation before it is applied. */
export const TRIM_SCHEME = 'token-lens-trim';

/**
 * Read-only virtual documents holding the text a trim would leave, for `vscode.diff` against the
 * real file. Each preview has its own URI (same file name, so the same language) and is dropped
 * once the diff is closed.
 */
export class TrimPreviews implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private next = 0;

  /** A new preview of `text` for the file at `source`. */
  add(source: vscode.Uri, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: TRIM_SCHEME, path: `/${path.posix.basename(source.path)}`, query: `preview=${++this.next}` });
    this.texts.set(uri.toString(), text);
    return uri;
  }

  remove(uri: vscode.Uri): void {
    this.texts.delete(uri.toString());
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }

  /** Closes every diff tab showing this preview, then forgets it. */
  async close(uri: vscode.Uri): Promise<void> {
    const tabs = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.toString() === uri.toString());
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs, true);
    this.remove(uri);
  }

  dispose(): void {
    this.texts.clear();
  }
}
