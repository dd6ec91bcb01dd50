/**
 * Finds what an agent (Claude Code) loads from a workspace before the user types: project memory
 * with its imports, nested memory (on demand), skills, subagents and slash commands (their names
 * and descriptions up front, the rest on use), and the MCP servers of `.mcp.json`,
 * `.vscode/mcp.json` and the config files named in settings.
 *
 * What is loaded up front, per the Claude Code docs (memory, skills, subagents, slash commands):
 * memory files whole, with their imports; a skill's front-matter `name` and `description`; a
 * subagent's `name` and `description`; a slash command's `description` (commands without one are
 * not offered to the model).
 *
 * Pure TypeScript, no `vscode` import. Never throws: unreadable files are problems.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { walkFolder } from '../fs/walk';
import { isObject } from '../is-object';
import { lineOf } from '../payload/lines';
import { splitFrontMatter } from '../payload/prompt';
import { propOf } from '../payload/tree';
import { parseYaml } from '../payload/yaml';
import type { SourceRange } from '../types';
import { parseMcpConfig } from './mcp-config';
import type { McpConfigKind } from './mcp-types';
import { resolveImports } from './memory';
import { problemAt, textReader, type ReadText } from './read';
import type { ContextInventory, ContextProblem, ContextSource, SourceKind } from './types';

export interface DiscoverOptions {
  /** The home folder for `@~/…` imports (default: the user's). */
  home?: string;
  /** More MCP config files (absolute, or relative to the root), from settings or `--mcp-config`. */
  mcpConfigFiles?: string[];
  /** Folder names never walked into for nested `CLAUDE.md` files. */
  ignoreDirs?: ReadonlySet<string>;
  read?: ReadText;
}

/** Memory files loaded at start, in Claude Code's order. */
const MEMORY_FILES = ['CLAUDE.md', '.claude/CLAUDE.md', 'CLAUDE.local.md', '.claude/CLAUDE.local.md'];

const DEFAULT_IGNORED = new Set(['node_modules', '.git', 'dist', 'out', '.vscode-test', 'coverage']);

/** The source globs, relative to a workspace root (for file watchers). */
export const CONTEXT_GLOBS = ['**/CLAUDE.md', '**/CLAUDE.local.md', '.claude/**/*.md', '.mcp.json', '.vscode/mcp.json'];

export async function discoverContext(root: string, options: DiscoverOptions = {}): Promise<ContextInventory> {
  const read = options.read ?? textReader();
  const home = options.home ?? os.homedir();
  const rel = (file: string) => path.relative(root, file).split(path.sep).join('/');
  const sources: ContextSource[] = [];
  const problems: ContextProblem[] = [];

  // Project memory and its imports.
  const seen = new Set<string>();
  for (const name of MEMORY_FILES) {
    const file = path.join(root, name);
    const got = await readIfThere(read, file, problems);
    if (got === undefined) continue;
    const id = `memory:${rel(file)}`;
    seen.add(file);
    sources.push({ id, kind: 'memory', name: rel(file), file, line: 1, upFront: got, onUse: '' });
    const imported = await resolveImports(file, got, { read, home, seen });
    problems.push(...imported.problems);
    const ids = new Map<string, string>([[file, id]]);
    for (const f of imported.files) {
      const shown = f.file.startsWith(root + path.sep) ? rel(f.file) : f.file.startsWith(home + path.sep) ? `~/${path.relative(home, f.file).split(path.sep).join('/')}` : f.file;
      const importId = `import:${shown}`;
      ids.set(f.file, importId);
      const line = lineOf(f.from.text, f.from.range.start).line + 1;
      sources.push({ id: importId, kind: 'import', name: shown, file: f.file, line: 1, depth: f.depth, importedFrom: { id: ids.get(f.from.file) ?? id, file: f.from.file, range: f.from.range, line }, upFront: f.text, onUse: '' });
    }
  }

  // Nested CLAUDE.md files: loaded when the agent reads files in their folder.
  const walked = await walkFolder(root, { ignoreDirs: options.ignoreDirs ?? DEFAULT_IGNORED });
  for (const file of walked.files) {
    const base = path.basename(file);
    if ((base !== 'CLAUDE.md' && base !== 'CLAUDE.local.md') || MEMORY_FILES.includes(rel(file))) continue;
    const got = await readIfThere(read, file, problems);
    if (got !== undefined) sources.push({ id: `nested-memory:${rel(file)}`, kind: 'nested-memory', name: rel(file), file, line: 1, upFront: '', onUse: got });
  }

  // Skills, subagents, slash commands.
  const claudeDir = path.join(root, '.claude');
  const under = (dir: string) => walked.files.filter((f) => f.startsWith(path.join(claudeDir, dir) + path.sep));
  for (const file of under('skills')) {
    const parts = rel(file).split('/');
    if (parts.length !== 4 || parts[3] !== 'SKILL.md') continue;
    await addItem('skill', file, parts[2]!, read, sources, problems, rel);
  }
  for (const file of under('agents')) {
    if (file.endsWith('.md') && path.dirname(file) === path.join(claudeDir, 'agents')) await addItem('agent', file, path.basename(file, '.md'), read, sources, problems, rel);
  }
  for (const file of under('commands')) {
    if (file.endsWith('.md')) await addItem('command', file, path.basename(file, '.md'), read, sources, problems, rel);
  }

  // MCP servers.
  const configs = mcpConfigFiles(root, options.mcpConfigFiles ?? [], home);
  const servers = [];
  const configFiles: string[] = [];
  for (const config of configs) {
    if (configFiles.includes(config.file)) continue;
    const got = await read(config.file);
    if (!got.ok) {
      if (got.problem !== 'missing' || config.required) problems.push({ file: config.file, severity: 'error', code: 'mcp-config-unreadable', message: `MCP config ${got.problem === 'missing' ? 'does not exist' : `cannot be read: ${got.message}`}.` });
      continue;
    }
    configFiles.push(config.file);
    const parsed = parseMcpConfig(got.text, config.file, config.kind);
    servers.push(...parsed.servers);
    problems.push(...parsed.problems);
  }
  for (const w of walked.problems) if (w.path.startsWith(claudeDir)) problems.push({ file: w.path, severity: 'warning', code: 'context-unreadable', message: w.problem });

  return { root, sources, servers, configFiles, problems };
}

