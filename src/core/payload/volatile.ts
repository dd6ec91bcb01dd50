/**
 * Content that looks like it changes from one request to the next (timestamps, dates, UUIDs,
 * request ids, nonces, JSON whose key order is not fixed, generated tool names). Inside a
 * cached prefix such content makes every request write the cache again instead of reading it.
 *
 * The detectors are conservative: a value is reported only when its shape is unmistakable
 * (an ISO timestamp, a random-version UUID) or when the words around it say what it is
 * ("today is", "request id", "nonce"). A fixed example value can still match: the findings say
 * "looks generated", never "is".
 *
 * Pure functions, no I/O, no `vscode` import.
 */
import { isObject } from '../is-object';
import type { CountBody, Json, PayloadPart, SourceRange } from '../types';

export type VolatileKind = 'timestamp' | 'date' | 'uuid' | 'request-id' | 'random' | 'unsorted-json' | 'generated-tool-name';

/** One place in the request whose content looks generated per request. */
export interface VolatileSpot {
  kind: VolatileKind;
  /** The block holding it: `['tools', i]`, `['system']`, `['system', j]`, `['messages', i, 'content', j]` (or `['messages', i, 'content']` for string content). */
  path: (string | number)[];
  /** The matched text as it is in the value (what is searched for in the source). */
  sample: string;
  /** Where the sample is in the source: the first occurrence inside the part; else the part's anchor. */
  range?: SourceRange;
}

/** Words that, just before a date, say it is the current one. */
const NOW_CONTEXT = /(?:\btoday\b|\bcurrent(?:ly)?\b|\bnow\b|\bdate\s*[:=]|\bgenerated\b|\btimestamp\b)[^.\n]{0,30}$/i;
/** The words {@link NOW_CONTEXT} starts with. */
const NOW_WORD = /\b(?:today|current(?:ly)?|now|date|generated|timestamp)\b/gi;
const MONTHS = 'January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec';

