/**
 * The project configuration: limits and file rules kept in the repository, so that the CLI
 * (`token-lens check`) in CI and the editor's diagnostics apply the same budgets.
 *
 * Where it lives: `.tokenlens.json` or the `tokenLens` key of a `package.json`, in the folder of
 * the file being checked or any folder above it, up to the git root (the folder holding `.git`)
 * or the filesystem root. The nearest folder that has either wins; in one folder `.tokenlens.json`
 * wins over `package.json`. A `package.json` without a `tokenLens` key is passed over.
 *
 * Schema (every key optional; `.tokenlens.json` may hold comments and trailing commas):
 *
 *     {
 *       "budget": 8000,                  // input tokens allowed per request
 *       "budgetUSD": { "input": 0.05, "worstCase": 0.5, "per1000": 20 },  // or 0.05: input USD per request
 *       "speed": "fast",                 // price files that do not say at fast mode
 *       "inferenceGeo": "us",            // ... and with data residency (1.1x)
 *       "maxToolTokens": 500,            // tokens allowed per tool definition
 *       "maxContextTokens": 20000,       // the agent context loaded before the user types
 *       "maxServerTokens": 8000,         // one MCP server's tools, up front
 *       "model": "claude-sonnet-4-6",    // model for files that name none
 *       "include": ["prompts/**"],       // only these files are counted (default: all)
 *       "exclude": ["**\/fixtures/**"],  // never counted; wins over include
 *       "promptGlobs": ["**\/*.tmpl"],   // more files read as prompts (besides the built-in rules)
 *       "overrides": [
 *         { "files": "prompts/agents/**", "budget": 20000, "maxToolTokens": 800, "budgetUSD": 0.2 },
 *         { "files": ["legacy/**"], "budget": null }   // null: no limit for these files
 *       ]
 *     }
 *
 * Globs are picomatch globs (dot files included) matched against the path relative to the folder
 * of the config file, with `/` separators; a glob without a `/` matches the file name in any
 * folder (`*.prompt.md`). Overrides are applied in order over the top-level values, so for each
 * of `budget`, `maxToolTokens` and `model` the LAST matching override that sets it wins.
 *
 * How to use it, once per file (the editor does the same as the CLI):
 *
 *     const file = await findProjectConfig(path.dirname(documentPath));
 *     const { config, findings } = file ? await loadProjectConfig(file) : { config: undefined, findings: [] };
 *     // show `findings` (they name the file and the problem); then for each document:
 *     const limits = limitsFor(config, documentPath);          // { budget?, maxToolTokens?, model? }
 *     const rules = pathOptionsFor(config, documentPath);      // merge into parseDocument's options
 *
 * `limitsFor` and `pathOptionsFor` take a path relative to the config's folder or an absolute
 * path; they are pure and cheap (globs are compiled once per config). What wins over the file
 * (`--budget` and friends on the command line) is the caller's to apply; a limit the file does
 * not set is absent from the result, so the caller's own default (a user setting) applies.
 * Nothing here throws for a bad file: problems come back as findings.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseTree, findNodeAtLocation, getNodeValue, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import picomatch from 'picomatch';
import type { PathOptions } from '../payload/paths';

/** The file name of a project configuration. */
export const CONFIG_FILE_NAME = '.tokenlens.json';
/** The key of a project configuration inside `package.json`. */
export const PACKAGE_JSON_KEY = 'tokenLens';

/** Limits for the files one override's globs match. `null` removes a limit set above it. */
export interface LimitOverride {
  /** Globs, relative to the config's folder. */
  files: string[];
  budget?: number | null;
  maxToolTokens?: number | null;
  model?: string | null;
  budgetUSD?: BudgetUSD | null;
  speed?: string | null;
  inferenceGeo?: string | null;
}

/**
 * Dollar budgets: `input` USD per request, `worstCase` USD per request with `max_tokens` of
 * output, `per1000` input USD per 1,000 requests. A plain number in the file means `input`.
 */
export interface BudgetUSD {
  input?: number;
  worstCase?: number;
  per1000?: number;
}

/** The keys of a dollar budget object. */
export const BUDGET_USD_KEYS = ['input', 'worstCase', 'per1000'] as const;

/**
 * A dollar budget as written in a config file or setting: a positive number (input USD per
 * request) or an object of positive numbers under {@link BUDGET_USD_KEYS}. Undefined when invalid
 * or empty.
 */
