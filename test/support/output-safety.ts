/**
 * Reads the CLI's output the way its consumers do and reports what a hostile name or model id
 * could have done there (issue #12): a GitHub Actions runner (which workflow commands it would
 * execute), a Markdown renderer (raw HTML, a table row with extra cells) and a terminal (control
 * and bidi characters). Written from the consumers' rules, not from the CLI's escaping code, so
 * that it can catch a mistake in it.
 */

export type OutputFormat = 'table' | 'json' | 'markdown' | 'github';

/** The format a CLI argument list asks for. */
export function formatOf(args: readonly string[]): OutputFormat {
  if (args.includes('--json')) return 'json';
  if (args.includes('--markdown')) return 'markdown';
  if (args.includes('--github')) return 'github';
  return 'table';
}

/** Characters a terminal acts on, or that reorder what follows: C0 but LF, DEL, C1, bidi controls, line/paragraph separators. */
export const TERMINAL_UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** The tags and comments the Markdown report itself writes. */
const OWN_HTML = /<\/?sub>|<!--[^>]*-->/g;

/** A workflow command's property value as the runner reads it back. */
function unescapeProperty(value: string): string {
  return value.replace(/%3A/gi, ':').replace(/%2C/gi, ',').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

/** The commands the CLI itself writes, and each one carries `title=Token Lens`. */
const OWN_COMMANDS = new Set(['error', 'warning', 'notice']);

/**
 * The workflow commands a GitHub Actions runner would execute from `stdout` that the CLI did not
 * write: anything but an error/warning/notice titled "Token Lens" outside a stop-commands block,
 * and legacy `##[` commands. (The runner reads a command on a line that starts with `::` after
 * blanks; between `::stop-commands::T` and `::T::` it executes nothing.)
 */
export function foreignWorkflowCommands(stdout: string): string[] {
  const found: string[] = [];
  let stopToken: string | undefined;
  for (const line of stdout.split(/\r?\n|\r/)) {
    const text = line.trimStart();
    if (stopToken !== undefined) {
      if (text.trimEnd() === `::${stopToken}::`) stopToken = undefined;
      continue;
    }
    if (text.startsWith('##[')) {
      found.push(line);
      continue;
    }
    if (!text.startsWith('::')) continue;
    const end = text.indexOf('::', 2);
    if (end < 0) continue;
    const info = text.slice(2, end);
    const space = info.indexOf(' ');
    const name = space < 0 ? info : info.slice(0, space);
    if (name === 'stop-commands') {
      stopToken = text.slice(end + 2);
      continue;
    }
    const props = new Map<string, string>();
    for (const pair of space < 0 ? [] : info.slice(space + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq > 0) props.set(pair.slice(0, eq).trim(), unescapeProperty(pair.slice(eq + 1)));
    }
    if (!OWN_COMMANDS.has(name) || props.get('title') !== 'Token Lens') found.push(line);
  }
  return found;
}

/** Rows of a Markdown table whose count of cell separators differs from the table's header. */
export function brokenTableRows(markdown: string): string[] {
  const broken: string[] = [];
  let header: number | undefined;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      header = undefined;
      continue;
    }
    // In a GFM table a pipe splits cells unless backslash-escaped, inside code spans as well.
    const pipes = (line.match(/(?<!\\)\|/g) ?? []).length;
    if (header === undefined) header = pipes;
    else if (pipes !== header) broken.push(line);
  }
  return broken;
}

/** What in one CLI run's output is unsafe for the consumer of its format; empty when nothing is. */
export function unsafeOutput(out: { stdout: string; stderr: string }, format: OutputFormat): string[] {
  const problems: string[] = [];
  const streams: [string, string][] = format === 'json' ? [['stderr', out.stderr]] : [['stdout', out.stdout], ['stderr', out.stderr]];
  for (const [name, text] of streams) {
    const bad = TERMINAL_UNSAFE.exec(text);
    if (bad) problems.push(`raw U+${bad[0].codePointAt(0)!.toString(16).padStart(4, '0')} in ${name}: ${JSON.stringify(text.slice(Math.max(0, bad.index - 30), bad.index + 30))}`);
  }
  if (format === 'markdown') {
    const html = /<[A-Za-z/!?]/.exec(out.stdout.replace(OWN_HTML, ''));
    if (html) problems.push(`raw HTML in --markdown: ${JSON.stringify(out.stdout.replace(OWN_HTML, '').slice(html.index, html.index + 40))}`);
    problems.push(...brokenTableRows(out.stdout).map((row) => `a table row with extra cells: ${JSON.stringify(row.slice(0, 80))}`));
  }
  if (format === 'github') {
    problems.push(...foreignWorkflowCommands(out.stdout).map((l) => `the runner would execute: ${JSON.stringify(l.slice(0, 80))}`));
  }
  return problems;
}
