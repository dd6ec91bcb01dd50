import * as path from 'node:path';
import picomatch from 'picomatch';
import { DEFAULT_TOOL_THRESHOLD } from '../../core/defaults';
import { decodeUtf8, tooLargeMessage } from '../../core/fs/read-regular';
import { DEFAULT_MAX_BYTES, isCandidatePath } from '../../core/payload';
import { countSources, diskSource, displayPath, type CountedFile, type FileResult, type FileSource } from '../count';
import { expandPaths, IGNORED_DIRS, isGlobPattern } from '../files';
import { commitOf, gitRoot, listTree, readBlobs, type TreeEntry } from '../git';
import { roundUSD, type DiffEntry, type DiffResult, type DiffSide, type DiffTotalsSide, type RunInfo } from '../output/model';
import type { CommandContext } from './count';

const ignored = picomatch(IGNORED_DIRS, { dot: true });

/** `/`-separated. */
function posix(p: string): string {
  return p.split(path.sep).join('/');
}

interface ArgMatcher {
  /** Whether a repository path (relative to the root) is named by this argument, and how. */
  match(repoPath: string): 'explicit' | 'walked' | undefined;
  /** Literal pathspec for `git ls-tree`, or undefined when the whole tree must be listed. */
  pathspec: string | undefined;
}

/** How a command-line PATH selects files at REF: like on disk (a file, a folder walked, a glob). */
function argMatcher(arg: string, cwd: string, root: string): ArgMatcher | { error: string } {
  if (isGlobPattern(arg)) {
    const m = picomatch(arg.replace(/\\/g, '/').replace(/^(\.\/)+/, ''), { dot: true });
    return {
      pathspec: undefined,
      match: (repoPath) => {
        const rel = posix(path.relative(cwd, path.join(root, repoPath)));
        return !rel.startsWith('../') && m(rel) && !ignored(repoPath) ? 'explicit' : undefined;
      },
    };
  }
  const target = posix(path.relative(root, path.resolve(cwd, arg)));
  if (target === '..' || target.startsWith('../') || path.isAbsolute(target)) {
    return { error: `${arg}: outside the git repository ${displayPath(root, cwd)}` };
  }
  return {
    pathspec: target === '' ? undefined : target,
    match: (repoPath) => {
      if (repoPath === target) return 'explicit';
      if (target === '' || repoPath.startsWith(`${target}/`)) return ignored(target === '' ? repoPath : repoPath.slice(target.length + 1)) ? undefined : 'walked';
      return undefined;
    },
  };
}

/**
 * `diff REF [PATH...]`: every prompt and payload file the paths name, counted at REF (read with
 * git, not checked out) and in the working tree, with the same rules (recognition and the
 * project config applied to the file's real path, the same model resolution), paired by path.
 */