export function readBudgetUSD(value: unknown): BudgetUSD | undefined {
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n > 0;
  if (ok(value)) return { input: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: BudgetUSD = {};
  for (const [k, v] of Object.entries(value)) {
    if (!(BUDGET_USD_KEYS as readonly string[]).includes(k) || !ok(v)) return undefined;
    out[k as keyof BudgetUSD] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

const BUDGET_USD_SHAPE = 'a positive number (input USD per request) or { "input", "worstCase", "per1000" } of positive USD amounts';

/** A project configuration as read and validated. Invalid values are left out (and reported). */
export interface ProjectConfig {
  /** Absolute path of the file it came from. */
  file: string;
  /** The folder globs are relative to: that of `file`. */
  root: string;
  source: 'tokenlens.json' | 'package.json';
  budget?: number;
  maxToolTokens?: number;
  /** Tokens the workspace's always-loaded agent context may take (`token-lens check`). */
  maxContextTokens?: number;
  /** Tokens one MCP server's tools may take up front (`token-lens check`). */
  maxServerTokens?: number;
  model?: string;
  budgetUSD?: BudgetUSD;
  speed?: string;
  inferenceGeo?: string;
  include?: string[];
  exclude?: string[];
  promptGlobs?: string[];
  overrides: LimitOverride[];
}

/** A problem with a config file: always names the file, and the line where there is one. */
export interface ConfigFinding {
  severity: 'error' | 'warning';
  file: string;
  /** 1-based. */
  line?: number;
  message: string;
}

export interface LoadedProjectConfig {
  /** Undefined when the file could not be read or is not a JSON object. */
  config: ProjectConfig | undefined;
  findings: ConfigFinding[];
}

/** Limits for one file. Absent: no limit (and, for `model`, the usual default). */
export interface FileLimits {
  budget?: number;
  maxToolTokens?: number;
  model?: string;
  budgetUSD?: BudgetUSD;
  speed?: string;
  inferenceGeo?: string;
  /** Where each limit came from, for messages: `".tokenlens.json"` or `".tokenlens.json overrides[1] (prompts/agents/**)"`. */
  from: { budget?: string; maxToolTokens?: string; model?: string; budgetUSD?: string; speed?: string; inferenceGeo?: string };
}

/** The keys {@link limitsFor} resolves, top level then overrides. */
const LIMIT_KEYS = ['budget', 'maxToolTokens', 'model', 'budgetUSD', 'speed', 'inferenceGeo'] as const;

const TOP_LEVEL_KEYS = ['$schema', 'budget', 'maxToolTokens', 'maxContextTokens', 'maxServerTokens', 'model', 'budgetUSD', 'speed', 'inferenceGeo', 'include', 'exclude', 'promptGlobs', 'overrides'] as const;
const OVERRIDE_KEYS = ['files', 'budget', 'maxToolTokens', 'model', 'budgetUSD', 'speed', 'inferenceGeo'] as const;

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * The project config that applies to files in `startDir`: the nearest `.tokenlens.json`, or
 * `package.json` with a `tokenLens` key, in `startDir` or above, not above the git root.
 * Resolves to its absolute path, or undefined. Never rejects.
 */
export async function findProjectConfig(startDir: string): Promise<string | undefined> {
  let dir = path.resolve(startDir);
  for (;;) {
    const own = path.join(dir, CONFIG_FILE_NAME);
    if (await exists(own)) return own;
    const pkg = path.join(dir, 'package.json');
    if (await packageJsonHasKey(pkg)) return pkg;
    if (await exists(path.join(dir, '.git'))) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function packageJsonHasKey(file: string): Promise<boolean> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return false;
  }
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true });
  if (tree && tree.type === 'object' && errors.length === 0) return findNodeAtLocation(tree, [PACKAGE_JSON_KEY]) !== undefined;
  // An unreadable package.json that mentions the key: load it, to report the problem.
  return text.includes(`"${PACKAGE_JSON_KEY}"`);
}

/** Reads and validates a config file (`.tokenlens.json`, or `package.json` for its `tokenLens` key). Never rejects. */
export async function loadProjectConfig(file: string): Promise<LoadedProjectConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await fs.readFile(abs, 'utf8');
  } catch (err) {
    return { config: undefined, findings: [{ severity: 'error', file: abs, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }] };
  }
  return parseProjectConfig(abs, text);
}

