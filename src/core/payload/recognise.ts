import { describeNonFinite, nonFiniteNumbers } from './nonfinite';
import type { CountBody, Finding, Json, JsonObject, ParseResult, ParsedDocument, PayloadPart, SourceRange } from '../types';
import { lineIndexOf } from './lines';
import { propOf, type OutlineNode } from './tree';
import { isObject } from '../is-object';
import { breakpointCovers, cacheBreakpoints } from './cache-breakpoints';
import { findVolatile, locateVolatile } from './volatile';

/**
 * The minimal user message put in `body.messages` when a document has none (tools only, system
 * only, a system prompt file). Its own cost must be subtracted by the caller; `placeholder: true`
 * says so. Never mutate it: bodies get their own copy.
 */
export const PLACEHOLDER_MESSAGE: Readonly<{ role: 'user'; content: string }> = Object.freeze({ role: 'user', content: '.' });

/** A fresh copy of the placeholder, safe to hand out in a body. */
export function placeholderMessage(): JsonObject {
  return { role: PLACEHOLDER_MESSAGE.role, content: PLACEHOLDER_MESSAGE.content };
}

/** Top-level fields that go into the count request as they are. */
const BODY_FIELDS = new Set(['system', 'tools', 'tool_choice', 'thinking', 'cache_control', 'output_config', 'speed', 'mcp_servers', 'context_management']);
/** Fields of a create-message request that do not affect input tokens: stripped silently. */
const GENERATION_FIELDS = new Set(['max_tokens', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'stream', 'metadata', 'service_tier', 'inference_geo']);
/** Every top-level field we know (besides `messages`). */
const REQUEST_FIELDS = new Set([...BODY_FIELDS, ...GENERATION_FIELDS, 'model', 'betas']);
/** Tool fields that only MCP has; dropped when an MCP tool is normalised. */
const MCP_ONLY_TOOL_FIELDS = new Set(['title', 'annotations', 'outputSchema', '_meta', 'icons']);
/** Anthropic-defined tool types carry a date: `bash_20250124`, `web_search_20250305`. */
const VERSIONED_TOOL_TYPE = /^[a-z][a-z0-9_]*_\d{8}$/;

/** Own property test (never the prototype chain). */
function has(obj: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}


/** A tool definition: custom (`name` + `input_schema`/`inputSchema`) or Anthropic-defined (`type`). */
export function isToolDefinition(value: Json | undefined): boolean {
  if (!isObject(value)) return false;
  if (typeof value.name === 'string' && (isObject(value.input_schema) || isObject(value.inputSchema))) return true;
  return typeof value.type === 'string' && (VERSIONED_TOOL_TYPE.test(value.type) || value.type === 'mcp_toolset');
}

/** A non-empty array of objects of which at least one is a tool definition. */
function isToolList(value: Json | undefined): value is Json[] {
  return Array.isArray(value) && value.length > 0 && value.every(isObject) && value.some(isToolDefinition);
}

/** MCP form (`inputSchema`) to Anthropic form (`input_schema`), dropping MCP-only fields. */
function normaliseTool(tool: Json): Json {
  if (!isObject(tool) || !(has(tool, 'inputSchema'))) return tool;
  const out: JsonObject = {};
  const hasAnthropicSchema = has(tool, 'input_schema');
  for (const [key, value] of Object.entries(tool)) {
    if (MCP_ONLY_TOOL_FIELDS.has(key)) continue;
    if (key === 'inputSchema') {
      if (!hasAnthropicSchema) out.input_schema = value;
      continue;
    }
    out[key] = value;
  }
  return out;
}

function describe(value: Json | undefined): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return 'nothing';
  }
}

function quote(key: string): string {
  const short = key.length > 60 ? `${key.slice(0, 57)}...` : key;
  return '`' + short.replace(/[\r\n\t]/g, ' ') + '`';
}

/** Context shared by the builders: the original text, for anchors and line numbers. */
export interface RecogniseContext {
  text: string;
  /** Findings from the parser (YAML warnings) to carry over. */
  findings: Finding[];
}

/** From `range.start` to the end of its first line, never past `range.end`: a lens/squiggle anchor. */
function firstLine(text: string, range: SourceRange): SourceRange {
  let end = range.start;
  while (end < range.end) {
    const c = text.charCodeAt(end);
    if (c === 10 || c === 13) break;
    end++;
  }
  return { start: range.start, end: end > range.start ? end : Math.min(range.end, range.start + 1) };
}

