import * as vscode from 'vscode';

const SECRET = 'tokenLens.apiKey';

export type KeySource = 'secret-storage' | 'environment';

export interface ApiKey {
  value: string;
  source: KeySource;
}

/**
 * The API key: from VS Code's SecretStorage (set with "Token Lens: Set API Key"), else from
 * `ANTHROPIC_API_KEY`. Never written to settings, logs or caches.
 */
export class ApiKeyStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage, private readonly env: NodeJS.ProcessEnv = process.env) {
    this.subscription = secrets.onDidChange((e) => {
      if (e.key === SECRET) this.changed.fire();
    });
  }

  async get(): Promise<ApiKey | undefined> {
    const stored = (await this.secrets.get(SECRET))?.trim();
    if (stored) return { value: stored, source: 'secret-storage' };
    const fromEnv = this.env.ANTHROPIC_API_KEY?.trim();
    return fromEnv ? { value: fromEnv, source: 'environment' } : undefined;
  }

  async set(value: string): Promise<void> {
    await this.secrets.store(SECRET, value.trim());
  }

  async clear(): Promise<void> {
    await this.secrets.delete(SECRET);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

/** A light shape check, so an obvious paste mistake is caught before a call is spent on it. */
export function validateKeyInput(value: string): string | undefined {
  const v = value.trim();
  if (!v) return 'Enter an API key, or press Escape to cancel.';
  if (/\s/.test(v)) return 'An API key has no spaces.';
  if (v.length < 20) return 'That is too short to be an Anthropic API key.';
  return undefined;
}
