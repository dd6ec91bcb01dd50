import { constants, promises as fs, type Stats } from 'node:fs';

/** Why a path could not be read as a file. */
export type ReadProblem =
  /** Nothing there (ENOENT, ENOTDIR). */
  | 'missing'
  /** Not a regular file: a FIFO, socket, device, folder, or a symbolic link loop. */
  | 'not-regular'
  /** Larger than the limit. */
  | 'too-large'
  /** Permission denied or another I/O error. */
  | 'unreadable';

export type ReadRegularResult =
  | { ok: true; bytes: Buffer }
  | { ok: false; problem: ReadProblem; /** What is wrong, in words, without the path. */ message: string };

/** What a non-regular file is, in words ("a named pipe (FIFO)"); undefined for a regular file. */
export function describeSpecial(stat: Stats): string | undefined {
  if (stat.isFile()) return undefined;
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/** The words for a file-system error code, for messages ("permission denied (EACCES)"). */
export function describeErrno(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'ENOENT':
      return 'no such file or folder';
    case 'ENOTDIR':
      return 'a part of the path is not a folder (ENOTDIR)';
    case 'ELOOP':
      return 'a symbolic link loop (ELOOP)';
    case 'ENXIO':
      return 'a socket or device with nothing behind it (ENXIO)';
    case 'EISDIR':
      return 'a folder';
    default:
      return code ?? (err as Error)?.message ?? String(err);
  }
}

/** The error for a file over the size limit. */
export function tooLargeMessage(size: number, maxBytes: number): string {
  return `too large to analyse: ${(size / 1024 / 1024).toFixed(1)} MB, limit ${(maxBytes / 1024 / 1024).toFixed(0)} MB`;
}

/**
 * Reads a regular file of at most `maxBytes`, and nothing else. Special files are refused before
 * they are opened (a FIFO would block the open or the read forever, `/dev/zero` never ends), and
 * again after opening (non-blocking) by the handle's own `fstat`, so a file swapped for one between
 * the two checks is refused too. At most `maxBytes + 1` bytes are read, whatever the size said: a
 * file that grows past the limit while being read is refused as too large. Never throws.
 */
export async function readRegularFile(file: string, maxBytes: number): Promise<ReadRegularResult> {
  let before: Stats;
  try {
    before = await fs.stat(file);
  } catch (err) {
    return failure(err);
  }
  const special = describeSpecial(before);
  if (special) return { ok: false, problem: 'not-regular', message: `not a regular file: ${special}` };
  if (before.size > maxBytes) return { ok: false, problem: 'too-large', message: tooLargeMessage(before.size, maxBytes) };

  let handle: fs.FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO swapped in after the stat returns at once instead of waiting for a writer.
    handle = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0));
  } catch (err) {
    return failure(err);
  }
  try {
    const stat = await handle.stat();
    const swapped = describeSpecial(stat);
    if (swapped) return { ok: false, problem: 'not-regular', message: `not a regular file: ${swapped}` };
    if (stat.size > maxBytes) return { ok: false, problem: 'too-large', message: tooLargeMessage(stat.size, maxBytes) };
    const limit = maxBytes + 1;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(limit - total, 1024 * 1024);
      if (want <= 0) break;
      const buffer = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(buffer, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (total > maxBytes) return { ok: false, problem: 'too-large', message: `${tooLargeMessage(total, maxBytes)} (it grew while being read)` };
    return { ok: true, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) };
  } catch (err) {
    return failure(err);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

function failure(err: unknown): ReadRegularResult {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, problem: 'missing', message: describeErrno(err) };
  if (code === 'ELOOP' || code === 'ENXIO' || code === 'EISDIR') return { ok: false, problem: 'not-regular', message: `not a regular file: ${describeErrno(err)}` };
  return { ok: false, problem: 'unreadable', message: `cannot read: ${describeErrno(err)}` };
}

/** UTF-8 text of `bytes`, and whether they were valid UTF-8 (invalid sequences become U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): { text: string; valid: boolean } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), valid: true };
  } catch {
    return { text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes), valid: false };
  }
}
