/** Numbers and changes as every output format writes them: tokens, signed deltas, the offline note. */
import { formatTokens, formatUSD } from '../../core/format';
import { BUDGET_USD_RULES } from '../../core/analyze';
import { offenderLimit, type DiffEntry, type Offender, type RunInfo } from './model';

/** Token counts in the CLI's tables and reports: core's formatting. */
export const tokens = formatTokens;

/** `+1,234`, `-56`, `0`, with `≈` for an estimate. */
export function signedTokens(n: number, exact = true): string {
  const sign = n > 0 ? '+' : n < 0 ? '-' : '';
  return `${exact || n === 0 ? '' : '≈'}${sign}${Math.abs(n).toLocaleString('en-US')}`;
}

/** `+$0.0012`, `-$0.30`, `$0.00`; `price unknown` for null. */
/** The LIMIT, amount, MAX and OVER BY cells of one offender: tokens, or USD for a dollar budget. */
export function offenderCells(o: Offender): { limit: string; amount: string; max: string; over: string } {
  if (o.rule === 'budget-usd' && o.usd !== undefined) {
    const approx = o.exact ? '' : '≈';
    return { limit: `dollar budget: ${BUDGET_USD_RULES[o.usdRule ?? 'input']}`, amount: `${approx}${formatUSD(o.usd)}`, max: formatUSD(o.limit), over: `${approx}+${formatUSD(o.usd - o.limit)}` };
  }
  return { limit: offenderLimit(o), amount: tokens(o.tokens, o.exact), max: tokens(o.limit, true), over: signedTokens(o.tokens - o.limit, o.exact) };
}

export function signedUSD(n: number | null): string {
  if (n === null) return 'price unknown';
  return n > 0 ? `+${formatUSD(n)}` : formatUSD(n);
}

/** `+12.5%` of `before`, or empty when there is no base. */
export function percent(delta: number, before: number): string {
  if (before <= 0) return '';
  const p = (delta / before) * 100;
  const text = Math.abs(p) >= 10 ? p.toFixed(0) : p.toFixed(1);
  return `${p > 0 ? '+' : ''}${text}%`;
}

/** What a run's numbers are, said once: offline, no key, or nothing. */
export function offlineNote(info: RunInfo): string | undefined {
  if (!info.offline) return undefined;
  return info.offlineReason === 'offline' ? 'offline estimates (--offline) marked ≈' : 'offline estimates (no ANTHROPIC_API_KEY) marked ≈';
}

/** Whether a row of the diff is an estimate on either side. */
export function diffRowExact(f: DiffEntry): boolean {
  return [f.before, f.after].every((s) => !s || 'error' in s || s.exact);
}

/** The change of one row: `+150 (+12%)`, `+300 (new)`, `-500 (removed)`. */
export function changeText(f: DiffEntry): string {
  if (f.delta.inputTokens === null) return '-';
  const d = signedTokens(f.delta.inputTokens, diffRowExact(f));
  if (f.status === 'added') return `${d} (new)`;
  if (f.status === 'removed') return `${d} (removed)`;
  const before = f.before && !('error' in f.before) ? f.before.inputTokens : 0;
  const p = percent(f.delta.inputTokens, before);
  return p ? `${d} (${p})` : d;
}
