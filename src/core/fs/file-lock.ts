import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';

export interface FileLockOptions {
  /** A lock file older than this (by its modification time) is taken to be left by a crashed holder. */
  staleMs?: number;
  /** Longest wait for the lock; past it `withFileLock` gives up and says so (the caller decides). */
  timeoutMs?: number;
  /** Pause between attempts. */
  retryMs?: number;
}

export type LockOutcome<T> = { locked: true; value: T } | { locked: false; reason: string };

/**
 * Runs `fn` while holding an exclusive lock file (`O_CREAT | O_EXCL`), shared by every process on
 * the machine (and by processes on other machines sharing the folder). A lock left by a holder that
 * died is recovered: its process is gone (same host), or the file is older than `staleMs`. A lock
 * that cannot be had within `timeoutMs` gives `{ locked: false }` and `fn` is not run. Never throws
 * for the lock itself; `fn`'s own rejections pass through.
 */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<LockOutcome<T>> {
  const staleMs = options.staleMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const retryMs = options.retryMs ?? 10;
  const deadline = Date.now() + timeoutMs;
  const stamp = `${process.pid} ${os.hostname()} ${randomBytes(6).toString('hex')}`;
  let pause = retryMs;
  for (;;) {
    const taken = await tryCreate(lockFile, stamp);
    if (taken === true) break;
    if (taken !== false) return { locked: false, reason: taken };
    const unusable = await breakIfStale(lockFile, staleMs);
    if (unusable) return { locked: false, reason: unusable };
    if (Date.now() >= deadline) return { locked: false, reason: `the lock ${lockFile} was held for over ${Math.round(timeoutMs / 1000)} s` };
    await new Promise((resolve) => setTimeout(resolve, pause + Math.random() * pause));
    pause = Math.min(pause * 2, 200);
  }
  try {
    return { locked: true, value: await fn() };
  } finally {
    // Only our own lock: a holder that found ours stale (we were paused for long) may own it now.
    const now = await fs.readFile(lockFile, 'utf8').catch(() => undefined);
    if (now === stamp) await fs.rm(lockFile, { force: true }).catch(() => undefined);
  }
}

/** True when created, false when somebody holds it, else the error in words. */
async function tryCreate(lockFile: string, stamp: string): Promise<true | false | string> {
  try {
    const handle = await fs.open(lockFile, 'wx', 0o600);
    try {
      await handle.writeFile(stamp);
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    return `the lock ${lockFile} could not be created (${code ?? (err as Error).message})`;
  }
}

/** Removes a stale lock; says why the lock path cannot be used when it is not a lock at all. */
async function breakIfStale(lockFile: string, staleMs: number): Promise<string | undefined> {
  let content: string;
  let mtimeMs: number;
  try {
    const stat = await fs.lstat(lockFile);
    if (!stat.isFile()) {
      // Not a lock we would make (a folder, a FIFO, a link): take it away if it is empty, else
      // say so at once rather than wait for a holder that does not exist.
      const removed = await (stat.isDirectory() ? fs.rmdir(lockFile) : fs.unlink(lockFile)).then(
        () => true,
        () => false,
      );
      return removed ? undefined : `the lock path ${lockFile} is not a lock file and cannot be removed`;
    }
    mtimeMs = stat.mtimeMs;
    content = await fs.readFile(lockFile, 'utf8');
  } catch {
    return undefined;
  }
  if (!isStale(content, mtimeMs, staleMs)) return undefined;
  // Move it aside first, so that of several processes finding it stale only one removes it; if
  // what was moved is not what was judged stale (a new holder got in between), it goes back.
  const aside = `${lockFile}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await fs.rename(lockFile, aside);
  } catch {
    return undefined;
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== content) await fs.link(aside, lockFile).catch(() => undefined);
  await fs.rm(aside, { force: true }).catch(() => undefined);
  return undefined;
}

function isStale(content: string, mtimeMs: number, staleMs: number): boolean {
  if (Date.now() - mtimeMs > staleMs) return true;
  const [pid, host] = content.split(' ');
  if (host !== os.hostname() || !pid || !/^\d+$/.test(pid)) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