const PARSE_ERRORS: Record<number, string> = {
  1: 'invalid symbol',
  2: 'invalid number',
  3: 'property name expected',
  4: 'value expected',
  5: 'colon expected',
  6: 'comma expected',
  7: 'closing brace expected',
  8: 'closing bracket expected',
  9: 'end of file expected',
  10: 'invalid comment',
  11: 'unexpected end of comment',
  12: 'unexpected end of string',
  13: 'unexpected end of number',
  14: 'invalid unicode escape',
  15: 'invalid escape character',
  16: 'invalid character',
};

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) line++;
  }
  return line;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** How a config file is named in messages: `.tokenlens.json`, or `package.json "tokenLens"`. */
function configLabel(file: string): string {
  const base = path.basename(file);
  return base === 'package.json' ? `${base} "${PACKAGE_JSON_KEY}"` : base;
}

/**
 * Validates the text of a config file (pure; `file` is only for messages and `root`). For a
 * `package.json` (by name) the `tokenLens` key is read. Each invalid value is reported and left
 * out; the rest still applies.
 */
export function parseProjectConfig(file: string, text: string): LoadedProjectConfig {
  const abs = path.resolve(file);
  const findings: ConfigFinding[] = [];
  const isPackage = path.basename(abs) === 'package.json';
  const shown = configLabel(abs);
  const errors: ParseError[] = [];
  const body = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  const tree = parseTree(body, errors, { allowTrailingComma: true, disallowComments: isPackage });
  if (errors.length > 0 || !tree) {
    const e = errors[0];
    const where = e ? lineAt(body, e.offset) : 1;
    return { config: undefined, findings: [{ severity: 'error', file: abs, line: where, message: `invalid JSON at line ${where}: ${e ? (PARSE_ERRORS[e.error] ?? 'syntax error') : 'empty file'}` }] };
  }
  const node = isPackage ? findNodeAtLocation(tree, [PACKAGE_JSON_KEY]) : tree;
  if (!node) return { config: undefined, findings: [] };
  const at = (n: JsonNode | undefined) => (n ? lineAt(body, n.offset) : undefined);
  const problem = (n: JsonNode | undefined, message: string) => {
    const line = at(n);
    findings.push({ severity: 'error', file: abs, ...(line !== undefined ? { line } : {}), message });
  };
  if (node.type !== 'object') {
    problem(node, `${shown} must be an object, not ${describe(getNodeValue(node))}`);
    return { config: undefined, findings };
  }

  const config: ProjectConfig = { file: abs, root: path.dirname(abs), source: isPackage ? 'package.json' : 'tokenlens.json', overrides: [] };
  const props = objectProps(node);

  for (const [key, keyNode, valueNode] of props) {
    const value = valueNode ? getNodeValue(valueNode) : undefined;
    const name = `"${key}"`;
    switch (key) {
      case '$schema':
        break;
      case 'budget':
      case 'maxToolTokens':
      case 'maxContextTokens':
      case 'maxServerTokens': {
        const n = positiveInt(value);
        if (n === undefined) problem(valueNode, `${name} must be a positive whole number of tokens, not ${describe(value)}`);
        else config[key] = n;
        break;
      }
      case 'model':
        if (typeof value !== 'string' || value.trim() === '') problem(valueNode, `${name} must be a model id such as "claude-sonnet-4-6", not ${describe(value)}`);
        else config.model = value.trim();
        break;
      case 'budgetUSD': {
        const b = readBudgetUSD(value);
        if (b === undefined) problem(valueNode, `${name} must be ${BUDGET_USD_SHAPE}, not ${describe(value)}`);
        else config.budgetUSD = b;
        break;
      }
      case 'speed':
        if (value !== 'standard' && value !== 'fast') problem(valueNode, `${name} must be "standard" or "fast", not ${describe(value)}`);
        else config.speed = value;
        break;
      case 'inferenceGeo':
        if (typeof value !== 'string' || value.trim() === '') problem(valueNode, `${name} must be an inference_geo value such as "us" or "global", not ${describe(value)}`);
        else config.inferenceGeo = value.trim();
        break;
      case 'include':
      case 'exclude':
      case 'promptGlobs': {
        const globs = globList(value);
        if (globs === undefined) problem(valueNode, `${name} must be a glob or a list of globs, not ${describe(value)}`);
        else config[key] = globs;
        break;
      }
      case 'overrides':
        if (!Array.isArray(value)) {
          problem(valueNode, `${name} must be a list of { "files": ..., "budget": ..., "maxToolTokens": ... } objects, not ${describe(value)}`);
          break;
        }
        (valueNode?.children ?? []).forEach((child, i) => {
          const o = parseOverride(child, `overrides[${i}]`, problem);
          if (o) config.overrides.push(o);
        });
        break;
      default:
        problem(keyNode, `unknown key "${key}" (known: ${TOP_LEVEL_KEYS.filter((k) => k !== '$schema').join(', ')})`);
    }
  }
  return { config, findings };
}

