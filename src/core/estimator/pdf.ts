/**
 * PDF pages and shown text from base64 data. The request estimate prices a PDF as its pages (a
 * per-page constant, fitted per model: the page image and wrapper) plus the tokens of its text.
 */

import { inflateSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';

const TYPE = Buffer.from('/Type');
const COUNT = Buffer.from('/Count');

/**
 * Number of pages of a base64 PDF, or `undefined` when none can be found. Counts `/Type /Page`
 * objects (not `/Type /Pages`); when page objects are hidden in compressed object streams and none
 * is visible, falls back to the largest `/Count n` (the page-tree root's total). A cheap byte scan,
 * not a PDF parser. Accepts a `data:` URL. Never throws.
 */
export function pdfPageCount(base64: string): number | undefined {
  try {
    const buf = pdfBytes(base64);
    return buf === undefined ? undefined : pdfPageCountBytes(buf);
  } catch {
    return undefined;
  }
}

/** The bytes of base64 data or a base64 `data:` URL; `undefined` for empty or non-string input. */
function pdfBytes(base64: string): Buffer | undefined {
  if (typeof base64 !== 'string' || base64.length === 0) return undefined;
  let b64 = base64;
  if (b64.startsWith('data:')) {
    const comma = b64.indexOf(',');
    if (comma < 0) return undefined;
    b64 = b64.slice(comma + 1);
  }
  return Buffer.from(b64, 'base64');
}

/** {@link pdfPageCount} on raw bytes. */
export function pdfPageCountBytes(buf: Buffer): number | undefined {
  let pages = 0;
  for (let i = buf.indexOf(TYPE); i >= 0; i = buf.indexOf(TYPE, i + TYPE.length)) {
    let j = i + TYPE.length;
    while (j < buf.length && isPdfSpace(buf[j]!)) j++;
    // "/Page" followed by a delimiter, not "/Pages" or "/PageLabel"
    if (
      buf[j] === 0x2f && buf[j + 1] === 0x50 && buf[j + 2] === 0x61 && buf[j + 3] === 0x67 && buf[j + 4] === 0x65 &&
      (j + 5 >= buf.length || isPdfDelimiter(buf[j + 5]!))
    ) {
      pages++;
    }
  }
  if (pages > 0) return pages;
  let maxCount = 0;
  for (let i = buf.indexOf(COUNT); i >= 0; i = buf.indexOf(COUNT, i + COUNT.length)) {
    let j = i + COUNT.length;
    while (j < buf.length && isPdfSpace(buf[j]!)) j++;
    let n = 0;
    let digits = 0;
    while (j < buf.length && buf[j]! >= 0x30 && buf[j]! <= 0x39 && digits < 9) {
      n = n * 10 + (buf[j]! - 0x30);
      j++;
      digits++;
    }
    if (digits > 0 && n > maxCount) maxCount = n;
  }
  return maxCount > 0 ? maxCount : undefined;
}

function isPdfSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x0c || b === 0x00;
}

function isPdfDelimiter(b: number): boolean {
  return isPdfSpace(b) || b === 0x2f || b === 0x3e || b === 0x3c || b === 0x5b || b === 0x5d || b === 0x28 || b === 0x29 || b === 0x25;
}

/** What a PDF's bytes tell cheaply: its pages and the text its content streams show. */
export interface PdfContent {
  pages: number;
  /** Text of the literal strings shown by `Tj`/`TJ`/`'`/`"` in the content streams, one line per text object. */
  text: string;
  /** Glyphs shown through hex strings (font-specific codes that cannot be read as text without the font). */
  hexGlyphs: number;
  /** Content streams that could not be read (an unsupported filter, a corrupt stream). */
  unreadableStreams: number;
}

/** Upper bound on inflated content-stream bytes read from one PDF (keeps a huge file cheap). */
const MAX_INFLATED = 8 * 1024 * 1024;
const STREAM = Buffer.from('stream');
const ENDSTREAM = Buffer.from('endstream');

/**
 * Pages and shown text of a base64 PDF, or `undefined` when no page can be found. Scans for
 * `stream ... endstream`, inflates `/FlateDecode` streams with Node's zlib, and keeps the text
 * operators' literal strings of the streams that hold text objects (`BT ... ET`). Not a PDF
 * parser: fonts with custom encodings show hex codes, counted as glyphs only. Never throws.
 */
export function pdfContent(base64: string): PdfContent | undefined {
  // The same PDF is read again on every edit of the request around it (a new parse each time):
  // decoding and inflating it once is enough.
  if (contentCache.has(base64)) return contentCache.get(base64)!.value;
  const value = readPdfContent(base64);
  contentCache.set(base64, { value });
  return value;
}

