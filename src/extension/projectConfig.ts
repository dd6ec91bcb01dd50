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
 * folder, each config file read once, all kept until a config file changes; problems in a config
 * file are shown on that file in the Problems panel. Lookups that find a config within a short
 * while of each other (a workspace scan starts one per folder) make one change, not one each.
 */
export class ProjectConfigs implements vscode.Disposable {
  private readonly byDir = new Map<string, Resolved | Promise<Resolved>>();
  private readonly byFile = new Map<string, Promise<ProjectConfig | undefined>>();
  private changeTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** A config was found, changed or removed: recount with the new limits. */
  readonly onDidChange = this.changed.event;
  private readonly problems = vscode.languages.createDiagnosticCollection('token-lens-config');
  private readonly disposables: vscode.Disposable[] = [this.changed, this.problems];

  constructor(private readonly log: vscode.LogOutputChannel) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/{.tokenlens.json,package.json}');
    const reset = async (uri: vscode.Uri) => {
      // Most package.json edits have nothing to do with Token Lens.
      if (path.basename(uri.fsPath) === 'package.json' && !this.byFile.has(uri.fsPath) && !(await mentionsTokenLens(uri))) return;
      this.byDir.clear();
      this.byFile.clear();
      this.problems.clear();
      this.changeSoon();
    };
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => void reset(uri)),
      watcher.onDidChange((uri) => void reset(uri)),
      watcher.onDidDelete((uri) => void reset(uri)),
      { dispose: () => clearTimeout(this.changeTimer) },
    );
  }

  private changeSoon(): void {
    if (this.changeTimer) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.changed.fire();
    }, 200);
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
        if (resolved.config) this.changeSoon();
        return resolved;
      });
      this.byDir.set(dir, lookup);
    }
    return undefined;
  }

  private async resolve(dir: string): Promise<Resolved> {
    const file = await findProjectConfig(dir);
    if (!file) return { file, config: undefined };
    let loading = this.byFile.get(file);
    if (!loading) this.byFile.set(file, (loading = this.load(file)));
    const config = await loading;
    this.log.info(`Project config for ${dir}: ${file}`);
    return { file, config };
  }

  /** Reads one config file, its problems to the Problems panel and the log. */
  private async load(file: string): Promise<ProjectConfig | undefined> {
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
    return config;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** Whether a package.json names a `tokenLens` section (unreadable: assume it may). */
async function mentionsTokenLens(uri: vscode.Uri): Promise<boolean> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)).includes('"tokenLens"');
  } catch {
    return true;
  }
}
