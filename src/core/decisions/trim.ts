/**
 * Trim a conversation to a token budget: drop the oldest turns until the request fits, and the
 * text edit that does it in the source file (JSON, JSONC or YAML) without breaking it.
 *
 * Rules: the system prompt and tools are never touched; only a prefix of `messages` goes, and the
 * kept conversation starts with a user turn that is not a `tool_result` answer (so an assistant
 * `tool_use` is never separated from the `tool_result` that answers it); the last user turn and
 * everything after it stay.
 *
 * Pure TypeScript, no `vscode` import. Never throws for bad input: problems are reported.
 */
import { formatTokens } from '../format';
import type { CountingClient } from '../client/counting-client';
import { canonicalJson } from '../canonical';
import { estimateRequest } from '../estimator';
import { parseJsonc } from '../payload/json';
import { propOf, type OutlineNode } from '../payload/tree';
import { parseYaml } from '../payload/yaml';
import type { CountBody, Json, ParsedDocument, SourceRange, TokenizerFamily } from '../types';
import { countBody, type BodyCount } from './counting';
import { table, tokensText } from './markdown';
import { isObject } from '../is-object';

/** A replacement of `range` in the text by `newText` (a deletion when empty). */
export interface TextEdit {
  range: SourceRange;
  newText: string;
}

export interface TrimOptions {
  /** Input tokens the request must fit in. */
  budget: number;
  /** Tokens of a request body (an estimate, usually {@link estimateTokensOf}); smaller bodies must not count more. */
  tokensOf: (body: CountBody) => number;
  /** The text's format; detected when absent (JSON/JSONC if it parses as such, else YAML). */
  format?: 'json' | 'yaml';
  /**
   * The model binds each thinking block to everything before it (preserved thinking with the
   * prefix check, `trimInvalidatesThinking` in models.json): dropping earlier turns invalidates
   * every kept thinking block and the API answers 400. Then the plan also removes the thinking
   * blocks from the kept turns, as the documentation prescribes, or refuses when a kept turn
   * would be left empty. The model's name, for the messages.
   */
  stripThinking?: { model: string };
}

/** One kept message whose thinking blocks the plan removes. */
export interface StrippedThinking {
  index: number;
  /** "assistant #4". */
  label: string;
  /** Indexes of the removed blocks in the message's content. */
  blocks: number[];
}

/** One message the plan removes. */
export interface RemovedMessage {
  index: number;
  role: string;
  /** "user #1". */
  label: string;
  range: SourceRange;
}

/** The edit that applies a plan to the source text. */
export interface TrimEdit {
  format: 'json' | 'yaml';
  /**
   * `deletions`: whole message nodes removed with their separators (commas in JSON/JSONC and
   * YAML flow lists, the list item's lines in YAML block lists), comments and formatting kept.
   * `replacement`: the messages array rewritten (only when the deletions could not be verified,
   * e.g. a YAML anchor in a removed message used by a kept one); comments inside it are lost.
   */
  kind: 'deletions' | 'replacement';
  /** Non-overlapping, in ascending order. */
  edits: TextEdit[];
  /** The whole text after the edits, verified to parse to the kept messages. */
  newText: string;
}

export type TrimStatus =
  /** Within the budget already: nothing to remove. */
  | 'fits'
  /** The plan removes the oldest turns and then fits. */
  | 'trimmed'
  /** Even removing everything allowed leaves the request over the budget; the plan removes all it may. */
  | 'cannot-fit'
  /** Trimming would leave the request invalid and cannot be made valid (the message says why); no edit. */
  | 'refused'
  /** No conversation to trim (a tool list, a prompt file, a text that is not the document's). */
  | 'not-applicable';

export interface TrimPlan {
  status: TrimStatus;
  budget: number;
  /** tokensOf(the request as it is). */
  before: number;
  /** tokensOf(the request after the plan). */
  after: number;
  /** tokensOf(the request with everything allowed removed): the least trimming can reach. */
  floor: number;
  /** In document order. */
  removed: RemovedMessage[];
  /** Indexes of the kept messages. */
  kept: number[];
  /** The request body after the plan. */
  body: CountBody;
  /** Kept messages whose thinking the plan removes (see {@link TrimOptions.stripThinking}). */
  strippedThinking?: StrippedThinking[];
  /** How to apply the plan to the text; absent when nothing is removed or no safe edit exists. */
  edit?: TrimEdit;
  /** Why the status is what it is, in a sentence. */
  message: string;
}



