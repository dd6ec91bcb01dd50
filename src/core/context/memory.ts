/**
 * Project memory imports as Claude Code resolves them: `@path` in a `CLAUDE.md` loads that file
 * too, relative to the importing file (`~/` is the home folder, absolute paths as they are), and
 * an imported file may import further, at most {@link MAX_IMPORT_DEPTH} hops from the memory file.
 * `@…` inside a code span or a fenced code block is text, not an import. Source: Claude Code's
 * memory documentation ("Imports": "not evaluated inside markdown code spans and code blocks",
 * "a max-depth of 5 hops"), https://docs.anthropic.com/en/docs/claude-code/memory.
 *
 * Cycles, missing or unreadable files and imports past the depth limit are problems on the
 * import's line; a file imported twice (not in a cycle) is loaded once.
 *
 * Pure TypeScript, no `vscode` import.
 */
import * as path from 'node:path';
import type { SourceRange } from '../types';
import { problemAt, type ReadText } from './read';
import type { ContextProblem } from './types';

/** Import hops Claude Code follows from a memory file. */
export const MAX_IMPORT_DEPTH = 5;

/** One `@path` in a text: the path as written (escapes undone) and where the `@path` is. */
export interface ImportRef {
  path: string;
  range: SourceRange;
}

/** Trailing punctuation that ends a sentence rather than a path (`see @docs/a.md.`). */
const TRAILING = /[),.;:!?\]}>'"]+$/;

/** `@path` at the start of a line or after white space; `\ ` is a space in the path. */
const IMPORT = /(^|\s)@((?:[^\s\\]|\\ )+)/g;

/**
 * The `@path` imports of a Markdown text, outside fenced code blocks (``` or ~~~, up to three
 * spaces of indent, closed by a fence of the same character at least as long) and code spans.
 */
export function findImports(text: string): ImportRef[] {
  const refs: ImportRef[] = [];
  let fence: { char: string; length: number } | undefined;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd).replace(/\r$/, '');
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (fenceMatch && fenceMatch[1]![0] === fence.char && fenceMatch[1]!.length >= fence.length && line.slice(fenceMatch[0].length).trim() === '') fence = undefined;
    } else if (fenceMatch && !(fenceMatch[1]![0] === '`' && line.slice(fenceMatch[0].length).includes('`'))) {
      fence = { char: fenceMatch[1]![0]!, length: fenceMatch[1]!.length };
    } else {
      const masked = maskCodeSpans(line);
      for (const m of masked.matchAll(IMPORT)) {
        const raw = m[2]!.replace(TRAILING, '');
        if (raw === '' || raw.startsWith('@')) continue;
        const start = lineStart + m.index! + m[1]!.length;
        refs.push({ path: raw.replace(/\\ /g, ' ').replace(/#.*$/, ''), range: { start, end: start + 1 + raw.length } });
      }
    }
    lineStart = lineEnd + 1;
  }
  return refs.filter((r) => r.path !== '');
}

/** The line with every code span (a backtick run up to the next run of the same length) blanked. */
function maskCodeSpans(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] !== '`') {
      out += line[i];
      i++;
      continue;
    }
    let run = 0;
    while (line[i + run] === '`') run++;
    const ticks = '`'.repeat(run);
    let close = line.indexOf(ticks, i + run);
    while (close !== -1 && line[close + run] === '`') close = line.indexOf(ticks, close + run + 1);
    if (close === -1) {
      out += ticks;
      i += run;
      continue;
    }
    out += ' '.repeat(close + run - i);
    i = close + run;
  }
  return out;
}

/** Where `@ref` points from a file in `fromDir`: `~/` under `home`, absolute as is, else relative. */
export function resolveImportPath(ref: string, fromDir: string, home: string): string {
  if (ref === '~' || ref.startsWith('~/')) return path.join(home, ref.slice(1));
  return path.resolve(fromDir, ref);
}

/** A file loaded through an import. */
export interface ImportedFile {
  file: string;
  text: string;
  /** Hops from the memory file. */
  depth: number;
  /** The file whose `@path` loaded it, and where. */
  from: { file: string; text: string; range: SourceRange };
}

export interface ResolveOptions {
  read: ReadText;
  home: string;
  /** Files already loaded (by an earlier memory file): not loaded again. Updated. */
  seen?: Set<string>;
  maxDepth?: number;
}

/**
 * Every file `file` (with `text`) imports, depth first in the order of the imports, each once,
 * and the problems on the import lines.
 */
export async function resolveImports(file: string, text: string, options: ResolveOptions): Promise<{ files: ImportedFile[]; problems: ContextProblem[] }> {
  const maxDepth = options.maxDepth ?? MAX_IMPORT_DEPTH;
  const seen = options.seen ?? new Set<string>();
  seen.add(file);
  const files: ImportedFile[] = [];
  const problems: ContextProblem[] = [];

  const visit = async (from: string, fromText: string, depth: number, chain: string[]): Promise<void> => {
    for (const ref of findImports(fromText)) {
      const target = resolveImportPath(ref.path, path.dirname(from), options.home);
      const at = (severity: 'warning' | 'info', code: string, message: string, withTarget = false) =>
        problems.push({ ...problemAt(from, fromText, ref.range, severity, code, message), ...(withTarget ? { target } : {}) });
      if (chain.includes(target)) {
        at('warning', 'import-cycle', `@${ref.path} imports a file already being imported (${[...chain.slice(chain.indexOf(target)), target].map((f) => path.basename(f)).join(' → ')}): the cycle is not followed.`);
        continue;
      }
      if (depth + 1 > maxDepth) {
        at('warning', 'import-too-deep', `@${ref.path} is more than ${maxDepth} imports deep from the memory file: Claude Code does not load it.`);
        continue;
      }
      if (seen.has(target)) continue;
      const read = await options.read(target);
      if (!read.ok) {
        const what = read.problem === 'missing' ? 'does not exist' : `cannot be loaded: ${read.message}`;
        at('warning', read.problem === 'missing' ? 'import-missing' : 'import-unreadable', `@${ref.path}: ${target} ${what}, so nothing is imported.`, true);
        continue;
      }
      seen.add(target);
      files.push({ file: target, text: read.text, depth: depth + 1, from: { file: from, text: fromText, range: ref.range } });
      await visit(target, read.text, depth + 1, [...chain, target]);
    }
  };
  await visit(file, text, 0, [file]);
  return { files, problems };
}
