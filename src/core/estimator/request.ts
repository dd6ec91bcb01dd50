/**
 * Offline estimate of a whole count_tokens request, broken down the way the editor shows it.
 *
 * Every figure here is an estimate. The per-model numbers (framing, the hidden tool-use system
 * prompt by tool_choice, the hidden prompts of thinking, structured output and task budgets, the
 * image and PDF constants) live in models.json's `estimator` section with their sources and are
 * read through `model-params.ts`; the notes say which were added and from which model's or
 * generation's measurements. Documented facts kept here: Anthropic-defined tools cost bash 245,
 * text editor 700, computer use 735 per definition (Claude 4.0); the system prompt adds no framing
 * of its own (system "You are a scientist" + user "Hello, Claude" = 14 on Claude 3.5-4.0).
 *
 * `body` is whatever the user's file holds: every access is guarded and the function never throws.
 */

import type { CountBody, Json, TokenizerFamily } from '../types';
import { serverToolType } from '../uncountable';
import { estimateJsonTokens } from './json';
import { imageDimensionsFromBase64, imageTokens, unknownImageTokens } from './image';
import { familyOfGeneration, generationOf, modelParams, type Generation, type ModelParams } from './model-params';
import { pdfContent } from './pdf';
import { estimateTextTokens } from './text';
import { isObject } from '../is-object';

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
  /**
   * Hidden prompts other than the tool-use one that the request's settings add once: thinking
   * (enabled/adaptive), structured output (`output_config.format`, with its schema), task budget.
   */
  hiddenPrompts: number;
  /** What the estimate was built from: counts of the parts the per-model constants multiply. */
  basis: EstimateBasis;
  /** Image tokens, already included in `messages`/`system`; reported apart. */
  images: number;
  /** Document (PDF, text document) tokens, already included in `messages`/`system`; reported apart. */
  documents: number;
  /** Assumptions and guesses that affected this estimate, one sentence each. */
  notes: string[];
}

/** Counts behind an estimate, one per per-model constant (used to fit the constants). */
export interface EstimateBasis {
  /** The generation and model whose numbers were used. */
  generation: Generation;
  model: string | undefined;
  messages: number;
  toolChoice: 'auto' | 'forced' | undefined;
  thinking: 'enabled' | 'adaptive' | undefined;
  outputFormat: boolean;
  taskBudget: boolean;
  images: number;
  pdfPages: number;
  documents: number;
  toolUses: number;
  toolResults: number;
  /** The last message is the assistant's (a prefill). */
  prefill: boolean;
}

/**
 * Framing per family of the families' reference models (Opus 4.6, Opus 4.7); per-model values in
 * models.json (`estimator`), read by {@link modelParams}. Measured: one user message totals 7 (`claude-4`) or 11 (`claude-4.7`).
 * ASSUMPTION for the split: each message carries a role header (like `\n\nHuman:`, 3 tokens) and
 * the request a fixed part (the closing assistant prompt and start token, 4 tokens) on `claude-4`;
 * the 4 extra tokens of `claude-4.7` are split about evenly (5 per message, 6 fixed). The system
 * prompt adds no framing of its own (derived from the documented 14-token example).
 */
export const FRAMING: Record<TokenizerFamily, { fixed: number; perMessage: number; system: number }> = {
  get 'claude-4'() {
    return familyFraming('claude-4');
  },
  get 'claude-4.7'() {
    return familyFraming('claude-4.7');
  },
};

function familyFraming(family: TokenizerFamily): { fixed: number; perMessage: number; system: number } {
  const p = modelParams(undefined, family);
  return { fixed: p.framingFixed, perMessage: p.framingPerMessage, system: 0 };
}

/**
 * Hidden tool-use system prompt of the families' reference models (Opus 4.6, Opus 4.7): `auto` for
 * tool_choice auto/none/absent, `forced` for any/tool. Per-model values: {@link modelParams}.
 */
export const TOOL_SYSTEM_PROMPT: Record<TokenizerFamily, { auto: number; forced: number }> = {
  get 'claude-4'() {
    const p = modelParams(undefined, 'claude-4');
    return { auto: p.toolPromptAuto, forced: p.toolPromptForced };
  },
  get 'claude-4.7'() {
    const p = modelParams(undefined, 'claude-4.7');
    return { auto: p.toolPromptAuto, forced: p.toolPromptForced };
  },
};

/**
 * Anthropic-defined (client) tools: documented total cost per definition on Claude 4.0, by `type`
 * prefix; scaled by the model's `anthropicToolScale` (models.json).
 */
export const ANTHROPIC_TOOL_TOKENS: ReadonlyArray<readonly [prefix: string, tokens: number]> = [
  ['bash_', 245],
  ['text_editor_', 700],
  ['computer_', 735],
];


