/**
 * Placeholders in a server definition, resolved just before the server starts:
 *
 * - `${env:NAME}` (VS Code's `mcp.json`) and `${NAME}` / `${NAME:-default}` (Claude Code's
 *   `.mcp.json`): the environment variable;
 * - `${input:id}`: asked through the front end's callback (the editor's input box, the CLI's
 *   `TOKEN_LENS_MCP_INPUT_<ID>` variable);
 * - `${workspaceFolder}` and other named variables the front end passes.
 *
 * A placeholder that cannot be resolved is a failure naming it and where it was, never an empty
 * string. Messages name placeholders and fields, never a value (values may be tokens).
 *
 * A Claude Code `.mcp.json` (configKind `mcp.json`) gets what Claude Code expands there, `${NAME}`
 * and `${NAME:-default}`; any other `${…}` (`${input:…}`, `${env:…}`) is passed as written, as the
 * agent would (the footprint's config parser warns about it on its line). VS Code's `mcp.json` and
 * a settings file get every form above.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { McpServerDef } from '../context/mcp-types';

/** Answers an `${input:id}`; undefined when the user gave none (cancelled, variable not set). */
export type ResolveInput = ((id: string, server: McpServerDef) => Promise<string | undefined>) & {
  /** Where a value for `id` would come from, for the failure message ("set TOKEN_LENS_MCP_INPUT_X"). */
  hint?: (id: string) => string;
};

export interface PlaceholderContext {
  /** The environment `${env:X}` and `${X}` read (default: process.env). */
  env?: NodeJS.ProcessEnv;
  resolveInput?: ResolveInput;
  /** `${workspaceFolder}` and the like. */
  variables?: Record<string, string>;
}

/** The parts of a definition that may hold placeholders, resolved. */
export interface ResolvedServer {
  command?: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
  url?: string;
  headers: Record<string, string>;
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; message: string };

const PLACEHOLDER = /\$\{([^}]*)\}/g;

class Unresolved extends Error {}

/** Resolves every placeholder of a definition; the first that cannot be resolved fails it. */
export async function resolveServer(def: McpServerDef, context: PlaceholderContext = {}): Promise<Resolved<ResolvedServer>> {
  const env = context.env ?? process.env;
  const inputs = new Map<string, string>();
  const claudeShape = def.configKind === 'mcp.json';
  const folder = context.variables?.workspaceFolder;
  const variables: Record<string, string> = {
    userHome: os.homedir(),
    pathSeparator: path.sep,
    '/': path.sep,
    execPath: process.execPath,
    ...(folder ? { workspaceFolderBasename: path.basename(folder), cwd: folder } : {}),
    ...context.variables,
  };

  async function resolve(text: string, where: string): Promise<string> {
    const names = [...text.matchAll(PLACEHOLDER)];
    if (names.length === 0) return text;
    const values: string[] = [];
    for (const match of names) values.push(await valueOf(match[1]!.trim(), where));
    let i = 0;
    return text.replace(PLACEHOLDER, () => values[i++]!);
  }

  async function valueOf(body: string, where: string): Promise<string> {
    const fail = (what: string): never => {
      throw new Unresolved(`MCP server '${def.name}': ${what} in ${where} is not resolved.`);
    };
    if (claudeShape && !/^[A-Za-z_][A-Za-z0-9_]*(?::-.*)?$/s.test(body)) return `\${${body}}`;
    if (body.startsWith('env:')) {
      const name = body.slice(4);
      const value = env[name];
      return value !== undefined ? value : fail(`\${env:${name}} (environment variable ${name} is not set)`);
    }
    if (body.startsWith('input:')) {
      const id = body.slice(6);
      const known = inputs.get(id);
      if (known !== undefined) return known;
      const value = context.resolveInput ? await context.resolveInput(id, def) : undefined;
      if (value === undefined) {
        const hint = context.resolveInput?.hint?.(id);
        return fail(`\${input:${id}} (no value was given for input '${id}'${hint ? `; ${hint}` : ''})`);
      }
      inputs.set(id, value);
      return value;
    }
    const named = claudeShape ? undefined : variables[body];
    if (named !== undefined) return named;
    // Claude Code's `${VAR}` and `${VAR:-default}`.
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(body);
    if (m) {
      const value = env[m[1]!];
      if (value !== undefined && value !== '') return value;
      if (m[2] !== undefined) return m[2];
      if (value !== undefined) return value;
      return fail(`\${${body}} (environment variable ${m[1]} is not set)`);
    }
    return fail(`\${${body}} (unknown variable)`);
  }

  try {
    const args: string[] = [];
    for (const [i, arg] of (def.args ?? []).entries()) args.push(await resolve(arg, `args[${i}]`));
    const envOut: Record<string, string> = {};
    for (const [key, value] of Object.entries(def.env ?? {})) envOut[key] = await resolve(value, `env ${key}`);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(def.headers ?? {})) headers[key] = await resolve(value, `header ${key}`);
    return {
      ok: true,
      value: {
        command: def.command === undefined ? undefined : await resolve(def.command, 'command'),
        args,
        cwd: def.cwd === undefined ? undefined : await resolve(def.cwd, 'cwd'),
        env: envOut,
        url: def.url === undefined ? undefined : await resolve(def.url, 'url'),
        headers,
      },
    };
  } catch (err) {
    if (err instanceof Unresolved) return { ok: false, message: err.message };
    return { ok: false, message: `MCP server '${def.name}': resolving its placeholders failed (${(err as Error).message}).` };
  }
}

/** The `${input:id}` ids a definition uses, in order of appearance, each once. */
export function inputIdsOf(def: McpServerDef): string[] {
  const texts = [def.command, def.cwd, def.url, ...(def.args ?? []), ...Object.values(def.env ?? {}), ...Object.values(def.headers ?? {})];
  const ids = new Set<string>();
  for (const text of texts) {
    for (const m of (text ?? '').matchAll(PLACEHOLDER)) {
      const body = m[1]!.trim();
      if (body.startsWith('input:')) ids.add(body.slice(6));
    }
  }
  return [...ids];
}
