/**
 * Counting helpers shared by the decision modules: one body counted exactly through the
 * {@link CountingClient} where it can be, estimated (and said to be) where it cannot.
 *
 * Pure TypeScript, no `vscode` import. Failures are values, never exceptions.
 */
import { countAdded } from '../analyze';
import type { CountingClient } from '../client/counting-client';
import { estimateRemoved, estimateRequest } from '../estimator';
import type { CountBody, CountSource, EstimateReason, TokenizerFamily } from '../types';
import { partlyCounted, splitUncountable } from '../uncountable';

/** A token count with where it came from; `reason`/`message` say why it is an estimate. */
export interface BodyCount {
  tokens: number;
  exact: boolean;
  source: CountSource;
  reason?: EstimateReason;
  message?: string;
}

/**
 * The local estimate of what `body` adds to a request: its estimated total, less the placeholder
 * message's share when `placeholder` is set (a body whose only message is the placeholder).
 */
function estimateBodyTokens(body: CountBody, family: TokenizerFamily, placeholder = false): number {
  const estimate = estimateRequest(body, family);
  return Math.max(0, estimate.total - (placeholder ? (estimate.messages[0] ?? 0) : 0));
}

/**
 * Counts `body` on `model` the way the analysis does: exactly through `client` (placeholder cost
 * subtracted when `placeholder` is set), with content count_tokens refuses taken out, estimated
 * and added (then the count is an estimate with reason `uncountable-content`). Without a client,
 * or when the API cannot answer, the estimate with the reason (`offline` when there is no client).
 * Resolves to undefined once `signal` is aborted.
 */
export async function countBody(
  client: CountingClient | undefined,
  model: string,
  body: CountBody,
  placeholder: boolean,
  family: TokenizerFamily,
  signal?: AbortSignal,
): Promise<BodyCount | undefined> {
  if (signal?.aborted) return undefined;
  const estimated = (reason: EstimateReason, message?: string): BodyCount => ({
    tokens: estimateBodyTokens(body, family, placeholder),
    exact: false,
    source: 'estimate',
    reason,
    ...(message !== undefined ? { message } : {}),
  });
  if (!client) return estimated('offline');
  const { countable, removed } = splitUncountable(body);
  const counted = await countAdded(client, model, countable, placeholder, signal);
  if (counted.status === 'cancelled' || signal?.aborted) return undefined;
  if (counted.status === 'failed') return estimated(counted.reason, counted.message);
  if (removed.length === 0) return { tokens: counted.tokens, exact: true, source: counted.source };
  return partlyCounted(counted.tokens, removed, estimateRemoved(body, countable, family));
}