/** ASSUMPTION: per-tool overhead around each definition in the hidden prompt (wrapper and separator). */
export const TOOL_DEFINITION_TOKENS = 2;
/** ASSUMPTION: pages assumed for a document whose bytes we cannot see (url/file source). */
export const UNKNOWN_DOCUMENT_PAGES = 1;
/**
 * ASSUMPTION: text tokens of a page we cannot read (url/file source): a dense page. Measured: 50
 * lines of Helvetica 10 pt cost about 1,080 text tokens on Sonnet 4.6 (jackin-project).
 */
export const UNKNOWN_PAGE_TEXT_TOKENS = 1100;
/** ASSUMPTION: tokens per glyph shown through a hex string (a font's own codes): about 4 characters per token. */
export const PDF_HEX_GLYPH_TOKENS = 0.25;

type Obj = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Running totals and notes shared by the walk over one request. */
class Walk {
  images = 0;
  documents = 0;
  imageCount = 0;
  pdfPages = 0;
  documentCount = 0;
  toolUses = 0;
  toolResults = 0;
  readonly notes = new Set<string>();
  constructor(
    readonly family: TokenizerFamily,
    readonly params: ModelParams,
  ) {}

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
    if (!isObject(block)) return this.json(block);
    switch (block.type) {
      case 'text':
        return this.text(block.text);
      case 'image':
        return this.image(block.source);
      case 'document':
        return this.document(block);
      case 'tool_use':
      case 'server_tool_use':
        this.toolUses++;
        return this.params.toolUseBlock + this.text(block.name) + this.json(block.input);
      case 'tool_result':
        this.toolResults++;
        return this.params.toolResultBlock + (block.content === undefined ? 0 : this.content(block.content, currentTurn));
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
    const s = isObject(source) ? source : {};
    const rule = this.params.image;
    let t: number;
    if (s.type === 'base64' && typeof s.data === 'string') {
      const dims = imageDimensionsFromBase64(s.data);
      if (dims) {
        t = imageTokens(dims.width, dims.height, rule);
      } else {
        t = unknownImageTokens(rule);
        this.notes.add(`An image's base64 data could not be read; assumed the maximum of ${t} tokens.`);
      }
    } else {
      t = unknownImageTokens(rule);
      const kind = typeof s.type === 'string' ? s.type : 'unknown';
      this.notes.add(
        `An image with a ${kind} source is assumed to cost the maximum of ${t} tokens; count_tokens cannot count url or file images (send base64).`,
      );
    }
    t += this.params.imageBlock;
    this.imageCount++;
    this.images += t;
    return t;
  }

  document(block: Obj): number {
    const s = isObject(block.source) ? block.source : {};
    let t = 0;
    const perPage = this.params.pdfPage;
    if (s.type === 'base64' && typeof s.data === 'string') {
      const pdf = pdfContent(s.data);
      if (pdf !== undefined) {
        t = pdf.pages * perPage + this.pdfText(pdf.text, pdf.hexGlyphs);
        this.pdfPages += pdf.pages;
        if (pdf.unreadableStreams > 0 || (pdf.text.length === 0 && pdf.hexGlyphs === 0)) {
          this.notes.add(`A PDF's text could not be read; priced by its ${pdf.pages} page${pdf.pages === 1 ? '' : 's'} (${perPage} tokens each) and the text that could be read.`);
        }
      } else {
        t = perPage;
        this.pdfPages += 1;
        this.notes.add(`A base64 document's pages could not be counted; assumed 1 page (${perPage} tokens plus its text).`);
      }
    } else if (s.type === 'text' || s.type === 'content') {
      // A text document: its text plus the wrapper (title/source tags) the API puts around it.
      t = (s.type === 'text' ? this.text(s.data) : this.content(s.content, false)) + this.params.documentBlock;
      this.documentCount++;
    } else {
      t = UNKNOWN_DOCUMENT_PAGES * (perPage + UNKNOWN_PAGE_TEXT_TOKENS);
      this.pdfPages += UNKNOWN_DOCUMENT_PAGES;
      const kind = typeof s.type === 'string' ? s.type : 'unknown';
      this.notes.add(
        `A document with a ${kind} source is assumed to be ${UNKNOWN_DOCUMENT_PAGES} dense page (${t} tokens); count_tokens cannot count url or file documents (send base64).`,
      );
    }
    if (block.title !== undefined) t += this.text(block.title);
    if (block.context !== undefined) t += this.text(block.context);
    this.documents += t;
    return t;
  }

