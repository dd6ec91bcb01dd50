import * as vscode from 'vscode';
import { analyzeDocument, estimateDocument, type Analysis } from '../core/analyze';
import { parseDocument } from '../core/payload';
import type { EstimateReason, ParseResult } from '../core/types';
import type { Engine } from './engine';

/** Failures that pass by themselves: the document is counted again after a pause, without an edit. */
const TRANSIENT: ReadonlySet<EstimateReason> = new Set(['network', 'timeout', 'server-error', 'rate-limited']);
const RETRY_FIRST_MS = 2_000;
const RETRY_MAX_MS = 60_000;

/** Above this size the estimate waits for a pause in typing too, so keystrokes never queue. */
const LIVE_ESTIMATE_MAX_CHARS = 1_000_000;
const MODEL_OVERRIDES = 'tokenLens.modelOverrides.byFile';

/** What is known about one open document, for one version of its text. */
export interface DocumentState {
  uri: vscode.Uri;
  version: number;
  parse: ParseResult;
  /** The newest result for this version: the estimate at once, the exact count when it arrives. */
  analysis: Analysis | undefined;
  /** An exact count for this version is being fetched. */
  pending: boolean;
}

interface Entry extends DocumentState {
  timer: NodeJS.Timeout | undefined;
  controller: AbortController | undefined;
  /** Recounts of this version after transient failures so far (the next waits twice as long). */
  retries: number;
}

/**
 * Keeps every open prompt or payload document analysed: parse and estimate on each edit, the
 * exact count after a pause in typing. A result for an older version is never shown; closing a
 * document cancels its work.
 */
export class DocumentService implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly engine: Engine, private readonly state: vscode.Memento) {
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidOpenTextDocument((d) => this.update(d)),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0) this.update(e.document);
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.forget(d.uri)),
      engine.onDidChange(() => this.recountAll()),
    );
    for (const d of vscode.workspace.textDocuments) this.update(d);
  }

  get(uri: vscode.Uri): DocumentState | undefined {
    return this.entries.get(uri.toString());
  }

  /** The model the user picked for this file, overriding the file's own. */
  modelOverride(uri: vscode.Uri): string | undefined {
    return this.state.get<Record<string, string>>(MODEL_OVERRIDES, {})[uri.toString()];
  }

  async setModelOverride(uri: vscode.Uri, model: string | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, string>>(MODEL_OVERRIDES, {}) };
    if (model) all[uri.toString()] = model;
    else delete all[uri.toString()];
    await this.state.update(MODEL_OVERRIDES, all);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (doc) this.update(doc, true);
  }

  recountAll(): void {
    for (const d of vscode.workspace.textDocuments) this.update(d, true);
  }

  /** Analyses a document's current text: estimate now, exact count after the debounce. */
  update(document: vscode.TextDocument, force = false): void {
    if (document.uri.scheme === 'output' || document.uri.scheme === 'vscode-scm' || document.uri.scheme === 'git') return;
    const key = document.uri.toString();
    const previous = this.entries.get(key);
    if (!force && previous && previous.version === document.version) return;
    this.cancel(previous);

    const config = this.engine.config;
    const text = document.getText();
    const parse = parseDocument(document.uri.fsPath || document.uri.path, text, {
      promptGlobs: config.promptGlobs,
      excludeGlobs: config.excludeGlobs,
    });
    if (parse.status === 'skipped') {
      if (previous) this.forget(document.uri);
      return;
    }
    // A retry of the same version keeps counting its attempts, so the pauses grow.
    const retries = previous && previous.version === document.version ? previous.retries : 0;
    const entry: Entry = { uri: document.uri, version: document.version, parse, analysis: undefined, pending: false, timer: undefined, controller: undefined, retries };
    this.entries.set(key, entry);
    if (parse.status === 'error') {
      this.changed.fire(document.uri);
      return;
    }

    const options = this.engine.analyzeOptions(this.modelOverride(document.uri));
    const mode = this.engine.mode;
    const reason = mode.exact ? 'network' : mode.reason;
    const live = text.length <= LIVE_ESTIMATE_MAX_CHARS;
    if (live) entry.analysis = estimateDocument(parse.doc, options, reason);
    if (!mode.exact) {
      if (live) this.changed.fire(document.uri);
      else this.schedule(entry, () => {
        entry.analysis = estimateDocument(parse.doc, options, reason);
        this.changed.fire(document.uri);
      });
      return;
    }
    entry.pending = true;
    this.changed.fire(document.uri);
    const count = async () => {
      const controller = new AbortController();
      entry.controller = controller;
      const analysis = await analyzeDocument(parse.doc, options, this.engine.client, controller.signal);
      // Only the newest version of a still-open document may show a result.
      if (controller.signal.aborted || this.entries.get(key) !== entry || !analysis) return;
      entry.analysis = analysis;
      entry.pending = false;
      entry.controller = undefined;
      this.changed.fire(document.uri);
      // The API was down or busy: try again by itself (the client answers at once, without a
      // call, while its own backoff lasts), so the exact count comes back without an edit.
      if (!analysis.total.exact && analysis.total.reason && TRANSIENT.has(analysis.total.reason)) {
        const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** entry.retries);
        entry.timer = setTimeout(() => {
          entry.timer = undefined;
          if (this.entries.get(key) !== entry) return;
          entry.retries++;
          this.update(document, true);
        }, delay);
      }
    };
    // Known content (reopened, undone, recounted) is answered by the cache at once.
    const whole = { model: options.modelOverride ?? parse.doc.model ?? options.defaultModel, ...parse.doc.body };
    if (this.engine.client.peek(whole)) void count();
    else this.schedule(entry, count);
  }

  private schedule(entry: Entry, run: () => unknown): void {
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void run();
    }, this.engine.config.debounceMs);
  }

  private cancel(entry: Entry | undefined): void {
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.controller?.abort();
    entry.timer = undefined;
    entry.controller = undefined;
  }

  forget(uri: vscode.Uri): void {
    const key = uri.toString();
    const entry = this.entries.get(key);
    if (!entry) return;
    this.cancel(entry);
    this.entries.delete(key);
    this.changed.fire(uri);
  }

  dispose(): void {
    for (const entry of this.entries.values()) this.cancel(entry);
    this.entries.clear();
    for (const d of this.disposables) d.dispose();
  }
}
