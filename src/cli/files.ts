import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

/** A path to look at, and whether the user named it directly (then it is always reported). */
export interface FileTarget {
  path: string;
  explicit: boolean;
}

/** Folders never worth walking into. */
export const IGNORED_DIRS = ['**/node_modules/**', '**/.git/**', '**/dist/**', '**/out/**', '**/.vscode-test/**', '**/coverage/**'];

export interface ExpandResult {
  targets: FileTarget[];
  /** Arguments that matched nothing, with why. */
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
    const stat = await fs.stat(abs).catch(() => undefined);
    if (stat && !stat.isDirectory()) {
      // A regular file, or a special one (FIFO, device, socket): reading it says which.
      add(abs, true);
    } else if (stat?.isDirectory()) {
      const files = await glob('**/*', { cwd: abs, absolute: true, dot: true, onlyFiles: true, ignore: IGNORED_DIRS });
      files.sort().filter(isCandidate).forEach((f) => add(f, false));
    } else if (isDynamicPattern(arg)) {
      const files = await glob(arg, { cwd, absolute: true, dot: true, onlyFiles: true, ignore: IGNORED_DIRS });
      if (files.length === 0) missing.push({ arg, problem: 'no file matches this pattern' });
      files.sort().forEach((f) => add(f, true));
    } else {
      missing.push({ arg, problem: 'no such file or folder' });
    }
  }
  return { targets, missing };
}