/** A {@link TrimOptions.tokensOf} from the local estimator. */
export function estimateTokensOf(family: TokenizerFamily): (body: CountBody) => number {
  return (body) => estimateRequest(body, family).total;
}

/** `tool_use` ids in a message's content. */
function toolUseIds(message: Json | undefined): string[] {
  if (!isObject(message) || !Array.isArray(message['content'])) return [];
  return message['content'].flatMap((b) => (isObject(b) && (b['type'] === 'tool_use' || b['type'] === 'server_tool_use') && typeof b['id'] === 'string' ? [b['id']] : []));
}

/** `tool_use_id`s a message's `tool_result` blocks answer. */
function toolResultIds(message: Json | undefined): string[] {
  if (!isObject(message) || !Array.isArray(message['content'])) return [];
  return message['content'].flatMap((b) => (isObject(b) && b['type'] === 'tool_result' ? [typeof b['tool_use_id'] === 'string' ? b['tool_use_id'] : ''] : []));
}

/**
 * Where the kept conversation may start: indexes `k` such that dropping `messages[0..k)` leaves a
 * valid conversation. `messages[k]` is a user message without `tool_result` blocks, no kept
 * `tool_result` answers a dropped `tool_use`, and `k` is at most the last user message's index
 * (so the last user turn stays). 0 is always allowed (nothing dropped). Ascending.
 */
export function trimCutPoints(messages: readonly Json[]): number[] {
  const cuts = [0];
  let lastUser = -1;
  messages.forEach((m, i) => {
    if (isObject(m) && m['role'] === 'user') lastUser = i;
  });
  // Tool results answered by each suffix: ids answered at or after i.
  const answeredFrom: Set<string>[] = new Array(messages.length + 1);
  answeredFrom[messages.length] = new Set();
  for (let i = messages.length - 1; i >= 0; i--) {
    answeredFrom[i] = new Set([...answeredFrom[i + 1]!, ...toolResultIds(messages[i])]);
  }
  const dropped = new Set<string>();
  for (let k = 1; k <= lastUser; k++) {
    for (const id of toolUseIds(messages[k - 1])) dropped.add(id);
    const m = messages[k];
    if (!isObject(m) || m['role'] !== 'user' || toolResultIds(m).length > 0) continue;
    if ([...answeredFrom[k]!].some((id) => dropped.has(id))) continue;
    cuts.push(k);
  }
  return cuts;
}

const THINKING_TYPES = new Set(['thinking', 'redacted_thinking']);

/** Indexes of a message's thinking and redacted_thinking blocks. */
export function thinkingBlocks(message: Json | undefined): number[] {
  if (!isObject(message) || !Array.isArray(message['content'])) return [];
  return message['content'].flatMap((b, j) => (isObject(b) && typeof b['type'] === 'string' && THINKING_TYPES.has(b['type']) ? [j] : []));
}

/** The message without its thinking blocks (the same object when it has none). */
export function withoutThinking(message: Json): Json {
  const blocks = thinkingBlocks(message);
  if (blocks.length === 0 || !isObject(message) || !Array.isArray(message['content'])) return message;
  return { ...message, content: message['content'].filter((_, j) => !blocks.includes(j)) };
}

function withMessages(body: CountBody, messages: Json[]): CountBody {
  return { ...body, messages };
}

function labelOf(message: Json | undefined, index: number): { role: string; label: string } {
  const role = isObject(message) && typeof message['role'] === 'string' ? message['role'] : 'message';
  return { role, label: `${role === 'user' || role === 'assistant' ? role : 'message'} #${index + 1}` };
}

/**
 * Plans the smallest trim that fits `budget`: the earliest allowed cut point (see
 * {@link trimCutPoints}) whose request, by `tokensOf`, is within the budget. Cut points are
 * searched by bisection, assuming dropping more never counts more. When none fits, the plan
 * drops all it may and says `cannot-fit`. The plan's {@link TrimEdit} deletes the dropped
 * message nodes from `text` (which must be the text `doc` was parsed from), verified by parsing
 * the result back to exactly the kept messages.
 */
