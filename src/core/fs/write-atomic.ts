import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';

/**
 * Replaces `file` with `text` so that a reader sees the old content or the new, never half of
 * either: written to a temporary file beside it (owner-only, synced), then renamed over it. On
 * failure the temporary file is removed and the error thrown; `file` is unchanged.
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}
