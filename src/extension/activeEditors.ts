import * as vscode from 'vscode';
import { IGNORED_SCHEMES, type DocumentService } from './documents';

/**
 * The editor the status bar and the commands are about: the active text editor, or, while a report panel (a webview)
 * has the focus, the last text editor that is still visible. Also keeps the context keys the
 * menus use (`tokenLens.activePayload`, `tokenLens.activeHasTools`, `tokenLens.activeHasMessages`).
 */
export class ActiveEditors implements vscode.Disposable {
  private last: vscode.TextEditor | undefined;
  private readonly keys = new Map<string, boolean>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly documents: DocumentService) {
    this.last = usable(vscode.window.activeTextEditor);
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (usable(e)) this.last = e;
        this.updateKeys();
      }),
      documents.onDidChange((uri) => {
        if (uri.toString() === this.current()?.document.uri.toString()) this.updateKeys();
      }),
    );
    this.updateKeys();
  }

  current(): vscode.TextEditor | undefined {
    const active = usable(vscode.window.activeTextEditor);
    if (active) return active;
    const last = this.last;
    return last && vscode.window.visibleTextEditors.includes(last) ? last : undefined;
  }

  private updateKeys(): void {
    const editor = this.current();
    const state = editor ? this.documents.get(editor.document.uri) : undefined;
    const doc = state?.parse?.status === 'ok' ? state.parse.doc : undefined;
    this.set('tokenLens.activePayload', doc !== undefined);
    this.set('tokenLens.activeHasTools', (doc?.body.tools?.length ?? 0) > 0);
    this.set('tokenLens.activeHasMessages', doc !== undefined && doc.kind === 'payload' && !doc.placeholder);
  }

  private set(key: string, value: boolean): void {
    if (this.keys.get(key) === value) return;
    this.keys.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** Text editors that show a document Token Lens reads (output channels and the like are editors too). */
function usable(editor: vscode.TextEditor | undefined): vscode.TextEditor | undefined {
  return editor && !IGNORED_SCHEMES.has(editor.document.uri.scheme) ? editor : undefined;
}
