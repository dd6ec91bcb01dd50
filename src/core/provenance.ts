/**
 * Where a number comes from, said the same way everywhere (status bar, its tooltip, the Explorer
 * view, the reports), and what the user can do about an estimate: the one mapping from an
 * estimate's reason to its remedy.
 *
 * Pure TypeScript, no `vscode` import.
 */
import type { TotalCount } from './analyze';
import { REASON_TEXT } from './format';
import type { EstimateReason } from './types';

/** Where a report's numbers come from. */
export interface Provenance {
  exact: boolean;
  /** Why they are estimates. */
  reason?: EstimateReason;
  /** More detail (the API's own message). */
  message?: string;
  /** Some numbers are exact, some estimated (e.g. exact on one tokenizer only). */
  mixed?: string;
}

/** Where a count's number comes from: exact, or an estimate with its reason and message. */
export function totalProvenance(t: TotalCount): Provenance {
  return t.exact ? { exact: true } : { exact: false, ...(t.reason ? { reason: t.reason } : {}), ...(t.message ? { message: t.message } : {}) };
}

/** `≈ Local estimate (why). Detail.`; `estimates` for a report of several numbers. */
function estimateSentence(reason: EstimateReason | undefined, message: string | undefined, plural: boolean): string {
  const why = reason ? REASON_TEXT[reason] : 'estimate';
  return `≈ Local estimate${plural ? 's' : ''} (${why}).${message ? ` ${message}` : ''}`;
}

function when(at: number | undefined): string {
  return at ? new Date(at).toLocaleTimeString() : '';
}

/**
 * Where one count comes from, in one sentence: the API (with the time), the cache of earlier API
 * counts, or the local estimate and why. `pending`: the exact count is on its way (the
 * estimate's reason is then a placeholder, not a failure).
 */
export function countProvenance(t: TotalCount, pending: boolean): string {
  if (t.exact) return t.source === 'cache' ? `Exact, from the cache of earlier API counts (counted ${when(t.at)}).` : `Exact, from the count_tokens API at ${when(t.at)}.`;
  if (pending) return '≈ Local estimate; the exact count is on its way.';
  return estimateSentence(t.reason, t.message, false);
}

/** Where a report's numbers come from, in one sentence. */
export function reportProvenance(p: Provenance): string {
  if (p.mixed) return p.mixed;
  if (p.exact) return 'Exact counts from the count_tokens API.';
  return estimateSentence(p.reason, p.message, true);
}

/** What the user can do to get exact counts instead of an estimate. */
export interface Remedy {
  /** `key`: set (or replace) the API key; `trust`: allow counting in an untrusted workspace. */
  kind: 'key' | 'trust';
  /** The command that does it. */
  command: 'tokenLens.setApiKey' | 'tokenLens.allowUntrusted';
  /** As a button or command title. */
  title: string;
  /** As a link in running text. */
  link: string;
}

/** Set the API key: for no key, or one the API rejected. */
export const SET_KEY_REMEDY: Remedy = { kind: 'key', command: 'tokenLens.setApiKey', title: 'Set API Key', link: 'Set API key' };
/** Allow counting (sending files to the API) in an untrusted workspace. */
export const ALLOW_UNTRUSTED_REMEDY: Remedy = { kind: 'trust', command: 'tokenLens.allowUntrusted', title: 'Allow Counting in This Workspace', link: 'Allow counting in this workspace' };

/** The remedy for an estimate's reason; undefined when the user has nothing to do (or it is exact). */
export function remedyFor(reason: EstimateReason | undefined): Remedy | undefined {
  if (reason === 'no-key' || reason === 'unauthorized') return SET_KEY_REMEDY;
  if (reason === 'untrusted') return ALLOW_UNTRUSTED_REMEDY;
  return undefined;
}