/** The last PDFs read, by their base64 text; entries are small (pages and shown text). */
const contentCache = new LRUCache<string, { value: PdfContent | undefined }>({ max: 16 });

function readPdfContent(base64: string): PdfContent | undefined {
  try {
    const buf = pdfBytes(base64);
    if (buf === undefined) return undefined;
    const pages = pdfPageCountBytes(buf);
    if (pages === undefined) return undefined;
    const out: PdfContent = { pages, text: '', hexGlyphs: 0, unreadableStreams: 0 };
    const texts: string[] = [];
    let budget = MAX_INFLATED;
    for (let i = buf.indexOf(STREAM); i >= 0 && budget > 0; ) {
      // "stream" that is not the tail of "endstream"
      if (i >= 3 && buf[i - 1] === 0x64 && buf[i - 2] === 0x6e && buf[i - 3] === 0x65) {
        i = buf.indexOf(STREAM, i + STREAM.length);
        continue;
      }
      let start = i + STREAM.length;
      if (buf[start] === 0x0d) start++;
      if (buf[start] === 0x0a) start++;
      const end = buf.indexOf(ENDSTREAM, start);
      if (end < 0) break;
      const dict = buf.subarray(Math.max(0, buf.lastIndexOf('<<', i)), i).toString('latin1');
      i = buf.indexOf(STREAM, end + ENDSTREAM.length);
      if (/\/(Subtype\s*\/Image|Length1|Length2|Length3|Type\s*\/XRef|Type\s*\/ObjStm|Type\s*\/Metadata)/.test(dict)) continue;
      let data: Buffer = buf.subarray(start, end);
      const filter = /\/Filter\s*\[?\s*\/(\w+)/.exec(dict)?.[1];
      if (filter === 'FlateDecode') {
        try {
          data = inflateSync(data, { maxOutputLength: Math.max(1, budget) });
        } catch {
          out.unreadableStreams++;
          continue;
        }
      } else if (filter !== undefined) {
        out.unreadableStreams++;
        continue;
      }
      budget -= data.length;
      const shown = shownText(data.toString('latin1'));
      if (shown.text.length > 0) texts.push(shown.text);
      out.hexGlyphs += shown.hexGlyphs;
    }
    out.text = texts.join('\n');
    return out;
  } catch {
    return undefined;
  }
}

/** Literal strings shown by text operators in one content stream, and hex glyphs counted. */
function shownText(s: string): { text: string; hexGlyphs: number } {
  if (s.indexOf('BT') < 0) return { text: '', hexGlyphs: 0 };
  const parts: string[] = [];
  let hexGlyphs = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x28) {
      // ( literal string ), with nesting and escapes
      let depth = 1;
      let j = i + 1;
      let str = '';
      while (j < n && depth > 0) {
        const d = s[j]!;
        if (d === '\\') {
          const e = s[j + 1];
          if (e === 'n' || e === 'r') str += ' ';
          else if (e !== undefined && e >= '0' && e <= '7') {
            let k = j + 1;
            let code = 0;
            while (k < j + 4 && k < n && s[k]! >= '0' && s[k]! <= '7') code = code * 8 + (s.charCodeAt(k++) - 48);
            str += String.fromCharCode(code);
            j = k;
            continue;
          } else if (e !== undefined) str += e;
          j += 2;
          continue;
        }
        if (d === '(') depth++;
        else if (d === ')' && --depth === 0) break;
        str += d;
        j++;
      }
      parts.push(str);
      i = j;
    } else if (c === 0x3c && s.charCodeAt(i + 1) !== 0x3c) {
      // <hex string>: glyph codes of an embedded font (2 or 4 hex digits each; 2 assumed)
      const close = s.indexOf('>', i);
      if (close < 0) break;
      hexGlyphs += Math.floor((close - i - 1) / 2);
      i = close;
    } else if (c === 0x54 && i > 0 && s.charCodeAt(i - 1) <= 0x20) {
      // T*, Td, TD, Tm: a new line; ET: end of a text object
      const d = s.charCodeAt(i + 1);
      if (d === 0x2a || d === 0x64 || d === 0x44 || d === 0x6d) parts.push('\n');
    } else if (c === 0x45 && s.charCodeAt(i + 1) === 0x54 && (i + 2 >= n || s.charCodeAt(i + 2) <= 0x20)) {
      parts.push('\n');
    } else if ((c === 0x27 || c === 0x22) && i > 0 && s.charCodeAt(i - 1) <= 0x20) {
      parts.push('\n'); // ' and ": next line, then show
    }
  }
  return { text: parts.join('').replace(/\n+/g, '\n').trim(), hexGlyphs };
}