async function readIfThere(read: ReadText, file: string, problems: ContextProblem[]): Promise<string | undefined> {
  const got = await read(file);
  if (got.ok) return got.text;
  if (got.problem !== 'missing') problems.push({ file, severity: 'warning', code: 'context-unreadable', message: `Cannot be loaded: ${got.message}.` });
  return undefined;
}

/** A skill, subagent or command: its front matter's name and description up front, the body on use. */
async function addItem(kind: SourceKind, file: string, fallbackName: string, read: ReadText, sources: ContextSource[], problems: ContextProblem[], rel: (f: string) => string): Promise<void> {
  const text = await readIfThere(read, file, problems);
  if (text === undefined) return;
  const split = splitFrontMatter(text, 0);
  let name = fallbackName;
  let description: string | undefined;
  let range: SourceRange | undefined;
  let unreadable = false;
  if (split.yaml) {
    const parsed = parseYaml(text, split.yaml.start, split.yaml.end);
    if (!parsed.ok) {
      unreadable = true;
      problems.push(problemAt(file, text, parsed.failure.range ?? split.yaml, 'warning', 'front-matter-syntax', `The front matter is not valid YAML (${parsed.failure.message}): its name and description cannot be read.`));
    } else if (isObject(parsed.doc.value)) {
      const fm = parsed.doc.value;
      if (kind !== 'command' && typeof fm['name'] === 'string' && fm['name'].trim() !== '') {
        name = fm['name'].trim();
        range = propOf(parsed.doc.outline, 'name')?.keyRange;
      }
      if (typeof fm['description'] === 'string' && fm['description'].trim() !== '') {
        description = fm['description'].trim();
        range ??= propOf(parsed.doc.outline, 'description')?.keyRange;
      }
    }
  }
  const body = text.slice(split.bodyStart);
  const shownName = kind === 'command' ? `/${name}` : name;
  if (description === undefined && kind !== 'command' && !unreadable) {
    problems.push(problemAt(file, text, split.yaml ?? { start: 0, end: 0 }, 'warning', `${kind}-no-description`, `The ${kind === 'skill' ? 'skill' : 'subagent'} has no "description" in its front matter: the agent cannot tell when to use it.`));
  }
  // Commands without a description are not listed to the model (only typed by the user).
  const upFront = description === undefined ? (kind === 'command' ? '' : name) : kind === 'command' ? `/${name}: ${description}` : `${name}: ${description}`;
  sources.push({ id: `${kind}:${rel(file)}`, kind, name: shownName, file, ...(range ? { range } : {}), line: range ? lineOf(text, range.start).line + 1 : 1, upFront, onUse: body });
}

/**
 * The MCP config files of a workspace folder, in the order they are read: `.mcp.json`,
 * `.vscode/mcp.json`, then the ones the user named (relative to the folder, `~/` expanded), which
 * must exist.
 */
export function mcpConfigFiles(root: string, named: readonly string[], home = os.homedir()): { file: string; kind: McpConfigKind; required: boolean }[] {
  return [
    { file: path.join(root, '.mcp.json'), kind: 'mcp.json', required: false },
    { file: path.join(root, '.vscode', 'mcp.json'), kind: 'vscode-mcp.json', required: false },
    ...named.map((f) => ({ file: path.resolve(root, f.startsWith('~/') ? path.join(home, f.slice(2)) : f), kind: 'settings' as const, required: true })),
  ];
}
