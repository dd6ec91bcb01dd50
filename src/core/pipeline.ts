/**
 * The way from a file's text to its analysis, written once: parse (on this thread below
 * {@link LIVE_ESTIMATE_MAX_CHARS}, else through a {@link Preparer}, a worker thread in the
 * editor), estimate, count (exactly where {@link Counting} has a client, else the estimate with
 * its reason), and the policy for counting again after a transient API failure.
 *
 * The open-document session ({@link DocumentSession}) runs the steps with its versions and timers
 * in between; the Explorer view's scanner and `token-lens count`/`check`/`diff` run them in one
 * go with {@link analyseText}. Pure TypeScript, no `vscode` import.
 */
import { analyzeDocument, countRequestOf, estimateDocument, type Analysis, type AnalyzeOptions } from './analyze';
import { clientOf, reasonOf, type Counting } from './counting';
import { parseDocument, type ParseOptions } from './payload';
import { adoptPrepared } from './prepare';
import type { EstimateReason, ParsedDocument, ParseResult } from './types';
import type { Preparer } from './worker/preparer';

/**
 * Above this size a document is not parsed on each keystroke, nor on the caller's thread when
 * there is a {@link Preparer}: it is parsed and estimated by the preparer (after a pause in
 * typing, for an open document).
 */
export const LIVE_ESTIMATE_MAX_CHARS = 1_000_000;

/** Whether text of this length is parsed on the calling thread (and, when open, on each edit). */
export function parsesLive(length: number): boolean {
  return length <= LIVE_ESTIMATE_MAX_CHARS;
}

/** Parses text on this thread, at once. */
export function parseLive(path: string, text: string, options: ParseOptions): ParseResult {
  return parseDocument(path, text, options);
}

/**
 * Parses text: on this thread when it is short enough ({@link parsesLive}) or there is no
 * `preparer`, else through the preparer (which also estimates it). Resolves to undefined when
 * `signal` aborts first.
 */
export async function parseText(path: string, text: string, options: ParseOptions, preparer?: Preparer, signal?: AbortSignal): Promise<ParseResult | undefined> {
  if (!preparer || parsesLive(text.length)) return parseLive(path, text, options);
  const prepared = await preparer.prepare(path, text, options, signal);
  return prepared && !signal?.aborted ? adoptPrepared(prepared) : undefined;
}

/**
 * The estimate shown at once: marked with the reason there are only estimates, or (when an exact
 * count is possible and on its way) with the placeholder reason `network`.
 */
export function estimateFor(doc: ParsedDocument, options: AnalyzeOptions, counting: Counting): Analysis {
  return estimateDocument(doc, options, reasonOf(counting) ?? 'network');
}

/** Whether the count cache already knows the document's request (then counting costs no call). */
export function countIsCached(doc: ParsedDocument, options: AnalyzeOptions, counting: Counting): boolean {
  return clientOf(counting)?.peek(countRequestOf(doc, options)) !== undefined;
}

/**
 * The document counted: exactly where the API answers (see `analyzeDocument`), else the estimate
 * with the reason. Resolves to undefined only once `signal` is aborted.
 */
export async function countDocument(doc: ParsedDocument, options: AnalyzeOptions, counting: Counting, signal?: AbortSignal): Promise<Analysis | undefined> {
  if ('reason' in counting) return signal?.aborted ? undefined : estimateDocument(doc, options, counting.reason);
  const analysis = await analyzeDocument(doc, options, counting.client, signal);
  if (analysis || signal?.aborted) return analysis;
  return estimateDocument(doc, options, 'network');
}

/** Failures that pass by themselves: the same content is counted again after a pause, without an edit. */
const TRANSIENT: ReadonlySet<EstimateReason> = new Set(['network', 'timeout', 'server-error', 'rate-limited']);

/** First pause before such a recount; it doubles for each further failure of the same content. */
const RETRY_FIRST_MS = 2_000;
const RETRY_MAX_MS = 60_000;

