/**
 * Offline estimate of a whole count_tokens request, broken down the way the editor shows it.
 *
 * Every figure here is an estimate. Measured facts (Anthropic docs, shared/reference): a single
 * user message costs its text plus 7 framing tokens on `claude-4` and 11 on `claude-4.7`; the
 * documented example system "You are a scientist" + user "Hello, Claude" = 14 on `claude-4` leaves
 * no room for system framing (4 + 3 text tokens + 7); a request with tools adds a hidden tool-use
 * system prompt of 346 tokens (tool_choice auto/none/absent) or 313 (any/tool) on `claude-4`;
 * Anthropic-defined tools cost bash 245, text editor 700, computer use 735 per definition.
 * Everything else is an assumption named where it is defined below.
 *
 * `body` is whatever the user's file holds: every access is guarded and the function never throws.
 */

import type { CountBody, Json, TokenizerFamily } from '../types';
import { serverToolType } from '../uncountable';
import { estimateJsonTokens } from './json';
import { imageDimensionsFromBase64, imageTokens, unknownImageTokens } from './image';
import { pdfPageCount, pdfPageTokens } from './pdf';
import { estimateTextTokens } from './text';

/** Per-part token estimate of a request. `total` is the sum of the parts. */
export interface EstimateBreakdown {
  total: number;
  /** System prompt content (no separate framing: see {@link FRAMING}). */
  system: number;
  /** Per message: its content plus its per-message framing. */
  messages: number[];
  /** Per tool: its definition plus a per-tool overhead. */
  tools: number[];
  /** The hidden tool-use system prompt, once per request with tools; 0 without tools. */
  toolOverhead: number;
  /** Fixed request framing (the per-message part is inside `messages`). */
  framing: number;
  /** Image tokens, already included in `messages`/`system`; reported apart. */
  images: number;
  /** Document (PDF, text document) tokens, already included in `messages`/`system`; reported apart. */
  documents: number;
  /** Assumptions and guesses that affected this estimate, one sentence each. */
  notes: string[];
}

/**
 * Framing per family. Measured: one user message totals 7 (`claude-4`) or 11 (`claude-4.7`).
 * ASSUMPTION for the split: each message carries a role header (like `\n\nHuman:`, 3 tokens) and
 * the request a fixed part (the closing assistant prompt and start token, 4 tokens) on `claude-4`;
 * the 4 extra tokens of `claude-4.7` are split about evenly (5 per message, 6 fixed). The system
 * prompt adds no framing of its own (derived from the documented 14-token example).
 */
export const FRAMING: Record<TokenizerFamily, { fixed: number; perMessage: number; system: number }> = {
  'claude-4': { fixed: 4, perMessage: 3, system: 0 },
  'claude-4.7': { fixed: 6, perMessage: 5, system: 0 },
};

/**
 * Ratio applied to the `claude-4` tool-use system prompt to guess its size on `claude-4.7`, where
 * it is unmeasured. ASSUMPTION: the prompt is English instructions around JSON/XML fragments;
 * `claude-4.7` spends 1.37-1.59× on English and ~1.1× on JSON, so 1.25 sits between the two.
 */
export const TOOL_PROMPT_RATIO_47 = 1.25;

/** Hidden tool-use system prompt per family: `auto` for tool_choice auto/none/absent, `forced` for any/tool. */
export const TOOL_SYSTEM_PROMPT: Record<TokenizerFamily, { auto: number; forced: number }> = {
  'claude-4': { auto: 346, forced: 313 },
  'claude-4.7': { auto: Math.round(346 * TOOL_PROMPT_RATIO_47), forced: Math.round(313 * TOOL_PROMPT_RATIO_47) },
};

/**
 * Anthropic-defined (client) tools: documented total cost per definition on the 4.x family, by
 * `type` prefix; scaled by {@link TOOL_PROMPT_RATIO_47} on `claude-4.7`.
 */
export const ANTHROPIC_TOOL_TOKENS: ReadonlyArray<readonly [prefix: string, tokens: number]> = [
  ['bash_', 245],
  ['text_editor_', 700],
  ['computer_', 735],
];