function objectProps(node: JsonNode): [string, JsonNode, JsonNode | undefined][] {
  const out: [string, JsonNode, JsonNode | undefined][] = [];
  for (const prop of node.children ?? []) {
    const [k, v] = prop.children ?? [];
    if (k && typeof k.value === 'string') out.push([k.value, k, v]);
  }
  return out;
}

function parseOverride(node: JsonNode, where: string, problem: (n: JsonNode | undefined, message: string) => void): LimitOverride | undefined {
  if (node.type !== 'object') {
    problem(node, `${where} must be an object with "files" and limits, not ${describe(getNodeValue(node))}`);
    return undefined;
  }
  const out: Partial<LimitOverride> = {};
  let ok = true;
  for (const [key, keyNode, valueNode] of objectProps(node)) {
    const value = valueNode ? getNodeValue(valueNode) : undefined;
    switch (key) {
      case 'files': {
        const globs = globList(value);
        if (globs === undefined) {
          problem(valueNode, `${where}.files must be a glob or a list of globs, not ${describe(value)}`);
          ok = false;
        } else out.files = globs;
        break;
      }
      case 'budget':
      case 'maxToolTokens': {
        if (value === null) {
          out[key] = null;
          break;
        }
        const n = positiveInt(value);
        if (n === undefined) problem(valueNode, `${where}.${key} must be a positive whole number of tokens, or null for no limit, not ${describe(value)}`);
        else out[key] = n;
        break;
      }
      case 'model':
        if (value === null) out.model = null;
        else if (typeof value !== 'string' || value.trim() === '') problem(valueNode, `${where}.model must be a model id, not ${describe(value)}`);
        else out.model = value.trim();
        break;
      case 'budgetUSD': {
        if (value === null) {
          out.budgetUSD = null;
          break;
        }
        const b = readBudgetUSD(value);
        if (b === undefined) problem(valueNode, `${where}.budgetUSD must be ${BUDGET_USD_SHAPE}, or null for no limit, not ${describe(value)}`);
        else out.budgetUSD = b;
        break;
      }
      case 'speed':
        if (value === null) out.speed = null;
        else if (value !== 'standard' && value !== 'fast') problem(valueNode, `${where}.speed must be "standard" or "fast", not ${describe(value)}`);
        else out.speed = value;
        break;
      case 'inferenceGeo':
        if (value === null) out.inferenceGeo = null;
        else if (typeof value !== 'string' || value.trim() === '') problem(valueNode, `${where}.inferenceGeo must be an inference_geo value such as "us", not ${describe(value)}`);
        else out.inferenceGeo = value.trim();
        break;
      default:
        problem(keyNode, `unknown key "${key}" in ${where} (known: ${OVERRIDE_KEYS.join(', ')})`);
    }
  }
  if (out.files === undefined) {
    if (ok) problem(node, `${where} needs "files": the globs it applies to`);
    return undefined;
  }
  return out as LimitOverride;
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** A glob or list of globs, trimmed, without a leading `./`; undefined when invalid or empty. */
function globList(value: unknown): string[] | undefined {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string') return undefined;
    let glob = item.trim().replace(/\\/g, '/');
    while (glob.startsWith('./')) glob = glob.slice(2);
    if (glob === '') return undefined;
    out.push(glob);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Matching

type Matcher = (relativePath: string) => boolean;

/** A glob matcher: globs with a `/` match the whole relative path; others the file name. */
function compile(globs: string[]): Matcher {
  const matchers = globs.map((glob) => {
    let m: (p: string) => boolean;
    try {
      m = picomatch(glob, { dot: true, windows: false });
    } catch {
      return () => false;
    }
    return glob.includes('/') ? m : (p: string) => m(p.slice(p.lastIndexOf('/') + 1));
  });
  return (p) => matchers.some((m) => m(p));
}

interface Compiled {
  include: Matcher | undefined;
  exclude: Matcher | undefined;
  prompt: Matcher | undefined;
  overrides: Matcher[];
}

const compiled = new WeakMap<ProjectConfig, Compiled>();

function compiledOf(config: ProjectConfig): Compiled {
  let c = compiled.get(config);
  if (!c) {
    c = {
      include: config.include ? compile(config.include) : undefined,
      exclude: config.exclude ? compile(config.exclude) : undefined,
      prompt: config.promptGlobs ? compile(config.promptGlobs) : undefined,
      overrides: config.overrides.map((o) => compile(o.files)),
    };
    compiled.set(config, c);
  }
  return c;
}

/**
 * `file` relative to the config's folder, with `/` separators. An absolute path is made
 * relative; a relative one is taken as relative to the config's folder already. Undefined for a
 * file outside the folder (then no glob matches it).
 */
export function projectRelativePath(config: ProjectConfig, file: string): string | undefined {
  const rel = path.isAbsolute(file) ? path.relative(config.root, file) : file;
  let p = rel.replace(/\\/g, '/');
  while (p.startsWith('./')) p = p.slice(2);
  if (p === '' || p === '..' || p.startsWith('../') || path.isAbsolute(p)) return undefined;
  return p;
}

/**
 * The limits and model for one file: the top-level values, then each override whose globs match,
 * in order (the last matching override that sets a value wins; `null` removes a limit). A file
 * outside the config's folder gets the top-level values. `config` undefined: no limits.
 */
/** The context limits of a project config (`maxContextTokens`, `maxServerTokens`; top level only), with where they came from. */
export function contextLimitsOf(config: ProjectConfig | undefined): { maxContextTokens?: number; maxServerTokens?: number; from: { maxContextTokens?: string; maxServerTokens?: string } } {
  const limits: ReturnType<typeof contextLimitsOf> = { from: {} };
  if (!config) return limits;
  for (const key of ['maxContextTokens', 'maxServerTokens'] as const) {
    if (config[key] === undefined) continue;
    limits[key] = config[key];
    limits.from[key] = configLabel(config.file);
  }
  return limits;
}

export function limitsFor(config: ProjectConfig | undefined, file: string): FileLimits {
  const limits: FileLimits = { from: {} };
  if (!config) return limits;
  const name = configLabel(config.file);
  if (config.budget !== undefined) {
    limits.budget = config.budget;
    limits.from.budget = name;
  }
  if (config.maxToolTokens !== undefined) {
    limits.maxToolTokens = config.maxToolTokens;
    limits.from.maxToolTokens = name;
  }
  if (config.model !== undefined) {
    limits.model = config.model;
    limits.from.model = name;
  }
  for (const key of ['budgetUSD', 'speed', 'inferenceGeo'] as const) {
    if (config[key] === undefined) continue;
    (limits as unknown as Record<string, unknown>)[key] = config[key];
    limits.from[key] = name;
  }
  const rel = projectRelativePath(config, file);
  if (rel === undefined) return limits;
  const { overrides } = compiledOf(config);
  config.overrides.forEach((o, i) => {
    if (!overrides[i]!(rel)) return;
    const from = `${name} overrides[${i}] (${o.files.join(', ')})`;
    for (const key of LIMIT_KEYS) {
      const value = o[key];
      if (value === undefined) continue;
      if (value === null) {
        delete limits[key];
        delete limits.from[key];
      } else {
        (limits as unknown as Record<string, unknown>)[key] = value;
        limits.from[key] = from;
      }
    }
  });
  return limits;
}

/**
 * The project's file rules for one file, as `parseDocument`/`isCandidatePath` options: excluded
 * (by `exclude`, or by not matching `include`) or read as a prompt (by `promptGlobs`). Merge with
 * the editor's own globs. A file outside the config's folder gets no rules.
 */
export function pathOptionsFor(config: ProjectConfig | undefined, file: string): PathOptions {
  if (!config) return {};
  const rel = projectRelativePath(config, file);
  if (rel === undefined) return {};
  const c = compiledOf(config);
  if ((c.exclude && c.exclude(rel)) || (c.include && !c.include(rel))) return { excludeGlobs: ['**'] };
  if (c.prompt && c.prompt(rel)) return { promptGlobs: ['**'] };
  return {};
}

/** Whether the config sets any limit, at the top or in an override (the context limits included). */
export function hasLimits(config: ProjectConfig | undefined): boolean {
  if (!config) return false;
  if (config.maxContextTokens !== undefined || config.maxServerTokens !== undefined) return true;
  return hasFileLimits(config);
}

/** Whether the config sets a limit on files (a token or dollar budget, or per tool), at the top or in an override. */
export function hasFileLimits(config: ProjectConfig | undefined): boolean {
  if (!config) return false;
  if (config.budget !== undefined || config.maxToolTokens !== undefined || config.budgetUSD !== undefined) return true;
  return config.overrides.some((o) => typeof o.budget === 'number' || typeof o.maxToolTokens === 'number' || (typeof o.budgetUSD === 'object' && o.budgetUSD !== null));
}
