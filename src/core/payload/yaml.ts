import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Parser, type CST, type Document } from 'yaml';
import type { Json, JsonObject } from '../types';
import { MAX_NESTING, OUTLINE_DEPTH, type OutlineNode, type OutlineProp, type StructuredResult } from './tree';

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * Cheap linear pre-check for pathological nesting, before the YAML parser sees the text (the yaml
 * library composes recursively and can exhaust the stack, or worse, on a few thousand levels).
 * Counts flow brackets (ignoring quoting, so an over-estimate in odd cases) and compact block
 * indicators at the head of a line (`- - - x`). Returns the offset where the limit is passed.
 */
export function quickDepthCheck(text: string, start: number): number | undefined {
  let depth = 0;
  let indicators = 0;
  let lineHead = true;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) {
      lineHead = true;
      indicators = 0;
      continue;
    }
    if (lineHead) {
      if (c === 32 || c === 9) continue;
      const n = text.charCodeAt(i + 1);
      if ((c === 45 || c === 63) && (n === 32 || n === 9)) {
        if (++indicators > MAX_NESTING) return i;
        i++;
        continue;
      }
      lineHead = false;
    }
    if (c === 91 || c === 123) {
      if (++depth > MAX_NESTING) return i;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}

/** Exact collection nesting of the CST, iteratively; the offset of the first too-deep collection. */
function cstTooDeep(tokens: CST.Token[]): number | undefined {
  const stack: [unknown, number][] = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [t, d] = stack.pop()!;
    if (!t || typeof t !== 'object') continue;
    const tok = t as { type?: string; offset?: number; value?: unknown; key?: unknown; items?: unknown[] };
    let depth = d;
    if (tok.type !== undefined && COLLECTIONS.has(tok.type)) {
      depth++;
      if (depth > MAX_NESTING) return tok.offset ?? 0;
    }
    if (tok.value && typeof tok.value === 'object') stack.push([tok.value, depth]);
    if (tok.key && typeof tok.key === 'object') stack.push([tok.key, depth]);
    if (Array.isArray(tok.items)) for (const item of tok.items) stack.push([item, depth]);
  }
  return undefined;
}

class ConversionError extends Error {}

/**
 * Turns what `toJS` returned into plain JSON, in place where possible: non-finite numbers stay
 * as they are (reported by recognise.ts), dates ISO strings, maps objects, sets arrays; recursion (an alias inside its own anchor)
 * and nesting over MAX_NESTING are refused.
 */
function toJson(value: unknown, depth: number, ancestors: Set<object>, done: WeakSet<object>): Json {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // `.inf`, `-.inf` and `.nan` are the numbers they are, not null; recognise.ts reports them.
      return value;
    case 'bigint':
      return Number(value);
    case 'object':
      break;
    default:
      return null;
  }
  const obj = value as object;
  if (done.has(obj)) return obj as Json;
  if (depth >= MAX_NESTING) throw new ConversionError(`more than ${MAX_NESTING} levels of nesting`);
  if (ancestors.has(obj)) throw new ConversionError('an alias refers to a node that contains it');
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (ArrayBuffer.isView(obj)) return String(obj);
  let out: Json;
  ancestors.add(obj);
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) {
      const v = toJson(obj[i], depth + 1, ancestors, done);
      if (v !== obj[i]) obj[i] = v;
    }
    out = obj as Json[];
  } else if (obj instanceof Set) {
    out = [...obj].map((v) => toJson(v, depth + 1, ancestors, done));
  } else if (obj instanceof Map) {
    const o: JsonObject = {};
    for (const [k, v] of obj) o[String(k)] = toJson(v, depth + 1, ancestors, done);
    out = o;
  } else {
    const rec = obj as Record<string, unknown>;
    for (const k of Object.keys(rec)) {
      const v = toJson(rec[k], depth + 1, ancestors, done);
      if (v !== rec[k]) rec[k] = v;
    }
    out = rec as JsonObject;
  }
  ancestors.delete(obj);
  if (out === obj) done.add(obj);
  return out;
}

/** A node's value range, without the trailing line breaks and spaces yaml includes in it. */
function rangeOf(node: unknown, text: string): { start: number; end: number } | undefined {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  if (!r) return undefined;
  let end = r[1];
  while (end > r[0]) {
    const c = text.charCodeAt(end - 1);
    if (c !== 10 && c !== 13 && c !== 32 && c !== 9) break;
    end--;
  }
  return { start: r[0], end };
}

