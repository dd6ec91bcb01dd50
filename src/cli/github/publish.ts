/**
 * What a command hands to GitHub Actions besides its printed report, on request:
 * `--step-summary` appends the Markdown report to the job summary (`GITHUB_STEP_SUMMARY`),
 * `--pr-comment` puts it in the pull request's one Token Lens comment (created or updated),
 * `--step-outputs` writes the totals as step outputs (`GITHUB_OUTPUT`), and `check --sarif FILE`
 * writes the findings as SARIF 2.1.0. A comment that cannot be posted (no pull request, no token,
 * a read-only token) is a warning, never a failure: the job summary still has the report.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gitRoot } from '../git';
import type { CountedFile, FileReport } from '../count';
import { messageLines } from '../output/escape/terminal';
import { annotation } from '../output/github';
import { roundUSD, type CommandResult } from '../output/model';
import { checkSarif } from '../output/sarif';
import type { Io } from '../session';
import { commentBody, upsertComment } from './comment';
import { pullRequestContext } from './context';
import { GithubRest } from './rest';

export interface GithubFlags {
  /** `--sarif FILE` (check only). */
  sarif?: string;
  stepSummary: boolean;
  prComment: boolean;
  stepOutputs: boolean;
}

/** Whether any GitHub flag was given. */
export function wantsGithub(flags: GithubFlags): boolean {
  return flags.sarif !== undefined || flags.stepSummary || flags.prComment || flags.stepOutputs;
}

/**
 * Does what the flags ask with a command's result. Resolves to 0, or 2 when the SARIF file could
 * not be written (asked for, it is the run's output); everything else only warns.
 */
export async function publishGithub(result: CommandResult, markdown: () => string, flags: GithubFlags, io: Io, version: string): Promise<number> {
  let code = 0;
  if (flags.sarif !== undefined && result.command === 'check') {
    const root = await real(await repoRoot(io));
    const cwd = await real(io.cwd);
    const log = checkSarif(result, { version, repoPath: (shown) => relativeTo(root, path.resolve(cwd, shown)) });
    const file = path.resolve(io.cwd, flags.sarif);
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, `${JSON.stringify(log, null, 2)}\n`);
    } catch (err) {
      io.stderr(messageLines('token-lens: ', `cannot write the SARIF file ${flags.sarif}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`));
      code = 2;
    }
  }
  if (flags.stepOutputs) await appendTo(io, 'GITHUB_OUTPUT', 'step outputs', outputLines(result));
  if (flags.stepSummary || flags.prComment) {
    const report = markdown();
    if (flags.stepSummary) await appendTo(io, 'GITHUB_STEP_SUMMARY', 'job summary', `${report}\n`);
    if (flags.prComment) await comment(report, io);
  }
  return code;
}

/** The totals as `name=value` lines for `GITHUB_OUTPUT` (see README "GitHub Action" for the names). */
export function outputLines(r: CommandResult): string {
  const out: Record<string, string | number | boolean> = {};
  if (r.command === 'diff') {
    out['total-tokens'] = r.totals.after.inputTokens;
    out['total-usd'] = r.totals.after.inputUSD;
    out['base-tokens'] = r.totals.before.inputTokens;
    out['base-usd'] = r.totals.before.inputUSD;
    out['delta-tokens'] = r.totals.delta.inputTokens;
    out['delta-usd'] = r.totals.delta.inputUSD;
    out.exact = r.totals.before.exact && r.totals.after.exact;
  } else if (r.command === 'context') {
    out['total-tokens'] = r.total.inputTokens;
    out['total-usd'] = r.total.costUSD ?? 0;
    out.exact = r.total.exact;
  } else {
    const files: readonly FileReport[] = r.files;
    const counted = files.filter((f): f is CountedFile => 'inputTokens' in f);
    out['total-tokens'] = counted.reduce((n, f) => n + f.inputTokens, 0);
    out['total-usd'] = roundUSD(counted.reduce((n, f) => n + (f.costUSD.input ?? 0), 0));
    out.exact = counted.every((f) => f.exact);
    if (r.command === 'check') {
      out['over-budget'] = r.offenders.length > 0;
      out.offenders = r.offenders.length;
      out.errors = r.errors.length;
    }
  }
  out.offline = r.offline;
  return Object.entries(out).map(([k, v]) => `${k}=${v}\n`).join('');
}

async function comment(report: string, io: Io): Promise<void> {
  const ctx = await pullRequestContext(io.env);
  if (!ctx.ok) return say(io, 'notice', `No pull-request comment: ${ctx.reason}.`);
  const { pr } = ctx;
  if (!ctx.token) {
    return say(
      io,
      'warning',
      pr.fromFork
        ? `No pull-request comment on #${pr.number}: it comes from a fork and the run has no token (GITHUB_TOKEN); the report is in the job summary.`
        : `No pull-request comment on #${pr.number}: GITHUB_TOKEN is not set; the report is in the job summary.`,
    );
  }
  const client = new GithubRest({ baseUrl: ctx.apiUrl, token: ctx.token });
  const outcome = await upsertComment(client, pr, commentBody(report));
  if (outcome.ok) {
    io.stderr(`token-lens: ${outcome.action} the Token Lens comment on pull request #${pr.number}\n`);
    return;
  }
  const hint =
    outcome.status === 403 || outcome.status === 404
      ? pr.fromFork
        ? ' (a pull request from a fork gets a read-only token)'
        : ' (the token needs the pull-requests: write permission)'
      : '';
  say(io, 'warning', `Could not comment on pull request #${pr.number}: ${outcome.message}${hint}; the report is in the job summary.`);
}

/** A warning or notice: a workflow command in GitHub Actions (shown on the run), a plain line elsewhere. */
function say(io: Io, level: 'warning' | 'notice', message: string): void {
  io.stderr(io.env.GITHUB_ACTIONS === 'true' ? `${annotation(level, message)}\n` : messageLines(`token-lens: ${level}: `, message));
}

/** Appends to the file an Actions variable names; warns when unset or unwritable. */
async function appendTo(io: Io, variable: 'GITHUB_OUTPUT' | 'GITHUB_STEP_SUMMARY', what: string, text: string): Promise<void> {
  const file = io.env[variable];
  if (!file) return say(io, 'warning', `No ${what}: ${variable} is not set (not running in GitHub Actions?).`);
  try {
    await fs.appendFile(file, text);
  } catch (err) {
    say(io, 'warning', `Could not write the ${what} to ${variable}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
}

/** The repository root SARIF paths are relative to: `GITHUB_WORKSPACE`, else git's top folder, else the working directory. */
async function repoRoot(io: Io): Promise<string> {
  if (io.env.GITHUB_WORKSPACE) return path.resolve(io.env.GITHUB_WORKSPACE);
  const top = await gitRoot(io.cwd);
  return top.ok ? path.resolve(top.root) : io.cwd;
}

/** The path with symbolic links resolved (git's top folder is), or as given. */
function real(p: string): Promise<string> {
  return fs.realpath(p).catch(() => p);
}

function relativeTo(root: string, file: string): string {
  const rel = path.relative(root, file);
  return (rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file).split(path.sep).join('/');
}