function line1(text: string, offset: number): number {
  return lineIndexOf(text).position(offset).line + 1;
}

class Builder {
  readonly findings: Finding[];
  readonly parts: PayloadPart[] = [];
  readonly stripped: string[] = [];

  constructor(readonly ctx: RecogniseContext) {
    this.findings = [...ctx.findings];
  }

  warn(code: string, message: string, range?: SourceRange): void {
    this.findings.push(range ? { severity: 'warning', code, message, range } : { severity: 'warning', code, message });
  }

  /** Parts and findings for a list of tools; returns the normalised tools. */
  tools(tools: Json[], node: OutlineNode | undefined): Json[] {
    const fallback = node?.range ?? { start: 0, end: 0 };
    return tools.map((raw, index) => {
      const tool = normaliseTool(raw);
      const itemNode = node?.items?.[index];
      const range = itemNode?.range ?? fallback;
      const name = isObject(tool) && typeof tool.name === 'string' ? tool.name : undefined;
      const nameNode = propOf(itemNode, 'name')?.value;
      const part: PayloadPart = {
        kind: 'tool',
        index,
        label: name !== undefined ? `tool ${name}` : `tool #${index + 1}`,
        range,
        anchor: nameNode?.range ?? firstLine(this.ctx.text, range),
      };
      if (name !== undefined) part.name = name;
      this.parts.push(part);
      if (!isObject(tool)) this.warn('invalid-tool', `Tool #${index + 1} is ${describe(tool)}, not a tool definition.`, range);
      else if (!isToolDefinition(tool)) {
        const what = name !== undefined ? `Tool ${quote(name)}` : `Tool #${index + 1}`;
        const missing = typeof tool.type === 'string' && tool.type !== 'custom' ? 'is not a known tool type' : name === undefined ? 'has no `name`' : 'has no `input_schema` object';
        this.warn('invalid-tool', `${what} ${missing}; the API will likely reject it.`, part.anchor);
      }
      return tool;
    });
  }

  messages(messages: Json[], node: OutlineNode | undefined): void {
    const fallback = node?.range ?? { start: 0, end: 0 };
    messages.forEach((message, index) => {
      const range = node?.items?.[index]?.range ?? fallback;
      const role = isObject(message) ? message.role : undefined;
      const known = role === 'user' || role === 'assistant';
      this.parts.push({
        kind: 'message',
        index,
        label: known ? `${role} #${index + 1}` : `message #${index + 1}`,
        range,
        anchor: firstLine(this.ctx.text, range),
      });
      if (!isObject(message)) this.warn('invalid-message', `Message #${index + 1} is ${describe(message)}, not a message object.`, range);
      else if (role === undefined) this.warn('invalid-message', `Message #${index + 1} has no \`role\`.`, firstLine(this.ctx.text, range));
      else if (!known) {
        const hint = role === 'system' ? ' Put system prompts in the top-level `system` field.' : '';
        this.warn('invalid-message', `Message #${index + 1} has role ${typeof role === 'string' ? quote(role) : describe(role)}; only \`user\` and \`assistant\` are allowed.${hint}`, firstLine(this.ctx.text, range));
      }
    });
  }

  system(node: OutlineNode | undefined): void {
    if (!node) return;
    this.parts.push({ kind: 'system', index: 0, label: 'system', range: node.range, anchor: firstLine(this.ctx.text, node.range) });
  }

  done(kind: ParsedDocument['kind'], body: CountBody, placeholder: boolean, extra: Partial<ParsedDocument> = {}): ParseResult {
    // Parts in reading order: system, messages, tools.
    const order = { system: 0, message: 1, tool: 2 } as const;
    this.parts.sort((a, b) => order[a.kind] - order[b.kind] || a.index - b.index);
    // Infinity and NaN have no JSON form: a JSON client sends them as null, so that is what is counted.
    for (const n of nonFiniteNumbers(body as unknown as Json)) {
      this.warn('non-finite-number', `\`${n.path}\` is ${describeNonFinite(n.value)}; JSON cannot carry it, so the request is counted with null there.`);
    }
    const doc: ParsedDocument = { kind, body, stripped: this.stripped, placeholder, parts: this.parts, findings: this.findings, ...extra };
    // Content that looks generated per request, only where a breakpoint caches it (a cheap scan:
    // nothing to do without breakpoints, and nothing after the last one).
    const breakpoints = cacheBreakpoints(body);
    if (breakpoints.length > 0) {
      const spots = findVolatile(body, 50, (path) => breakpoints.some((b) => breakpointCovers(b, path)));
      if (spots.length > 0) doc.volatile = locateVolatile(spots, this.ctx.text, this.parts);
    }
    return { status: 'ok', doc };
  }
}

