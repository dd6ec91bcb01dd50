import type { Analysis } from './analyze';
import { estimateOf } from './prepare';
import { costOf, type Cost } from './models/cost';
import type { ModelRegistry } from './models/registry';
import { batchWorstCaseOutput } from './models/rules';
import type { ModelInfo } from './models/types';
import type { TokenizerFamily } from './types';

/** What one request costs on one model. */
export interface ModelCostRow {
  modelId: string;
  model: ModelInfo | undefined;
  tokens: number;
  /** Exact only on the analysed model's own tokenizer, and only when the count was. */
  exact: boolean;
  cost: Cost | undefined;
  /** The whole prompt read from the cache (a repeat request with everything cached). */
  cachedRead: number | undefined;
  batch: Cost | undefined;
  /** This is the analysed model. */
  current: boolean;
}

/**
 * How many tokens the analysed request has on `family`'s tokenizer per token on its own, by the
 * estimator (both estimates are memoised per document): 1 on its own family.
 */
export function tokenizerRatio(analysis: Analysis, family: TokenizerFamily): number {
  if (family === analysis.family) return 1;
  const here = analysis.estimate.total;
  return here > 0 ? estimateOf(analysis.doc, family).total / here : 1;
}

/**
 * Prices one analysed request on several models. A model with the same tokenizer shares the
 * count; another tokenizer gets the count scaled by the estimator's ratio between the two
 * tokenizers on this very request, and is marked as an estimate: never one family's count shown
 * as another's.
 */
export function compareModels(analysis: Analysis, registry: ModelRegistry, ids: readonly string[]): ModelCostRow[] {
  const seen = new Set<string>();
  const rows: ModelCostRow[] = [];
  const outputTokens = analysis.doc.maxTokens;
  for (const id of [analysis.modelId, ...ids]) {
    const model = registry.resolve(id);
    const key = model?.id ?? id;
    if (seen.has(key)) continue;
    seen.add(key);
    const current = rows.length === 0;
    let tokens = analysis.total.tokens;
    let exact = analysis.total.exact;
    if (!current && model && model.tokenizer !== analysis.family) {
      tokens = Math.round(tokens * tokenizerRatio(analysis, model.tokenizer));
      exact = false;
    }
    const usage = { inputTokens: tokens, ...(outputTokens !== undefined ? { outputTokens } : {}) };
    const modes = analysis.modes;
    // The batch worst case: max_tokens up to the batch limit (larger when betas name its beta).
    const batchOutput = model ? batchWorstCaseOutput(model, outputTokens, analysis.doc.betas) : undefined;
    const batchUsage = { inputTokens: tokens, ...(batchOutput !== undefined ? { outputTokens: batchOutput } : {}) };
    rows.push({
      modelId: key,
      model,
      tokens,
      exact,
      current,
      cost: model ? costOf(model, usage, { modes }) : undefined,
      cachedRead: model ? costOf(model, { inputTokens: 0, cacheReadTokens: tokens }, { modes }).total : undefined,
      batch: model ? costOf(model, batchUsage, { batch: true, modes }) : undefined,
    });
  }
  return rows;
}
