import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { analyzeDocument, estimateDocument, type Analysis, type AnalyzeOptions } from '../core/analyze';
import type { CountingClient } from '../core/client/counting-client';
import { isCandidatePath, lineOf, parseDocument } from '../core/payload';
import type { EstimateReason } from '../core/types';
import { expandPaths } from './files';

/** One file's entry in the report (also the `--json` schema, see README "JSON output"). */
export type FileReport = CountedFile | SkippedFile | ErrorFile;

export interface CountedFile {
  path: string;
  kind: 'payload' | 'tools' | 'prompt';
  model: string;
  modelKnown: boolean;
  inputTokens: number;
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
  diagnostics: { severity: string; code: string; message: string; line: number | null }[];
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

export interface CountOptions {
  paths: string[];
  cwd: string;
  analyze: AnalyzeOptions;
  /** Undefined when offline or without a key; `offlineReason` says which. */
  client: CountingClient | undefined;
  offlineReason: EstimateReason;
  concurrency?: number;
  /** Biggest file read, in bytes. */
  maxBytes?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface CountReport {
  files: FileReport[];
  /** Arguments that named nothing. */
  missing: string[];
}

/** Counts every prompt and payload file the arguments name. Never throws for a bad file. */
export async function countFiles(options: CountOptions): Promise<CountReport> {
  const { targets, missing } = await expandPaths(options.paths, options.cwd, (p) => isCandidatePath(p));
  const files: FileReport[] = new Array(targets.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < targets.length) {
      const i = next++;
      const target = targets[i]!;
      files[i] = await countFile(target.path, options);
      options.onProgress?.(++done, targets.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, targets.length) }, worker));
  return {
    // Files found by walking a folder are reported only when they are prompt or payload files.
    files: files.filter((f, i) => targets[i]!.explicit || !('skipped' in f)),
    missing: missing.map((m) => m.message),
  };
}

async function countFile(file: string, options: CountOptions): Promise<FileReport> {
  const shown = displayPath(file, options.cwd);
  const maxBytes = options.maxBytes ?? 20 * 1024 * 1024;
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (stat.size > maxBytes) {
      return { path: shown, error: `too large to analyse: ${(stat.size / 1024 / 1024).toFixed(1)} MB, limit ${(maxBytes / 1024 / 1024).toFixed(0)} MB`, line: null };
    }
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    return { path: shown, error: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, line: null };
  }
  const parsed = parseDocument(file, text, { maxBytes });
  if (parsed.status === 'skipped') return { path: shown, skipped: parsed.reason };
  if (parsed.status === 'error') {
    return { path: shown, error: parsed.message, line: parsed.range ? lineOf(text, parsed.range.start).line + 1 : null };
  }
  const analysis = options.client
    ? ((await analyzeDocument(parsed.doc, options.analyze, options.client)) ?? estimateDocument(parsed.doc, options.analyze, 'network'))
    : estimateDocument(parsed.doc, options.analyze, options.offlineReason);
  return report(shown, text, analysis, options.analyze.toolThreshold);
}

/** USD for the JSON report: null when unknown, rounded to 1e-10 so sums print without float noise. */
function usd(amount: number | undefined): number | null {
  return amount === undefined || !Number.isFinite(amount) ? null : Math.round(amount * 1e10) / 1e10;
}

/** The part that holds a breakpoint at `path` (`['tools', 2]`, `['messages', 1, 'content', 0]`, ...). */
function partOf(a: Analysis, path: (string | number)[]) {
  const [where, index] = path;
  const kind = where === 'tools' ? 'tool' : where === 'system' ? 'system' : where === 'messages' ? 'message' : undefined;
  return kind === undefined ? undefined : a.doc.parts.find((p) => p.kind === kind && (kind === 'system' || p.index === index));
}

function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

function report(shown: string, text: string, a: Analysis, threshold: number): CountedFile {
  const line = (offset: number | undefined) => (offset === undefined ? null : lineOf(text, offset).line + 1);
  const cost = a.cost;
  const cache = a.cache;
  const prefixes = a.cachePrefixes ?? [];
  return {
    path: shown,
    kind: a.doc.kind,
    model: a.modelId,
    modelKnown: a.model !== undefined,
    inputTokens: a.total.tokens,
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
              line: line(partOf(a, p.breakpoint.path)?.range.start),
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
    diagnostics: a.findings.map((f) => ({ severity: f.severity, code: f.code, message: f.message, line: line(f.range?.start) })),
  };
}
