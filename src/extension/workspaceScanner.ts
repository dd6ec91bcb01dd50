import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { Analysis } from '../core/analyze';
import { decodeUtf8, readRegularFile, tooLargeMessage } from '../core/fs/read-regular';
import { walkFolder, type WalkProblem } from '../core/fs/walk';
import { isCandidatePath } from '../core/payload';
import { analyseText, retryDelay } from '../core/pipeline';
import type { Finding } from '../core/types';
import type { DocumentService } from './documents';
import type { Engine } from './engine';

const SCAN_GLOB = '**/*.{json,jsonc,yaml,yml,md,mdx,txt}';
const SCAN_IGNORED_DIRS: ReadonlySet<string> = new Set(['node_modules', '.git', 'dist', 'out', '.vscode-test', 'coverage']);
const SCAN_EXCLUDE = `**/{${[...SCAN_IGNORED_DIRS].join(',')}}/**`;
const MAX_FILES = 2_000;
const MAX_SCAN_BYTES = 5 * 1024 * 1024;

/** One prompt or payload file in the workspace, as last read from disk. */
export interface FileEntry {
  uri: vscode.Uri;
  /** Hash of the bytes last analysed: unchanged content is never counted again. */
  hash: string;
  /** The settings generation it was analysed under: a newer one analyses it again. */
  generation: number;
  analysis: Analysis | undefined;
  error?: string;
}

/** Where the findings of files that are not open go (the Problems panel). */
export interface ClosedFileProblems {
  setForClosedFile(uri: vscode.Uri, findings: readonly Finding[] | undefined, text: string): void;
}

/**
 * Every prompt and payload file in the workspace, analysed from disk through the core pipeline
 * and kept current by a file system watcher: estimates for all first, then exact counts as the
 * rate limit allows, counted again after transient API failures (the pipeline's retry policy).
 * Open documents are listed but analysed live by the {@link DocumentService}; once closed they
 * are read again. The findings of files that are not open go to the Problems panel.
 */
export class WorkspaceScanner implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Entries changed (at most every 100 ms). */
  readonly onDidChange = this.changed.event;
  private readonly entries = new Map<string, FileEntry>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private scanned: Promise<void> | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private generation = 0;
  private readonly retries = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private unreadable: WalkProblem[] = [];

  constructor(private readonly engine: Engine, private readonly documents: DocumentService, private readonly problems: ClosedFileProblems) {
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
  ensureScanned(): Promise<void> {
    this.scanned ??= this.scan();
    return this.scanned;
  }

  rescan(): void {
    this.generation++;
    this.scanned = this.scanned ? this.scan() : undefined;
    this.fireSoon();
  }

  /** The files found so far. */
  list(): FileEntry[] {
    return [...this.entries.values()];
  }

  /**
   * Folders of the last scan that could not be read (permissions, I/O errors, link loops): their
   * files are not counted, and the log says so, where VS Code's file search skips them silently.
   */
  unreadableFolders(): readonly WalkProblem[] {
    return this.unreadable;
  }

  private async scan(): Promise<void> {
    const generation = this.generation;
    const [uris] = await Promise.all([vscode.workspace.findFiles(SCAN_GLOB, SCAN_EXCLUDE, MAX_FILES), this.findUnreadableFolders()]);
    const candidates = uris.filter((u) => isCandidatePath(u.fsPath, this.engine.optionsFor(u).parse));
    const keep = new Set(candidates.map((u) => u.toString()));
    for (const [key, entry] of this.entries) {
      if (!keep.has(key)) this.removeFile(entry.uri);
    }
    // Estimates for all first (fast), then exact counts as the rate limit allows.
    await Promise.all(candidates.map((uri) => this.updateFile(uri, generation)));
  }

  /** Walks the local workspace folders for what the file search cannot see, and logs each. */
  private async findUnreadableFolders(): Promise<void> {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    const walks = await Promise.all(folders.map((f) => walkFolder(f.uri.fsPath, { ignoreDirs: SCAN_IGNORED_DIRS })));
    this.unreadable = walks.flatMap((w) => w.problems);
    for (const p of this.unreadable) this.engine.log.warn(`Workspace scan: ${p.path}: ${p.problem}; the prompt and payload files in it are not counted.`);
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
        this.setEntry({ uri, hash: `size:${stat.size}:${stat.mtime}`, generation, analysis: undefined, error: `${tooLargeMessage(stat.size, MAX_SCAN_BYTES)}; open it to count it` });
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
    if (!decoded.valid) this.engine.log.warn(`Workspace scan: ${uri.fsPath}: not valid UTF-8; estimated only`);
    // Files over the live size are parsed and estimated on the worker thread, as open ones are;
    // a run that settings outdated while it was there is dropped.
    let shown = undefined as FileEntry | undefined;
    const show = (analysis: Analysis) => {
      shown = { uri, hash, generation, analysis };
      this.setEntry(shown, text);
    };
    const outcome = await analyseText(uri.fsPath, text, {
      parse: options.parse,
      analyze: options.analyze,
      counting: this.engine.backgroundCounting,
      preparer: this.engine.preparer,
      current: () => generation === this.generation,
      onEstimate: show,
      invalidUtf8: !decoded.valid,
    });
    if (!outcome) return;
    if (outcome.status === 'skipped') {
      this.removeFile(uri);
      return;
    }
    if (outcome.status === 'error') {
      this.setEntry({ uri, hash, generation, analysis: undefined, error: outcome.parse.message });
      return;
    }
    // Only estimates: the estimate is the answer.
    if (!shown) {
      show(outcome.analysis);
      return;
    }
    const entry: FileEntry = shown;
    const exact = outcome.analysis;
    if (this.entries.get(key) === entry && generation === this.generation) {
      entry.analysis = exact;
      this.problems.setForClosedFile(uri, exact.findings, text);
      this.fireSoon();
      const delay = retryDelay(exact, this.retries.get(key) ?? 0);
      if (delay !== undefined) this.retryLater(entry, delay);
      else this.retries.delete(key);
    }
  }

  /** The API was down or busy: count the file again after the pipeline's pause, without a rescan. */
  private retryLater(entry: FileEntry, delay: number): void {
    const key = entry.uri.toString();
    this.retries.set(key, (this.retries.get(key) ?? 0) + 1);
    clearTimeout(this.retryTimers.get(key));
    const timer = setTimeout(() => {
      this.retryTimers.delete(key);
      if (this.entries.get(key) !== entry) return;
      entry.generation = -1;
      void this.updateFile(entry.uri);
    }, delay);
    this.retryTimers.set(key, timer);
  }

  private setEntry(entry: FileEntry, text?: string): void {
    this.entries.set(entry.uri.toString(), entry);
    if (text !== undefined) this.problems.setForClosedFile(entry.uri, entry.analysis?.findings, text);
    this.fireSoon();
  }

  private removeFile(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.retryTimers.get(key));
    this.retryTimers.delete(key);
    this.retries.delete(key);
    if (this.entries.delete(key)) {
      this.problems.setForClosedFile(uri, undefined, '');
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
      this.changed.fire();
    }, 100);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    for (const t of this.retryTimers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