/** ASSUMPTION: per-tool overhead around each definition in the hidden prompt (wrapper and separator). */
export const TOOL_DEFINITION_TOKENS = 2;
/** ASSUMPTION: wrapper tokens of a `tool_use` block around its name and JSON input. */
export const TOOL_USE_BLOCK_TOKENS = 10;
/** ASSUMPTION: wrapper tokens of a `tool_result` block around its content. */
export const TOOL_RESULT_BLOCK_TOKENS = 6;
/** ASSUMPTION: pages assumed for a document whose bytes we cannot see (url/file source). */
export const UNKNOWN_DOCUMENT_PAGES = 1;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Running totals and notes shared by the walk over one request. */
class Walk {
  images = 0;
  documents = 0;
  readonly notes = new Set<string>();
  constructor(readonly family: TokenizerFamily) {}

  text(v: unknown): number {
    return typeof v === 'string' ? estimateTextTokens(v, this.family) : this.json(v);
  }

  json(v: unknown): number {
    return v === undefined ? 0 : estimateJsonTokens(v, this.family);
  }

  /** A message's or tool result's `content`: a string or a list of blocks. */
  content(content: unknown, currentTurn: boolean): number {
    if (typeof content === 'string') return estimateTextTokens(content, this.family);
    if (Array.isArray(content)) {
      let t = 0;
      for (const block of content) t += this.block(block, currentTurn);
      return t;
    }
    return this.json(content);
  }

  block(block: unknown, currentTurn: boolean): number {
    if (typeof block === 'string') return estimateTextTokens(block, this.family);
    if (!isObj(block)) return this.json(block);
    switch (block.type) {
      case 'text':
        return this.text(block.text);
      case 'image':
        return this.image(block.source);
      case 'document':
        return this.document(block);
      case 'tool_use':
      case 'server_tool_use':
        return TOOL_USE_BLOCK_TOKENS + this.text(block.name) + this.json(block.input);
      case 'tool_result':
        return TOOL_RESULT_BLOCK_TOKENS + (block.content === undefined ? 0 : this.content(block.content, currentTurn));
      case 'thinking':
        // Thinking from previous assistant turns is not counted; in the current turn it is.
        return currentTurn ? this.text(block.thinking) : 0;
      case 'redacted_thinking':
        return currentTurn ? this.text(block.data) : 0;
      default:
        // search_result, web_search_tool_result, container_upload, unknown types: their JSON.
        return this.json(block);
    }
  }

  image(source: unknown): number {
    const s = isObj(source) ? source : {};
    let t: number;
    if (s.type === 'base64' && typeof s.data === 'string') {
      const dims = imageDimensionsFromBase64(s.data);
      if (dims) {
        t = imageTokens(dims.width, dims.height, this.family);
      } else {
        t = unknownImageTokens(this.family);
        this.notes.add(`An image's base64 data could not be read; assumed the maximum of ${t} tokens.`);
      }
    } else {
      t = unknownImageTokens(this.family);
      const kind = typeof s.type === 'string' ? s.type : 'unknown';
      this.notes.add(
        `An image with a ${kind} source is assumed to cost the maximum of ${t} tokens; count_tokens cannot count url or file images (send base64).`,
      );
    }
    this.images += t;
    return t;
  }

  document(block: Obj): number {
    const s = isObj(block.source) ? block.source : {};
    let t = 0;
    if (s.type === 'base64' && typeof s.data === 'string') {
      const pages = pdfPageCount(s.data);
      const perPage = pdfPageTokens(this.family);
      if (pages !== undefined) {
        t = pages * perPage;
      } else {
        t = perPage;
        this.notes.add(`A base64 document's pages could not be counted; assumed 1 page (${perPage} tokens).`);
      }
    } else if (s.type === 'text') {
      t = this.text(s.data);
    } else if (s.type === 'content') {
      t = this.content(s.content, false);
    } else {
      t = UNKNOWN_DOCUMENT_PAGES * pdfPageTokens(this.family);
      const kind = typeof s.type === 'string' ? s.type : 'unknown';
      this.notes.add(
        `A document with a ${kind} source is assumed to be ${UNKNOWN_DOCUMENT_PAGES} page (${t} tokens); count_tokens cannot count url or file documents (send base64).`,
      );
    }
    if (block.title !== undefined) t += this.text(block.title);
    if (block.context !== undefined) t += this.text(block.context);
    this.documents += t;
    return t;
  }

