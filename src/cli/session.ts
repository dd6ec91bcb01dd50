import * as os from 'node:os';
import * as path from 'node:path';
import { CircuitBreaker } from '../core/client/circuit';
import { createCountingStack, type Counting, type CountingStack } from '../core/counting';
import { findProjectConfig, limitsFor, loadProjectConfig, pathOptionsFor, type BudgetUSD, type ProjectConfig } from '../core/config/project';
import { ModelRegistry } from '../core/models/registry';
import type { FileSettings } from './count';
import { displayPath } from './count';
import { messageLines, visible } from './output/escape/terminal';

/** What the CLI talks to: captured in tests, the process otherwise. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Whether stderr is a terminal (progress is shown only then). */
  isTTY: boolean;
}

/** Where the persistent count cache lives for the CLI. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'token-lens');
  return path.join(os.homedir(), '.cache', 'token-lens');
}

/** Longest the CLI waits for one count: past a full rate-limit window, so `--rpm` throttles rather than gives up. */
const CLI_MAX_WAIT_MS = 90_000;

/** 429/5xx answers in a row after which the CLI estimates the rest of its run (two counts' worth of retries). */
const CLI_CIRCUIT_THRESHOLD = 6;

export interface SessionOptions {
  offline: boolean;
  cacheDir: string | undefined;
  rpm: number;
  /** `--max-wait`: the run's deadline, from when the session opens. */
  maxWaitSeconds?: number;
  /** `--config FILE`; undefined to look for one from the working directory up. */
  configFile: string | undefined;
  /** `--no-config`. */
  noConfig: boolean;
}

/** What the command line says about limits and models; each wins over the project config. */
export interface LimitFlags {
  model?: string;
  budget?: number;
  maxToolTokens?: number;
  /** `--budget-usd X`: input USD per request. */
  budgetUSD?: BudgetUSD;
}

/** A file's effective limits, each with where it came from (`--budget`, `.tokenlens.json`, ...). */
export interface EffectiveLimits {
  budget?: number;
  maxToolTokens?: number;
  budgetUSD?: BudgetUSD;
  from: { budget?: string; maxToolTokens?: string; budgetUSD?: string };
}

export interface SessionFileSettings extends FileSettings {
  limits: EffectiveLimits;
}

/** The client, cache, model table and project config of one run. */
export interface Session {
  registry: ModelRegistry;
  /** The client, or why every number is an estimate: `offline` (`--offline`) or `no-key`. */
  counting: Counting;
  project: ProjectConfig | undefined;
  /** The project config's path as shown (relative to the working directory), or null. */
  projectShown: string | null;
  /**
   * Per-file settings: flags over the project config's limits for the file over the defaults.
   * `defaultThreshold` is the tool threshold when neither sets one.
   */
  settingsFor(flags: LimitFlags, defaultThreshold: number): (file: string) => SessionFileSettings;
  /** Writes the cache. */
  close(): Promise<void>;
}

/**
 * Loads the project config (a bad one is a usage error naming the file and the problem), then
 * sets up the counting client with its persistent cache, or says once on stderr why there will
 * only be estimates. A bad config comes back as a message (exit code 2 for the caller).
 */
