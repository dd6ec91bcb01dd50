import picomatch from 'picomatch';

/** User-configurable path rules. */
export interface PathOptions {
  /** Extra globs for prompt files (picomatch, `dot: true`). */
  promptGlobs?: string[];
  /** Globs of files never to analyse; they win over everything else. */
  excludeGlobs?: string[];
}

/** How a path is to be read. */
export type PathClass =
  | { kind: 'structured'; format: 'json' | 'yaml' }
  | { kind: 'prompt' }
  | { kind: 'none'; reason: string };

const JSON_EXTENSIONS = new Set(['json', 'jsonc']);
const YAML_EXTENSIONS = new Set(['yaml', 'yml']);
const TEXT_EXTENSIONS = new Set(['md', 'mdx', 'txt']);

/** Well-known configuration files that are never request payloads (lower-case). */
const WELL_KNOWN_CONFIGS = new Set(['package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'composer.json']);
const WELL_KNOWN_CONFIG_PATTERN = /^(?:tsconfig|jsconfig)(?:\..*)?\.json$/;

/** Forward slashes, no leading `./`. */
export function normalisePath(path: string): string {
  let p = path.replace(/\\/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  return p;
}

function extensionOf(base: string): string {
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

/** Built-in prompt-file rules; `segments` is the normalised path split on `/`. */
function isBuiltInPrompt(segments: string[]): boolean {
  const base = segments[segments.length - 1] ?? '';
  const lower = base.toLowerCase();
  if (lower.endsWith('.prompt.md') || lower.endsWith('.prompt.txt')) return true;
  if (lower === 'claude.md' || lower === 'claude.local.md' || lower === 'agents.md' || lower === 'skill.md') return true;
  const ext = extensionOf(base);
  if (!TEXT_EXTENSIONS.has(ext)) return false;
  const dirs = segments.slice(0, -1).map((s) => s.toLowerCase());
  if (dirs.includes('prompts')) return true;
  if (ext !== 'md') return false;
  const n = dirs.length;
  // .claude/agents/*.md
  if (n >= 2 && dirs[n - 1] === 'agents' && dirs[n - 2] === '.claude') return true;
  // .claude/commands/**/*.md
  for (let i = 0; i + 1 < n; i++) if (dirs[i] === '.claude' && dirs[i + 1] === 'commands') return true;
  return false;
}

type Matcher = (candidate: string) => boolean;
const matcherCache = new Map<string, Matcher | undefined>();

function compile(globs: readonly string[] | undefined): Matcher | undefined {
  if (!globs || globs.length === 0) return undefined;
  const key = globs.join('\u0000');
  if (matcherCache.has(key)) return matcherCache.get(key);
  const matchers: Matcher[] = [];
  for (const raw of globs) {
    if (typeof raw !== 'string') continue;
    let glob = raw.trim();
    while (glob.startsWith('./')) glob = glob.slice(2);
    if (glob === '') continue;
    try {
      matchers.push(picomatch(glob, { dot: true, windows: false }));
    } catch {
      // An invalid glob matches nothing.
    }
  }
  const matcher: Matcher | undefined = matchers.length === 0 ? undefined : (c) => matchers.some((m) => m(c));
  if (matcherCache.size > 64) matcherCache.clear();
  matcherCache.set(key, matcher);
  return matcher;
}

/**
 * Whether a glob matches the path. The path may be absolute or relative to an unknown root, so
 * every tail of it is tried: `b.md`, `a/b.md`, `src/a/b.md`, then the whole path. A glob without a
 * slash therefore matches on the basename, and `prompts/*.md` matches `/any/where/prompts/x.md`.
 */
function matchesTail(matcher: Matcher, segments: string[], whole: string): boolean {
  for (let i = segments.length - 1; i >= 0; i--) {
    const tail = segments.slice(i).join('/');
    if (tail !== '' && matcher(tail)) return true;
  }
  return matcher(whole);
}

/** Classifies a path without looking at its content. */
export function classifyPath(path: string, options: PathOptions = {}): PathClass {
  const whole = normalisePath(typeof path === 'string' ? path : '');
  const segments = whole.split('/');
  const base = segments[segments.length - 1] ?? '';
  if (base === '') return { kind: 'none', reason: 'not a file path' };

  const exclude = compile(options.excludeGlobs);
  if (exclude && matchesTail(exclude, segments, whole)) return { kind: 'none', reason: 'excluded by a configured glob' };

  const ext = extensionOf(base);
  if (JSON_EXTENSIONS.has(ext) || YAML_EXTENSIONS.has(ext)) {
    const lower = base.toLowerCase();
    if (WELL_KNOWN_CONFIGS.has(lower) || WELL_KNOWN_CONFIG_PATTERN.test(lower)) {
      return { kind: 'none', reason: `${base} is a well-known configuration file, not a request payload` };
    }
    return { kind: 'structured', format: JSON_EXTENSIONS.has(ext) ? 'json' : 'yaml' };
  }
  if (isBuiltInPrompt(segments)) return { kind: 'prompt' };
  const prompt = compile(options.promptGlobs);
  if (prompt && matchesTail(prompt, segments, whole)) return { kind: 'prompt' };
  return { kind: 'none', reason: 'not a prompt, payload or tool-list file' };
}

/**
 * Cheap check, without reading the file, whether a path could hold a prompt or payload: a prompt
 * file by name or location (or a configured prompt glob), or a `.json`/`.jsonc`/`.yaml`/`.yml`
 * file. Excluded globs and well-known config files (package.json, tsconfig*.json, ...) are not.
 */
export function isCandidatePath(path: string, options?: PathOptions): boolean {
  try {
    return classifyPath(path, options).kind !== 'none';
  } catch {
    return false;
  }
}