  /** Tokens of a PDF's extracted text, plus glyphs shown through hex codes (unreadable as text). */
  pdfText(text: string, hexGlyphs: number): number {
    return (text.length > 0 ? estimateTextTokens(text, this.family) : 0) + Math.round(hexGlyphs * PDF_HEX_GLYPH_TOKENS);
  }

  tool(tool: unknown): number {
    if (!isObject(tool)) return TOOL_DEFINITION_TOKENS + this.json(tool);
    const type = str(tool.type);
    if (type !== undefined && type !== 'custom') {
      for (const [prefix, tokens] of ANTHROPIC_TOOL_TOKENS) {
        if (type.startsWith(prefix)) return Math.round(tokens * this.params.anthropicToolScale);
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

/** A breakdown of the fixed framing plus `rest` tokens as one message (`rest` 0: no message). */
function bareBreakdown(params: ModelParams, rest: number, note: string): EstimateBreakdown {
  const framing = params.framingFixed;
  return {
    total: framing + rest,
    system: 0,
    messages: rest > 0 ? [rest] : [],
    tools: [],
    toolOverhead: 0,
    framing,
    hiddenPrompts: 0,
    images: 0,
    documents: 0,
    basis: emptyBasis(params),
    notes: [note],
  };
}

function emptyBasis(params: ModelParams): EstimateBasis {
  return {
    generation: params.generation,
    model: params.model,
    messages: 0,
    toolChoice: undefined,
    thinking: undefined,
    outputFormat: false,
    taskBudget: false,
    images: 0,
    pdfPages: 0,
    documents: 0,
    toolUses: 0,
    toolResults: 0,
    prefill: false,
  };
}

/** Human names of the estimator generations, for the notes. */
const GENERATION_NAMES: Record<Generation, string> = {
  'claude-4.0': 'Claude 3.x-4.1',
  'claude-4.5': 'Claude 4.5-4.6',
  'claude-4.7': 'Opus 4.7',
  'claude-4.8': 'Opus 4.8 and later',
};

/** Where a value came from, for a note: "measured on Opus 4.8 and later" / "Claude 4.5-4.6's value (no measurement for this model)". */
function originText(params: ModelParams, key: keyof ModelParams['origin']): string {
  const o = params.origin[key] ?? '';
  const m = /^(model|generation) (\S+)( \(fallback\))?$/.exec(o);
  if (!m) return 'built-in default';
  if (params.assumed[key]) return `assumed for ${GENERATION_NAMES[params.generation]}, no measured case`;
  if (m[1] === 'model') return `measured on ${m[2]}`;
  const name = GENERATION_NAMES[m[2] as Generation] ?? m[2]!;
  return m[3] ? `${name}'s value, no measurement for ${GENERATION_NAMES[params.generation]}` : `${name} measurements`;
}

/**
 * The estimated tokens `body` holds beyond `part` (the body with content taken out, such as what
 * count_tokens refuses), never negative. `bodyTotal`: the body's estimate, when already known.
 */
export function estimateRemoved(body: CountBody, part: CountBody, family: TokenizerFamily, bodyTotal = estimateRequest(body, family).total): number {
  return Math.max(0, bodyTotal - estimateRequest(part, family).total);
}

/**
 * Estimates the input tokens of a count_tokens request body for `family`, broken down by part,
 * with the per-model numbers of `model` (default: the body's own `model` if it uses `family`'s
 * tokenizer, else the family's reference model; see {@link modelParams}).
 * `messages[i]` covers message i's content and framing, `tools[i]` tool i's definition; images and
 * documents are included in their message (or the system prompt) and also reported apart.
 * `total = system + Σ messages + Σ tools + toolOverhead + hiddenPrompts + framing`. Never throws.
 */
export function estimateRequest(body: CountBody, family: TokenizerFamily, model?: string): EstimateBreakdown {
  const fam: TokenizerFamily = family === 'claude-4' || family === 'claude-4.7' ? family : 'claude-4';
  const b: Obj = isObject(body) ? (body as unknown as Obj) : {};
  // The body's own model, unless it belongs to the other tokenizer (the analysis counts for another
  // model, e.g. a model override): then the family's reference model.
  const bodyModel = str(b.model);
  const modelId = model ?? (bodyModel !== undefined && familyOfGeneration(generationOf(bodyModel)) === fam ? bodyModel : undefined);
  const params = modelParams(modelId, fam);
  try {
    const w = new Walk(fam, params);
    const basis = emptyBasis(params);

    // System prompt: a string or text blocks.
    let system = 0;
    if (b.system !== undefined && b.system !== null) {
      system = typeof b.system === 'string' || Array.isArray(b.system) ? w.content(b.system, false) : w.json(b.system);
    }

    // Messages. Thinking counts only in the current (final, assistant) turn.
    const messages: number[] = [];
    const list = Array.isArray(b.messages) ? b.messages : [];
    if (b.messages !== undefined && !Array.isArray(b.messages)) w.notes.add('The request has no messages list; estimated without messages.');
    const lastIndex = list.length - 1;
    const perMessage = params.framingPerMessage;
    list.forEach((m, i) => {
      if (!isObject(m)) {
        messages.push(perMessage + w.json(m));
        return;
      }
      const currentTurn = i === lastIndex && m.role === 'assistant';
      // A final assistant message (a prefill) continues the assistant turn the fixed framing opens.
      const framing = currentTurn ? Math.max(0, perMessage - params.prefillCredit) : perMessage;
      if (currentTurn) {
        basis.prefill = true;
        w.notes.add(`Assistant prefill: its message framing is ${params.prefillCredit} tokens less than another message's (${originText(params, 'prefillCredit')}).`);
      }
      messages.push(framing + (m.content === undefined ? 0 : w.content(m.content, currentTurn)));
    });
    basis.messages = list.length;

    // Tools and the hidden tool-use prompt.
    const tools: number[] = [];
    const toolList = Array.isArray(b.tools) ? b.tools : [];
    for (const t of toolList) tools.push(w.tool(t));
    let toolOverhead = 0;
    const added: string[] = [];
    if (toolList.length > 0) {
      const choice = isObject(b.tool_choice) ? b.tool_choice.type : undefined;
      const forced = choice === 'any' || choice === 'tool';
      basis.toolChoice = forced ? 'forced' : 'auto';
      toolOverhead = forced ? params.toolPromptForced : params.toolPromptAuto;
      added.push(`tool use ${toolOverhead} (tool_choice ${forced ? 'any/tool' : 'auto/none'}; ${originText(params, forced ? 'toolPromptForced' : 'toolPromptAuto')})`);
    }

    // Hidden prompts of thinking, structured output and task budgets.
    let hiddenPrompts = 0;
    const thinkingType = isObject(b.thinking) ? b.thinking.type : undefined;
    if (thinkingType === 'enabled' || thinkingType === 'adaptive') {
      basis.thinking = thinkingType;
      const key = thinkingType === 'enabled' ? 'thinkingEnabled' : 'thinkingAdaptive';
      hiddenPrompts += params[key];
      added.push(`${thinkingType} thinking ${params[key]} (${originText(params, key)})`);
    }
    const outputConfig = isObject(b.output_config) ? b.output_config : undefined;
    if (outputConfig && outputConfig.format !== undefined && outputConfig.format !== null) {
      basis.outputFormat = true;
      // A constant: measured +185-206 whatever the schema (its JSON is not billed as text).
      hiddenPrompts += params.outputFormat;
      added.push(`structured output ${params.outputFormat} (${originText(params, 'outputFormat')})`);
    }
    if (outputConfig && outputConfig.task_budget !== undefined && outputConfig.task_budget !== null) {
      basis.taskBudget = true;
      hiddenPrompts += params.taskBudget;
      added.push(`task budget ${params.taskBudget} (${originText(params, 'taskBudget')})`);
    }
    if (added.length > 0) {
      w.notes.add(`Hidden prompts added: ${added.join('; ')}.`);
      const on = Object.entries(params.measuredOn).map(([m, n]) => `${m} (${n})`);
      if (on.length > 0) w.notes.add(`${GENERATION_NAMES[params.generation]} measurements: exact counts of ${on.join(', ')}.`);
    }
    if (params.origin.framingFixed?.includes('fallback') || params.origin.framingPerMessage?.includes('fallback')) {
      w.notes.add(`Framing: ${originText(params, 'framingFixed')}.`);
    }

    basis.images = w.imageCount;
    basis.pdfPages = w.pdfPages;
    basis.documents = w.documentCount;
    basis.toolUses = w.toolUses;
    basis.toolResults = w.toolResults;
    const framing = params.framingFixed;
    let total = system + toolOverhead + hiddenPrompts + framing;
    for (const m of messages) total += m;
    for (const t of tools) total += t;
    return {
      total,
      system,
      messages,
      tools,
      toolOverhead,
      framing,
      hiddenPrompts,
      images: w.images,
      documents: w.documents,
      basis,
      notes: [...w.notes],
    };
  } catch {
    // Unreachable for JSON input; a last guard so the editor never loses its estimate to a throw.
    try {
      return bareBreakdown(params, estimateJsonTokens(body, fam), 'The request could not be broken down; estimated as JSON text.');
    } catch {
      return bareBreakdown(params, 0, 'The request could not be estimated.');
    }
  }
}
