import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describeErrno } from './read-regular';

/** A folder or entry the walk could not look into, and why. */
export interface WalkProblem {
  path: string;
  problem: string;
}

export interface WalkResult {
  /** Every entry that is not a folder (regular files, and special files: reading says what they are), sorted. */
  files: string[];
  /** Folders that could not be read (permissions, I/O errors) and folder link loops. Never silent. */
  problems: WalkProblem[];
}

export interface WalkOptions {
  /** Folder names never walked into (`node_modules`, `.git`, ...). */
  ignoreDirs: ReadonlySet<string>;
}

/**
 * Lists the files under `root`, following symbolic links, skipping the ignored folder names. Unlike
 * a glob library, it says what it could not see: a folder it may not read is a problem naming the
 * folder and the reason, and so is a link back to a folder above it (a loop). Never throws.
 */
export async function walkFolder(root: string, options: WalkOptions): Promise<WalkResult> {
  const files: string[] = [];
  const problems: WalkProblem[] = [];

  const visit = async (dir: string, ancestors: ReadonlySet<string>): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      problems.push({ path: dir, problem: `cannot read folder: ${describeErrno(err)}` });
      return;
    }
    const subdirs: Promise<void>[] = [];
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        const target = await fs.stat(full).catch((err: unknown) => err as NodeJS.ErrnoException);
        if (target instanceof Error) {
          if (target.code === 'ELOOP') problems.push({ path: full, problem: `not a regular file: ${describeErrno(target)}` });
          // A dangling link is listed like a file: reading it says it is missing.
          else files.push(full);
          continue;
        }
        isDir = target.isDirectory();
      }
      if (!isDir) {
        files.push(full);
        continue;
      }
      if (options.ignoreDirs.has(entry.name)) continue;
      subdirs.push(
        (async () => {
          const id = await identity(full);
          if (id === undefined) return visit(full, ancestors);
          if (ancestors.has(id)) {
            problems.push({ path: full, problem: 'a symbolic link loop: this folder links back to a folder above it, not walked again' });
            return;
          }
          return visit(full, new Set([...ancestors, id]));
        })(),
      );
    }
    await Promise.all(subdirs);
  };

  const rootId = await identity(root);
  await visit(root, new Set(rootId ? [rootId] : []));
  files.sort();
  problems.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, problems };
}

async function identity(dir: string): Promise<string | undefined> {
  const stat = await fs.stat(dir).catch(() => undefined);
  return stat ? `${stat.dev}:${stat.ino}` : undefined;
}
