/**
 * Text from a file or the API in Markdown (the `--markdown` report, the PR comment and the job
 * summary): control and bidi characters made visible, table pipes escaped, HTML shown rather than
 * rendered, no backtick opening a code span and no bracket opening a link.
 */
import { visible } from './terminal';

/** A table cell: control characters (line breaks too) made visible, backslashes and pipes escaped. */
export function cell(text: string): string {
  return visible(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

/** Text outside code: table-safe, HTML in it shown, not rendered, no backtick opening a code span, no link. */
export function plain(text: string): string {
  return cell(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[`[\]]/g, '\\$&');
}

/**
 * A path or an id as inline code. Text a code span cannot hold safely (a backtick, a pipe, which a
 * table would split on, or HTML, which some renderers of the comment would not leave as text)
 * falls back to plain text.
 */
export function code(text: string): string {
  const v = visible(text);
  return /[`|<>&]/.test(v) ? plain(text) : `\`${v}\``;
}