/**
 * The retry policy: when `analysis` is an estimate because the API was down or busy, the pause
 * before counting it again after `attempt` earlier recounts (2 s doubling to 60 s); undefined when
 * there is nothing to retry. While the client's own backoff lasts it answers at once without a
 * call, so retrying costs nothing until the API is back.
 */
export function retryDelay(analysis: Analysis | undefined, attempt: number): number | undefined {
  const total = analysis?.total;
  if (!total || total.exact || total.reason === undefined || !TRANSIENT.has(total.reason)) return undefined;
  return backoffDelay(attempt);
}

/** The pause before counting again after `attempt` earlier recounts: 2 s doubling to 60 s. */
export function backoffDelay(attempt: number): number {
  return Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt);
}

/** A text's analysis: not a prompt or payload file, one that cannot be read, or its analysis. */
export type TextAnalysis =
  | { status: 'skipped'; parse: Extract<ParseResult, { status: 'skipped' }> }
  | { status: 'error'; parse: Extract<ParseResult, { status: 'error' }> }
  | { status: 'analysed'; doc: ParsedDocument; analysis: Analysis };

export interface AnalyseTextOptions {
  parse: ParseOptions;
  analyze: AnalyzeOptions;
  counting: Counting;
  /** Where text over {@link LIVE_ESTIMATE_MAX_CHARS} is parsed; on this thread when absent. */
  preparer?: Preparer;
  signal?: AbortSignal;
  /**
   * Asked after the preparer parsed a large text: false drops the run (it resolves to
   * undefined), e.g. when settings changed meanwhile.
   */
  current?: () => boolean;
  /** The estimate, shown while the exact count is fetched; not called when the estimate is the answer. */
  onEstimate?: (estimate: Analysis) => void;
  /** The text was decoded from bytes that are not valid UTF-8 (they became U+FFFD). */
  invalidUtf8?: boolean;
}

/** What a file whose bytes are not UTF-8 is told: its count is of other content, so never exact. */
export const INVALID_UTF8_MESSAGE = 'The file is not valid UTF-8: its invalid bytes were read as U+FFFD (\uFFFD), so its count is an estimate, never exact.';

/** The estimate of a document read from invalid UTF-8, with a warning on the first replaced byte. */
function invalidUtf8Analysis(doc: ParsedDocument, text: string, options: AnalyzeOptions): Analysis {
  const at = text.indexOf('\uFFFD');
  doc.findings.push({ severity: 'warning', code: 'invalid-utf8', message: INVALID_UTF8_MESSAGE, ...(at >= 0 ? { range: { start: at, end: at + 1 } } : {}) });
  return estimateDocument(doc, options, 'uncountable-content', INVALID_UTF8_MESSAGE);
}

/**
 * The whole way, for a text read in one go (a file on disk, a git object): parse, estimate, count.
 * Resolves to undefined when `signal` aborts or `current` says the run is stale. Never throws for
 * a bad file.
 */
export async function analyseText(path: string, text: string, options: AnalyseTextOptions): Promise<TextAnalysis | undefined> {
  const { signal } = options;
  const parse = await parseText(path, text, options.parse, options.preparer, signal);
  if (!parse || signal?.aborted) return undefined;
  if (options.preparer && !parsesLive(text.length) && options.current && !options.current()) return undefined;
  if (parse.status === 'skipped') return { status: 'skipped', parse };
  if (parse.status === 'error') return { status: 'error', parse };
  const { doc } = parse;
  if (options.invalidUtf8) return { status: 'analysed', doc, analysis: invalidUtf8Analysis(doc, text, options.analyze) };
  if ('client' in options.counting) options.onEstimate?.(estimateFor(doc, options.analyze, options.counting));
  const analysis = await countDocument(doc, options.analyze, options.counting, signal);
  return analysis ? { status: 'analysed', doc, analysis } : undefined;
}
