/**
 * `--github`: GitHub Actions workflow commands that annotate the offending lines of a pull
 * request (`::error file=…,line=…,title=Token Lens::message`), followed by the readable report
 * for the log. `::error` for what fails the run (a limit exceeded, a file that cannot be read),
 * `::warning` for other findings, `::notice` for information (offline, a diff's changes). Paths are made relative to `GITHUB_WORKSPACE` (the repository root in Actions)
 * when it is set.
 *
 * The readable report after the annotations is free text from the files (paths, model ids, tool
 * names): it is printed inside a `::stop-commands::<random token>` block, so the runner executes
 * nothing in it, and no line of it can begin like a command (`escape/workflow.ts`).
 */
import * as path from 'node:path';
import type { CountedFile } from '../count';
import type { RenderContext } from './formats';
import { LIMIT_DIAGNOSTICS, type CheckedFile, type CheckResult, type CommandResult, type ContextResult, type CountResult, type DiffEntry, type DiffResult, type RunInfo } from './model';
import { escapeData, escapeProperty, guarded } from './escape/workflow';
import { renderTable } from './table';
import { changeText, diffRowExact, offlineNote, signedTokens, signedUSD, tokens } from './text';

const TITLE = 'Token Lens';

export { escapeData, escapeProperty };

export type AnnotationLevel = 'error' | 'warning' | 'notice';

/** One workflow command line. */
export function annotation(level: AnnotationLevel, message: string, where?: { file: string; line?: number | null }): string {
  const props = [...(where ? [`file=${escapeProperty(where.file)}`] : []), ...(where?.line ? [`line=${where.line}`] : []), `title=${escapeProperty(TITLE)}`];
  return `::${level} ${props.join(',')}::${escapeData(message)}`;
}

/** A report path (relative to the working directory) relative to `GITHUB_WORKSPACE` when set. */
export function annotationPath(shown: string, ctx: RenderContext): string {
  const workspace = ctx.env.GITHUB_WORKSPACE;
  if (!workspace) return shown;
  const rel = path.relative(path.resolve(workspace), path.resolve(ctx.cwd, shown));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : shown;
}

/** The annotations, then the readable report inside a stop-commands guard. */
function withReport(annotations: string[], r: CommandResult, ctx: RenderContext): string {
  return `${annotations.map((l) => `${l}\n`).join('')}${guarded(renderTable(r, ctx))}`;
}

function offlineNotice(info: RunInfo): string[] {
  const note = offlineNote(info);
  if (!note) return [];
  const how = info.offlineReason === 'offline' ? 'run without --offline, with ANTHROPIC_API_KEY set,' : 'set ANTHROPIC_API_KEY (a repository secret)';
  return [annotation('notice', `Token Lens used ${note}: ${how} for exact counts.`)];
}

/**
 * The files' warnings and errors (a thinking budget too small, a retiring model, ...) as warnings:
 * they do not fail the run. `::error` is kept for what makes the exit code non-zero.
 */
function fileDiagnostics(files: CountedFile[], ctx: RenderContext, skip: ReadonlySet<string>): string[] {
  return files.flatMap((f) =>
    f.diagnostics
      .filter((d) => d.severity !== 'info' && !skip.has(d.code))
      .map((d) => annotation('warning', d.message, { file: annotationPath(f.path, ctx), line: d.line ?? 1 })),
  );
}

function countGithub(r: CountResult, ctx: RenderContext): string {
  const counted = r.files.filter((f): f is CountedFile => 'inputTokens' in f);
  const lines = [
    ...offlineNotice(r),
    ...r.files.flatMap((f) => ('error' in f ? [annotation('error', f.error, { file: annotationPath(f.path, ctx), line: f.line ?? 1 })] : [])),
    ...fileDiagnostics(counted, ctx, new Set()),
  ];
  return withReport(lines, r, ctx);
}

function checkGithub(r: CheckResult, ctx: RenderContext): string {
  const counted = r.files.filter((f): f is CheckedFile => 'inputTokens' in f);
  const lines = [
    ...offlineNotice(r),
    ...r.offenders.map((o) => annotation('error', o.message, { file: annotationPath(o.path, ctx), line: o.line })),
    // A file that could not be read or parsed is annotated; an argument that named nothing is not a file.
    ...r.errors.map((e) => (r.files.some((f) => f.path === e.path) ? annotation('error', e.error, { file: annotationPath(e.path, ctx), line: e.line ?? 1 }) : annotation('error', `${e.path}: ${e.error}`))),
    // Findings that are not limits do not fail a check: warnings.
    ...fileDiagnostics(counted, ctx, LIMIT_DIAGNOSTICS),
  ];
  return withReport(lines, r, ctx);
}

function diffGithub(r: DiffResult, ctx: RenderContext): string {
  const lines = [...offlineNotice(r)];
  for (const f of r.files) {
    if (f.status === 'unchanged' || f.delta.inputTokens === null) continue;
    const side = (x: DiffEntry['before']) => (x && !('error' in x) ? tokens(x.inputTokens, x.exact) : '0');
    const cost = `${signedUSD(f.delta.inputUSD)} per request`;
    const change = signedTokens(f.delta.inputTokens, diffRowExact(f));
    if (f.status === 'removed') lines.push(annotation('notice', `${f.path} removed since ${r.ref}: ${change} input tokens (${cost})`));
    else if (f.status === 'added') lines.push(annotation('notice', `New since ${r.ref}: ${side(f.after)} input tokens (${cost})`, { file: annotationPath(f.path, ctx), line: 1 }));
    else lines.push(annotation('notice', `${changeText(f)} input tokens since ${r.ref}: ${side(f.before)} → ${side(f.after)} (${cost})`, { file: annotationPath(f.path, ctx), line: 1 }));
  }
  for (const e of r.errors) {
    lines.push(
      e.side === 'now'
        ? annotation('error', e.error, { file: annotationPath(e.path, ctx), line: e.line ?? 1 })
        : annotation('warning', `${e.path} at ${r.ref}: ${e.error}`),
    );
  }
  return withReport(lines, r, ctx);
}

/** `context`: the total as a notice, problems as warnings (errors for a config that cannot be read), servers whose tools are unknown as notices. */
function contextGithub(r: ContextResult, ctx: RenderContext): string {
  const t = r.total;
  const lines = [
    ...offlineNotice(r),
    annotation('notice', `The agent context of ${r.root} is ${tokens(t.inputTokens, t.exact)} tokens before the user types (${r.sources.filter((s) => s.upFront.inputTokens > 0).length} sources, ${r.servers.length} MCP servers) on ${r.model}.`),
    ...r.problems.filter((p) => p.severity !== 'info').map((p) => annotation(p.severity === 'error' ? 'error' : 'warning', p.message, { file: annotationPath(p.path, ctx), line: p.line ?? 1 })),
    ...r.servers.filter((s) => s.status !== 'ok').map((s) => annotation('notice', `MCP server "${s.name}": ${s.message ?? s.status}; its tools are not counted.`, { file: annotationPath(s.path, ctx), line: s.line })),
  ];
  return withReport(lines, r, ctx);
}

/** The annotations of any command, then its readable report. */
export function renderGithub(result: CommandResult, ctx: RenderContext): string {
  switch (result.command) {
    case 'count':
      return countGithub(result, ctx);
    case 'check':
      return checkGithub(result, ctx);
    case 'diff':
      return diffGithub(result, ctx);
    case 'context':
      return contextGithub(result, ctx);
  }
}
