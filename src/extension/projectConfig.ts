import * as path from 'node:path';
import * as vscode from 'vscode';
import { findProjectConfig, loadProjectConfig, type ProjectConfig } from '../core/config/project';

interface Resolved {
  file: string | undefined;
  config: ProjectConfig | undefined;
}

/**
 * The repository's `.tokenlens.json` (or `tokenLens` in package.json), the same file
 * `token-lens check` reads, so the editor applies the same limits as CI. Looked up once per
 * folder and kept until a config file changes; problems in a config file are shown on that file
 * in the Problems panel.
 */
export class ProjectConfigs implements vscode.Disposable {
  private readonly byDir = new Map<string, Resolved | Promise<Resolved>>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** A config was found, changed or removed: recount with the new limits. */
  readonly onDidChange = this.changed.event;
  private readonly problems = vscode.languages.createDiagnosticCollection('token-lens-config');
  private readonly disposables: vscode.Disposable[] = [this.changed, this.problems];

  constructor(private readonly log: vscode.LogOutputChannel) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/{.tokenlens.json,package.json}');
    const reset = () => {
      this.byDir.clear();
      this.problems.clear();
      this.changed.fire();
    };
    this.disposables.push(watcher, watcher.onDidCreate(reset), watcher.onDidChange(reset), watcher.onDidDelete(reset));
  }

  /**
   * The config governing a file, if known yet. The first call for a folder starts the lookup and
   * answers undefined; `onDidChange` fires when it is found.
   */
  forFile(fsPath: string | undefined): ProjectConfig | undefined {
    if (!fsPath || !path.isAbsolute(fsPath)) return undefined;
    const dir = path.dirname(fsPath);
    const known = this.byDir.get(dir);
    if (known && !(known instanceof Promise)) return known.config;
    if (!known) {
      const lookup = this.resolve(dir).then((resolved) => {
        this.byDir.set(dir, resolved);
        if (resolved.config) this.changed.fire();
        return resolved;
      });
      this.byDir.set(dir, lookup);
    }
    return undefined;
  }

  private async resolve(dir: string): Promise<Resolved> {
    const file = await findProjectConfig(dir);
    if (!file) return { file, config: undefined };
    const { config, findings } = await loadProjectConfig(file);
    if (findings.length > 0) {
      const uri = vscode.Uri.file(file);
      this.problems.set(
        uri,
        findings.map((f) => {
          const line = Math.max(0, (f.line ?? 1) - 1);
          const d = new vscode.Diagnostic(new vscode.Range(line, 0, line, 1000), f.message, f.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
          d.source = 'Token Lens';
          return d;
        }),
      );
      for (const f of findings) this.log.warn(f.message);
    }
    this.log.info(`Project config for ${dir}: ${file}`);
    return { file, config };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