export function planTrim(doc: ParsedDocument, text: string, options: TrimOptions): TrimPlan {
  const { budget, tokensOf } = options;
  const messages = doc.body.messages;
  const base = (status: TrimStatus, message: string, before: number): TrimPlan => ({
    status,
    budget,
    before,
    after: before,
    floor: before,
    removed: [],
    kept: messages.map((_, i) => i),
    body: doc.body,
    message,
  });
  if (doc.kind !== 'payload' || doc.placeholder) {
    return base('not-applicable', 'There is no conversation to trim: the document has no messages.', tokensOf(doc.body));
  }
  const before = tokensOf(doc.body);
  if (before <= budget) return base('fits', `The request is ${formatTokens(before)} tokens, within the budget of ${formatTokens(budget)}: nothing to trim.`, before);

  const cuts = trimCutPoints(messages);
  const strip = options.stripThinking;
  const keptFrom = (k: number): Json[] => (strip && k > 0 ? messages.slice(k).map(withoutThinking) : messages.slice(k));
  const cache = new Map<number, number>();
  const tokensAt = (k: number) => {
    let t = cache.get(k);
    if (t === undefined) {
      t = k === 0 ? before : tokensOf(withMessages(doc.body, keptFrom(k)));
      cache.set(k, t);
    }
    return t;
  };
  const lastCut = cuts[cuts.length - 1]!;
  const floor = tokensAt(lastCut);
  let chosen = lastCut;
  if (floor <= budget) {
    // Smallest cut index whose tokens fit: cuts[lo..hi], cuts[hi] fits.
    let lo = 1;
    let hi = cuts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tokensAt(cuts[mid]!) <= budget) hi = mid;
      else lo = mid + 1;
    }
    chosen = cuts[hi]!;
  }
  const fits = floor <= budget;
  const after = tokensAt(chosen);
  const removed: RemovedMessage[] = [];
  for (let i = 0; i < chosen; i++) {
    const part = doc.parts.find((p) => p.kind === 'message' && p.index === i);
    removed.push({ index: i, ...labelOf(messages[i], i), range: part?.range ?? { start: 0, end: 0 } });
  }
  const kept = messages.map((_, i) => i).filter((i) => i >= chosen);
  const body = withMessages(doc.body, keptFrom(chosen));
  const plan: TrimPlan = {
    status: fits ? 'trimmed' : 'cannot-fit',
    budget,
    before,
    after,
    floor,
    removed,
    kept,
    body,
    message: '',
  };
  if (chosen === 0) {
    plan.message = `The request is ${formatTokens(before)} tokens, over the budget of ${formatTokens(budget)}, and no earlier turn can be dropped (the conversation must keep its last user turn and start with a user turn that is not a tool result).`;
    return plan;
  }
  let stripNote = '';
  if (strip) {
    const stripped: StrippedThinking[] = kept.flatMap((i) => {
      const blocks = thinkingBlocks(messages[i]);
      return blocks.length > 0 ? [{ index: i, label: labelOf(messages[i], i).label, blocks }] : [];
    });
    if (stripped.length > 0) {
      const emptied = stripped.filter((t) => {
        const m = messages[t.index];
        return isObject(m) && Array.isArray(m['content']) && m['content'].length === t.blocks.length;
      });
      if (emptied.length > 0) {
        plan.status = 'refused';
        plan.message = `Trimming cannot keep this request valid on ${strip.model}: dropping earlier turns invalidates the thinking blocks of the kept turns (each is bound to the conversation before it, and the API answers 400), and removing them would leave ${emptied.map((t) => t.label).join(', ')} empty. Remove ${emptied.length === 1 ? 'that turn' : 'those turns'} by hand or start a new conversation.`;
        return plan;
      }
      plan.strippedThinking = stripped;
      const n = stripped.reduce((sum, t) => sum + t.blocks.length, 0);
      stripNote = ` ${n} thinking block${n === 1 ? '' : 's'} in the kept turns (${stripped.map((t) => t.label).join(', ')}) ${n === 1 ? 'is' : 'are'} removed too: on ${strip.model} each thinking block is bound to the conversation before it, so dropping earlier turns would make the API reject ${n === 1 ? 'it' : 'them'} (400).`;
    }
  }
  const edit = trimEdit(doc, text, new Set(removed.map((r) => r.index)), options.format, plan.strippedThinking);
  if (typeof edit === 'string') plan.message = edit;
  else plan.edit = edit;
  const dropped = `Dropping the ${removed.length} oldest message${removed.length === 1 ? '' : 's'} (${removed[0]!.label}${removed.length > 1 ? ` to ${removed[removed.length - 1]!.label}` : ''})`;
  const verdict = fits
    ? `${dropped} brings the request from ${formatTokens(before)} to ${formatTokens(after)} tokens, within the budget of ${formatTokens(budget)}.`
    : `${dropped}, all that may go, still leaves ${formatTokens(after)} tokens, over the budget of ${formatTokens(budget)}: the system prompt, tools and the last user turn alone need more.`;
  plan.message = `${verdict}${stripNote}${plan.message ? ` ${plan.message}` : ''}`;
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Text edits

