/**
 * A cache file of rows that several processes share (the editor, CLIs, parallel CI jobs): read
 * only as a regular file of bounded size, checked by format, version and a checksum over its
 * rows (a damaged file is ignored, never trusted), and saved by reading what is on disk, merging
 * it with what this process holds, and replacing the file atomically, all under a lock file
 * (`<file>.lock`, recovered when its holder died). The count cache and the MCP tool-list cache are
 * two such files.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { withFileLock, type FileLockOptions } from './file-lock';
import { readRegularFile } from './read-regular';
import { writeFileAtomic } from './write-atomic';

export interface RowFile<R> {
  file: string;
  /** The file's `format` and `version`: a file with others is ignored. */
  format: string;
  version: number;
  /** Largest file read. */
  maxBytes: number;
  isRow: (row: unknown) => row is R;
  /** How problems name the file: "Token count cache", "MCP tool cache". */
  label: string;
  onProblem: (message: string) => void;
  lock?: FileLockOptions;
}

interface FileBody<R> {
  format: string;
  version: number;
  checksum: string;
  entries: R[];
}

const checksumOf = (rows: readonly unknown[]): string => createHash('sha256').update(JSON.stringify(rows)).digest('hex');

const errorCode = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/** The file's rows: none when it is missing; none, and the problem told, when it is unreadable or damaged. */
export async function readRows<R>(spec: RowFile<R>): Promise<R[]> {
  // A regular file of bounded size only: a FIFO or a device put in its place must not hang start-up.
  const read = await readRegularFile(spec.file, spec.maxBytes);
  if (!read.ok) {
    if (read.problem !== 'missing') spec.onProblem(`${spec.label} ${spec.file} could not be read (${read.message}); starting empty.`);
    return [];
  }
  try {
    const data = JSON.parse(read.bytes.toString('utf8')) as Partial<FileBody<R>>;
    if (data.format !== spec.format || data.version !== spec.version || !Array.isArray(data.entries)) throw new Error('unknown format');
    if (data.checksum !== checksumOf(data.entries) || !data.entries.every(spec.isRow)) throw new Error('checksum mismatch');
    return data.entries;
  } catch (err) {
    spec.onProblem(`${spec.label} ${spec.file} is damaged (${(err as Error).message}); ignoring it.`);
    return [];
  }
}

/**
 * Under the file's lock: reads the rows on disk, lets `merge` turn them into the rows to keep, and
 * replaces the file with those. Without the lock (it could not be had in time) it does the same,
 * saying entries another process saves at that moment may be lost. Resolves to false, the problem
 * told, when the file could not be written.
 */
export async function saveRows<R>(spec: RowFile<R>, merge: (onDisk: R[]) => R[]): Promise<boolean> {
  try {
    await fs.mkdir(path.dirname(spec.file), { recursive: true });
  } catch (err) {
    spec.onProblem(`${spec.label} ${spec.file} could not be written (${errorCode(err)}).`);
    return false;
  }
  const write = async (): Promise<boolean> => {
    const entries = merge(await readRows(spec));
    const body: FileBody<R> = { format: spec.format, version: spec.version, checksum: checksumOf(entries), entries };
    try {
      await writeFileAtomic(spec.file, JSON.stringify(body));
      return true;
    } catch (err) {
      spec.onProblem(`${spec.label} ${spec.file} could not be written (${errorCode(err)}).`);
      return false;
    }
  };
  // Two processes saving at once would otherwise each merge the file as it was before the other's
  // rename, and the second rename drop the first's entries.
  const outcome = await withFileLock(`${spec.file}.lock`, write, spec.lock);
  if (outcome.locked) return outcome.value;
  spec.onProblem(`${spec.label} ${spec.file}: saving without the lock (${outcome.reason}); entries another process saves at this moment may be lost.`);
  return write();
}

/** Removes the temporary files a crashed writer left beside `file` (older than a minute, so no live writer's). */
export async function removeStaleTemporaries(file: string): Promise<void> {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.`;
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - 60_000;
  await Promise.all(
    names
      .filter((n) => n.startsWith(prefix) && (n.endsWith('.tmp') || n.endsWith('.stale')))
      .map(async (n) => {
        const stale = path.join(dir, n);
        const stat = await fs.stat(stale).catch(() => undefined);
        if (stat && stat.mtimeMs < cutoff) await fs.rm(stale, { force: true }).catch(() => undefined);
      }),
  );
}
