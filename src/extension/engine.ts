import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { AnalyzeOptions } from '../core/analyze';
import { limitsFor, pathOptionsFor } from '../core/config/project';
import type { ParseOptions } from '../core/payload';
import type { CountCache } from '../core/client/count-cache';
import type { CountingClient, CountLogEvent } from '../core/client/counting-client';
import { createCountingStack, type Counting, type CountingStack } from '../core/counting';
import { ModelRegistry } from '../core/models/registry';
import { WorkerPreparer } from '../core/worker/preparer';
import type { EstimateReason, Finding } from '../core/types';
import type { ApiKeyStore, KeySource } from './apiKey';
import { affectsConfig, readConfig, type Config } from './config';
import { ProjectConfigs } from './projectConfig';

const ALLOW_UNTRUSTED = 'tokenLens.allowUntrusted';

/** Whether exact counts are possible right now, and if not, why. */
export type CountingMode = { exact: true; keySource: KeySource } | { exact: false; reason: Extract<EstimateReason, 'no-key' | 'offline' | 'untrusted'> };

/** What changed in the engine. */
export interface EngineChange {
  /** Counts may differ (settings, key, trust, model table, project config): count again. */
  recount: boolean;
}

/**
 * What every feature shares: settings, the model table, the counting client and its cache, the
 * key and workspace trust. Rebuilds what a change affects and tells listeners to recount.
 */
