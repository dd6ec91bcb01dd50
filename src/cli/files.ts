import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { describeErrno } from '../core/fs/read-regular';
import { walkFolder } from '../core/fs/walk';

/** A path to look at, and whether the user named it directly (then it is always reported). */
export interface FileTarget {
  path: string;
  explicit: boolean;
}

/** Folders never worth walking into, by name. */
export const IGNORED_DIR_NAMES: ReadonlySet<string> = new Set(['node_modules', '.git', 'dist', 'out', '.vscode-test', 'coverage']);

/** The same folders as globs. */
export const IGNORED_DIRS = [...IGNORED_DIR_NAMES].map((name) => `**/${name}/**`);

/** Whether a command-line argument is a glob pattern rather than a path. */
export function isGlobPattern(arg: string): boolean {
  return picomatch.scan(arg.replace(/\\/g, '/')).isGlob;
}

/**
 * The files a glob matches: the folder before its first wildcard walked with {@link walkFolder}
 * (so a folder it may not read is a problem, where glob libraries skip it silently), each file
 * matched by picomatch (dot files included) on its path relative to `cwd`, or absolute for an
 * absolute pattern. Dependency and build folders are never walked.
 */
async function globFiles(pattern: string, cwd: string): Promise<{ files: string[]; problems: { path: string; problem: string }[] }> {
  const posixPattern = pattern.replace(/\\/g, '/');
  const scan = picomatch.scan(posixPattern);
  const absolute = path.isAbsolute(pattern);
  const base = path.resolve(cwd, scan.base || '.');
  const matches = picomatch(absolute ? posixPattern : posixPattern.replace(/^(\.\/)+/, ''), { dot: true, windows: false });
  const walked = await walkFolder(base, { ignoreDirs: IGNORED_DIR_NAMES });
  const files = walked.files.filter((file) => matches((absolute ? file : path.relative(cwd, file)).split(path.sep).join('/')));
  // Without anything readable under it, the base folder itself is "no file matches", not an error.
  const problems = walked.problems.filter((p) => !(p.path === base && /ENOENT|ENOTDIR|no such/i.test(p.problem)));
  return { files, problems };
}

/** `file` relative to `cwd` with `/` separators when inside it, else as given. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

export interface ExpandResult {
  targets: FileTarget[];
  /** Arguments that matched nothing, and folders that could not be walked, with why. */
  missing: { arg: string; problem: string }[];
}

/**
 * Expands command-line arguments into files: a file is taken as is; a folder is walked for
 * candidate files (by `isCandidate`), skipping dependency and build folders; every file a glob
 * matches is taken, like a file named directly.
 * Order is stable (arguments in order, each expansion sorted) and duplicates are dropped.
 */
export async function expandPaths(args: string[], cwd: string, isCandidate: (p: string) => boolean): Promise<ExpandResult> {
  const seen = new Set<string>();
  const targets: FileTarget[] = [];
  const missing: ExpandResult['missing'] = [];
  const add = (file: string, explicit: boolean) => {
    const abs = path.resolve(cwd, file);
    if (seen.has(abs)) return;
    seen.add(abs);
    targets.push({ path: abs, explicit });
  };

  for (const arg of args) {
    const abs = path.resolve(cwd, arg);
    const stat = await fs.stat(abs).catch((err: unknown) => err as NodeJS.ErrnoException);
    if (stat instanceof Error && stat.code !== 'ENOENT' && stat.code !== 'ENOTDIR') {
      // Named but not reachable (a folder above it unreadable, a link loop): say why, not "no such file".
      missing.push({ arg, problem: describeErrno(stat) });
    } else if (stat instanceof Error) {
      if (isGlobPattern(arg)) {
        const { files, problems } = await globFiles(arg, cwd);
        for (const p of problems) missing.push({ arg: displayPath(p.path, cwd), problem: p.problem });
        if (files.length === 0 && problems.length === 0) missing.push({ arg, problem: 'no file matches this pattern' });
        files.forEach((f) => add(f, true));
      } else {
        missing.push({ arg, problem: 'no such file or folder' });
      }
    } else if (!stat.isDirectory()) {
      // A regular file, or a special one (FIFO, device, socket): reading it says which.
      add(abs, true);
    } else {
      // Walked by hand rather than by glob: a folder that cannot be read is an error, not a silent gap.
      const walked = await walkFolder(abs, { ignoreDirs: IGNORED_DIR_NAMES });
      walked.files.filter(isCandidate).forEach((f) => add(f, false));
      for (const p of walked.problems) missing.push({ arg: displayPath(p.path, cwd), problem: p.problem });
    }
  }
  return { targets, missing };
}
