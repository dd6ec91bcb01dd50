import { breakpointPart, type Analysis, type AnalyzeOptions } from '../core/analyze';
import type { Counting } from '../core/counting';
import { DEFAULT_MAX_BYTES, isCandidatePath, lineOf, type PathOptions } from '../core/payload';
import { analyseText } from '../core/pipeline';
import type { EstimateReason } from '../core/types';
import { decodeUtf8, readRegularFile } from '../core/fs/read-regular';
import { displayPath, expandPaths } from './files';

export { displayPath };

/** One file's entry in the report (also the `--json` schema, see README "JSON output"). */
export type FileReport = CountedFile | SkippedFile | ErrorFile;

export interface CountedFile {
  path: string;
  kind: 'payload' | 'tools' | 'prompt';
  model: string;
  modelKnown: boolean;
  inputTokens: number;
  /**
   * For a request with `context_management`: the exact count before context editing, as the API
   * reported it (`inputTokens` is then the count after). Absent otherwise or when estimated.
   */
  inputTokensBeforeContextEditing?: number;
  exact: boolean;
  source: 'api' | 'cache' | 'estimate';
  reason?: EstimateReason;
  reasonMessage?: string;
  maxTokens?: number;
  costUSD: {
    input: number | null;
    output: number | null;
    total: number | null;
    batchTotal: number | null;
    longContext: boolean;
    unknown: string[];
    /** The Message Batches worst case: max_tokens of output up to the batch limit (larger when `betas` names the model's batch output beta). */
    batchWorstCase: number | null;
    /** Pricing modes applied to every line, e.g. `["fast mode ×2", "data residency ×1.1"]`; empty at the standard rate. */
    modes: string[];
    /** Prices used that only third parties state (or Token Lens guessed), e.g. `["prices.cacheRead"]`. */
    unconfirmed: string[];
    /** The request's speed and inference_geo as priced (from the file, else `.tokenlens.json`, else none). */
    speed: string | null;
    inferenceGeo: string | null;
    /** With prompt caching (cache_control breakpoints): the first request, which writes the cache. Null without breakpoints or price. */
    cacheFirstRequest: number | null;
    /** A repeat within the TTL, which reads the cache. Null without breakpoints or price. */
    cacheRepeatRequest: number | null;
    /** Identical requests after which caching costs no more than not caching; null when it never does. */
    cacheBreakEvenRequests: number | null;
  };
  /** Prompt caching, for files with cache_control breakpoints (and a known model). */
  cache?: {
    /** Whether every prefix count is exact. */
    exact: boolean;
    breakpoints: { label: string; ttl: string; prefixTokens: number; exact: boolean; cached: boolean; line: number | null }[];
    tokens: { write5m: number; write1h: number; read: number; uncached: number };
    /** Without caching, for comparison. */
    uncachedRequest: number | null;
    savingsPerRepeat: number | null;
  };
  parts: { kind: string; label: string; tokens: number; exact: boolean; line: number }[];
  tools: { name: string; tokens: number; exact: boolean; overThreshold: boolean; line: number }[];
  overhead: { tokens: number; exact: boolean };
  /** `line` and `column` are 1-based (column in UTF-16 code units); null for a finding about the whole file. */
  diagnostics: { severity: string; code: string; message: string; line: number | null; column: number | null }[];
}

export interface SkippedFile {
  path: string;
  skipped: string;
}

export interface ErrorFile {
  path: string;
  error: string;
  line: number | null;
}

/** Analysis options and path rules for one file (from the command line and the project config). */
export interface FileSettings {
  analyze: AnalyzeOptions;
  pathOptions: PathOptions;
}

/**
 * One file to count and where its text comes from: the disk, or (for `diff`) a git object.
 * `path` is the file's real absolute path: recognition rules and the project config's globs are
 * applied to it, whichever side its text comes from.
 */
