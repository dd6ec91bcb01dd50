import { lineOf } from '../../core/payload';
import { budgetUSDOffences } from '../../core/analyze';
import { formatTokens } from '../../core/format';
import type { CountedFile, ErrorFile, FileResult } from '../count';
import type { CheckResult, CheckedFile, ContextResult, Offender, RunInfo } from '../output/model';
import type { SessionFileSettings } from '../session';
import { countPaths, type CommandContext } from './count';

/**
 * The limits a file goes over: its budget per request and its limit per tool. Nothing else fails
 * a check.
 */
export function offendersOf(result: FileResult): Offender[] {
  const { analysis, text } = result;
  if (!analysis || text === undefined) return [];
  const limits = (result.settings as SessionFileSettings).limits ?? { from: {} };
  const path = result.report.path;
  const offenders: Offender[] = [];
  const { budget, maxToolTokens } = limits;
  if (budget !== undefined && analysis.total.tokens > budget) {
    const { tokens, exact } = analysis.total;
    const from = limits.from.budget ?? '--budget';
    offenders.push({
      path,
      line: 1,
      column: 1,
      rule: 'budget',
      tokens,
      exact,
      limit: budget,
      limitFrom: from,
      message: `${formatTokens(tokens, exact)} input tokens per request, over the budget of ${formatTokens(budget)} by ${formatTokens(tokens - budget, exact)} (budget from ${from})`,
    });
  }
  if (limits.budgetUSD !== undefined) {
    const from = limits.from.budgetUSD ?? '--budget-usd';
    for (const o of budgetUSDOffences(analysis, limits.budgetUSD)) {
      offenders.push({
        path,
        line: 1,
        column: 1,
        rule: 'budget-usd',
        usdRule: o.rule,
        usd: o.usd,
        tokens: analysis.total.tokens,
        exact: analysis.total.exact,
        limit: o.limit,
        limitFrom: from,
        message: `${o.message.replace(/\.$/, '')} (budget from ${from})`,
      });
    }
  }
  if (maxToolTokens === undefined) return offenders;
  const from = limits.from.maxToolTokens ?? '--max-tool-tokens';
  for (const { part, tokens, exact } of analysis.parts) {
    if (part.kind !== 'tool' || tokens <= maxToolTokens) continue;
    const name = part.name ?? part.label;
    const at = lineOf(text, (part.anchor ?? part.range).start);
    offenders.push({
      path,
      line: at.line + 1,
      column: at.column + 1,
      rule: 'max-tool-tokens',
      tool: name,
      tokens,
      exact,
      limit: maxToolTokens,
      limitFrom: from,
      message: `tool "${name}" costs ${formatTokens(tokens, exact)} tokens on every request, over the limit of ${formatTokens(maxToolTokens)} per tool by ${formatTokens(tokens - maxToolTokens, exact)} (limit from ${from})`,
    });
  }
  return offenders;
}

/** Exit code of `check`: 2 for an input error (it wins: the check is incomplete), 1 for an offender, else 0. */
export function checkExitCode(result: CheckResult): number {
  if (result.errors.length > 0) return 2;
  return result.offenders.length > 0 ? 1 : 0;
}

/** The workspace's context footprint and what goes over its limits, when a context limit is set. */
export interface ContextCheck {
  result: ContextResult;
  offenders: Offender[];
}

/**
 * Counts the files and compares each with its limits (skipped when only context limits are set:
 * `countFiles` false), and adds the context footprint's offenders.
 */
export async function runCheck(paths: string[], ctx: CommandContext, info: RunInfo, context?: ContextCheck, countFiles = true): Promise<CheckResult> {
  // Tools are only checked against a limit somebody set: no default threshold.
  const report = countFiles ? await countPaths(paths, ctx, Number.POSITIVE_INFINITY) : { results: [], files: [], unmatched: [] };
  const offenders = [...(context?.offenders ?? []), ...report.results.flatMap(offendersOf)];
  const errors: ErrorFile[] = [
    ...report.unmatched.map((m) => ({ path: m.arg, error: m.problem, line: null })),
    ...report.files.filter((f): f is ErrorFile => 'error' in f),
  ];
  const files = report.results.map((r) => {
    if (!('inputTokens' in r.report)) return r.report as Exclude<typeof r.report, CountedFile>;
    const limits = (r.settings as SessionFileSettings).limits;
    const checked: CheckedFile = { ...r.report, limits: { budget: limits?.budget ?? null, maxToolTokens: limits?.maxToolTokens ?? null, budgetUSD: limits?.budgetUSD ?? null } };
    return checked;
  });
  const counted = report.files.filter((f): f is CountedFile => 'inputTokens' in f);
  const exact = counted.filter((f) => f.exact).length;
  const { version, ...rest } = info;
  return {
    version,
    command: 'check',
    ok: offenders.length === 0 && errors.length === 0,
    ...rest,
    summary: { files: report.files.length, counted: counted.length, exact, estimated: counted.length - exact, offenders: offenders.length, errors: errors.length },
    offenders,
    errors,
    files,
    ...(context ? { context: context.result } : {}),
  };
}