/** Applies non-overlapping edits (any order) to `text`. */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.range.start - a.range.start);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.range.start) + e.newText + out.slice(e.range.end);
  return out;
}

interface Parsed {
  format: 'json' | 'yaml';
  value: Json;
  messagesNode: OutlineNode | undefined;
}

function parseText(text: string, format: 'json' | 'yaml' | undefined): Parsed | undefined {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const tryJson = (): Parsed | undefined => {
    const r = parseJsonc(text, start);
    return r.ok ? { format: 'json', value: r.doc.value, messagesNode: propOf(r.doc.outline, 'messages')?.value } : undefined;
  };
  const tryYaml = (): Parsed | undefined => {
    const r = parseYaml(text, 0);
    return r.ok ? { format: 'yaml', value: r.doc.value, messagesNode: propOf(r.doc.outline, 'messages')?.value } : undefined;
  };
  if (format === 'json') return tryJson();
  if (format === 'yaml') return tryYaml();
  return tryJson() ?? tryYaml();
}

function messagesOf(value: Json): Json[] | undefined {
  return isObject(value) && Array.isArray(value['messages']) ? value['messages'] : undefined;
}

/** The messages `text` parses to equal `expected`. */
function verify(text: string, format: 'json' | 'yaml', expected: Json[]): boolean {
  const parsed = parseText(text, format);
  if (!parsed) return false;
  const messages = messagesOf(parsed.value);
  return messages !== undefined && canonicalJson(messages) === canonicalJson(expected);
}

/** Comment syntax of the gaps between list items. */
type CommentStyle = 'json' | 'yaml';

/**
 * Skips whitespace and comments from `from`, stopping before the first other character; returns
 * its offset (or `to`). Used only on gaps between list items, which hold nothing else but a comma.
 */
function skipTrivia(text: string, from: number, to: number, style: CommentStyle): number {
  let i = from;
  while (i < to) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (style === 'json' && text.startsWith('//', i)) {
      while (i < to && text[i] !== '\n') i++;
    } else if (style === 'json' && text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 || end + 2 > to ? to : end + 2;
    } else if (style === 'yaml' && c === '#') {
      while (i < to && text[i] !== '\n') i++;
    } else break;
  }
  return i;
}

/**
 * After a separator at `from`: the end of a comment on the same line (spaces before it
 * included), or `from` when the line has none. Such a comment belongs to the item before.
 */
function sameLineComment(text: string, from: number, to: number, style: CommentStyle): number {
  let i = from;
  while (i < to && (text[i] === ' ' || text[i] === '\t')) i++;
  if (style === 'json' && text.startsWith('//', i)) {
    while (i < to && text[i] !== '\n' && text[i] !== '\r') i++;
    return i;
  }
  if (style === 'json' && text.startsWith('/*', i)) {
    const end = text.indexOf('*/', i + 2);
    if (end >= 0 && end + 2 <= to && !/[\r\n]/.test(text.slice(i, end))) return end + 2;
    return from;
  }
  if (style === 'yaml' && text[i] === '#' && i > from) {
    while (i < to && text[i] !== '\n' && text[i] !== '\r') i++;
    return i;
  }
  return from;
}

/** Offset just past the comma that follows an item ending at `end` (before `limit`), or undefined. */
function commaAfter(text: string, end: number, limit: number, style: CommentStyle): number | undefined {
  const i = skipTrivia(text, end, limit, style);
  return text[i] === ',' ? i + 1 : undefined;
}

/** Contiguous runs of sorted indexes: [[a, b], ...] inclusive. */
function runsOf(indexes: number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const i of indexes) {
    const last = runs[runs.length - 1];
    if (last && last[1] === i - 1) last[1] = i;
    else runs.push([i, i]);
  }
  return runs;
}

/**
 * Deletions for a bracketed list (JSON/JSONC arrays, YAML flow sequences): each run of removed
 * items goes with the separators that tie it to the list. A run followed by a kept item is deleted
 * from just after the previous separator (the `[` or the comma before it, keeping that comma's
 * same-line comment) to just after its own last comma and that comma's same-line comment; a run
 * at the end is deleted from the end of the kept item before it to the end of the run.
 */
