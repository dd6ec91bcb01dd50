/**
 * The context footprint: what the sources of a workspace (see `discover.ts`) and the tools of its
 * MCP servers add to every request, on a model, counted exactly through the counting client or
 * estimated (marked so, with the reason) without one.
 *
 * How it counts. The always-loaded context is one request: every up-front text as a block of
 * `system`, every MCP tool not deferred in `tools`, under the placeholder message. Its count, less
 * the placeholder request's, is the total. Each part is counted by itself, as the marginal cost of
 * adding it to a fixed reference: a text beside a reference system block, a tool beside the tool
 * audit's reference tool (`countToolMarginals`), less the reference request. What the parts do
 * not account for (request framing, the hidden tool-use system prompt, block joins) is the
 * `framing` remainder, so the parts plus the framing equal the total exactly. Every request
 * depends only on the content it counts, so the count cache answers for everything unchanged and
 * a refresh with no change makes no API call.
 *
 * The agent's own system prompt and built-in tools are not in the workspace and are not counted.
 *
 * Pure TypeScript, no `vscode` import.
 */
import { countAdded, countToolMarginals } from '../analyze';
import type { CountingClient } from '../client/counting-client';
import { clientOf, reasonOf, type Counting } from '../counting';
import { estimateRequest } from '../estimator';
import { costOf } from '../models/cost';
import { guessTokenizer } from '../models/model-ids';
import type { ModelRegistry } from '../models/registry';
import type { ModelInfo } from '../models/types';
import { PLACEHOLDER_MESSAGE } from '../payload';
import type { CountSource, EstimateReason, Json, TokenizerFamily } from '../types';
import type { McpServerDef, McpTool, McpToolList, McpToolSource } from './mcp-types';
import type { ContextInventory, ContextProblem, ContextSource } from './types';

/** A number and whether it is exact. */
export interface Tokens {
  tokens: number;
  exact: boolean;
}

export interface SourceCount {
  source: ContextSource;
  /** What it adds to every request (0 for a source loaded only on use). */
  upFront: Tokens;
  /** What it adds when used (a skill's body, a nested CLAUDE.md); 0 when nothing is. */
  onUse: Tokens;
}

export interface ToolCount extends Tokens {
  /** The tool in the Messages API form, as counted: under the name the agent sends it by ({@link agentToolName}). */
  tool: McpTool;
  /** The tool's name as the server's `tools/list` gives it. */
  mcpName: string;
  /** `defer_loading`: not loaded up front, so not in the total. */
  deferred: boolean;
}

export interface ServerCount {
  server: McpServerDef;
  /** How the tools were had (or why not), as the MCP side answered. */
  list: McpToolList;
  /** Largest first. */
  tools: ToolCount[];
  /** The server's tools loaded up front (deferred ones left out). */
  upFront: Tokens;
  /** Its deferred tools, loaded when a tool search finds them. */
  deferred: Tokens;
}

export interface FootprintTotal extends Tokens {
  source: CountSource;
  reason?: EstimateReason;
  message?: string;
}

export interface Footprint {
  root: string;
  modelId: string;
  model: ModelInfo | undefined;
  /** Tokens of the always-loaded context; one count of the whole. */
  total: FootprintTotal;
  /** total − every up-front part: request framing, the hidden tool-use prompt, block joins. */
  framing: Tokens;
  /** Largest up-front first, then on-use ones. */
  sources: SourceCount[];
  /** Largest first; servers without a tool list last. */
  servers: ServerCount[];
  /** USD of the total as input on the model; undefined when unpriced. */
  costUSD: number | undefined;
  /** Share of the model's context window the total takes (0..1); undefined when unknown. */
  windowShare: number | undefined;
  contextWindow: number | undefined;
  problems: ContextProblem[];
}

export interface FootprintOptions {
  registry: ModelRegistry;
  /** The model to count and price on. */
  modelId: string;
  counting: Counting;
  mcp: McpToolSource;
  signal?: AbortSignal;
}

/** The reference the text parts are measured beside (as tools are beside REFERENCE_TOOL). */
const REFERENCE_BLOCK = { type: 'text', text: 'Reference.' };

const textBlock = (text: string): Json => ({ type: 'text', text });

/** A name part as a tool name may hold it: every character other than A-Z, a-z, 0-9, `_` and `-` becomes `_`. */
const nameSafe = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * Whether every number of the footprint is exact: the total, every source's up-front and on-use
 * count and every listed server's tools (servers whose tools are not known have no numbers to be
 * exact; the footprint says they are missing).
 */