export class Engine implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<EngineChange>();
  /** Settings, key, trust, model table or project config changed: show again, and recount if `recount`. */
  readonly onDidChange = this.changed.event;
  /** What the last counts were made under (see {@link countingState}). */
  private counted: string | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly stack: CountingStack;
  readonly cache: CountCache;
  readonly client: CountingClient;
  readonly projectConfigs: ProjectConfigs;
  /** Parses and estimates documents over 1 MB on a worker thread (dist/worker.js). */
  readonly preparer: WorkerPreparer;
  config: Config;
  registry: ModelRegistry = ModelRegistry.bundled();
  /** Problems with model overrides or the price file, for the log and a one-time warning. */
  registryFindings: Finding[] = [];
  mode: CountingMode = { exact: false, reason: 'no-key' };
  /** The same as {@link mode}, as the core takes it: the client, or why there are only estimates. */
  counting: Counting = { reason: 'no-key' };
  private ready: Promise<void> = Promise.resolve();

  /**
   * {@link counting} for work nobody is waiting on (the Explorer view's scan, the context
   * footprint): the same client, whose calls yield to the open document's at the rate limiter.
   */
  get backgroundCounting(): Counting {
    return 'client' in this.counting ? { client: this.counting.client.withPriority('background') } : this.counting;
  }

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly keys: ApiKeyStore,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.config = readConfig();
    this.stack = createCountingStack({
      cacheFile: vscode.Uri.joinPath(context.globalStorageUri, 'counts.json').fsPath,
      onCacheProblem: (message) => log.warn(message),
      rateLimitPerMinute: this.config.rateLimitPerMinute,
      log: (e) => this.logCall(e),
      // The SDK's own log (ANTHROPIC_LOG), redacted, to the output channel.
      sdkLog: (level, line) => log[level](`SDK: ${line}`),
    });
    this.cache = this.stack.cache;
    this.client = this.stack.client;
    this.projectConfigs = new ProjectConfigs(log);
    this.preparer = new WorkerPreparer({ filename: vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath, log: (message) => log.warn(message) });
    this.disposables.push(
      this.changed,
      this.projectConfigs,
      this.projectConfigs.onDidChange(() => this.changed.fire({ recount: true })),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (affectsConfig(e)) void this.reload();
      }),
      keys.onDidChange(() => void this.reload()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.reload()),
    );
  }

  /**
   * Loads the cache, then reads key and settings; resolves once counting can start. The cache
   * first, so the first counts (reload recounts) are answered from it, not the API.
   */
  start(): Promise<void> {
    this.ready = this.cache.load().then(() => this.reload());
    return this.ready;
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  get trustedForApi(): boolean {
    return vscode.workspace.isTrusted || this.context.workspaceState.get<boolean>(ALLOW_UNTRUSTED) === true;
  }

  async allowUntrusted(): Promise<void> {
    await this.context.workspaceState.update(ALLOW_UNTRUSTED, true);
    await this.reload();
  }

  /**
   * How to read and count one file: the repository's `.tokenlens.json` limits where it sets
   * them (the same ones `token-lens check` applies in CI), else the user's settings.
   */
  optionsFor(uri: vscode.Uri | undefined, modelOverride?: string): { parse: ParseOptions; analyze: AnalyzeOptions } {
    // Project config applies to files on disk only.
    const fsPath = uri?.scheme === 'file' ? uri.fsPath : undefined;
    const project = this.projectConfigs.forFile(fsPath);
    const limits = project && fsPath ? limitsFor(project, fsPath) : undefined;
    const rules = project && fsPath ? pathOptionsFor(project, fsPath) : {};
    const budget = limits?.budget ?? this.config.budget;
    const budgetUSD = limits?.budgetUSD ?? this.config.budgetUSD;
    const speed = limits?.speed ?? (this.config.speed === 'fast' ? 'fast' : undefined);
    const inferenceGeo = limits?.inferenceGeo ?? this.config.inferenceGeo;
    return {
      parse: {
        promptGlobs: [...this.config.promptGlobs, ...(rules.promptGlobs ?? [])],
        excludeGlobs: [...this.config.excludeGlobs, ...(rules.excludeGlobs ?? [])],
      },
      analyze: {
        registry: this.registry,
        defaultModel: limits?.model ?? this.config.defaultModel,
        toolThreshold: limits?.maxToolTokens ?? this.config.toolThreshold,
        ...(budget !== undefined ? { budget } : {}),
        ...(budgetUSD !== undefined ? { budgetUSD } : {}),
        ...(speed !== undefined || inferenceGeo !== undefined ? { pricing: { ...(speed ? { speed } : {}), ...(inferenceGeo ? { inferenceGeo } : {}) } } : {}),
        ...(modelOverride ? { modelOverride } : {}),
      },
    };
  }

  /** Re-reads settings, key and trust; rebuilds the model table and the transport. */
  async reload(): Promise<void> {
    this.config = readConfig();
    this.stack.limiter.setLimit(this.config.rateLimitPerMinute);
    await this.loadRegistry();
    const key = await this.keys.get();
    const reason = this.config.offline ? 'offline' : !key ? 'no-key' : !this.trustedForApi ? 'untrusted' : undefined;
    if (reason || !key) {
      this.mode = { exact: false, reason: reason ?? 'no-key' };
      this.counting = this.stack.connect({ reason: this.mode.reason });
    } else {
      this.mode = { exact: true, keySource: key.source };
      // Without a user setting the SDK reads ANTHROPIC_BASE_URL itself; naming it here also keys the cache by it.
      const baseURL = this.config.apiBaseUrl || process.env.ANTHROPIC_BASE_URL;
      this.counting = this.stack.connect({ access: { apiKey: key.value, ...(baseURL ? { baseURL } : {}) } });
    }
    this.log.info(`Counting mode: ${this.mode.exact ? `exact (key from ${this.mode.keySource})` : `estimate (${this.mode.reason})`}`);
    // Settings that change no count (comparison models, CodeLens, debounce, routing) only re-render.
    const counted = this.countingState();
    this.changed.fire({ recount: counted !== this.counted });
    this.counted = counted;
  }

  /** Everything a count or its findings depend on, besides the file and the project config. */
  private countingState(): string {
    const { defaultModel, toolThreshold, budget, budgetUSD, speed, inferenceGeo, promptGlobs, excludeGlobs, offline, modelOverrides, priceFile, apiBaseUrl } = this.config;
    return JSON.stringify({ defaultModel, toolThreshold, budget, budgetUSD, speed, inferenceGeo, promptGlobs, excludeGlobs, offline, modelOverrides, priceFile, apiBaseUrl, mode: this.mode, registry: this.registryFindings.map((f) => f.message) });
  }

  private async loadRegistry(): Promise<void> {
    const findings: Finding[] = [];
    let registry = ModelRegistry.bundled();
    if (this.config.priceFile) {
      try {
        const json = JSON.parse(await fs.readFile(this.config.priceFile, 'utf8')) as unknown;
        const imported = registry.fromLiteLLM(json);
        registry = imported.registry;
        findings.push(...imported.findings.map((f) => ({ ...f, message: `${this.config.priceFile}: ${f.message}` })));
      } catch (err) {
        findings.push({ severity: 'error', code: 'price-file-unreadable', message: `Price file ${this.config.priceFile} could not be read: ${(err as Error).message}` });
      }
    }
    const overridden = registry.withOverrides(this.config.modelOverrides);
    findings.push(...overridden.findings.map((f) => ({ ...f, message: `tokenLens.modelOverrides: ${f.message}` })));
    this.registry = overridden.registry;
    const fresh = findings.filter((f) => !this.registryFindings.some((old) => old.message === f.message));
    this.registryFindings = findings;
    for (const f of findings) (f.severity === 'error' ? this.log.error : this.log.warn).call(this.log, f.message);
    const serious = fresh.filter((f) => f.severity !== 'info');
    if (serious.length > 0) {
      void vscode.window.showWarningMessage(`Token Lens: ${serious[0]!.message}${serious.length > 1 ? ` (and ${serious.length - 1} more in the log)` : ''}`);
    }
  }

  private logCall(e: CountLogEvent): void {
    const line = `count_tokens ${e.model}: ${e.outcome}${e.status ? ` ${e.status}` : ''} in ${e.ms} ms (attempt ${e.attempt})${e.message && e.outcome !== 'ok' ? `: ${e.message}` : ''}`;
    if (e.outcome === 'ok') this.log.info(line);
    else this.log.warn(line);
  }

  dispose(): void {
    void this.cache.dispose();
    this.preparer.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