function bracketDeletions(text: string, list: SourceRange, items: SourceRange[], removed: number[], style: CommentStyle): TextEdit[] | undefined {
  if (text[list.start] !== '[') return undefined;
  const edits: TextEdit[] = [];
  const n = items.length;
  for (const [a, b] of runsOf(removed)) {
    if (b < n - 1) {
      const prevSep = a === 0 ? list.start + 1 : commaAfter(text, items[a - 1]!.end, items[a]!.start, style);
      const ownComma = commaAfter(text, items[b]!.end, items[b + 1]!.start, style);
      if (prevSep === undefined || ownComma === undefined) return undefined;
      const start = sameLineComment(text, prevSep, items[a]!.start, style);
      const end = sameLineComment(text, ownComma, items[b + 1]!.start, style);
      edits.push({ range: { start, end }, newText: '' });
    } else {
      if (a === 0) return undefined; // removing every item: not something trimming does
      edits.push({ range: { start: items[a - 1]!.end, end: items[b]!.end }, newText: '' });
    }
  }
  return edits;
}

function lineStart(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && text[i - 1] !== '\n' && text[i - 1] !== '\r') i--;
  return i;
}

function nextLineStart(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
  if (text[i] === '\r' && text[i + 1] === '\n') return i + 2;
  return i < text.length ? i + 1 : i;
}

/**
 * Deletions for a YAML block sequence: each removed item is the lines from its `-` line to the
 * line its value ends on (a comment on that line included). Comment lines between two removed
 * items go with them; comment lines before the first or after the last stay.
 */
function yamlBlockDeletions(text: string, items: SourceRange[], removed: number[]): TextEdit[] | undefined {
  const edits: TextEdit[] = [];
  for (const [a, b] of runsOf(removed)) {
    // The item's `-` indicator: back from the value over whitespace (the value may start on the next line).
    let d = items[a]!.start - 1;
    while (d >= 0 && /[ \t\r\n]/.test(text[d]!)) d--;
    if (d < 0 || text[d] !== '-') return undefined;
    let start = lineStart(text, d);
    const indent = text.slice(start, d);
    if (indent.trim() !== '') return undefined; // `- - x` or `key: - x`: not a plain item
    // Comment lines right above the item, at its indentation, belong to it.
    while (start > 0) {
      const prev = lineStart(text, start - (text[start - 2] === '\r' && text[start - 1] === '\n' ? 2 : 1));
      if (!text.startsWith(indent + '#', prev)) break;
      start = prev;
    }
    const end = nextLineStart(text, items[b]!.end);
    if (b + 1 < items.length && end > items[b + 1]!.start) return undefined;
    edits.push({ range: { start, end }, newText: '' });
  }
  return edits;
}

/** The messages array rewritten as indented JSON (valid JSON, JSONC and YAML flow). */
function replacementEdit(text: string, list: SourceRange, kept: Json[], format: 'json' | 'yaml'): TextEdit {
  const indent = text.slice(lineStart(text, list.start), list.start).match(/^[ \t]*/)?.[0] ?? '';
  const unit = text.includes('\t') && !text.includes('  ') ? '\t' : '  ';
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const body = JSON.stringify(kept, null, unit);
  // Continuation lines at the indentation of the line the array starts on; in YAML one unit
  // deeper, so the flow list stays inside its key whatever that line holds.
  const prefix = format === 'yaml' ? indent + unit : indent;
  const newText = body.split('\n').map((line, i) => (i === 0 ? line : prefix + line)).join(eol);
  return { range: list, newText };
}

/**
 * The edit removing the messages at `removed` (indexes) from `text`, or why there is none. Tries
 * node deletions first, then a rewrite of the messages array; each is kept only if the result
 * parses to exactly the kept messages.
 */
