// A small working stand-in for the parts of the `vscode` API the editor's MCP source uses
// (src/extension/mcp/): trust, workspaceState, notifications answered by the test, events.
// Import it before the extension module; it answers `require('vscode')` from then on.
import Module from 'node:module';
import * as path from 'node:path';

type Listener<T> = (value: T) => unknown;

class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

const trustGranted = new EventEmitter<void>();

export const fake = {
  trusted: true,
  folder: '/workspace',
  /** Every notification shown: [kind, message, buttons]. */
  shown: [] as [string, string, string[]][],
  /** What the next notifications answer (a button title, or undefined for dismissed; a promise: answered later). */
  answers: [] as (string | undefined | Promise<string | undefined>)[],
  inputBoxes: [] as { prompt?: string; password?: boolean }[],
  inputAnswer: undefined as string | undefined,
  quickPick: undefined as ((items: unknown[]) => unknown) | undefined,
  grantTrust() {
    this.trusted = true;
    trustGranted.fire();
  },
  reset() {
    this.trusted = true;
    this.shown = [];
    this.answers = [];
    this.inputBoxes = [];
    this.inputAnswer = undefined;
    this.quickPick = undefined;
  },
};

const uri = (fsPath: string) => ({ fsPath, scheme: 'file', path: fsPath });

export const vscodeFake = {
  EventEmitter,
  Uri: { file: uri, joinPath: (base: { fsPath: string }, ...parts: string[]) => uri(path.join(base.fsPath, ...parts)) },
  workspace: {
    get isTrusted() {
      return fake.trusted;
    },
    get workspaceFolders() {
      return [{ uri: uri(fake.folder), name: 'ws', index: 0 }];
    },
    getWorkspaceFolder: (u: { fsPath: string }) => (u.fsPath.startsWith(fake.folder) ? { uri: uri(fake.folder) } : undefined),
    asRelativePath: (p: string) => path.relative(fake.folder, p),
    onDidGrantWorkspaceTrust: trustGranted.event,
  },
  window: {
    showInformationMessage: (message: string, ...buttons: string[]) => {
      fake.shown.push(['info', message, buttons]);
      return Promise.resolve(fake.answers.shift());
    },
    showWarningMessage: (message: string, ...buttons: string[]) => {
      fake.shown.push(['warning', message, buttons]);
      return Promise.resolve(undefined);
    },
    showInputBox: (options: { prompt?: string; password?: boolean }) => {
      fake.inputBoxes.push(options);
      return Promise.resolve(fake.inputAnswer);
    },
    showQuickPick: (items: unknown[]) => Promise.resolve(fake.quickPick?.(items)),
  },
};

/** A Memento in memory. */
export class MemoryMemento {
  private data = new Map<string, unknown>();
  get<T>(key: string, fallback?: T): T | undefined {
    return (this.data.has(key) ? this.data.get(key) : fallback) as T | undefined;
  }
  update(key: string, value: unknown): Promise<void> {
    this.data.set(key, JSON.parse(JSON.stringify(value)));
    return Promise.resolve();
  }
  keys(): string[] {
    return [...this.data.keys()];
  }
}

/** Lines logged, by level. */
export function fakeLog() {
  const lines: string[] = [];
  const at = (level: string) => (line: string) => lines.push(`${level}: ${line}`);
  return { lines, channel: { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), trace: at('trace') } };
}

const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
const original = loader._load;
loader._load = function (request: string, parent: unknown, isMain: boolean): unknown {
  return request === 'vscode' ? vscodeFake : original.call(this, request, parent, isMain);
};