  tool(tool: unknown): number {
    if (!isObj(tool)) return TOOL_DEFINITION_TOKENS + this.json(tool);
    const type = str(tool.type);
    if (type !== undefined && type !== 'custom') {
      for (const [prefix, tokens] of ANTHROPIC_TOOL_TOKENS) {
        if (type.startsWith(prefix)) return this.family === 'claude-4' ? tokens : Math.round(tokens * TOOL_PROMPT_RATIO_47);
      }
      // Server tools, which count_tokens rejects: estimated as their JSON, with a note.
      if (serverToolType(tool as Json) !== undefined) {
        this.notes.add(`Server tool ${type} is estimated from its definition only; count_tokens rejects server tools.`);
      }
    }
    // The definition as the API sees it: name, description, input_schema (and any other fields),
    // without the cache breakpoint and type marker.
    const def: Obj = {};
    for (const k of Object.keys(tool)) if (k !== 'cache_control' && k !== 'type') def[k] = tool[k];
    return TOOL_DEFINITION_TOKENS + this.json(def);
  }
}

/** Empty breakdown: the fixed framing only. */
function emptyBreakdown(family: TokenizerFamily, note: string): EstimateBreakdown {
  const framing = (FRAMING[family] ?? FRAMING['claude-4']).fixed;
  return { total: framing, system: 0, messages: [], tools: [], toolOverhead: 0, framing, images: 0, documents: 0, notes: [note] };
}

/**
 * Estimates the input tokens of a count_tokens request body for `family`, broken down by part.
 * `messages[i]` covers message i's content and framing, `tools[i]` tool i's definition; images and
 * documents are included in their message (or the system prompt) and also reported apart.
 * `total = system + Σ messages + Σ tools + toolOverhead + framing`. Never throws.
 */
export function estimateRequest(body: CountBody, family: TokenizerFamily): EstimateBreakdown {
  const fam: TokenizerFamily = FRAMING[family] ? family : 'claude-4';
  try {
    const b: Obj = isObj(body) ? (body as unknown as Obj) : {};
    const frame = FRAMING[fam];
    const w = new Walk(fam);

    // System prompt: a string or text blocks.
    let system = 0;
    if (b.system !== undefined && b.system !== null) {
      system = frame.system + (typeof b.system === 'string' || Array.isArray(b.system) ? w.content(b.system, false) : w.json(b.system));
    }

    // Messages. Thinking counts only in the current (final, assistant) turn.
    const messages: number[] = [];
    const list = Array.isArray(b.messages) ? b.messages : [];
    if (b.messages !== undefined && !Array.isArray(b.messages)) w.notes.add('The request has no messages list; estimated without messages.');
    const lastIndex = list.length - 1;
    list.forEach((m, i) => {
      if (!isObj(m)) {
        messages.push(frame.perMessage + w.json(m));
        return;
      }
      const currentTurn = i === lastIndex && m.role === 'assistant';
      messages.push(frame.perMessage + (m.content === undefined ? 0 : w.content(m.content, currentTurn)));
    });

    // Tools and the hidden tool-use prompt.
    const tools: number[] = [];
    const toolList = Array.isArray(b.tools) ? b.tools : [];
    for (const t of toolList) tools.push(w.tool(t));
    let toolOverhead = 0;
    if (toolList.length > 0) {
      const choice = isObj(b.tool_choice) ? b.tool_choice.type : undefined;
      const forced = choice === 'any' || choice === 'tool';
      toolOverhead = TOOL_SYSTEM_PROMPT[fam][forced ? 'forced' : 'auto'];
      if (fam !== 'claude-4') {
        w.notes.add(
          `The tool-use system prompt of ${fam} is unmeasured; assumed ${toolOverhead} tokens (${TOOL_PROMPT_RATIO_47}× the claude-4 figure).`,
        );
      }
    }

    const framing = frame.fixed;
    let total = system + toolOverhead + framing;
    for (const m of messages) total += m;
    for (const t of tools) total += t;
    return { total, system, messages, tools, toolOverhead, framing, images: w.images, documents: w.documents, notes: [...w.notes] };
  } catch {
    // Unreachable for JSON input; a last guard so the editor never loses its estimate to a throw.
    try {
      const framing = FRAMING[fam].fixed;
      const rest = estimateJsonTokens(body, fam);
      return {
        total: framing + rest,
        system: 0,
        messages: [rest],
        tools: [],
        toolOverhead: 0,
        framing,
        images: 0,
        documents: 0,
        notes: ['The request could not be broken down; estimated as JSON text.'],
      };
    } catch {
      return emptyBreakdown(fam, 'The request could not be estimated.');
    }
  }
}