export function trimEdit(doc: ParsedDocument, text: string, removed: ReadonlySet<number>, format?: 'json' | 'yaml', stripped: readonly StrippedThinking[] = []): TrimEdit | string {
  const parsed = parseText(text, format);
  if (!parsed) return 'The text could not be parsed, so no edit is offered.';
  const messages = messagesOf(parsed.value);
  if (!messages || canonicalJson(messages) !== canonicalJson(doc.body.messages)) return 'The text does not match the analysed document (edited since?), so no edit is offered.';
  const node = parsed.messagesNode;
  if (!node || node.kind !== 'array') return 'The messages list could not be located in the text, so no edit is offered.';
  const strippedAt = new Map(stripped.map((t) => [t.index, t.blocks]));
  const kept = messages.flatMap((m, i) => (removed.has(i) ? [] : [strippedAt.has(i) ? withoutThinking(m) : m]));
  const indexes = [...removed].filter((i) => i >= 0 && i < messages.length).sort((a, b) => a - b);
  if (indexes.length === 0) return 'Nothing to remove.';

  // Message ranges from the parsed document's parts (the same outline), checked against this text's.
  const items: SourceRange[] = [];
  for (let i = 0; i < messages.length; i++) {
    const part = doc.parts.find((p) => p.kind === 'message' && p.index === i);
    const own = node.items?.[i]?.range;
    const range = part?.range ?? own;
    if (!range || (own && (own.start !== range.start || own.end !== range.end))) return 'The messages could not be located in the text, so no edit is offered.';
    items.push(range);
  }
  const bracketed = text[node.range.start] === '[';
  const style: CommentStyle = parsed.format === 'json' ? 'json' : 'yaml';
  let deletions = bracketed ? bracketDeletions(text, node.range, items, indexes, style) : yamlBlockDeletions(text, items, indexes);
  // Thinking blocks out of the kept messages' content lists, each list edited like the messages list.
  for (const [i, blocks] of strippedAt) {
    if (!deletions) break;
    const content = propOf(node.items?.[i], 'content')?.value;
    const ranges = content?.kind === 'array' ? content.items?.map((n) => n?.range) : undefined;
    if (!content || !ranges || ranges.some((r) => r === undefined)) {
      deletions = undefined;
      break;
    }
    const own = text[content.range.start] === '[' ? bracketDeletions(text, content.range, ranges as SourceRange[], blocks, style) : yamlBlockDeletions(text, ranges as SourceRange[], blocks);
    deletions = own ? [...deletions, ...own] : undefined;
  }
  if (deletions) {
    const newText = applyTextEdits(text, deletions);
    if (verify(newText, parsed.format, kept)) return { format: parsed.format, kind: 'deletions', edits: deletions, newText };
  }
  const replacement = replacementEdit(text, node.range, kept, parsed.format);
  const newText = applyTextEdits(text, [replacement]);
  if (verify(newText, parsed.format, kept)) return { format: parsed.format, kind: 'replacement', edits: [replacement], newText };
  return 'No edit of the text could be verified to leave exactly the kept messages, so none is offered.';
}

// ---------------------------------------------------------------------------------------------
// Exact re-count and report

/** Exact (or estimated, with the reason) counts of a plan's request before and after. */
export interface TrimCount {
  before: BodyCount;
  after: BodyCount;
  /** `after.tokens <= budget`. */
  fits: boolean;
}

/**
 * Counts the request before and after `plan` through `client` (exact where the API answers,
 * else estimated with the reason, as {@link countBody}). Two calls at most, each cached by content.
 * Resolves to undefined once `signal` is aborted.
 */
export async function countTrim(
  doc: ParsedDocument,
  plan: TrimPlan,
  options: { client?: CountingClient; model: string; family: TokenizerFamily; signal?: AbortSignal },
): Promise<TrimCount | undefined> {
  const { client, model, family, signal } = options;
  const [before, after] = await Promise.all([
    countBody(client, model, doc.body, doc.placeholder, family, signal),
    countBody(client, model, plan.body, doc.placeholder, family, signal),
  ]);
  if (!before || !after || signal?.aborted) return undefined;
  return { before, after, fits: after.tokens <= plan.budget };
}

/** A Markdown summary of a plan: the verdict and the messages it removes. */
export function trimPlanMarkdown(plan: TrimPlan, count?: TrimCount): string {
  const exactBefore = count?.before.exact ?? false;
  const exactAfter = count?.after.exact ?? false;
  const before = count ? count.before.tokens : plan.before;
  const after = count ? count.after.tokens : plan.after;
  const title = { fits: 'Within budget', trimmed: 'Trim to budget', 'cannot-fit': 'Cannot fit the budget', 'not-applicable': 'Nothing to trim', refused: 'Cannot trim validly' }[plan.status];
  const lines = [`**${title}** · budget ${formatTokens(plan.budget)} · ${tokensText(before, exactBefore)} → ${tokensText(after, exactAfter)} tokens`, '', plan.message];
  if (plan.removed.length > 0) {
    lines.push('', table(['Removed', 'Role'], plan.removed.map((r) => [r.label, r.role])));
  }
  if (plan.strippedThinking && plan.strippedThinking.length > 0) {
    lines.push('', table(['Thinking removed from', 'Blocks'], plan.strippedThinking.map((t) => [t.label, t.blocks.map((b) => `block ${b + 1}`).join(', ')])));
  }
  return lines.join('\n');
}
