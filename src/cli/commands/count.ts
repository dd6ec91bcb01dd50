import { reasonOf } from '../../core/counting';
import { countFiles, type CountReport } from '../count';
import type { RunInfo } from '../output/model';
import type { LimitFlags, Session } from '../session';

export interface CommandContext {
  session: Session;
  cwd: string;
  flags: LimitFlags;
  concurrency: number | undefined;
  onProgress: ((done: number, total: number) => void) | undefined;
}

/** The fields every command's result shares. */
export function runInfo(session: Session, version: string): RunInfo {
  const reason = reasonOf(session.counting);
  return {
    version,
    offline: reason !== undefined,
    offlineReason: reason === undefined ? null : reason === 'offline' ? 'offline' : 'no-key',
    pricesAsOf: session.registry.asOf,
    config: session.projectShown,
  };
}

/**
 * Counts the files `paths` name with the session's client, per-file limits from the flags over
 * the project config. Shared by `count` and `check`.
 */
export function countPaths(paths: string[], ctx: CommandContext, defaultThreshold: number): Promise<CountReport> {
  const settingsFor = ctx.session.settingsFor(ctx.flags, defaultThreshold);
  return countFiles({
    paths,
    cwd: ctx.cwd,
    counting: ctx.session.counting,
    settingsFor,
    ...(ctx.concurrency !== undefined ? { concurrency: ctx.concurrency } : {}),
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  });
}

/** Exit code of `count`: 2 when a path named nothing or a file could not be read or parsed. */
export function countExitCode(report: CountReport): number {
  return report.unmatched.length > 0 || report.files.some((f) => 'error' in f) ? 2 : 0;
}
