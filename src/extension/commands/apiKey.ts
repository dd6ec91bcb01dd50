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
  void vscode.window.showInformationMessage('Token Lens: API key saved. Counts are now exact.');
}

export async function clearApiKey(keys: ApiKeyStore): Promise<void> {
  await keys.clear();
  const env = process.env.ANTHROPIC_API_KEY ? ' ANTHROPIC_API_KEY from the environment is still used.' : ' Counts are now local estimates.';
  void vscode.window.showInformationMessage(`Token Lens: API key removed from secret storage.${env}`);
}
