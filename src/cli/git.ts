/**
 * The few git commands `diff` needs, run with `execFile`/`spawn` and argument lists (never a
 * shell string), read-only: nothing is checked out.
 */
import { execFile, spawn } from 'node:child_process';

export interface GitOutcome {
  ok: boolean;
  stdout: string;
  /** git's own message on failure (trimmed), or why git could not run. */
  message: string;
}

/** Runs `git ARGS` in `cwd`. Never rejects. */
export function git(args: string[], cwd: string): Promise<GitOutcome> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer: 512 * 1024 * 1024, encoding: 'utf8', windowsHide: true }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, stdout, message: '' });
      const code = (err as NodeJS.ErrnoException).code;
      const message = code === 'ENOENT' ? 'git is not installed or not on PATH' : stderr.trim() || err.message;
      resolve({ ok: false, stdout, message });
    });
  });
}

/** The top folder of the work tree `cwd` is in. */
export async function gitRoot(cwd: string): Promise<{ ok: true; root: string } | { ok: false; message: string }> {
  const out = await git(['rev-parse', '--show-toplevel'], cwd);
  return out.ok ? { ok: true, root: out.stdout.trim() } : { ok: false, message: out.message };
}

/** One file in a tree. */
export interface TreeEntry {
  /** Relative to the repository root, `/`-separated. */
  path: string;
  /** The blob's object id. */
  object: string;
  size: number;
}

/**
 * The files (blobs; not symlinks or submodules) of `ref`'s tree under `pathspecs` (literal paths
 * relative to `root`; none for the whole tree). Fails with git's message for a bad ref.
 */
export async function listTree(root: string, ref: string, pathspecs: string[]): Promise<{ ok: true; entries: TreeEntry[] } | { ok: false; message: string }> {
  const out = await git(['--literal-pathspecs', 'ls-tree', '-r', '-l', '-z', '--full-tree', ref, '--', ...pathspecs], root);
  if (!out.ok) return { ok: false, message: out.message };
  const entries: TreeEntry[] = [];
  for (const record of out.stdout.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, object, size] = record.slice(0, tab).trim().split(/\s+/);
    if (type !== 'blob' || mode === '120000' || object === undefined) continue;
    entries.push({ path: record.slice(tab + 1), object, size: Number(size) });
  }
  return { ok: true, entries };
}

/** The commit `ref` names, or undefined (a tree, or not a commit). */
export async function commitOf(root: string, ref: string): Promise<string | undefined> {
  const out = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], root);
  return out.ok ? out.stdout.trim() : undefined;
}

/**
 * The contents of blobs by object id, through one `git cat-file --batch` per 500 objects
 * (instead of a process per file). Objects git does not have are left out.
 */
export async function readBlobs(root: string, objects: string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const unique = [...new Set(objects)];
  for (let i = 0; i < unique.length; i += 500) {
    const batch = await catFileBatch(root, unique.slice(i, i + 500));
    for (const [k, v] of batch) out.set(k, v);
  }
  return out;
}

function catFileBatch(root: string, objects: string[]): Promise<Map<string, Buffer>> {
  return new Promise((resolve) => {
    const result = new Map<string, Buffer>();
    const child = spawn('git', ['cat-file', '--batch'], { cwd: root, stdio: ['pipe', 'pipe', 'ignore'], windowsHide: true });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', () => resolve(result));
    child.stdin.on('error', () => undefined);
    child.on('close', () => {
      const data = Buffer.concat(chunks);
      let pos = 0;
      while (pos < data.length) {
        const nl = data.indexOf(10, pos);
        if (nl < 0) break;
        const header = data.subarray(pos, nl).toString('utf8').split(' ');
        pos = nl + 1;
        if (header[1] === 'missing' || header.length < 3) continue;
        const size = Number(header[2]);
        if (!Number.isSafeInteger(size) || pos + size > data.length) break;
        result.set(header[0]!, data.subarray(pos, pos + size));
        pos += size + 1; // the content, then a newline
      }
      resolve(result);
    });
    child.stdin.end(`${objects.join('\n')}\n`);
  });
}
