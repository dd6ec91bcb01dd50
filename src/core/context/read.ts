/**
 * Reading the files of the context footprint: regular files only, under a size limit, as UTF-8
 * text, through the shared readers of `core/fs`. Never throws.
 */
import { decodeUtf8, readRegularFile, type ReadProblem } from '../fs/read-regular';
import { lineOf } from '../payload/lines';
import type { Severity, SourceRange } from '../types';
import type { ContextProblem } from './types';

/** Largest context file read (a memory file, a skill, a config): 1 MB is far past any sane one. */
export const MAX_CONTEXT_FILE_BYTES = 1024 * 1024;

export type ReadText = (file: string) => Promise<{ ok: true; text: string } | { ok: false; problem: ReadProblem | 'not-utf8'; message: string }>;

/** Reads `file` as text: a regular file of at most `maxBytes`, valid UTF-8 (a BOM dropped). */
export function textReader(maxBytes = MAX_CONTEXT_FILE_BYTES): ReadText {
  return async (file) => {
    const read = await readRegularFile(file, maxBytes);
    if (!read.ok) return read;
    const { text, valid } = decodeUtf8(read.bytes);
    if (!valid) return { ok: false, problem: 'not-utf8', message: 'not UTF-8 text' };
    return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  };
}

/** A problem at `range` of `text` (line and column filled in), or on the whole file without one. */
export function problemAt(file: string, text: string | undefined, range: SourceRange | undefined, severity: Severity, code: string, message: string): ContextProblem {
  if (!range || text === undefined) return { file, severity, code, message };
  const at = lineOf(text, range.start);
  return { file, range, line: at.line + 1, column: at.column + 1, severity, code, message };
}
