/**
 * GitHub Actions workflow commands (`::error file=…::message`): escaping of a command's data and
 * properties as the runner reads them back, and the guards for free text printed in `--github`
 * mode: a `::stop-commands::<token>` … `::<token>::` block (the runner executes nothing in
 * between), and, in case the guard is not honoured, no line that begins like a command.
 */
import { randomBytes } from 'node:crypto';
import { visibleKeepingLineBreaks } from './terminal';

/** Escapes a workflow command's message (%, CR, LF); other control and bidi characters are made visible. */
export function escapeData(text: string): string {
  return visibleKeepingLineBreaks(text).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow command's property value (also `:` and `,`). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * Free text (already one line per line: see `visible`) with no line the runner could read as a
 * command: a line beginning with `::` (after blanks) gets its first colon as `\x3a`, and the
 * legacy `##[` prefix, wherever it is, becomes `##\x5b`.
 */
export function neutraliseCommands(text: string): string {
  return text.replace(/^(\s*)::/gm, '$1\\x3a:').replace(/##\[/g, '##\\x5b');
}

/** A fresh unguessable token for one `::stop-commands::` block. */
export function stopToken(): string {
  return randomBytes(16).toString('hex');
}

/** `text` inside a stop-commands block with its own token, each line neutralised as well. */
export function guarded(text: string, token: string = stopToken()): string {
  const body = neutraliseCommands(text);
  return `::stop-commands::${token}\n${body}${body.endsWith('\n') || body === '' ? '' : '\n'}::${token}::\n`;
}
