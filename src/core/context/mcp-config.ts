/**
 * MCP server definitions from a config file: `.mcp.json` (Claude Code: `{ "mcpServers": { … } }`,
 * `${VAR}` and `${VAR:-default}` from the environment), `.vscode/mcp.json` (VS Code:
 * `{ "servers": { … }, "inputs": [ … ] }`, `${env:VAR}`, `${input:id}` and the predefined
 * variables) and a file named in settings (either shape). Each server becomes an
 * {@link McpServerDef} with the range of its key; problems (bad JSON, a server with neither
 * `command` nor `url`, an `${input:…}` not declared, an unknown `${…}`) are on their line.
 *
 * Pure TypeScript, no `vscode` import.
 */
import { canonicalHash } from '../canonical';
import { isObject } from '../is-object';
import { parseJsonc } from '../payload/json';
import { lineOf } from '../payload/lines';
import { propOf, type OutlineNode } from '../payload/tree';
import type { Json, SourceRange } from '../types';
import type { McpConfigKind, McpServerDef } from './mcp-types';
import { problemAt } from './read';
import type { ContextProblem } from './types';

/** VS Code's predefined variables an MCP config may use (`${workspaceFolder}`, …). */
const VSCODE_VARIABLES = new Set(['workspaceFolder', 'workspaceFolderBasename', 'userHome', 'pathSeparator', '/', 'cwd', 'execPath']);

/**
 * The hash of a server definition as written (the contract's `hash`): name, transport, command,
 * args, env, cwd, url, headers, canonical JSON (key order does not matter), SHA-256.
 */
export function serverHash(def: Omit<McpServerDef, 'hash' | 'configFile' | 'configKind' | 'range'>): string {
  const { name, transport, command, args, env, cwd, url, headers } = def;
  return canonicalHash({ name, transport, command, args, env, cwd, url, headers });
}

export interface McpConfigResult {
  servers: McpServerDef[];
  problems: ContextProblem[];
}

/** The servers of one config file's `text`; `kind` says which shape and placeholder syntax to expect. */
export function parseMcpConfig(text: string, file: string, kind: McpConfigKind): McpConfigResult {
  const problems: ContextProblem[] = [];
  const problem = (range: SourceRange | undefined, severity: 'error' | 'warning', code: string, message: string) => problems.push(problemAt(file, text, range, severity, code, message));
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const parsed = parseJsonc(text, start);
  if (!parsed.ok) {
    problem(parsed.failure.range ?? { start: 0, end: 0 }, 'error', 'mcp-config-syntax', `Not valid JSON: ${parsed.failure.message}. No MCP server of this file is counted.`);
    return { servers: [], problems };
  }
  const root = parsed.doc.value;
  const outline = parsed.doc.outline;
  if (!isObject(root)) {
    problem(outline?.range, 'error', 'mcp-config-shape', 'An MCP config is a JSON object with "mcpServers" (or "servers" in .vscode/mcp.json).');
    return { servers: [], problems };
  }
  // A settings file may have either shape; VS Code's uses `servers`, Claude Code's `mcpServers`.
  const vscodeShape = kind === 'vscode-mcp.json' || (kind === 'settings' && !('mcpServers' in root) && 'servers' in root);
  const key = vscodeShape ? 'servers' : 'mcpServers';
  const serversNode = propOf(outline, key);
  const servers = root[key];
  if (servers === undefined) {
    if (kind !== 'vscode-mcp.json' || !('inputs' in root)) problem(outline?.range, 'warning', 'mcp-config-empty', `No "${key}" in this file: no MCP server is configured here.`);
    return { servers: [], problems };
  }
  if (!isObject(servers)) {
    problem(serversNode?.keyRange, 'error', 'mcp-config-shape', `"${key}" must be an object of servers by name.`);
    return { servers: [], problems };
  }
  const inputs = vscodeShape ? declaredInputs(root['inputs'], propOf(outline, 'inputs')?.value, problem) : new Set<string>();

  const defs: McpServerDef[] = [];
  for (const prop of serversNode?.value?.props ?? []) {
    // The last duplicate wins, as in JSON: earlier ones are skipped.
    if (propOf(serversNode?.value, prop.key) !== prop) continue;
    const name = prop.key;
    const value = servers[name];
    const keyRange = prop.keyRange;
    if (!isObject(value)) {
      problem(keyRange, 'error', 'mcp-server-shape', `Server "${name}" must be an object with "command" (stdio) or "url" (HTTP/SSE).`);
      continue;
    }
    const node = prop.value;
    const str = (field: string): string | undefined => {
      const v = value[field];
      if (v === undefined) return undefined;
      if (typeof v === 'string') return v;
      problem(propOf(node, field)?.keyRange ?? keyRange, 'error', 'mcp-server-shape', `Server "${name}": "${field}" must be a string.`);
      return undefined;
    };
    const strings = (field: string, asArray: boolean): string[] | Record<string, string> | undefined => {
      const v = value[field];
      if (v === undefined) return undefined;
      const ok = asArray ? Array.isArray(v) && v.every((x) => typeof x === 'string') : isObject(v) && Object.values(v).every((x) => typeof x === 'string');
      if (ok) return v as string[] | Record<string, string>;
      problem(propOf(node, field)?.keyRange ?? keyRange, 'error', 'mcp-server-shape', `Server "${name}": "${field}" must be ${asArray ? 'an array of strings' : 'an object of strings'}.`);
      return undefined;
    };
    const type = str('type');
    const command = str('command');
    const url = str('url');
    let transport: McpServerDef['transport'];
    if (type !== undefined && !['stdio', 'http', 'sse', 'streamable-http'].includes(type)) {
      problem(propOf(node, 'type')?.value?.range ?? keyRange, 'error', 'mcp-server-type', `Server "${name}": unknown "type" "${type}" (stdio, http or sse).`);
      continue;
    }
    if (type === 'stdio' || (type === undefined && command !== undefined)) transport = 'stdio';
    else if (type === 'sse') transport = 'sse';
    else if (type !== undefined || url !== undefined) transport = 'http';
    else {
      problem(keyRange, 'error', 'mcp-server-incomplete', `Server "${name}" has neither "command" (a stdio server) nor "url" (an HTTP/SSE server): it cannot be started.`);
      continue;
    }
    if (transport === 'stdio' && command === undefined) {
      problem(keyRange, 'error', 'mcp-server-incomplete', `Server "${name}" is a stdio server without "command".`);
      continue;
    }
    if (transport !== 'stdio' && url === undefined) {
      problem(keyRange, 'error', 'mcp-server-incomplete', `Server "${name}" is an ${transport.toUpperCase()} server without "url".`);
      continue;
    }
    const args = strings('args', true) as string[] | undefined;
    const env = strings('env', false) as Record<string, string> | undefined;
    const headers = strings('headers', false) as Record<string, string> | undefined;
    const cwd = str('cwd');
    const fields: Omit<McpServerDef, 'hash' | 'configFile' | 'configKind' | 'range'> = {
      name,
      transport,
      ...(transport === 'stdio' ? { command: command!, ...(args ? { args } : {}), ...(env ? { env } : {}), ...(cwd !== undefined ? { cwd } : {}) } : { url: url!, ...(headers ? { headers } : {}) }),
    };
    checkPlaceholders(name, value, node, keyRange, vscodeShape, inputs, problem);
    defs.push({ ...fields, configFile: file, configKind: kind, agent: vscodeShape ? 'vscode' : 'claude-code', range: keyRange, line: lineOf(text, keyRange.start).line + 1, hash: serverHash(fields) });
  }
  return { servers: defs, problems };
}

