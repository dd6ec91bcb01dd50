import type { ModelInfo } from './models/types';
import type { EstimateReason } from './types';

/**
 * Formats USD for display. `undefined` (or NaN) -> "price unknown". From $1 up: cents with
 * thousands separators ("$12.35", "$1,234.57"). Below $1: two significant digits, at least two
 * decimals, trailing zeros beyond that dropped ("$0.037", "$0.03", "$0.50", "$0.000042").
 * Non-zero amounts below $0.000001 -> "<$0.000001". Negative amounts get a leading minus.
 */
export function formatUSD(amount: number | undefined): string {
  if (amount === undefined || !Number.isFinite(amount)) return 'price unknown';
  if (amount === 0) return '$0.00';
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  if (abs < 0.000001) return `${sign}<$0.000001`;
  const rounded = abs < 1 ? Number(abs.toPrecision(2)) : abs;
  if (rounded >= 1) {
    return `${sign}$${rounded.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  }
  const decimals = Math.max(2, -Math.floor(Math.log10(rounded)) + 1);
  let text = rounded.toFixed(decimals);
  while (text.endsWith('0') && text.length - text.indexOf('.') - 1 > 2) text = text.slice(0, -1);
  return `${sign}$${text}`;
}

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