export interface FileSource {
  path: string;
  /** As shown in reports: relative to the working directory where it is inside it. */
  shown: string;
  /** Named on the command line (then reported even when it is not a prompt or payload file). */
  explicit: boolean;
  /** The text; an error (cannot read, larger than `maxBytes`) names the problem. */
  read(maxBytes: number): Promise<{ ok: true; text: string; /** Not valid UTF-8: read with U+FFFD in place of bad bytes. */ invalidUtf8?: boolean } | { ok: false; error: string }>;
}

export interface PipelineOptions {
  /** The client, or why there are only estimates (`offline`, `no-key`). */
  counting: Counting;
  /** Per-file settings; every file gets the same when absent. */
  settingsFor: (file: string) => FileSettings;
  /** Files analysed at once (default 16). The client's rate limit still bounds API calls. */
  concurrency?: number;
  /** Biggest file read, in bytes. */
  maxBytes?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface CountOptions extends PipelineOptions {
  paths: string[];
  cwd: string;
}

/** One file's outcome, with what commands beyond `count` need. */
export interface FileResult {
  source: FileSource;
  report: FileReport;
  settings: FileSettings;
  /** For counted files. */
  analysis?: Analysis;
  /** The text read, for every file that could be read (counted, skipped or unreadable as a payload). */
  text?: string;
}

export interface CountReport {
  files: FileReport[];
  /** The same files with their sources and analyses, in the same order. */
  results: FileResult[];
  /** Arguments that named nothing: the argument and the problem (`no such file or folder`). */
  unmatched: { arg: string; problem: string }[];
}

/** Counts every prompt and payload file the arguments name. Never throws for a bad file. */
export async function countFiles(options: CountOptions): Promise<CountReport> {
  const { targets, missing } = await expandPaths(options.paths, options.cwd, (p) => isCandidatePath(p, options.settingsFor(p).pathOptions));
  const sources = targets.map((t) => diskSource(t.path, options.cwd, t.explicit));
  const results = await countSources(sources, options);
  // Files found by walking a folder are reported only when they are prompt or payload files.
  const kept = results.filter((r) => r.source.explicit || !('skipped' in r.report));
  return {
    files: kept.map((r) => r.report),
    results: kept,
    unmatched: missing,
  };
}

/** A file on disk as a {@link FileSource}. */
export function diskSource(file: string, cwd: string, explicit: boolean): FileSource {
  return {
    path: file,
    shown: displayPath(file, cwd),
    explicit,
    read: async (maxBytes) => {
      // Regular files only, the limit checked before reading: a FIFO or a device is an error, not a hang.
      const read = await readRegularFile(file, maxBytes);
      if (!read.ok) return { ok: false, error: read.message };
      const { text, valid } = decodeUtf8(read.bytes);
      return valid ? { ok: true, text } : { ok: true, text, invalidUtf8: true };
    },
  };
}

/**
 * Counts the sources, `concurrency` at a time, in order. Every source gets a result (skipped,
 * error or counted); never throws for a bad file.
 */
export async function countSources(sources: FileSource[], options: PipelineOptions): Promise<FileResult[]> {
  const results: FileResult[] = new Array(sources.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < sources.length) {
      const i = next++;
      results[i] = await countSource(sources[i]!, options);
      options.onProgress?.(++done, sources.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, options.concurrency ?? 16), sources.length) }, worker));
  return results;
}

async function countSource(source: FileSource, options: PipelineOptions): Promise<FileResult> {
  const settings = options.settingsFor(source.path);
  const shown = source.shown;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const read = await source.read(maxBytes);
  if (!read.ok) return { source, settings, report: { path: shown, error: read.error, line: null } };
  const text = read.text;
  // Undefined only with a signal or a `current` check, and neither is given.
  const outcome = (await analyseText(source.path, text, { parse: { ...settings.pathOptions, maxBytes }, analyze: settings.analyze, counting: options.counting, invalidUtf8: read.invalidUtf8 === true }))!;
  if (outcome.status === 'skipped') return { source, settings, text, report: { path: shown, skipped: outcome.parse.reason } };
  if (outcome.status === 'error') {
    const parsed = outcome.parse;
    return { source, settings, text, report: { path: shown, error: parsed.message, line: parsed.range ? lineOf(text, parsed.range.start).line + 1 : null } };
  }
  const analysis = outcome.analysis;
  return { source, settings, analysis, text, report: report(shown, text, analysis, settings.analyze.toolThreshold) };
}

