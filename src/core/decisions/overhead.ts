/**
 * What an analysis' overhead (the tokens its parts leave: request and message framing plus the
 * hidden tool-use system prompt) is made of.
 */
import type { Analysis, TokenCount } from '../analyze';

/** The overhead of an analysis, split into the hidden tool-use prompt and the framing. */
export interface OverheadSplit {
  /**
   * The hidden tool-use system prompt, sent once with any tools (0 without tools). Exact only
   * for a tool list, whose overhead is nothing else.
   */
  toolPrompt: TokenCount;
  /** Request and message framing (and whatever the estimated parts missed). */
  framing: TokenCount;
}

/**
 * Splits {@link Analysis.overhead}:
 * - no tools: all of it is framing;
 * - a tool list (no system prompt, no messages) counted exactly: all of it is the tool-use
 *   prompt (the placeholder request's framing is subtracted, the per-tool counts leave exactly
 *   the prompt);
 * - another request counted exactly: the tool-use prompt is the remainder of the exact overhead
 *   after the model's framing and other hidden prompts (thinking, structured output), so it is the
 *   model's own figure, not a constant;
 * - an estimate: the model's tool-use prompt from its table (models.json `estimator`), the rest
 *   framing; both marked as estimates.
 */
export function splitOverhead(analysis: Analysis): OverheadSplit {
  const { overhead, estimate, doc } = analysis;
  const hasTools = Array.isArray(doc.body.tools) && doc.body.tools.length > 0;
  if (!hasTools) return { toolPrompt: { tokens: 0, exact: true }, framing: { ...overhead } };
  const toolsOnly = doc.placeholder && !doc.parts.some((p) => p.kind === 'system');
  if (toolsOnly && overhead.exact) return { toolPrompt: { ...overhead }, framing: { tokens: 0, exact: overhead.exact } };
  const rest = estimate.framing + (estimate.hiddenPrompts ?? 0);
  const toolTokens = overhead.exact ? Math.max(0, overhead.tokens - rest) : Math.min(overhead.tokens, estimate.toolOverhead);
  return {
    toolPrompt: { tokens: toolTokens, exact: overhead.exact },
    framing: { tokens: overhead.tokens - toolTokens, exact: false },
  };
}
