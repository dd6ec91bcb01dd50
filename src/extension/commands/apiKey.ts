import * as vscode from 'vscode';
import { validateKeyInput, type ApiKeyStore } from '../apiKey';

export async function setApiKey(keys: ApiKeyStore): Promise<void> {
  const value = await vscode.window.showInputBox({
    title: 'Token Lens: Anthropic API key',
    prompt: 'Stored in VS Code\'s secret storage (your OS keychain), never in settings. Counting tokens is free.',
    placeHolder: 'sk-ant-…',
    password: true,
    ignoreFocusOut: true,
    validateInput: validateKeyInput,
  });
  if (value === undefined) return;
  await keys.set(value);
  // Not "counts are now exact": the key is only tried on the next count (the status bar tells).
  void vscode.window.showInformationMessage('Token Lens: API key saved.');
}

export async function clearApiKey(keys: ApiKeyStore): Promise<void> {
  await keys.clear();
  // Short enough for a notification toast, which shows one line.
  const env = (await keys.get())?.source === 'environment' ? 'now using ANTHROPIC_API_KEY.' : 'counts are now estimates.';
  void vscode.window.showInformationMessage(`Token Lens: API key removed; ${env}`);
}