export async function openSession(io: Io, options: SessionOptions): Promise<{ ok: true; session: Session } | { ok: false; message: string }> {
  const registry = ModelRegistry.bundled();
  let project: ProjectConfig | undefined;
  if (!options.noConfig) {
    const file = options.configFile !== undefined ? path.resolve(io.cwd, options.configFile) : await findProjectConfig(io.cwd);
    if (file !== undefined) {
      const loaded = await loadProjectConfig(file);
      const errors = loaded.findings.filter((f) => f.severity === 'error');
      if (errors.length > 0) {
        return { ok: false, message: errors.map((f) => visible(`${displayPath(f.file, io.cwd)}${f.line ? `:${f.line}` : ''}: ${f.message}`)).join('\n') };
      }
      for (const f of loaded.findings) io.stderr(messageLines('token-lens: ', `${displayPath(f.file, io.cwd)}${f.line ? `:${f.line}` : ''}: ${f.message}`));
      project = loaded.config;
      if (!project && options.configFile !== undefined) {
        return { ok: false, message: `${displayPath(file, io.cwd)}: no "tokenLens" key in this package.json` };
      }
    }
  }

  const { counting, stack } = await openCounting(io, options);

  const projectShown = project ? displayPath(project.file, io.cwd) : null;
  const session: Session = {
    registry,
    counting,
    project,
    projectShown,
    settingsFor(flags, defaultThreshold) {
      const memo = new Map<string, SessionFileSettings>();
      return (file) => {
        let settings = memo.get(file);
        if (settings) return settings;
        const fromConfig = limitsFor(project, file);
        const limits: EffectiveLimits = { from: {} };
        const budget = flags.budget ?? fromConfig.budget;
        const maxToolTokens = flags.maxToolTokens ?? fromConfig.maxToolTokens;
        if (budget !== undefined) {
          limits.budget = budget;
          limits.from.budget = flags.budget !== undefined ? '--budget' : fromConfig.from.budget!;
        }
        const budgetUSD = flags.budgetUSD ?? fromConfig.budgetUSD;
        if (budgetUSD !== undefined) {
          limits.budgetUSD = budgetUSD;
          limits.from.budgetUSD = flags.budgetUSD !== undefined ? '--budget-usd' : fromConfig.from.budgetUSD!;
        }
        const pricing = { ...(fromConfig.speed ? { speed: fromConfig.speed } : {}), ...(fromConfig.inferenceGeo ? { inferenceGeo: fromConfig.inferenceGeo } : {}) };
        if (maxToolTokens !== undefined) {
          limits.maxToolTokens = maxToolTokens;
          limits.from.maxToolTokens = flags.maxToolTokens !== undefined ? '--max-tool-tokens' : fromConfig.from.maxToolTokens!;
        }
        settings = {
          limits,
          pathOptions: pathOptionsFor(project, file),
          analyze: {
            registry,
            defaultModel: fromConfig.model ?? registry.defaultModelId,
            ...(flags.model ? { modelOverride: flags.model } : {}),
            toolThreshold: maxToolTokens ?? defaultThreshold,
            ...(budget !== undefined ? { budget } : {}),
            ...(budgetUSD !== undefined ? { budgetUSD } : {}),
            ...(Object.keys(pricing).length > 0 ? { pricing } : {}),
          },
        };
        memo.set(file, settings);
        return settings;
      };
    },
    close: async () => {
      await stack?.cache.flush();
    },
  };
  return { ok: true, session };
}

/**
 * The run's {@link Counting}: with `--offline` or without a key only estimates (the latter said
 * once on stderr), else the counting client on its persistent cache, loaded first.
 */
async function openCounting(io: Io, options: SessionOptions): Promise<{ counting: Counting; stack?: CountingStack }> {
  if (options.offline) return { counting: { reason: 'offline' } };
  const apiKey = io.env.ANTHROPIC_API_KEY?.trim();
  if (!apiKey) {
    io.stderr('token-lens: no ANTHROPIC_API_KEY set, so these are local estimates (≈). Set ANTHROPIC_API_KEY for exact counts from the free count_tokens endpoint.\n');
    return { counting: { reason: 'no-key' } };
  }
  const stack = createCountingStack({
    // A relative --cache-dir is relative to the directory the command runs in.
    cacheFile: path.join(path.resolve(io.cwd, options.cacheDir ?? defaultCacheDir(io.env)), 'counts.json'),
    onCacheProblem: (message) => io.stderr(messageLines('token-lens: ', message)),
    rateLimitPerMinute: options.rpm,
    // A batch run waits for the next free slot (--rpm, or a 429's retry-after) rather than
    // falling back to estimates for every file past the first minute's calls.
    maxRetryWaitMs: CLI_MAX_WAIT_MS,
    // The SDK's own log (ANTHROPIC_LOG) goes to stderr, redacted, never to stdout.
    sdkLog: (level, line) => io.stderr(messageLines(`token-lens: sdk ${level}: `, line)),
    // A run-level deadline, and a breaker that estimates the rest of the run after sustained
    // 429/5xx answers instead of waiting them out file by file.
    ...(options.maxWaitSeconds !== undefined ? { deadline: { at: Date.now() + options.maxWaitSeconds * 1000, label: `--max-wait ${options.maxWaitSeconds} s` } } : {}),
    circuit: new CircuitBreaker({ threshold: CLI_CIRCUIT_THRESHOLD }),
  });
  await stack.cache.load();
  const baseURL = io.env.ANTHROPIC_BASE_URL;
  return { counting: stack.connect({ access: { apiKey, ...(baseURL ? { baseURL } : {}) } }), stack };
}