function skip(reason: string): ParseResult {
  return { status: 'skipped', reason };
}

/** A tool-list document: `[tools]`, `{tools}` or a JSON-RPC `tools/list` result. */
function toolsDocument(ctx: RecogniseContext, tools: Json[], node: OutlineNode | undefined): ParseResult {
  const b = new Builder(ctx);
  const normalised = b.tools(tools, node);
  return b.done('tools', { messages: [placeholderMessage()], tools: normalised }, true);
}

/**
 * Recognises a parsed JSON/YAML value as a Messages API request, a tool list or an MCP
 * `tools/list` result, and builds the parsed document; anything else is skipped.
 */
export function recogniseStructured(ctx: RecogniseContext, value: Json, root: OutlineNode | undefined): ParseResult {
  if (Array.isArray(value)) {
    if (isToolList(value)) return toolsDocument(ctx, value, root);
    return skip('a list that is not a list of tool definitions');
  }
  if (!isObject(value)) return skip('not a Messages API request, tool list or MCP tools/list result');

  const keys = Object.keys(value);
  if (has(value, 'messages')) return requestDocument(ctx, value, root, keys);

  // JSON-RPC response to tools/list.
  if (has(value, 'jsonrpc') || (has(value, 'result') && has(value, 'id'))) {
    const result = value.result;
    if (isObject(result) && isToolList(result.tools)) {
      return toolsDocument(ctx, result.tools, propOf(propOf(root, 'result')?.value, 'tools')?.value);
    }
    return skip('a JSON-RPC message that is not a tools/list result with tool definitions');
  }

  const hasSystem = has(value, 'system');
  const hasTools = has(value, 'tools');
  if (!hasSystem && !hasTools) return skip('no `messages`, `system` or `tools`: not a Messages API request or tool list');

  const otherRequestKeys = keys.filter((k) => REQUEST_FIELDS.has(k) && k !== 'system' && k !== 'tools');
  const unknownKeys = keys.filter((k) => !REQUEST_FIELDS.has(k));
  const toolsValid = hasTools && isToolList(value.tools);

  // `{ "tools": [...] }`, possibly with MCP extras such as `nextCursor`.
  if (hasTools && !hasSystem && otherRequestKeys.length === 0) {
    if (toolsValid) return toolsDocument(ctx, value.tools as Json[], propOf(root, 'tools')?.value);
    return skip('`tools` is not a list of tool definitions');
  }

  // A request without messages, e.g. `{ system, tools }`.
  const system = value.system;
  const systemOk = !hasSystem || typeof system === 'string' || (Array.isArray(system) && system.every(isObject));
  const toolsOk = !hasTools || toolsValid || (Array.isArray(value.tools) && value.tools.length === 0);
  const strong =
    toolsValid ||
    (Array.isArray(system) && system.some((b) => isObject(b) && b.type === 'text')) ||
    (typeof value.model === 'string' && /^claude/i.test(value.model)) ||
    has(value, 'max_tokens');
  if (systemOk && toolsOk && (unknownKeys.length === 0 || strong)) return requestDocument(ctx, value, root, keys);
  return skip('has `system` or `tools` but does not look like a Messages API request');
}

