import { formatUSD } from './models/cost';
import type { ModelInfo } from './models/registry';
import type { EstimateReason } from './types';

export { formatUSD };

/** `12,345`, or `≈12,345` for an estimate. */
export function formatTokens(n: number, exact = true): string {
  return `${exact ? '' : '≈'}${Math.round(n).toLocaleString('en-US')}`;
}

/** USD as {@link formatUSD} writes it ("price unknown" for undefined), with `≈` for an estimate. */
export function usdText(amount: number | undefined, exact = true): string {
  const text = formatUSD(amount);
  return amount === undefined || exact ? text : `≈${text}`;
}

/** Why a number is an estimate, in a few words. */
export const REASON_TEXT: Record<EstimateReason, string> = {
  'no-key': 'no API key',
  offline: 'offline mode',
  untrusted: 'untrusted workspace',
  'rate-limited': 'rate limited',
  unauthorized: 'API key rejected',
  'unknown-model': 'model unknown to the API',
  rejected: 'API rejected the request',
  'uncountable-content': 'part of it cannot be counted by the API',
  network: 'API unreachable',
  timeout: 'API timed out',
  'server-error': 'API error',
  'too-large': 'request too large for the API',
};

/** "Sonnet 4.6" for a known model, the id itself otherwise. */
export function modelLabel(model: ModelInfo | undefined, id: string): string {
  return model?.displayName ?? id;
}
