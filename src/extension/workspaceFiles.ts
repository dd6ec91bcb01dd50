import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyzeDocument, estimateDocument, type Analysis } from '../core/analyze';
import { formatTokens, modelLabel, usdText } from '../core/format';
import { isCandidatePath, parseDocument } from '../core/payload';
import { decodeUtf8, readRegularFile } from '../core/fs/read-regular';
import { adoptPrepared } from '../core/prepare';
import { isTransient, LIVE_ESTIMATE_MAX_CHARS, RETRY_FIRST_MS, RETRY_MAX_MS } from '../core/session';
import type { ParseResult } from '../core/types';
import type { Diagnostics } from './diagnostics';
import type { DocumentService } from './documents';
import type { Engine } from './engine';
import { provenance } from './statusBar';

const SCAN_GLOB = '**/*.{json,jsonc,yaml,yml,md,mdx,txt}';
const SCAN_EXCLUDE = '**/{node_modules,.git,dist,out,.vscode-test,coverage}/**';
const MAX_FILES = 2_000;
const MAX_SCAN_BYTES = 5 * 1024 * 1024;

interface FileEntry {
  uri: vscode.Uri;
  /** Hash of the bytes last analysed: unchanged content is never counted again. */
  hash: string;
  /** The settings generation it was analysed under: a newer one analyses it again. */
  generation: number;
  analysis: Analysis | undefined;
  error?: string;
}

/**
 * The "Token Lens" view in the Explorer: every prompt and payload file in the workspace with its
 * tokens and cost, largest first. Kept current by a file system watcher; open documents show
 * their live state. Also publishes diagnostics for files that are not open.
 */