function requestDocument(ctx: RecogniseContext, obj: JsonObject, root: OutlineNode | undefined, keys: string[]): ParseResult {
  const text = ctx.text;
  const messagesProp = propOf(root, 'messages');
  const messages = obj.messages;
  const otherKnown = keys.some((k) => k !== 'messages' && REQUEST_FIELDS.has(k));

  if (has(obj, 'messages')) {
    if (!Array.isArray(messages)) {
      if (!otherKnown) return skip('`messages` is not a list and nothing else looks like a Messages API request');
      const range = messagesProp?.value?.range ?? messagesProp?.keyRange;
      const where = range ? ` (line ${line1(text, range.start)})` : '';
      const result: ParseResult = { status: 'error', message: `\`messages\` must be an array, but it is ${describe(messages)}${where}` };
      if (range) result.range = range;
      return result;
    }
    const chatLike = messages.some((m) => isObject(m) && typeof m.role === 'string');
    if (!chatLike && !otherKnown) return skip('`messages` does not hold chat messages and nothing else looks like a Messages API request');
  }

  const b = new Builder(ctx);
  const hasMessages = Array.isArray(messages) && messages.length > 0;
  const body: CountBody = { messages: hasMessages ? messages : [placeholderMessage()] };
  // CountBody has no index signature (and no `mcp_servers`): write the pass-through fields here.
  const bodyFields = body as unknown as Record<string, Json>;
  const extra: Partial<ParsedDocument> = {};

  // Each key once, in source order, with the range of its last occurrence.
  const props = root?.props ?? [];
  const seen = new Set<string>();
  const order: string[] = [];
  for (const p of props) {
    if (seen.has(p.key)) {
      b.warn('duplicate-key', `${quote(p.key)} appears more than once; the last one is used.`, p.keyRange);
      continue;
    }
    seen.add(p.key);
    order.push(p.key);
  }
  for (const k of keys) if (!seen.has(k)) order.push(k);

  for (const key of order) {
    const value = has(obj, key) ? obj[key] : undefined;
    if (value === undefined) continue;
    const prop = propOf(root, key);
    const valueRange = prop?.value?.range;
    if (key === 'messages') {
      if (hasMessages) b.messages(value as Json[], prop?.value);
    } else if (key === 'model') {
      if (typeof value === 'string' && value.trim() !== '') {
        extra.model = value;
        if (valueRange) extra.modelRange = valueRange;
      } else b.warn('invalid-model', `\`model\` should be a model name, but it is ${describe(value)}.`, valueRange ?? prop?.keyRange);
    } else if (BODY_FIELDS.has(key)) {
      if (key === 'tools') {
        if (Array.isArray(value)) body.tools = b.tools(value, prop?.value);
        else {
          bodyFields.tools = value;
          b.warn('invalid-tools', `\`tools\` must be an array, but it is ${describe(value)}.`, valueRange ?? prop?.keyRange);
        }
      } else {
        bodyFields[key] = value;
        if (key === 'system') {
          b.system(prop?.value);
          if (typeof value !== 'string' && !Array.isArray(value)) {
            b.warn('invalid-system', `\`system\` must be a string or a list of text blocks, but it is ${describe(value)}.`, valueRange);
          }
        }
        if (key === 'thinking' && valueRange) extra.thinkingRange = valueRange;
        if (key === 'speed') {
          if (typeof value === 'string') {
            extra.speed = value;
            if (valueRange) extra.speedRange = valueRange;
          } else b.warn('invalid-speed', `\`speed\` should be "standard" or "fast", but it is ${describe(value)}.`, valueRange ?? prop?.keyRange);
        }
      }
    } else if (key === 'betas') {
      b.stripped.push(key);
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) extra.betas = value as string[];
      else b.warn('invalid-betas', `\`betas\` should be a list of beta names, but it is ${describe(value)}.`, valueRange ?? prop?.keyRange);
    } else if (GENERATION_FIELDS.has(key)) {
      b.stripped.push(key);
      if (key === 'inference_geo') {
        if (typeof value === 'string' && value.trim() !== '') {
          extra.inferenceGeo = value.trim();
          if (valueRange) extra.inferenceGeoRange = valueRange;
        } else b.warn('invalid-inference-geo', `\`inference_geo\` should be a geography such as "us" or "global", but it is ${describe(value)}.`, valueRange ?? prop?.keyRange);
      }
      if (key === 'max_tokens') {
        if (typeof value === 'number' && Number.isInteger(value) && value > 0) {
          extra.maxTokens = value;
          if (valueRange) extra.maxTokensRange = valueRange;
        } else b.warn('invalid-max-tokens', `\`max_tokens\` should be a positive whole number, but it is ${typeof value === 'number' ? (Number.isFinite(value) ? String(value) : describeNonFinite(value)) : describe(value)}.`, valueRange);
      }
    } else {
      b.stripped.push(key);
      b.warn('unknown-field', `${quote(key)} is not a field of a count_tokens request; it is left out of the count.`, prop?.keyRange);
    }
  }
  return b.done('payload', body, !hasMessages, extra);
}
