import type { CountBody, Json } from './types';
import { isObject } from './is-object';

/** Something in a request that count_tokens refuses to count. */
export interface UncountableItem {
  /** Where it is, e.g. `messages[2].content[1]`, `tools[4]`, `mcp_servers`. */
  path: string;
  /** What it is, in words: "image with a url source", "server tool web_search_20250305". */
  what: string;
  /** Index of the message or tool it sits in, for pointing at it in the source. */
  messageIndex?: number;
  toolIndex?: number;
}

export interface CountableSplit {
  /** The body with every uncountable item taken out; identical to the input when there are none. */
  countable: CountBody;
  removed: UncountableItem[];
}

/** The total of a request counted exactly but for what count_tokens refused: an estimate, and why. */
export interface PartlyCounted {
  tokens: number;
  exact: false;
  source: 'estimate';
  reason: 'uncountable-content';
  message: string;
}

/**
 * `counted` tokens from the API plus `uncounted` estimated for the `removed` content: the one
 * place the sentence "Counted exactly except …" is written.
 */
export function partlyCounted(counted: number, removed: readonly UncountableItem[], uncounted: number): PartlyCounted {
  return {
    tokens: counted + uncounted,
    exact: false,
    source: 'estimate',
    reason: 'uncountable-content',
    message: `Counted exactly except ${removed.map((r) => r.what).join(', ')} (about ${uncounted} tokens, estimated).`,
  };
}

const SERVER_TOOL_PREFIXES = ['web_search_', 'web_fetch_', 'code_execution_', 'tool_search_', 'mcp_toolset'];


/** A server tool (run by Anthropic), which count_tokens rejects. */
export function serverToolType(tool: Json | undefined): string | undefined {
  if (!isObject(tool) || typeof tool.type !== 'string') return undefined;
  const type = tool.type;
  return SERVER_TOOL_PREFIXES.some((p) => type.startsWith(p)) ? type : undefined;
}

/** An image or document block whose source is a URL or an uploaded file, which count_tokens rejects. */
function remoteSourceType(block: Json | undefined): string | undefined {
  if (!isObject(block) || (block.type !== 'image' && block.type !== 'document')) return undefined;
  const source = block.source;
  if (isObject(source) && (source.type === 'url' || source.type === 'file')) return `${block.type} with a ${source.type} source`;
  return undefined;
}

/**
 * Takes out of a request what count_tokens cannot count (server tools, the MCP connector, and
 * image or document blocks with url/file sources, also inside tool results), so the rest can be
 * counted exactly and the removed part estimated. Input is never modified.
 */
export function splitUncountable(body: CountBody): CountableSplit {
  const removed: UncountableItem[] = [];
  let changed = false;
  const countable: CountBody = { ...body };

  if (Array.isArray(body.tools)) {
    const tools = body.tools.filter((tool, toolIndex) => {
      const type = serverToolType(tool);
      if (type) removed.push({ path: `tools[${toolIndex}]`, what: `server tool ${type}`, toolIndex });
      return !type;
    });
    if (tools.length !== body.tools.length) {
      changed = true;
      if (tools.length > 0) countable.tools = tools;
      else {
        delete countable.tools;
        delete countable.tool_choice;
      }
    }
  }

  if (body.mcp_servers !== undefined) {
    removed.push({ path: 'mcp_servers', what: 'MCP connector servers' });
    delete countable.mcp_servers;
    changed = true;
  }

  if (Array.isArray(body.messages)) {
    const messages = body.messages.map((message, messageIndex) => {
      if (!isObject(message) || !Array.isArray(message.content)) return message;
      const content = stripBlocks(message.content, `messages[${messageIndex}].content`, messageIndex, removed);
      if (content === message.content) return message;
      changed = true;
      // An emptied message keeps its turn with a one-character stand-in.
      return { ...message, content: content.length > 0 ? content : '.' };
    });
    if (changed) countable.messages = messages;
  }

  return { countable: changed ? countable : body, removed };
}

function stripBlocks(blocks: Json[], path: string, messageIndex: number, removed: UncountableItem[]): Json[] {
  let out: Json[] | undefined;
  blocks.forEach((block, i) => {
    const what = remoteSourceType(block);
    let kept: Json | undefined = block;
    if (what) {
      removed.push({ path: `${path}[${i}]`, what, messageIndex });
      kept = undefined;
    } else if (isObject(block) && block.type === 'tool_result' && Array.isArray(block.content)) {
      const inner = stripBlocks(block.content, `${path}[${i}].content`, messageIndex, removed);
      if (inner !== block.content) kept = { ...block, content: inner };
    }
    if (kept !== block && !out) out = blocks.slice(0, i);
    if (out && kept !== undefined) out.push(kept);
  });
  return out ?? blocks;
}