export class WorkspaceFilesView implements vscode.TreeDataProvider<FileEntry>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<FileEntry | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly entries = new Map<string, FileEntry>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private scanned: Promise<void> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private generation = 0;
  private readonly retries = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly engine: Engine, private readonly documents: DocumentService, private readonly diagnostics: Diagnostics) {
    const watcher = vscode.workspace.createFileSystemWatcher(SCAN_GLOB);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => void this.updateFile(uri)),
      watcher.onDidChange((uri) => void this.updateFile(uri)),
      watcher.onDidDelete((uri) => this.removeFile(uri)),
      documents.onDidChange((uri) => this.onDocument(uri)),
      engine.onDidChange((e) => e.recount && this.rescan()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.rescan()),
    );
  }

  /** Scans soon after start-up, off the activation path, so closed files get diagnostics too. */
  scanSoon(delayMs = 1_500): void {
    const timer = setTimeout(() => void this.ensureScanned(), delayMs);
    this.disposables.push({ dispose: () => clearTimeout(timer) });
  }

  /** Scans the workspace once (on first view or by scanSoon). */
  private ensureScanned(): Promise<void> {
    this.scanned ??= this.scan();
    return this.scanned;
  }

  rescan(): void {
    this.generation++;
    this.scanned = this.scanned ? this.scan() : undefined;
    this.fireSoon();
  }

  private async scan(): Promise<void> {
    const generation = this.generation;
    const uris = await vscode.workspace.findFiles(SCAN_GLOB, SCAN_EXCLUDE, MAX_FILES);
    const candidates = uris.filter((u) => isCandidatePath(u.fsPath, this.engine.optionsFor(u).parse));
    const keep = new Set(candidates.map((u) => u.toString()));
    for (const [key, entry] of this.entries) {
      if (!keep.has(key)) this.removeFile(entry.uri);
    }
    // Estimates for all first (fast), then exact counts as the rate limit allows.
    await Promise.all(candidates.map((uri) => this.updateFile(uri, generation)));
  }

  private async updateFile(uri: vscode.Uri, generation = this.generation): Promise<void> {
    const options = this.engine.optionsFor(uri, this.documents.modelOverride(uri));
    if (!isCandidatePath(uri.fsPath, options.parse)) return;
    // An open document is analysed live (DocumentService): listed here, read again once closed.
    if (this.documents.get(uri)) {
      this.setEntry({ uri, hash: 'open', generation, analysis: undefined });
      return;
    }
    let bytes: Uint8Array;
    if (uri.scheme === 'file') {
      // Regular files only, the size checked before reading: a FIFO or device here must not hang the scan.
      const read = await readRegularFile(uri.fsPath, MAX_SCAN_BYTES);
      if (!read.ok && read.problem === 'missing') return this.removeFile(uri);
      if (!read.ok) {
        const error = read.problem === 'too-large' ? `${read.message}; open it to count it` : read.message;
        if (read.problem !== 'too-large') this.engine.log.warn(`Workspace scan: ${uri.fsPath}: ${read.message}`);
        this.setEntry({ uri, hash: `unreadable:${error}`, generation, analysis: undefined, error });
        return;
      }
      bytes = read.bytes;
    } else try {
      const stat = await vscode.workspace.fs.stat(uri);
      if (stat.size > MAX_SCAN_BYTES) {
        this.setEntry({ uri, hash: `size:${stat.size}:${stat.mtime}`, generation, analysis: undefined, error: `too large to scan (${(stat.size / 1024 / 1024).toFixed(1)} MB); open it to count it` });
        return;
      }
      bytes = await vscode.workspace.fs.readFile(uri);
    } catch {
      this.removeFile(uri);
      return;
    }
    const hash = createHash('sha256').update(bytes).digest('hex');
    const key = uri.toString();
    // Unchanged content already analysed under the current settings is never counted again.
    const known = this.entries.get(key);
    if (known?.hash === hash && known.generation === generation) return;
    const decoded = decodeUtf8(bytes);
    // As the editor shows it: without a byte order mark.
    const text = decoded.text.startsWith('\uFEFF') ? decoded.text.slice(1) : decoded.text;
    const valid = decoded.valid;
    // Files over the live size are parsed and estimated on the worker thread, as open ones are.
    let parse: ParseResult;
    if (text.length > LIVE_ESTIMATE_MAX_CHARS) {
      const prepared = await this.engine.preparer.prepare(uri.fsPath, text, options.parse);
      if (!prepared || generation !== this.generation) return;
      parse = adoptPrepared(prepared);
    } else {
      parse = parseDocument(uri.fsPath, text, options.parse);
    }
    if (parse.status === 'skipped') {
      this.removeFile(uri);
      return;
    }
    if (parse.status === 'error') {
      this.setEntry({ uri, hash, generation, analysis: undefined, error: parse.message });
      return;
    }
    if (!valid) {
      // Bytes that are not UTF-8 were read as U+FFFD: an exact count would be of other content.
      const message = 'The file is not valid UTF-8: its invalid bytes were read as U+FFFD (�), so its count is an estimate, never exact.';
      this.engine.log.warn(`Workspace scan: ${uri.fsPath}: not valid UTF-8; estimated only`);
      const at = text.indexOf('\uFFFD');
      parse.doc.findings.push({ severity: 'warning', code: 'invalid-utf8', message, ...(at >= 0 ? { range: { start: at, end: at + 1 } } : {}) });
      this.setEntry({ uri, hash, generation, analysis: estimateDocument(parse.doc, options.analyze, 'uncountable-content', message) }, text);
      return;
    }
    const mode = this.engine.mode;
    const entry: FileEntry = { uri, hash, generation, analysis: estimateDocument(parse.doc, options.analyze, mode.exact ? 'network' : mode.reason) };
    this.setEntry(entry, text);
    if (!mode.exact) return;
    const exact = await analyzeDocument(parse.doc, options.analyze, this.engine.client);
    if (exact && this.entries.get(key) === entry && generation === this.generation) {
      entry.analysis = exact;
      this.diagnostics.setForClosedFile(uri, exact.findings, text);
      this.fireSoon();
      if (!exact.total.exact && isTransient(exact.total.reason)) this.retryLater(entry);
      else this.retries.delete(key);
    }
  }

  /** The API was down or busy: count the file again after a growing pause, without a rescan. */
  private retryLater(entry: FileEntry): void {
    const key = entry.uri.toString();
    const attempt = this.retries.get(key) ?? 0;
    this.retries.set(key, attempt + 1);
    clearTimeout(this.retryTimers.get(key));
    const timer = setTimeout(() => {
      this.retryTimers.delete(key);
      if (this.entries.get(key) !== entry) return;
      entry.generation = -1;
      void this.updateFile(entry.uri);
    }, Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt));
    this.retryTimers.set(key, timer);
  }

  private setEntry(entry: FileEntry, text?: string): void {
    this.entries.set(entry.uri.toString(), entry);
    if (text !== undefined) this.diagnostics.setForClosedFile(entry.uri, entry.analysis?.findings, text);
    this.fireSoon();
  }

  private removeFile(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.retryTimers.get(key));
    this.retryTimers.delete(key);
    this.retries.delete(key);
    if (this.entries.delete(key)) {
      this.diagnostics.setForClosedFile(uri, undefined, '');
      this.fireSoon();
    }
  }

  /** An open document changed or closed: show its state, or re-read it from disk once closed. */
  private onDocument(uri: vscode.Uri): void {
    const entry = this.entries.get(uri.toString());
    if (!entry) return;
    if (!this.documents.get(uri)) {
      entry.generation = -1;
      void this.updateFile(uri);
    }
    this.fireSoon();
  }

  private fireSoon(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.changed.fire(undefined);
    }, 100);
  }

  /** Live analysis for open documents, the scan's for the rest. */
  private analysisOf(entry: FileEntry): Analysis | undefined {
    return this.documents.get(entry.uri)?.analysis ?? entry.analysis;
  }

  async getChildren(element?: FileEntry): Promise<FileEntry[]> {
    if (element) return [];
    await this.ensureScanned();
    // Each row with the analysis it shows: the live one for an open document.
    const rows = [...this.entries.values()].map((entry) => ({ ...entry, analysis: this.analysisOf(entry) }));
    return rows.sort((a, b) => (b.analysis?.total.tokens ?? -1) - (a.analysis?.total.tokens ?? -1));
  }

  getTreeItem(entry: FileEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(path.basename(entry.uri.fsPath), vscode.TreeItemCollapsibleState.None);
    item.resourceUri = entry.uri;
    item.command = { title: 'Open', command: 'vscode.open', arguments: [entry.uri] };
    const folder = vscode.workspace.getWorkspaceFolder(entry.uri);
    const rel = folder ? path.relative(folder.uri.fsPath, entry.uri.fsPath) : entry.uri.fsPath;
    const a = this.analysisOf(entry);
    if (!a) {
      item.description = entry.error ? 'unreadable' : '…';
      item.tooltip = `${rel}\n${entry.error ?? 'Counting…'}`;
      item.iconPath = new vscode.ThemeIcon(entry.error ? 'warning' : 'loading~spin');
      return item;
    }
    const cost = a.cost?.input;
    // Tokens only: in a sidebar of the usual width a longer description is cut, and a cost cut
    // to "$0.00…" reads as free. The cost is in the tooltip.
    item.description = `${formatTokens(a.total.tokens, a.total.exact)} tokens`;
    item.tooltip = new vscode.MarkdownString(
      `**${rel}**\n\n${formatTokens(a.total.tokens, a.total.exact)} input tokens on ${modelLabel(a.model, a.modelId)}, ${usdText(cost, a.total.exact)} per request\n\n${provenance(a, false)}`,
    );
    const flagged = a.findings.some((f) => f.severity !== 'info');
    item.iconPath = new vscode.ThemeIcon(flagged ? 'warning' : a.doc.kind === 'prompt' ? 'note' : a.doc.kind === 'tools' ? 'tools' : 'json');
    return item;
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const t of this.retryTimers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
