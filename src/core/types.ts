/**
 * Shared vocabulary of the Token Lens core: types, and the list of tokenizer families. No `vscode` import.
 *
 * Offsets are UTF-16 code-unit offsets into the document text exactly as it was handed to the
 * parser (the same unit as JavaScript string indices and `vscode.TextDocument.positionAt`).
 */
import type { VolatileSpot } from './payload/volatile';

/** Any JSON value, as read from a user's file. The API, not us, is the judge of its shape. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * The two Claude tokenizers that matter today.
 * - `claude-4`: Claude 4.x up to Opus 4.6 / Sonnet 4.6 / Haiku 4.5 (and 3.x).
 * - `claude-4.7`: the newer tokenizer of Opus 4.7 and later Opus models and every 5.x model,
 *   which yields roughly 1.0-1.6x the tokens of `claude-4` depending on content.
 */
export type TokenizerFamily = 'claude-4' | 'claude-4.7';
export const TOKENIZER_FAMILIES: readonly TokenizerFamily[] = ['claude-4', 'claude-4.7'];

/** A half-open `[start, end)` range of UTF-16 offsets into the document text. */
export interface SourceRange {
  start: number;
  end: number;
}

/**
 * The body of a `POST /v1/messages/count_tokens` request, minus `model` (which the caller
 * resolves from the file, settings or the command line). Generation-only fields are never here.
 */
export interface CountBody {
  messages: Json[];
  system?: Json;
  tools?: Json[];
  tool_choice?: Json;
  thinking?: Json;
  cache_control?: Json;
  output_config?: Json;
  speed?: Json;
  /**
   * Context editing (`clear_tool_uses_*`, `clear_thinking_*`): sent to count_tokens through the
   * beta endpoint, which then also reports the count before editing.
   */
  context_management?: Json;
  /** Not countable: kept so the counting layer can report it. */
  mcp_servers?: Json;
}

/** The full count request as sent. */
export interface CountRequest extends CountBody {
  model: string;
}

/** What a document is, once recognised. */
export type DocumentKind = 'payload' | 'tools' | 'prompt';

export type PartKind = 'system' | 'message' | 'tool';

/** One addressable piece of a payload, for CodeLens, diagnostics and breakdowns. */
export interface PayloadPart {
  kind: PartKind;
  /** Index into `messages` or `tools`; 0 for the system prompt. */
  index: number;
  /** Human label: "system", "user #1", "assistant #2", "tool get_weather". */
  label: string;
  /** The whole node in the source. */
  range: SourceRange;
  /** A tighter anchor for a lens or squiggle (the tool's `name` value, the message's `role`). */
  anchor?: SourceRange;
  /** Tool name, for tools. */
  name?: string;
}

export type Severity = 'error' | 'warning' | 'info';

/** A finding about a document, shared by the CLI and the editor's Problems panel. */
export interface Finding {
  severity: Severity;
  /** Stable identifier, e.g. `tool-over-threshold`, `thinking-budget-too-small`. */
  code: string;
  /** One actionable sentence (or two). */
  message: string;
  range?: SourceRange;
}

/** A recognised prompt or payload document. */
export interface ParsedDocument {
  kind: DocumentKind;
  /** What is sent to count_tokens, without `model`. */
  body: CountBody;
  /** Model named by the document (`model` field or front matter), if any. */
  model?: string;
  /** Range of the model name in the source, for diagnostics about the model. */
  modelRange?: SourceRange;
  /** `max_tokens` from the document: bounds the worst-case output cost. */
  maxTokens?: number;
  maxTokensRange?: SourceRange;
  /** Range of the `thinking` value, for thinking-budget diagnostics. */
  thinkingRange?: SourceRange;
  /**
   * Beta features the request names (`betas`, which the SDK sends as the `anthropic-beta`
   * header): not part of the counted body, but `interleaved-thinking-*` changes the thinking rules.
   */
  betas?: string[];
  /**
   * `speed` of the request (the body's `speed`, or a prompt file's front matter): `"fast"` is
   * priced at the model's fast-mode multiple.
   */
  speed?: string;
  speedRange?: SourceRange;
  /** `inference_geo` (data residency): priced at the model's multiplier; stripped from the count. */
  inferenceGeo?: string;
  inferenceGeoRange?: SourceRange;
  /** Generation-only fields found and stripped from `body` (max_tokens, temperature, ...). */
  stripped: string[];
  /**
   * True when the document has no messages (tools only, system only) and `body.messages`
   * holds a minimal placeholder whose own cost the caller must subtract.
   */
  placeholder: boolean;
  parts: PayloadPart[];
  /**
   * Content inside a cached prefix (before a `cache_control` breakpoint) that looks generated
   * per request: timestamps, UUIDs, request ids, ... (payload/volatile.ts). Absent when none.
   */
  volatile?: VolatileSpot[];
  /** Non-fatal findings made while parsing (unknown fields, suspicious shapes). */
  findings: Finding[];
}

/** The outcome of recognising and parsing one file. */
export type ParseResult =
  | { status: 'ok'; doc: ParsedDocument }
  /** Not a prompt or payload file: no count, no noise. */
  | { status: 'skipped'; reason: string }
  /** Looks like a prompt/payload file but cannot be read: a message naming the problem. */
  | { status: 'error'; message: string; range?: SourceRange };

/** Why a number is an estimate rather than an exact API count. */
export type EstimateReason =
  | 'no-key'
  | 'offline'
  | 'untrusted'
  | 'rate-limited'
  | 'unauthorized'
  | 'unknown-model'
  | 'rejected'
  | 'uncountable-content'
  | 'network'
  | 'timeout'
  | 'server-error'
  | 'too-large';

/** Where a token count came from. */
export type CountSource = 'api' | 'cache' | 'estimate';