export function isFullyCounted(fp: Footprint): boolean {
  return (
    fp.framing.exact &&
    fp.sources.every((s) => s.onUse.exact) &&
    fp.servers.every((s) => s.list.status !== 'ok' || (s.deferred.exact && s.tools.every((t) => t.exact)))
  );
}

/** Whether the server's config file is Claude Code's (`mcpServers`), whose tools are sent as `mcp__<server>__<tool>`. */
export function usesClaudeCodeNames(server: McpServerDef): boolean {
  return (server.agent ?? (server.configKind === 'mcp.json' ? 'claude-code' : 'vscode')) === 'claude-code';
}

/**
 * The name the agent sends a server's tool to the model by. Claude Code names an MCP tool
 * `mcp__<server>__<tool>` (its permissions and MCP docs: `mcp__puppeteer__puppeteer_navigate`),
 * so a `.mcp.json` server's tools are counted under that name, each part with any character a tool
 * name may not hold made `_`. VS Code documents no naming of MCP tools for the model: a
 * `.vscode/mcp.json` server's tools keep the server's names.
 */
export function agentToolName(server: McpServerDef, toolName: string): string {
  return usesClaudeCodeNames(server) ? `mcp__${nameSafe(server.name)}__${nameSafe(toolName)}` : toolName;
}

/** A tool as the Messages API takes it (no `defer_loading`: its own cost is what is counted). */
function apiTool(tool: McpTool): Json {
  return { name: tool.name, ...(tool.description !== undefined ? { description: tool.description } : {}), input_schema: tool.input_schema };
}

/** Counts the footprint of `inventory`. Resolves to undefined once `signal` is aborted. */
export async function computeFootprint(inventory: ContextInventory, options: FootprintOptions): Promise<Footprint | undefined> {
  const { registry, modelId, signal } = options;
  const model = registry.resolve(modelId);
  const apiModel = model?.id ?? modelId;
  const family: TokenizerFamily = model?.tokenizer ?? guessTokenizer(modelId);

  const lists = await Promise.all(
    inventory.servers.map((server) =>
      options.mcp.tools(server, signal).catch((err: unknown): McpToolList => ({ status: 'failed', message: `The MCP tool source failed: ${(err as Error)?.message ?? String(err)}` })),
    ),
  );
  if (signal?.aborted) return undefined;
  const problems = [...inventory.problems];
  lists.forEach((list, i) => {
    const server = inventory.servers[i]!;
    if (list.status === 'failed') problems.push({ file: server.configFile, range: server.range, severity: 'warning', code: 'mcp-server-failed', message: `MCP server "${server.name}": ${list.message}` });
  });

  const texts = inventory.sources.filter((s) => s.upFront !== '');
  // Each tool under the name the agent sends it by (the MCP cache keeps the server's names).
  const serverTools = lists.map((list, i) => (list.status === 'ok' ? list.tools.map((t) => ({ ...t, name: agentToolName(inventory.servers[i]!, t.name) })) : []));
  const upFrontTools = serverTools.flat().filter((t) => !t.defer_loading);
  const wholeBody = { messages: [PLACEHOLDER_MESSAGE], ...(texts.length > 0 ? { system: texts.map((s) => textBlock(s.upFront)) } : {}), ...(upFrontTools.length > 0 ? { tools: upFrontTools.map(apiTool) } : {}) };

  const client = clientOf(options.counting);
  let counted = client ? await countExactly(client, apiModel, inventory.sources, serverTools, wholeBody, signal) : undefined;
  if (signal?.aborted) return undefined;
  let total: FootprintTotal;
  if (counted && counted.whole.status === 'exact') {
    total = { tokens: counted.whole.tokens, exact: true, source: counted.whole.source };
  } else {
    const failed = counted?.whole.status === 'failed' ? counted.whole : undefined;
    const reason: EstimateReason = failed?.reason ?? reasonOf(options.counting) ?? 'offline';
    const est = estimateRequest(wholeBody, family);
    total = { tokens: Math.max(0, est.total - (est.messages[0] ?? 0)), exact: false, source: 'estimate', reason, ...(failed?.message ? { message: failed.message } : {}) };
    counted = undefined;
  }

  const estText = (text: string): Tokens => ({ tokens: text === '' ? 0 : estimateRequest({ messages: [], system: [textBlock(text)] }, family).system, exact: false });
  const estTool = (tool: McpTool): number => estimateRequest({ messages: [], tools: [apiTool(tool)] }, family).tools[0] ?? 0;

  const sources: SourceCount[] = inventory.sources.map((source, i) => ({
    source,
    upFront: counted?.texts.get(`u${i}`) ?? estText(source.upFront),
    onUse: counted?.texts.get(`o${i}`) ?? estText(source.onUse),
  }));
  let toolIndex = 0;
  const servers: ServerCount[] = inventory.servers.map((server, i) => {
    const list = lists[i]!;
    const tools: ToolCount[] = serverTools[i]!.map((tool, j) => {
      const exact = counted?.tools.get(toolIndex++);
      const mcpName = list.status === 'ok' ? list.tools[j]!.name : tool.name;
      return { tool, mcpName, deferred: tool.defer_loading === true, tokens: exact ?? estTool(tool), exact: exact !== undefined };
    });
    tools.sort((a, b) => b.tokens - a.tokens);
    const sum = (ts: ToolCount[]): Tokens => ({ tokens: ts.reduce((n, t) => n + t.tokens, 0), exact: ts.every((t) => t.exact) });
    return { server, list, tools, upFront: sum(tools.filter((t) => !t.deferred)), deferred: sum(tools.filter((t) => t.deferred)) };
  });

  const parts = [...sources.map((s) => s.upFront), ...servers.map((s) => s.upFront)];
  const framing: Tokens = { tokens: total.tokens - parts.reduce((n, p) => n + p.tokens, 0), exact: total.exact && parts.every((p) => p.exact) };

  sources.sort((a, b) => b.upFront.tokens - a.upFront.tokens || b.onUse.tokens - a.onUse.tokens);
  servers.sort((a, b) => rank(a) - rank(b) || b.upFront.tokens - a.upFront.tokens);
  const cost = model ? costOf(model, { inputTokens: total.tokens }).input : undefined;
  const contextWindow = model?.contextWindow;
  return {
    root: inventory.root,
    modelId,
    model,
    total,
    framing,
    sources,
    servers,
    costUSD: cost,
    windowShare: contextWindow ? total.tokens / contextWindow : undefined,
    contextWindow,
    problems,
  };
}