/** An ISO 8601 date with a time of day (seconds or minutes): changes on every request that writes `now`. */
const ISO_TIMESTAMP = /\b(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[T ](?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b/g;
/** A clock time with seconds after "now"/"time" words: `Current time: 14:03:27`. */
const CLOCK = /\b(?:time|now|clock)\b[^.\n\d]{0,20}((?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)\b/gi;
/** Dates alone: ISO, "December 3, 2026", "3 December 2026"; reported only after {@link NOW_CONTEXT}. */
const DATE = new RegExp(String.raw`\b(?:(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])|(?:${MONTHS})\.? \d{1,2}(?:st|nd|rd|th)?,? (?:19|20)\d{2}|\d{1,2} (?:${MONTHS})\.? (?:19|20)\d{2})\b`, 'g');
/** Unix time in milliseconds (2017–2033), or in seconds after a time word. */
const EPOCH_MS = /\b1[5-9]\d{11}\b/g;
const EPOCH_S = /\b(?:time(?:stamp)?|epoch|now|ts|at)\b["']?\s*[:=]?\s*["']?(1[5-9]\d{8})\b/gi;
/** A UUID of versions 1, 4 or 7 (time-based or random), tried only where its hyphens are (sticky). Version 3/5 (name-based) are stable. */
const UUID_AT = /[0-9a-f]{8}-[0-9a-f]{4}-[147][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}(?![0-9a-z])/iy;

/** UUIDs in `text`: found from its hyphens (a regex tried at every word is 20x slower on prose). */
function uuidsIn(text: string): { sample: string; at: number }[] {
  const out: { sample: string; at: number }[] = [];
  for (let p = text.indexOf('-', 8); p >= 0; p = text.indexOf('-', p + 1)) {
    if (text[p + 5] !== '-' || text[p + 10] !== '-' || text[p + 15] !== '-') continue;
    const start = p - 8;
    if (start > 0 && /[0-9a-z]/i.test(text[start - 1]!)) continue;
    UUID_AT.lastIndex = start;
    const m = UUID_AT.exec(text);
    if (m) {
      out.push({ sample: m[0], at: start });
      p += 27;
    }
  }
  return out;
}
/** An id after a request/trace/correlation/session label, or the API's own `req_` form. */
const REQUEST_ID = /\b(?:request|req|trace|span|correlation|session|run)[ _-]?id\b["']?\s*[:=]\s*["']?([A-Za-z0-9][A-Za-z0-9_-]{7,})|\b(req_[A-Za-z0-9]{16,})\b/gi;
/** A value after nonce/seed/salt/cache-buster/random. */
const RANDOM = /\b(?:nonce|seed|salt|cache[ _-]?bust(?:er)?|random(?:[ _-]?(?:id|value|number|token))?)\b["']?\s*[:=]\s*["']?([A-Za-z0-9+/_-]{6,})/gi;
/** A tool name ending in a hash-like suffix (`search_3f9a2b1c`): generated per deployment or per request. */
const GENERATED_NAME = /(?:^|[_-])([0-9a-f]{8,}|[0-9A-Za-z]{12,})$/;

function digitsAndLetters(s: string): boolean {
  return /\d/.test(s) && /[a-z]/i.test(s);
}

/** A placeholder rather than a generated value: all one character or a counting pattern. */
function placeholderLike(s: string): boolean {
  const hex = s.replace(/[^0-9a-f]/gi, '').toLowerCase();
  if (/^(.)\1*$/.test(hex) || new Set(hex).size <= 3) return true;
  if (/^(?:0123456789abcdef)+/.test(hex) || hex.startsWith('12345678')) return true;
  return /x{4,}|example|sample|placeholder/i.test(s);
}

/** Every volatile-looking substring of one text, in order of appearance. */
export function volatileInText(text: string): { kind: VolatileKind; sample: string }[] {
  if (text.length < 6) return [];
  const found: { kind: VolatileKind; sample: string; at: number }[] = [];
  const seen = new Set<number>();
  const add = (kind: VolatileKind, sample: string, at: number) => {
    if (seen.has(at)) return;
    seen.add(at);
    found.push({ kind, sample, at });
  };
  // Cheap tests first: most text has none of what the patterns need.
  const digits = /\d{2}/.test(text);
  if (digits) {
    for (const m of text.matchAll(ISO_TIMESTAMP)) add('timestamp', m[0], m.index);
    if (text.includes(':')) for (const m of text.matchAll(CLOCK)) add('timestamp', m[1]!, m.index + m[0].length - m[1]!.length);
    // Dates only after a "now" word: look just after each such word (the date pattern alone is
    // slow on long prose, tried at every number and month name).
    for (const w of text.matchAll(NOW_WORD)) {
      for (const m of text.slice(w.index, w.index + 90).matchAll(DATE)) {
        const at = w.index + m.index;
        if (found.some((f) => f.kind === 'timestamp' && f.at === at)) continue;
        if (NOW_CONTEXT.test(text.slice(Math.max(0, at - 60), at))) add('date', m[0], at);
      }
    }
    for (const m of text.matchAll(EPOCH_MS)) add('timestamp', m[0], m.index);
    for (const m of text.matchAll(EPOCH_S)) add('timestamp', m[1]!, m.index + m[0].length - m[1]!.length);
  }
  for (const m of uuidsIn(text)) if (!placeholderLike(m.sample)) add('uuid', m.sample, m.at);
  if (!digits || !/id\b|req_|nonce|seed|salt|bust|random/i.test(text)) return found.sort((a, b) => a.at - b.at).map(({ kind, sample }) => ({ kind, sample }));
  for (const m of text.matchAll(REQUEST_ID)) {
    const id = m[1] ?? m[2]!;
    if (digitsAndLetters(id) && !placeholderLike(id) && !found.some((f) => f.kind === 'uuid' && id.includes(f.sample))) add('request-id', id, m.index + m[0].lastIndexOf(id));
  }
  for (const m of text.matchAll(RANDOM)) {
    const v = m[1]!;
    if (/\d/.test(v) && !placeholderLike(v)) add('random', v, m.index + m[0].lastIndexOf(v));
  }
  return found.sort((a, b) => a.at - b.at).map(({ kind, sample }) => ({ kind, sample }));
}

/**
 * A JSON object text with an object whose keys are neither sorted nor few: its serialiser may
 * emit another order next time (Go maps, sets, dictionaries built from unordered data). Returns
 * the first such object's first key, or undefined.
 */
export function unsortedJsonKey(text: string): string | undefined {
  const t = text.trim();
  if (t.length < 20 || (t[0] !== '{' && t[0] !== '[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(t);
  } catch {
    return undefined;
  }
  const stack: unknown[] = [value];
  let visited = 0;
  while (stack.length > 0 && visited++ < 10_000) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      // Four keys at least: short objects are usually written by hand in a fixed order.
      if (keys.length >= 4 && !isSorted(keys) && !isSorted([...keys].reverse())) return keys[0];
      stack.push(...Object.values(v));
    }
  }
  return undefined;
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

/** Strings of a block worth scanning, skipping ids the conversation itself carries (tool_use ids, signatures, base64 data). */
function textsOf(value: Json, out: string[], key = ''): void {
  if (typeof value === 'string') {
    if (key === 'id' || key === 'tool_use_id' || key === 'signature' || key === 'data' || key === 'media_type' || key === 'type') return;
    out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) textsOf(v, out);
  } else if (isObject(value)) {
    // cache_control is ours, not content; the name of a tool is checked on its own.
    for (const [k, v] of Object.entries(value)) if (k !== 'cache_control' && k !== 'name') textsOf(v, out, k);
  }
}

function spotsOf(block: Json, path: (string | number)[], out: VolatileSpot[]): void {
  const texts: string[] = [];
  textsOf(block, texts);
  const seen = new Set<string>();
  for (const text of texts) {
    for (const f of volatileInText(text)) {
      if (seen.has(f.sample)) continue;
      seen.add(f.sample);
      out.push({ kind: f.kind, path, sample: f.sample });
    }
  }
  // A tool result that is serialised JSON with keys in no fixed order.
  if (isObject(block) && block['type'] === 'tool_result') {
    const inner = block['content'];
    const candidates = typeof inner === 'string' ? [inner] : Array.isArray(inner) ? inner.flatMap((b) => (isObject(b) && typeof b['text'] === 'string' ? [b['text']] : [])) : [];
    for (const c of candidates) {
      const key = unsortedJsonKey(c);
      if (key !== undefined) {
        out.push({ kind: 'unsorted-json', path, sample: JSON.stringify(key) });
        break;
      }
    }
  }
}

/**
 * The volatile-looking content of a request body, block by block in prompt order (tools, system,
 * messages); at most `limit` spots. Ranges are not set: see {@link locateVolatile}.
 */
export function findVolatile(body: CountBody, limit = 50, include: (path: (string | number)[]) => boolean = () => true): VolatileSpot[] {
  const out: VolatileSpot[] = [];
  const spotsIn = (block: Json, path: (string | number)[], into: VolatileSpot[]) => {
    if (into.length < limit && include(path)) spotsOf(block, path, into);
  };
  (Array.isArray(body.tools) ? body.tools : []).forEach((tool, i) => {
    if (!include(['tools', i])) return;
    const name = isObject(tool) && typeof tool['name'] === 'string' ? tool['name'] : undefined;
    const m = name ? GENERATED_NAME.exec(name) : null;
    if (name && m && digitsAndLetters(m[1]!) && !placeholderLike(m[1]!)) out.push({ kind: 'generated-tool-name', path: ['tools', i], sample: name });
    spotsIn(tool, ['tools', i], out);
  });
  if (typeof body.system === 'string') spotsIn(body.system, ['system'], out);
  else if (Array.isArray(body.system)) body.system.forEach((block, j) => spotsIn(block, ['system', j], out));
  body.messages.forEach((message, i) => {
    if (!isObject(message)) return;
    const content = message['content'];
    if (typeof content === 'string') spotsIn(content, ['messages', i, 'content'], out);
    else if (Array.isArray(content)) content.forEach((block, j) => spotsIn(block, ['messages', i, 'content', j], out));
  });
  return out.slice(0, limit);
}

/** The part a spot is in. */
export function partOfPath(parts: readonly PayloadPart[], path: readonly (string | number)[]): PayloadPart | undefined {
  const [where, index] = path;
  if (where === 'system') return parts.find((p) => p.kind === 'system');
  const kind = where === 'tools' ? 'tool' : 'message';
  return parts.find((p) => p.kind === kind && p.index === index);
}

/**
 * Sets each spot's range: the first occurrence of its sample inside its part's range in
 * `text` (JSON escapes aside, timestamps, ids and numbers are written as they are), else the
 * part's anchor.
 */
export function locateVolatile(spots: VolatileSpot[], text: string, parts: readonly PayloadPart[]): VolatileSpot[] {
  return spots.map((s) => {
    const part = partOfPath(parts, s.path);
    if (!part) return s;
    const at = text.slice(part.range.start, part.range.end).indexOf(s.sample);
    const range = at >= 0 ? { start: part.range.start + at, end: part.range.start + at + s.sample.length } : (part.anchor ?? part.range);
    return { ...s, range };
  });
}