export async function runDiff(
  ref: string,
  args: string[],
  ctx: CommandContext,
  info: RunInfo,
): Promise<{ ok: true; result: DiffResult; code: number } | { ok: false; message: string }> {
  if (ref.startsWith('-')) return { ok: false, message: `diff: "${ref}" is not a git ref` };
  const cwd = ctx.cwd;
  const paths = args.length > 0 ? args : ['.'];
  const top = await gitRoot(cwd);
  if (!top.ok) return { ok: false, message: `diff needs a git repository: ${top.message}` };
  const root = path.resolve(top.root);

  const matchers: ArgMatcher[] = [];
  for (const arg of paths) {
    const m = argMatcher(arg, cwd, root);
    if ('error' in m) return { ok: false, message: m.error };
    matchers.push(m);
  }
  const pathspecs = matchers.some((m) => m.pathspec === undefined) ? [] : matchers.map((m) => m.pathspec!);
  const tree = await listTree(root, ref, pathspecs);
  if (!tree.ok) return { ok: false, message: `diff: cannot read "${ref}": ${tree.message}` };
  const commit = (await commitOf(root, ref)) ?? null;

  const settingsFor = ctx.session.settingsFor(ctx.flags, DEFAULT_TOOL_THRESHOLD);
  const isCandidate = (file: string) => isCandidatePath(file, settingsFor(file).pathOptions);

  // At REF: what each argument names, walked folders filtered like on disk.
  const matchedArgs = new Set<number>();
  const refEntries: { entry: TreeEntry; abs: string; explicit: boolean }[] = [];
  for (const entry of tree.entries) {
    const abs = path.join(root, entry.path);
    let how: 'explicit' | 'walked' | undefined;
    matchers.forEach((m, i) => {
      const h = m.match(entry.path);
      if (h) matchedArgs.add(i);
      if (h === 'explicit' || (h === 'walked' && how === undefined)) how = h;
    });
    if (how === undefined || (how === 'walked' && !isCandidate(abs))) continue;
    refEntries.push({ entry, abs, explicit: how === 'explicit' });
  }

  // Now: the working tree, as `count` sees it.
  const { targets, missing } = await expandPaths(paths, cwd, isCandidate);
  const unmatched = missing.filter((m) => !matchedArgs.has(paths.indexOf(m.arg)));

  const nowSources = targets.map((t) => diskSource(t.path, cwd, t.explicit));
  const small = refEntries.filter((r) => r.entry.size <= DEFAULT_MAX_BYTES);
  const blobs = await readBlobs(root, small.map((r) => r.entry.object));
  const refTexts = new Map(refEntries.flatMap(({ entry, abs }) => {
    const blob = blobs.get(entry.object);
    return blob ? [[abs, decodeUtf8(blob)] as const] : [];
  }));
  const refSources = refEntries.map(
    ({ entry, abs, explicit }): FileSource => ({
      path: abs,
      shown: displayPath(abs, cwd),
      explicit,
      read: async (maxBytes) => {
        if (entry.size > maxBytes) return { ok: false, error: tooLargeMessage(entry.size, maxBytes) };
        const decoded = refTexts.get(abs);
        if (decoded === undefined) return { ok: false, error: `cannot read ${entry.path} at ${ref}` };
        return decoded.valid ? { ok: true, text: decoded.text } : { ok: true, text: decoded.text, invalidUtf8: true };
      },
    }),
  );

  let total = nowSources.length + refSources.length;
  const pipeline = (offset: number) => ({
    counting: ctx.session.counting,
    settingsFor,
    ...(ctx.concurrency !== undefined ? { concurrency: ctx.concurrency } : {}),
    ...(ctx.onProgress ? { onProgress: (done: number) => ctx.onProgress!(offset + done, total) } : {}),
  });
  const now = await countSources(nowSources, pipeline(0));
  // A file unchanged since REF has the working tree's result: it is not parsed and analysed again.
  const nowByPath = new Map(now.map((r) => [r.source.path, r]));
  const unchanged = (s: FileSource) => {
    const text = refTexts.get(s.path)?.text;
    return text !== undefined && nowByPath.get(s.path)?.text === text;
  };
  const toCount = refSources.filter((s) => !unchanged(s));
  total = nowSources.length + toCount.length;
  const changed = await countSources(toCount, pipeline(nowSources.length));
  const counted = new Map(changed.map((r) => [r.source.path, r]));
  const before = refSources.map((s) => counted.get(s.path) ?? { ...nowByPath.get(s.path)!, source: s });

  const byPath = new Map<string, { before?: FileResult; after?: FileResult }>();
  for (const r of before) if (!('skipped' in r.report)) byPath.set(r.source.path, { before: r });
  for (const r of now) if (!('skipped' in r.report)) byPath.set(r.source.path, { ...byPath.get(r.source.path), after: r });

  const files: DiffEntry[] = [];
  const errors: DiffResult['errors'] = unmatched.map((m) => ({
    path: m.arg,
    error: `${m.problem}, neither in the working tree nor at ${ref}`,
    line: null,
    side: 'now' as const,
  }));
  for (const pair of byPath.values()) {
    const b = pair.before ? sideOf(pair.before) : null;
    const a = pair.after ? sideOf(pair.after) : null;
    if (b && 'error' in b) errors.push({ path: pair.before!.report.path, error: b.error, line: b.line, side: 'ref' });
    if (a && 'error' in a) errors.push({ path: pair.after!.report.path, error: a.error, line: a.line, side: 'now' });
    const status: DiffEntry['status'] = !b ? 'added' : !a ? 'removed' : pair.before!.text === pair.after!.text ? 'unchanged' : 'changed';
    files.push({ path: (pair.after ?? pair.before)!.report.path, status, before: b, after: a, delta: deltaOf(b, a) });
  }
  files.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));

  const sum = (side: 'before' | 'after'): DiffTotalsSide => {
    let inputTokens = 0;
    let inputUSD = 0;
    let exact = true;
    for (const f of files) {
      const s = f[side];
      if (!s || 'error' in s) continue;
      inputTokens += s.inputTokens;
      inputUSD += s.costUSD.input ?? 0;
      exact &&= s.exact;
    }
    return { inputTokens, inputUSD: roundUSD(inputUSD), exact };
  };
  const totalsBefore = sum('before');
  const totalsAfter = sum('after');
  const count = (s: DiffEntry['status']) => files.filter((f) => f.status === s).length;
  const priced = (s: DiffSide | null) => !s || 'error' in s || s.costUSD.input !== null;
  const { version, ...rest } = info;
  const result: DiffResult = {
    version,
    command: 'diff',
    ...rest,
    ref,
    commit,
    files,
    totals: {
      before: totalsBefore,
      after: totalsAfter,
      delta: { inputTokens: totalsAfter.inputTokens - totalsBefore.inputTokens, inputUSD: roundUSD(totalsAfter.inputUSD - totalsBefore.inputUSD) },
      files: { added: count('added'), removed: count('removed'), changed: count('changed'), unchanged: count('unchanged') },
      unpriced: files.filter((f) => !priced(f.before) || !priced(f.after)).length,
    },
    errors,
  };
  // Only the working tree's problems are the user's to fix now; REF's are reported.
  const code = errors.some((e) => e.side === 'now') ? 2 : 0;
  return { ok: true, result, code };
}

function sideOf(r: FileResult): DiffSide {
  const f = r.report;
  if ('error' in f) return { error: f.error, line: f.line };
  const c = f as CountedFile;
  return { model: c.model, inputTokens: c.inputTokens, exact: c.exact, source: c.source, costUSD: { input: c.costUSD.input, total: c.costUSD.total } };
}

function deltaOf(before: DiffSide | null, after: DiffSide | null): DiffEntry['delta'] {
  if ((before && 'error' in before) || (after && 'error' in after)) return { inputTokens: null, inputUSD: null };
  const tokens = (after?.inputTokens ?? 0) - (before?.inputTokens ?? 0);
  const a = after ? after.costUSD.input : 0;
  const b = before ? before.costUSD.input : 0;
  return { inputTokens: tokens, inputUSD: a === null || b === null ? null : roundUSD(a - b) };
}
