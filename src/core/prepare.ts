/**
 * What a document needs before it can be shown: its parse and its estimates for every tokenizer
 * family, computed together so that they can be computed elsewhere (a worker thread, for large
 * documents) and handed over whole. The estimates of a parsed document are memoised per family,
 * so the analysis, the model comparison and the decisions all share one estimate per family.
 */
import { estimateRequest, type EstimateBreakdown } from './estimator';
import { parseDocument, type ParseOptions } from './payload';
import type { ParsedDocument, ParseResult, TokenizerFamily } from './types';
import { splitUncountable } from './uncountable';

export const TOKENIZER_FAMILIES: readonly TokenizerFamily[] = ['claude-4', 'claude-4.7'];

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

const memo = new WeakMap<ParsedDocument, Map<TokenizerFamily, FamilyEstimate>>();

function familyEstimate(doc: ParsedDocument, family: TokenizerFamily): FamilyEstimate {
  let byFamily = memo.get(doc);
  if (!byFamily) memo.set(doc, (byFamily = new Map()));
  let entry = byFamily.get(family);
  if (!entry) {
    const whole = estimateRequest(doc.body, family);
    const { countable, removed } = splitUncountable(doc.body);
    const uncounted = removed.length > 0 ? Math.max(0, whole.total - estimateRequest(countable, family).total) : 0;
    entry = { family, whole, uncounted };
    byFamily.set(family, entry);
  }
  return entry;
}

/** The estimate of a parsed document's whole body for one family (computed once per document). */
export function estimateOf(doc: ParsedDocument, family: TokenizerFamily): EstimateBreakdown {
  return familyEstimate(doc, family).whole;
}

/** The estimated tokens of the content the API cannot count (computed once per document). */
export function uncountedEstimateOf(doc: ParsedDocument, family: TokenizerFamily): number {
  return familyEstimate(doc, family).uncounted;
}

/** Parses and estimates a document for every family. Never throws. */
export function prepareDocument(path: string, text: string, options: ParseOptions = {}): Prepared {
  const parse = parseDocument(path, text, options);
  const estimates = parse.status === 'ok' ? TOKENIZER_FAMILIES.map((family) => familyEstimate(parse.doc, family)) : [];
  return { parse, estimates };
}

/**
 * Takes a document prepared elsewhere: its estimates become the memoised ones of its parse, so
 * nothing is estimated again here. Returns the parse.
 */
export function adoptPrepared(prepared: Prepared): ParseResult {
  const { parse, estimates } = prepared;
  if (parse.status === 'ok' && estimates.length > 0) {
    memo.set(parse.doc, new Map(estimates.map((e) => [e.family, e])));
  }
  return parse;
}
