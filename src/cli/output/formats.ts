/**
 * The CLI's output formats, one row each: its flag, its line in the help, whether progress may be
 * shown on stderr while it runs, and its renderer. `main.ts` reads the flags, the help, the
 * "choose one output format" check and the renderer from here, so a new format is one renderer
 * module and one row.
 */
import { renderGithub } from './github';
import { renderJson } from './json';
import { renderMarkdown } from './markdown';
import type { CommandResult } from './model';
import { renderTable } from './table';

/** Where the CLI runs: paths in the result are relative to `cwd`; `env` has e.g. `GITHUB_WORKSPACE`. */
export interface RenderContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Writes a command's result (count, check or diff) in one format: everything that goes to stdout. */
export type Renderer = (result: CommandResult, ctx: RenderContext) => string;

export interface OutputFormat {
  /** What `--help` says of the flag. */
  help: string;
  /** Progress lines may go to stderr on a terminal (not for output meant for a program). */
  progress: boolean;
  render: Renderer;
}

/** The default format: it has no flag. */
export const DEFAULT_FORMAT = 'table' as const;

/** Every format by name; each one but the default is chosen with `--<name>`. In the order the help lists them. */
export const FORMATS = {
  table: { help: 'a readable table', progress: true, render: renderTable },
  json: { help: 'one JSON object (schema in the README, "JSON output")', progress: false, render: renderJson },
  markdown: { help: 'a compact report for a pull-request comment', progress: true, render: renderMarkdown },
  github: { help: 'GitHub Actions annotations on the offending lines, then the table', progress: true, render: renderGithub },
} as const satisfies Record<string, OutputFormat>;

export type FormatName = keyof typeof FORMATS;

type FlagName = Exclude<FormatName, typeof DEFAULT_FORMAT>;

/** The names that are flags (every format but the default). */
export const FORMAT_FLAGS = (Object.keys(FORMATS) as FormatName[]).filter((f): f is FlagName => f !== DEFAULT_FORMAT);

/** `--json`, `--markdown`, ...: one boolean option per flag, for `parseArgs`. */
export const FORMAT_OPTIONS = Object.fromEntries(FORMAT_FLAGS.map((f) => [f, { type: 'boolean' as const }])) as Record<FlagName, { type: 'boolean' }>;

/** The help's "Output" section, one line per flag. */
export function formatsHelp(): string {
  const lines = FORMAT_FLAGS.map((f) => `  ${`--${f}`.padEnd(19)}${FORMATS[f].help}`);
  return [`Output (one of; default ${FORMATS[DEFAULT_FORMAT].help}):`, ...lines].join('\n');
}
