/**
 * Breakdown data for a stacked bar or treemap: where the tokens of a request go, as segments
 * that add up to the total exactly.
 *
 * Pure TypeScript, no `vscode` import.
 */
import type { Analysis, TokenCount } from '../analyze';
import { estimateRequest } from '../estimator';
import type { Json, SourceRange } from '../types';
import { percentText, table, tokensText } from './markdown';
import { splitOverhead } from './overhead';
import { isObject } from '../is-object';

export type SegmentKind = 'system' | 'message' | 'tool' | 'images' | 'documents' | 'tool-prompt' | 'framing';

/** One slice of the request. */
export interface BreakdownSegment {
  kind: SegmentKind;
  /** "system", "user #1", "tool get_weather", "images", "tool-use prompt", "framing". */
  label: string;
  tokens: number;
  exact: boolean;
  /** tokens / total, in [0, 1]. */
  share: number;
  /** Where to reveal it (the part; for images/documents the first part holding them). */
  range?: SourceRange;
  /** Every part holding it (images and documents can sit in several messages). */
  ranges?: SourceRange[];
  /** Index into messages or tools, for message and tool segments. */
  index?: number;
}

export interface Breakdown {
  total: TokenCount;
  /** The exact count before context editing, when the request has `context_management` (the total is after it). */
  beforeContextEditing?: number;
  /** In reading order: system, messages, tools, images, documents, tool-use prompt, framing. Zero-token overhead segments are left out. */
  segments: BreakdownSegment[];
}


/** Whether content holds an image or document block (also inside a tool result). */
function hasMedia(content: Json | undefined): boolean {
  if (!Array.isArray(content)) return false;
  return content.some((b) => isObject(b) && (b['type'] === 'image' || b['type'] === 'document' || (b['type'] === 'tool_result' && hasMedia(b['content']))));
}

/**
 * The segments of an analysed request: the system prompt, each message and each tool (their
 * counts from the analysis: exact tools, apportioned estimates otherwise), images and documents
 * carved out of the parts that hold them (their share of the part by the estimate, always
 * marked as estimates), and the overhead split into the hidden tool-use prompt and framing.
 * The segments add up to `total.tokens` exactly.
 */
export function breakdownOf(analysis: Analysis): Breakdown {
  const { total, estimate, family, doc } = analysis;
  const share = (n: number) => (total.tokens > 0 ? n / total.tokens : 0);
  const segments: BreakdownSegment[] = [];
  const images: { tokens: number; ranges: SourceRange[] } = { tokens: 0, ranges: [] };
  const documents: { tokens: number; ranges: SourceRange[] } = { tokens: 0, ranges: [] };

  for (const p of analysis.parts) {
    let tokens = p.tokens;
    let exact = p.exact;
    // Media inside the system prompt or a message: the part's estimate says how much of it is media.
    let media: { images: number; documents: number } | undefined;
    if (p.part.kind === 'message' && !doc.placeholder) {
      const m = doc.body.messages[p.part.index];
      if (isObject(m) && hasMedia(m['content'])) {
        const e = estimateRequest({ messages: [m] }, family);
        const whole = estimate.messages[p.part.index] ?? 0;
        const scale = whole > 0 ? p.tokens / whole : 0;
        media = { images: e.images * scale, documents: e.documents * scale };
      }
    } else if (p.part.kind === 'system' && Array.isArray(doc.body.system) && hasMedia(doc.body.system)) {
      const e = estimateRequest({ messages: [], system: doc.body.system }, family);
      const scale = estimate.system > 0 ? p.tokens / estimate.system : 0;
      media = { images: e.images * scale, documents: e.documents * scale };
    }
    if (media) {
      const img = Math.min(tokens, Math.round(media.images));
      const docs = Math.min(tokens - img, Math.round(media.documents));
      if (img > 0) {
        images.tokens += img;
        images.ranges.push(p.part.range);
      }
      if (docs > 0) {
        documents.tokens += docs;
        documents.ranges.push(p.part.range);
      }
      tokens -= img + docs;
      if (img + docs > 0) exact = false;
    }
    const seg: BreakdownSegment = { kind: p.part.kind, label: p.part.label, tokens, exact, share: share(tokens), range: p.part.range };
    if (p.part.kind !== 'system') seg.index = p.part.index;
    segments.push(seg);
  }
  for (const [kind, acc] of [['images', images], ['documents', documents]] as const) {
    if (acc.tokens > 0) segments.push({ kind, label: kind, tokens: acc.tokens, exact: false, share: share(acc.tokens), range: acc.ranges[0]!, ranges: acc.ranges });
  }
  const overhead = splitOverhead(analysis);
  if (overhead.toolPrompt.tokens > 0) segments.push({ kind: 'tool-prompt', label: 'tool-use prompt', ...overhead.toolPrompt, share: share(overhead.toolPrompt.tokens) });
  if (overhead.framing.tokens > 0) segments.push({ kind: 'framing', label: 'framing', ...overhead.framing, share: share(overhead.framing.tokens) });
  return { total: { tokens: total.tokens, exact: total.exact }, segments, ...(analysis.total.beforeContextEditing !== undefined ? { beforeContextEditing: analysis.total.beforeContextEditing } : {}) };
}

/** A Markdown table of a {@link Breakdown}, largest segment first. */
export function breakdownMarkdown(breakdown: Breakdown): string {
  const rows = [...breakdown.segments].sort((a, b) => b.tokens - a.tokens).map((s) => [s.label, tokensText(s.tokens, s.exact), percentText(s.share)]);
  rows.push(['**total**', `**${tokensText(breakdown.total.tokens, breakdown.total.exact)}**`, '100%']);
  const out = table(['Part', 'Tokens', 'Share'], rows, ['l', 'r', 'r']);
  if (breakdown.beforeContextEditing === undefined) return out;
  return `${out}\n\nContext editing: ${tokensText(breakdown.beforeContextEditing, breakdown.total.exact)} tokens before, ${tokensText(breakdown.total.tokens, breakdown.total.exact)} after (the parts are apportioned to the count after editing).`;
}
