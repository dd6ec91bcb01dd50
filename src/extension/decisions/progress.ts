import * as vscode from 'vscode';

/**
 * Runs `task` with a spinner in the status bar and, only if it is still running after `delayMs`,
 * a cancellable notification as well (cancelling aborts the task's signal). Answers from the
 * count cache come back at once and never flash a notification.
 */
export async function withCountProgress<T>(title: string, task: (signal: AbortSignal) => Promise<T>, delayMs = 700): Promise<T> {
  const controller = new AbortController();
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let done = false;
  const timer = setTimeout(() => {
    if (done) return;
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => {
      token.onCancellationRequested(() => controller.abort());
      return finished;
    });
  }, delayMs);
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title }, () => task(controller.signal));
  } finally {
    done = true;
    clearTimeout(timer);
    finish();
  }
}
