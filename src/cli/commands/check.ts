import { lineOf } from '../../core/payload';
import { formatTokens } from '../../core/format';
import type { CountedFile, ErrorFile, FileResult } from '../count';
import type { CheckResult, CheckedFile, Offender, RunInfo } from '../output/model';
import type { SessionFileSettings } from '../session';
import { countPaths, type CommandContext } from './count';

/**
 * The limits a file goes over, from the analyzer's own findings: `over-budget` (given the file's
 * budget) and `tool-over-threshold` (given its tool limit as the threshold). Nothing else fails
 * a check.
 */
export function offendersOf(result: FileResult): Offender[] {
  const { analysis, text } = result;
  if (!analysis || text === undefined) return [];
  const limits = (result.settings as SessionFileSettings).limits ?? { from: {} };
  const path = result.report.path;
  const offenders: Offender[] = [];
  for (const finding of analysis.findings) {
    if (finding.code === 'over-budget' && limits.budget !== undefined) {
      const { tokens, exact } = analysis.total;
      const over = tokens - limits.budget;
      offenders.push({
        path,
        line: 1,
        rule: 'budget',
        tokens,
        exact,
        limit: limits.budget,
        limitFrom: limits.from.budget ?? '--budget',
        message: `${formatTokens(tokens, exact)} input tokens per request, over the budget of ${formatTokens(limits.budget)} by ${formatTokens(over, exact)} (budget from ${limits.from.budget ?? '--budget'})`,
      });
    } else if (finding.code === 'tool-over-threshold' && limits.maxToolTokens !== undefined) {
      const range = finding.range;
      const part = analysis.parts.find((p) => p.part.kind === 'tool' && range !== undefined && (p.part.anchor ?? p.part.range).start === range.start);
      if (!part) continue;
      const name = part.part.name ?? part.part.label;
      const over = part.tokens - limits.maxToolTokens;
      offenders.push({
        path,
        line: lineOf(text, (part.part.anchor ?? part.part.range).start).line + 1,
        rule: 'max-tool-tokens',
        tool: name,
        tokens: part.tokens,
        exact: part.exact,
        limit: limits.maxToolTokens,
        limitFrom: limits.from.maxToolTokens ?? '--max-tool-tokens',
        message: `tool "${name}" costs ${formatTokens(part.tokens, part.exact)} tokens on every request, over the limit of ${formatTokens(limits.maxToolTokens)} per tool by ${formatTokens(over, part.exact)} (limit from ${limits.from.maxToolTokens ?? '--max-tool-tokens'})`,
      });
    }
  }
  return offenders;
}

/** Exit code of `check`: 2 for an input error (it wins: the check is incomplete), 1 for an offender, else 0. */
export function checkExitCode(result: CheckResult): number {
  if (result.errors.length > 0) return 2;
  return result.offenders.length > 0 ? 1 : 0;
}

/** Counts the files and compares each with its limits. */
export async function runCheck(paths: string[], ctx: CommandContext, info: RunInfo): Promise<CheckResult> {
  // Tools are only checked against a limit somebody set: no default threshold.
  const report = await countPaths(paths, ctx, Number.POSITIVE_INFINITY);
  const offenders = report.results.flatMap(offendersOf);
  const errors: ErrorFile[] = [
    ...report.unmatched.map((m) => ({ path: m.arg, error: m.problem, line: null })),
    ...report.files.filter((f): f is ErrorFile => 'error' in f),
  ];
  const files = report.results.map((r) => {
    if (!('inputTokens' in r.report)) return r.report as Exclude<typeof r.report, CountedFile>;
    const limits = (r.settings as SessionFileSettings).limits;
    const checked: CheckedFile = { ...r.report, limits: { budget: limits?.budget ?? null, maxToolTokens: limits?.maxToolTokens ?? null } };
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
  };
}
