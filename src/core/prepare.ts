/**
 * What a document needs before it can be shown: its parse and its estimates for every tokenizer
 * family, computed together so that they can be computed elsewhere (a worker thread, for large
 * documents) and handed over whole. The estimates of a parsed document are memoised per family,
 * so the analysis, the model comparison and the decisions all share one estimate per family.
 */
import { estimateRemoved, estimateRequest, type EstimateBreakdown } from './estimator';
import { parseDocument, type ParseOptions } from './payload';
import { TOKENIZER_FAMILIES, type ParsedDocument, type ParseResult, type TokenizerFamily } from './types';

export { TOKENIZER_FAMILIES } from './types';
import { splitUncountable, type CountableSplit } from './uncountable';


/** One family's estimates of a document. */
export interface FamilyEstimate {
  family: TokenizerFamily;
  /** The whole body. */
  whole: EstimateBreakdown;
  /** What the content the API cannot count (see `splitUncountable`) adds to it; 0 when none. */
  uncounted: number;
}

/** A document parsed and estimated, ready to show. Plain data (structured-cloneable). */
export interface Prepared {
  parse: ParseResult;
  /** One per family, when the parse is ok. */
  estimates: FamilyEstimate[];
}

/** What is computed once per parsed document: its split into countable and not, its estimates. */
interface DocMemo {
  split?: CountableSplit;
  estimates: Map<TokenizerFamily, { whole: EstimateBreakdown; uncounted?: number }>;
}

const memo = new WeakMap<ParsedDocument, DocMemo>();

function memoOf(doc: ParsedDocument): DocMemo {
  let m = memo.get(doc);
  if (!m) memo.set(doc, (m = { estimates: new Map() }));
  return m;
}

/** The document's body split into what count_tokens accepts and what it refuses (computed once). */
export function uncountableOf(doc: ParsedDocument): CountableSplit {
  const m = memoOf(doc);
  return (m.split ??= splitUncountable(doc.body));
}

function familyEntry(doc: ParsedDocument, family: TokenizerFamily): { whole: EstimateBreakdown; uncounted?: number } {
  const estimates = memoOf(doc).estimates;
  let entry = estimates.get(family);
  if (!entry) estimates.set(family, (entry = { whole: estimateRequest(doc.body, family) }));
  return entry;
}

/** The estimate of a parsed document's whole body for one family (computed once per document). */
export function estimateOf(doc: ParsedDocument, family: TokenizerFamily): EstimateBreakdown {
  return familyEntry(doc, family).whole;
}

/**
 * The estimated tokens of the content the API cannot count (computed once per document, and only
 * when asked: the estimate shown while typing never needs it).
 */
export function uncountedEstimateOf(doc: ParsedDocument, family: TokenizerFamily): number {
  const entry = familyEntry(doc, family);
  if (entry.uncounted === undefined) {
    const { countable, removed } = uncountableOf(doc);
    entry.uncounted = removed.length > 0 ? estimateRemoved(doc.body, countable, family, entry.whole.total) : 0;
  }
  return entry.uncounted;
}

/** Parses and estimates a document for every family. Never throws. */
export function prepareDocument(path: string, text: string, options: ParseOptions = {}): Prepared {
  const parse = parseDocument(path, text, options);
  const estimates = parse.status === 'ok' ? TOKENIZER_FAMILIES.map((family) => ({ family, whole: estimateOf(parse.doc, family), uncounted: uncountedEstimateOf(parse.doc, family) })) : [];
  return { parse, estimates };
}

/**
 * Takes a document prepared elsewhere: its estimates become the memoised ones of its parse, so
 * nothing is estimated again here. Returns the parse.
 */
export function adoptPrepared(prepared: Prepared): ParseResult {
  const { parse, estimates } = prepared;
  if (parse.status === 'ok' && estimates.length > 0) {
    memo.set(parse.doc, { estimates: new Map(estimates.map((e) => [e.family, { whole: e.whole, uncounted: e.uncounted }])) });
  }
  return parse;
}
