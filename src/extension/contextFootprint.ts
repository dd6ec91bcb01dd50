import * as path from 'node:path';
import * as vscode from 'vscode';
import { discoverContext, mcpConfigFiles } from '../core/context/discover';
import { computeFootprint, isFullyCounted, type Footprint, type ServerCount } from '../core/context/footprint';
import { contextLimitFindings, type ContextLimitFinding, type ContextLimits } from '../core/context/limits';
import type { McpToolSource } from '../core/context/mcp-types';
import { contextLimitsOf } from '../core/config/project';
import { describeServer } from '../core/mcp/client';
import type { ContextProblem } from '../core/context/types';
import { formatTokens, usdText } from '../core/format';
import { backoffDelay } from '../core/pipeline';
import { costOf } from '../core/models/cost';
import type { Engine } from './engine';

/** What a change to any of these may change in the footprint (watched in every workspace folder). */
const WATCH_GLOBS = ['**/{CLAUDE.md,CLAUDE.local.md,.mcp.json,mcp.json}', '**/.claude/**/*.md'];

const IGNORED_DIRS = new Set(['node_modules', '.git', 'dist', 'out', '.vscode-test', 'coverage']);

/**
 * The context footprint of each workspace folder (what an agent loads before the user types),
 * kept current: a change to a source (memory, skills, subagents, commands, MCP configs), to the
 * settings, key or trust refreshes it after `tokenLens.debounceMs` of quiet. Every count request
 * depends only on its content, so the count cache answers for everything unchanged: a refresh
 * with nothing changed makes no API call. Problems and threshold warnings go to the Problems panel.
 */
