/**
 * Text from a file or the API (paths, model ids, tool names, messages) as a terminal or a log
 * shows it: C0 and C1 control characters (ESC, CR, LF, TAB, DEL, ...) and the bidirectional
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069, and the marks U+200E, U+200F, U+061C),
 * and the line and paragraph separators U+2028, U+2029 (some log viewers break lines there)
 * become visible escapes (`\x1b`, `\r`, `\n`, `\u202e`), so a file name cannot move the cursor,
 * colour or clear the screen, start a new line, or reorder what is printed after it. Everything
 * else (any printable Unicode) is kept. A backslash is kept as it is (Windows paths), so an escape
 * in the output may also be a file name's literal backslash.
 */

/** The characters made visible. */
export const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** `text` with every control and bidi character as a visible escape; one line always. */
export function visible(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Like {@link visible} but keeps CR and LF, for formats that escape line breaks their own way. */
export function visibleKeepingLineBreaks(text: string): string {
  return text.replace(UNSAFE, (c) => (c === '\n' || c === '\r' ? c : escapeChar(c)));
}

/**
 * A message for stderr: each of its lines (a message may have several, e.g. git's) after
 * `prefix`, with control and bidi characters made visible, so a path in it cannot start a line
 * of its own.
 */
export function messageLines(prefix: string, message: string): string {
  return message
    .split('\n')
    .map((l) => `${prefix}${visible(l)}\n`)
    .join('');
}