/** Outline of the top levels; aliases are outlined as the alias itself, not its target. */
function outline(node: unknown, depth: number, text: string): OutlineNode | undefined {
  const range = rangeOf(node, text);
  if (!range) return undefined;
  if (isMap(node)) {
    const out: OutlineNode = { kind: 'object', range };
    if (depth < OUTLINE_DEPTH) {
      const props: OutlineProp[] = [];
      for (const pair of node.items) {
        const key = pair.key;
        if (!isScalar(key)) continue;
        const keyRange = rangeOf(key, text);
        if (!keyRange) continue;
        props.push({ key: String(key.value), keyRange, value: pair.value ? outline(pair.value, depth + 1, text) : undefined });
      }
      out.props = props;
    }
    return out;
  }
  if (isSeq(node)) {
    const out: OutlineNode = { kind: 'array', range };
    if (depth < OUTLINE_DEPTH) out.items = node.items.map((item) => (isPair(item) ? undefined : outline(item, depth + 1, text)));
    return out;
  }
  if (isScalar(node) || isAlias(node)) return { kind: 'scalar', range };
  return undefined;
}

/**
 * Parses one YAML document into a plain JSON value and an outline of its top levels, with
 * offsets into `text`. The first error stops it. Aliases are expanded (with the yaml library's
 * guard against alias bombs); a second document in the stream is an error.
 */
export function parseYaml(text: string, start = 0, end = text.length): StructuredResult {
  const region = start === 0 && end === text.length ? text : text.slice(start, end);
  // Clamped to the region: the yaml library puts an error at the end of the input one past it.
  const clamp = (n: number) => Math.max(0, Math.min(n, region.length));
  const shift = (r: { start: number; end: number } | undefined): { start: number; end: number } | undefined =>
    r ? { start: clamp(r.start) + start, end: clamp(Math.max(r.start, r.end)) + start } : undefined;

  const tooDeepAt = quickDepthCheck(region, 0);
  if (tooDeepAt !== undefined) {
    return { ok: false, failure: { problem: 'too-deep', message: `more than ${MAX_NESTING} levels of nesting`, range: shift({ start: tooDeepAt, end: tooDeepAt + 1 }) } };
  }
  const tokens = Array.from(new Parser().parse(region));
  const deepAt = cstTooDeep(tokens);
  if (deepAt !== undefined) {
    return { ok: false, failure: { problem: 'too-deep', message: `more than ${MAX_NESTING} levels of nesting`, range: shift({ start: deepAt, end: deepAt + 1 }) } };
  }

  // logLevel 'error': the yaml library would otherwise print warnings through process.emitWarning.
  const composer = new Composer({ prettyErrors: false, uniqueKeys: true, merge: false, logLevel: 'error' });
  let doc: Document.Parsed | undefined;
  for (const d of composer.compose(tokens, true, region.length)) {
    if (!doc) doc = d;
    else {
      const r = d.range;
      return { ok: false, failure: { problem: 'syntax', message: 'a second YAML document starts here; only one is supported', range: shift({ start: r[0], end: r[1] }) } };
    }
  }
  if (!doc) return { ok: false, failure: { problem: 'empty', message: 'the file is empty' } };
  const error = doc.errors[0];
  if (error) {
    return { ok: false, failure: { problem: 'syntax', message: error.message.replace(/\.\s*$/, ''), range: shift({ start: error.pos[0], end: Math.max(error.pos[1], error.pos[0]) }) } };
  }
  if (doc.contents === null) return { ok: false, failure: { problem: 'empty', message: 'the document is empty' } };

  let value: Json;
  try {
    value = toJson(doc.toJS({ maxAliasCount: 100 }), 0, new Set(), new WeakSet());
  } catch (e) {
    const message = e instanceof ConversionError ? e.message : e instanceof Error ? e.message : String(e);
    const problem = /levels of nesting/.test(message) ? 'too-deep' : 'syntax';
    return { ok: false, failure: { problem, message: message.replace(/^./, (c) => c.toLowerCase()) } };
  }
  const warnings = doc.warnings.map((w) => ({ message: w.message, range: shift({ start: w.pos[0], end: w.pos[1] }) }));
  return { ok: true, doc: { value, outline: shiftOutline(outline(doc.contents, 0, region), start), warnings } };
}

function shiftOutline(node: OutlineNode | undefined, by: number): OutlineNode | undefined {
  if (!node || by === 0) return node;
  const out: OutlineNode = { kind: node.kind, range: { start: node.range.start + by, end: node.range.end + by } };
  if (node.props) {
    out.props = node.props.map((p) => ({ key: p.key, keyRange: { start: p.keyRange.start + by, end: p.keyRange.end + by }, value: shiftOutline(p.value, by) }));
  }
  if (node.items) out.items = node.items.map((n) => shiftOutline(n, by));
  return out;
}