export class ContextFootprints implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly footprints = new Map<string, Footprint>();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('tokenLens.context');
  private readonly disposables: vscode.Disposable[] = [this.changed, this.diagnostics];
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryAttempt = 0;
  private running: AbortController | undefined;
  /** The refresh in progress, if any. */
  private current: Promise<void> | undefined;
  private first: Promise<void> | undefined;
  /** Watchers of imported files the globs do not cover (`@docs/style.md`, `@~/notes.md`), by path. */
  private readonly importWatchers = new Map<string, vscode.Disposable>();

  constructor(private readonly engine: Engine, private readonly mcp: McpToolSource) {
    for (const glob of WATCH_GLOBS) {
      const watcher = vscode.workspace.createFileSystemWatcher(glob);
      this.disposables.push(watcher, watcher.onDidCreate(() => this.refreshSoon()), watcher.onDidChange(() => this.refreshSoon()), watcher.onDidDelete(() => this.refreshSoon()));
    }
    this.disposables.push(
      engine.onDidChange((e) => e.recount && this.refreshSoon()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.refreshSoon()),
    );
  }

  /**
   * The context limits of the folder's `.tokenlens.json` (`maxContextTokens`, `maxServerTokens`),
   * the ones `token-lens check` applies. Found asynchronously: the engine's change when the
   * config is found refreshes the footprint.
   */
  limitsFor(fp: Footprint): ContextLimits {
    return contextLimitsOf(this.engine.projectConfigs.forFile(path.join(fp.root, 'CLAUDE.md')));
  }

  /** What in `fp` goes over the folder's context limits. */
  overLimits(fp: Footprint): ContextLimitFinding[] {
    return contextLimitFindings(fp, this.limitsFor(fp));
  }

  /** The footprints computed so far, one per workspace folder with anything in it. */
  list(): Footprint[] {
    return [...this.footprints.values()].filter((f) => f.sources.length > 0 || f.servers.length > 0 || f.problems.length > 0);
  }

  /** The footprint whose folder holds `file`, if any. */
  forFile(file: string): Footprint | undefined {
    return this.list().find((f) => file === f.root || file.startsWith(f.root + path.sep));
  }

  /**
   * The first refresh, started once: when the Context Footprint view is first shown, an MCP config
   * file is opened, or a footprint command runs. Not at start-up: counting the footprint costs API
   * calls (one per source and per tool) that would queue the open document's count behind them,
   * and its servers ask to be allowed; both wait until someone looks.
   */
  ensure(): Promise<void> {
    this.first ??= this.refresh();
    return this.first;
  }

  /** Whether the footprint has been asked for (then changes to its sources refresh it). */
  get started(): boolean {
    return this.first !== undefined;
  }

  refreshSoon(): void {
    if (!this.started) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, this.engine.config.debounceMs);
  }

  /** Resolves once no refresh is waiting or running (for tests that count API calls). */
  async idle(): Promise<void> {
    await this.ensure();
    while (this.timer !== undefined || this.current !== undefined) {
      await (this.current ?? new Promise((r) => setTimeout(r, 50)));
    }
  }

  /** Discovers and counts every folder again; a refresh started meanwhile cancels this one. */
  refresh(): Promise<void> {
    const run = this.refreshNow().finally(() => {
      if (this.current === run) this.current = undefined;
    });
    this.current = run;
    this.first ??= run;
    return run;
  }

  private async refreshNow(): Promise<void> {
    this.running?.abort();
    const run = new AbortController();
    this.running = run;
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    const next = new Map<string, Footprint>();
    for (const folder of folders) {
      const root = folder.uri.fsPath;
      try {
        const inventory = await discoverContext(root, { mcpConfigFiles: this.engine.config.mcpConfigFiles, ignoreDirs: IGNORED_DIRS });
        const modelId = this.engine.optionsFor(vscode.Uri.file(path.join(root, 'CLAUDE.md'))).analyze.defaultModel;
        const fp = await computeFootprint(inventory, { registry: this.engine.registry, modelId, counting: this.engine.backgroundCounting, mcp: this.mcp, signal: run.signal });
        if (!fp || run.signal.aborted) return;
        next.set(root, fp);
      } catch (err) {
        this.engine.log.error(`Context footprint of ${root}: ${(err as Error)?.stack ?? String(err)}`);
      }
    }
    if (this.running !== run) return;
    this.footprints.clear();
    for (const [k, v] of next) this.footprints.set(k, v);
    this.watchImports();
    this.publishDiagnostics();
    this.engine.log.info(`Context footprint: ${this.list().map((f) => `${path.basename(f.root)} ${formatTokens(f.total.tokens, f.total.exact)} tokens`).join(', ') || 'nothing found'}`);
    this.changed.fire();
    this.retryIfIncomplete();
  }

  /**
   * With a key, a footprint with estimates in it (a count rate-limited, timed out, or lost to a
   * 5xx) is counted again after a pause, 2 s doubling to 60 s, as documents are. What was counted
   * is in the count cache, so a retry only asks for what is missing.
   */
  private retryIfIncomplete(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const incomplete = 'client' in this.engine.counting && this.list().some((fp) => !isFullyCounted(fp));
    if (!incomplete) {
      this.retryAttempt = 0;
      return;
    }
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.refresh();
    }, backoffDelay(this.retryAttempt++));
  }

  /** Imports may be any file anywhere: each one is watched by itself, for as long as it is imported. */
  private watchImports(): void {
    const files = new Set(
      this.list().flatMap((fp) => [...fp.sources.filter((s) => s.source.kind === 'import').map((s) => s.source.file), ...fp.problems.flatMap((p) => (p.target ? [p.target] : []))]),
    );
    for (const [file, watcher] of this.importWatchers) {
      if (files.has(file)) continue;
      watcher.dispose();
      this.importWatchers.delete(file);
    }
    for (const file of files) {
      if (this.importWatchers.has(file)) continue;
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(file)), path.basename(file)));
      const listeners = [watcher.onDidChange(() => this.refreshSoon()), watcher.onDidCreate(() => this.refreshSoon()), watcher.onDidDelete(() => this.refreshSoon())];
      this.importWatchers.set(file, { dispose: () => [watcher, ...listeners].forEach((d) => d.dispose()) });
    }
  }

  /** Problems of discovery, and servers and tools over their thresholds, on their lines. */
  private publishDiagnostics(): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    const add = (file: string, d: vscode.Diagnostic) => byFile.set(file, [...(byFile.get(file) ?? []), d]);
    const { serverThreshold } = this.engine.config;
    for (const fp of this.footprints.values()) {
      for (const p of fp.problems) add(p.file, diagnostic(p));
      // The repository's limits (.tokenlens.json), as token-lens check applies them.
      const limits = this.limitsFor(fp);
      for (const f of contextLimitFindings(fp, limits)) {
        const message = `${f.message.charAt(0).toUpperCase()}${f.message.slice(1)}.`;
        add(f.file, tagged(new vscode.Diagnostic(new vscode.Range(f.line - 1, 0, f.line - 1, 0), message, vscode.DiagnosticSeverity.Warning), f.rule));
      }
      // The tool threshold as for files: the project's maxToolTokens, else the setting.
      const toolThreshold = this.engine.optionsFor(vscode.Uri.file(path.join(fp.root, 'CLAUDE.md'))).analyze.toolThreshold;
      for (const s of fp.servers) {
        const at = serverRange(s);
        // A project maxServerTokens is said above; the setting's threshold only without one.
        if (limits.maxServerTokens === undefined && s.upFront.tokens > serverThreshold) {
          add(s.server.configFile, tagged(new vscode.Diagnostic(at, `MCP server "${s.server.name}" loads ${s.tools.length} tools costing ${formatTokens(s.upFront.tokens, s.upFront.exact)} tokens on every request (threshold ${formatTokens(serverThreshold)}): disable tools you do not use, or defer their loading.`, vscode.DiagnosticSeverity.Warning), 'mcp-server-over-threshold'));
        }
        for (const t of s.tools) {
          if (t.deferred || t.tokens <= toolThreshold) continue;
          add(s.server.configFile, tagged(new vscode.Diagnostic(at, `Tool "${t.tool.name}" of MCP server "${s.server.name}" costs ${formatTokens(t.tokens, t.exact)} tokens on every request (threshold ${formatTokens(toolThreshold)}).`, vscode.DiagnosticSeverity.Warning), 'tool-over-threshold'));
        }
      }
    }
    this.diagnostics.clear();
    for (const [file, ds] of byFile) this.diagnostics.set(vscode.Uri.file(file), ds);
  }

  dispose(): void {
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    this.running?.abort();
    for (const w of this.importWatchers.values()) w.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

function tagged(d: vscode.Diagnostic, code: string): vscode.Diagnostic {
  d.source = 'Token Lens';
  d.code = code;
  return d;
}

/** A problem's range: its start line and column, as long as its source range (keys and imports are one line). */
function diagnostic(p: ContextProblem): vscode.Diagnostic {
  const line = (p.line ?? 1) - 1;
  const col = (p.column ?? 1) - 1;
  const len = p.range ? Math.max(0, p.range.end - p.range.start) : 0;
  const severity = p.severity === 'error' ? vscode.DiagnosticSeverity.Error : p.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
  return tagged(new vscode.Diagnostic(new vscode.Range(line, col, line, col + len), p.message, severity), p.code);
}

/** Where a server's key is in its config file. */
export function serverRange(s: ServerCount): vscode.Range {
  const line = (s.server.line ?? 1) - 1;
  return new vscode.Range(line, 0, line, 0);
}

/** Why a server's tools are not known, in a few words (the whole message is the tooltip). */
export function notKnownShort(s: ServerCount): string {
  if (s.list.status === 'ok') return '';
  if (s.list.status === 'failed') return 'failed to start or answer';
  switch (s.list.reason) {
    case 'not-allowed':
      return 'not allowed to start yet';
    case 'untrusted':
      return 'the workspace is not trusted';
    case 'cli-opt-in':
      return 'not started';
  }
}

/** `github: 26 tools · 18,412 tokens · $0.055/request`, or why its tools are not known and what a click does. */
export function serverLensTitle(fp: Footprint, s: ServerCount, over?: ContextLimitFinding): string {
  if (s.list.status === 'ok') {
    const cost = fp.model ? costOf(fp.model, { inputTokens: s.upFront.tokens }).input : undefined;
    const deferred = s.tools.filter((t) => t.deferred).length;
    const n = s.tools.length - deferred;
    const limit = over ? ` · over the limit of ${formatTokens(over.limit)}` : '';
    return `${s.server.name}: ${n} tool${n === 1 ? '' : 's'}${deferred ? ` (+${deferred} deferred)` : ''} · ${formatTokens(s.upFront.tokens, s.upFront.exact)} tokens · ${usdText(cost, s.upFront.exact)}/request${s.list.cached ? ' (cached list)' : ''}${limit}`;
  }
  const action = s.list.status === 'failed' ? 'see the log' : s.list.reason === 'not-allowed' ? 'allow it' : s.list.reason === 'untrusted' ? 'manage trust' : '';
  return `${s.server.name}: tools not known: ${notKnownShort(s)}${action ? ` · click to ${action}` : ''}`;
}

/**
 * What clicking a server's CodeLens or view row does: allow it when it waits for that (the
 * command is given the definition's hash), manage trust in an untrusted workspace, show the log
 * of a failure; else `fallback`.
 */
export function serverAction(s: ServerCount, fallback: vscode.Command): vscode.Command {
  if (s.list.status === 'failed') return { title: 'Show Log', command: 'tokenLens.showLog' };
  if (s.list.status === 'not-started' && s.list.reason === 'not-allowed') return { title: 'Allow MCP Server', command: 'tokenLens.allowMcpServer', arguments: [s.server.hash] };
  if (s.list.status === 'not-started' && s.list.reason === 'untrusted') return { title: 'Manage Workspace Trust', command: 'workbench.trust.manage' };
  return fallback;
}

/** The tooltip of a server whose tools are not known: the whole message, and what a click does. */
export function notKnownTooltip(s: ServerCount): string {
  if (s.list.status === 'ok') return '';
  const what = s.server.transport === 'stdio' ? `It runs \`${describeServer(s.server)}\`.` : `It connects to ${describeServer(s.server)}.`;
  if (s.list.status === 'failed') return `${s.list.message}\n\nClick for the log (the server's stderr).`;
  if (s.list.reason === 'not-allowed') return `${s.list.message}\n\n${what}\n\nClick to allow this server to start (Token Lens asks it for its tools and ends it). Revoke with "Token Lens: Revoke MCP Server Permissions".`;
  return `${s.list.message}\n\n${what}`;
}

/** CodeLens on each server of an MCP config file. */
export class ContextCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly footprints: ContextFootprints, private readonly engine: Engine) {
    this.onDidChangeCodeLenses = footprints.onDidChange;
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.engine.config.codeLens || document.uri.scheme !== 'file') return [];
    // An MCP config file opened: the footprint is computed (once), and the lenses follow its onDidChange.
    if (!this.footprints.started && isMcpConfigFile(document.uri.fsPath, this.engine.config.mcpConfigFiles)) void this.footprints.ensure();
    const lenses: vscode.CodeLens[] = [];
    for (const fp of this.footprints.list()) {
      const over = this.footprints.overLimits(fp);
      for (const s of fp.servers) {
        if (s.server.configFile !== document.uri.fsPath) continue;
        const report: vscode.Command = { title: 'Show Context Footprint', command: 'tokenLens.showContextFootprint', arguments: [vscode.Uri.file(fp.root)] };
        const action = serverAction(s, report);
        const limit = over.find((f) => f.server?.hash === s.server.hash);
        lenses.push(
          new vscode.CodeLens(serverRange(s), {
            ...action,
            title: serverLensTitle(fp, s, limit),
            tooltip: s.list.status === 'ok' ? `Tokens this server's tool definitions add to every request on ${fp.modelId}.${limit ? ` ${limit.message}.` : ''} Click for the whole context footprint.` : notKnownTooltip(s),
          }),
        );
      }
    }
    return lenses;
  }
}

/** Whether `file` is an MCP config file of a workspace folder (the same list the footprint reads). */
function isMcpConfigFile(file: string, named: readonly string[]): boolean {
  return (vscode.workspace.workspaceFolders ?? []).some((f) => mcpConfigFiles(f.uri.fsPath, named).some((c) => c.file === file));
}