type ProblemSink = (range: SourceRange | undefined, severity: 'error' | 'warning', code: string, message: string) => void;

/** The ids of `inputs` (VS Code), each `{ "id": … }`. */
function declaredInputs(inputs: Json | undefined, node: OutlineNode | undefined, problem: ProblemSink): Set<string> {
  const ids = new Set<string>();
  if (inputs === undefined) return ids;
  if (!Array.isArray(inputs)) {
    problem(node?.range, 'error', 'mcp-config-shape', '"inputs" must be an array of { "id", "type", … }.');
    return ids;
  }
  inputs.forEach((input, i) => {
    if (isObject(input) && typeof input['id'] === 'string') ids.add(input['id']);
    else problem(node?.items?.[i]?.range ?? node?.range, 'warning', 'mcp-config-shape', `inputs[${i}] has no "id": nothing can refer to it.`);
  });
  return ids;
}

/** Every `${…}` in the strings a server is started with, checked against the file's syntax. */
function checkPlaceholders(name: string, value: { [key: string]: Json }, node: OutlineNode | undefined, keyRange: SourceRange, vscodeShape: boolean, inputs: Set<string>, problem: ProblemSink): void {
  const visit = (v: Json | undefined, at: OutlineNode | undefined, where: string) => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(/\$\{([^}]*)\}/g)) {
        const inner = m[1]!;
        const message = placeholderProblem(inner, vscodeShape, inputs);
        if (message) problem(at?.range ?? keyRange, 'warning', message.code, `Server "${name}", ${where}: ${message.text}`);
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, at?.items?.[i] ?? at, `${where}[${i}]`));
    else if (isObject(v)) for (const [k, x] of Object.entries(v)) visit(x, propOf(at, k)?.value ?? at, `${where}.${k}`);
  };
  for (const field of ['command', 'args', 'env', 'cwd', 'url', 'headers']) visit(value[field], propOf(node, field)?.value, field);
}

function placeholderProblem(inner: string, vscodeShape: boolean, inputs: Set<string>): { code: string; text: string } | undefined {
  if (inner.startsWith('input:')) {
    const id = inner.slice('input:'.length);
    if (!vscodeShape) return { code: 'mcp-placeholder-unknown', text: `\${${inner}} is a VS Code input; Claude Code's .mcp.json has no "inputs", so it stays as written.` };
    return inputs.has(id) ? undefined : { code: 'mcp-input-undeclared', text: `\${input:${id}} is not declared in "inputs".` };
  }
  if (/^env:[A-Za-z_][A-Za-z0-9_]*$/.test(inner)) return undefined;
  if (vscodeShape) {
    if (VSCODE_VARIABLES.has(inner) || /^workspaceFolder:[^}]+$/.test(inner)) return undefined;
    return { code: 'mcp-placeholder-unknown', text: `\${${inner}} is not a form VS Code resolves here (\${env:NAME}, \${input:id}, \${workspaceFolder}, \${userHome}).` };
  }
  if (/^[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?$/.test(inner)) return undefined;
  return { code: 'mcp-placeholder-unknown', text: `\${${inner}} is not an environment variable form Claude Code expands (\${NAME} or \${NAME:-default}).` };
}