const rank = (s: ServerCount) => (s.list.status === 'ok' ? 0 : 1);

interface Exact {
  whole: Awaited<ReturnType<typeof countAdded>>;
  /** `u<i>` / `o<i>`: source i's up-front / on-use text, when counted exactly. */
  texts: Map<string, Tokens>;
  /** By index into every server's tools in order, when counted exactly. */
  tools: Map<number, number>;
}

/**
 * The exact counts: the whole (one request), each text beside the reference block, each tool
 * beside the reference tool. Parts that could not be counted are left out (then estimated).
 */
async function countExactly(client: CountingClient, model: string, sources: ContextSource[], serverTools: McpTool[][], wholeBody: { messages: Json[]; system?: Json; tools?: Json[] }, signal?: AbortSignal): Promise<Exact | undefined> {
  const whole = await countAdded(client, model, wholeBody, true, signal);
  if (whole.status === 'cancelled') return undefined;
  const texts = new Map<string, Tokens>();
  if (whole.status === 'failed') return { whole, texts, tools: new Map() };
  const base = { model, messages: [PLACEHOLDER_MESSAGE] };
  const textJobs = sources.flatMap((s, i) => [
    ...(s.upFront !== '' ? [{ key: `u${i}`, text: s.upFront }] : []),
    ...(s.onUse !== '' ? [{ key: `o${i}`, text: s.onUse }] : []),
  ]);
  const [reference, toolCounts] = await Promise.all([
    textJobs.length > 0 ? client.count({ ...base, system: [REFERENCE_BLOCK] }, signal) : undefined,
    countToolMarginals(client, model, serverTools.flat().map(apiTool), signal),
  ]);
  if (reference?.status === 'cancelled' || toolCounts === undefined) return undefined;
  if (reference?.status === 'exact') {
    const results = await Promise.all(textJobs.map((job) => client.count({ ...base, system: [REFERENCE_BLOCK, textBlock(job.text)] }, signal)));
    if (results.some((r) => r.status === 'cancelled')) return undefined;
    results.forEach((r, i) => {
      if (r.status === 'exact') texts.set(textJobs[i]!.key, { tokens: Math.max(0, r.tokens - reference.tokens), exact: true });
    });
  }
  // Empty texts are exactly nothing.
  sources.forEach((s, i) => {
    if (s.upFront === '') texts.set(`u${i}`, { tokens: 0, exact: true });
    if (s.onUse === '') texts.set(`o${i}`, { tokens: 0, exact: true });
  });
  return { whole, texts, tools: toolCounts };
}