/** USD for the JSON report: null when unknown, rounded to 1e-10 so sums print without float noise. */
function usd(amount: number | undefined): number | null {
  return amount === undefined || !Number.isFinite(amount) ? null : Math.round(amount * 1e10) / 1e10;
}


function report(shown: string, text: string, a: Analysis, threshold: number): CountedFile {
  const line = (offset: number | undefined) => (offset === undefined ? null : lineOf(text, offset).line + 1);
  const position = (offset: number | undefined) => {
    const at = offset === undefined ? undefined : lineOf(text, offset);
    return { line: at ? at.line + 1 : null, column: at ? at.column + 1 : null };
  };
  const cost = a.cost;
  const cache = a.cache;
  const prefixes = a.cachePrefixes ?? [];
  return {
    path: shown,
    kind: a.doc.kind,
    model: a.modelId,
    modelKnown: a.model !== undefined,
    inputTokens: a.total.tokens,
    ...(a.total.beforeContextEditing !== undefined ? { inputTokensBeforeContextEditing: a.total.beforeContextEditing } : {}),
    exact: a.total.exact,
    source: a.total.source,
    ...(a.total.reason ? { reason: a.total.reason } : {}),
    ...(a.total.message ? { reasonMessage: a.total.message } : {}),
    ...(a.doc.maxTokens !== undefined ? { maxTokens: a.doc.maxTokens } : {}),
    costUSD: {
      input: usd(cost?.input),
      output: usd(cost?.output),
      total: usd(cost?.total),
      batchTotal: usd(cost?.batchTotal),
      longContext: cost?.longContext ?? false,
      unknown: cost ? cost.unknown : ['model'],
      batchWorstCase: usd(a.batchCost?.total),
      modes: cost ? cost.modifiers.map((m) => m.label) : [],
      unconfirmed: cost ? cost.unconfirmed : [],
      speed: a.modes.speed ?? null,
      inferenceGeo: a.modes.inferenceGeo ?? null,
      cacheFirstRequest: usd(cache?.first.total),
      cacheRepeatRequest: usd(cache?.repeat.total),
      cacheBreakEvenRequests: cache?.breakEvenRequests ?? null,
    },
    ...(cache
      ? {
          cache: {
            exact: prefixes.every((p) => p.exact),
            breakpoints: prefixes.map((p, i) => ({
              label: p.breakpoint.label,
              ttl: p.breakpoint.ttl,
              prefixTokens: p.tokens,
              exact: p.exact,
              cached: cache.segments[i]?.cached ?? false,
              line: line(breakpointPart(a.doc, p.breakpoint)?.range.start),
            })),
            tokens: cache.tokens,
            uncachedRequest: usd(cache.uncached.total),
            savingsPerRepeat: usd(cache.savingsPerRepeat),
          },
        }
      : {}),
    parts: a.parts.map((p) => ({ kind: p.part.kind, label: p.part.label, tokens: p.tokens, exact: p.exact, line: line(p.part.range.start) ?? 1 })),
    tools: a.parts
      .filter((p) => p.part.kind === 'tool')
      .map((p) => ({ name: p.part.name ?? p.part.label, tokens: p.tokens, exact: p.exact, overThreshold: p.tokens > threshold, line: line(p.part.range.start) ?? 1 })),
    overhead: a.overhead,
    diagnostics: a.findings.map((f) => ({
      severity: f.severity,
      code: f.code,
      message: f.message,
      ...position(f.range?.start),
    })),
  };
}
