/**
 * The one pull-request comment Token Lens keeps: found by a hidden marker, created when missing,
 * updated in place on later runs, never duplicated. Comments without the marker are never touched.
 */
import type { PullRequestTarget } from './context';
import type { GithubRest } from './rest';

/** The first line of the comment; invisible once rendered. */
export const COMMENT_MARKER = '<!-- token-lens -->';

/** GitHub's limit on a comment body, in characters. */
export const MAX_COMMENT_CHARS = 65_536;

/** Whether a comment is the one Token Lens keeps. */
export function isMarked(body: string): boolean {
  return body.trimStart().startsWith(COMMENT_MARKER);
}

/** The comment body for a Markdown report: the marker, then the report, cut at a line when too long. */
export function commentBody(markdown: string): string {
  const head = `${COMMENT_MARKER}\n`;
  const full = `${head}${markdown}`;
  if (full.length <= MAX_COMMENT_CHARS) return full;
  const note = '\n\n_… cut to fit a comment: the whole report is in the job summary._\n';
  const room = MAX_COMMENT_CHARS - head.length - note.length;
  const cut = markdown.lastIndexOf('\n', room);
  return `${head}${markdown.slice(0, cut > 0 ? cut : room)}${note}`;
}

export type UpsertOutcome =
  | { ok: true; action: 'created' | 'updated'; id: number }
  | { ok: false; status: number | null; message: string };

/** Creates the marked comment on the pull request, or updates the first one already there. */
export async function upsertComment(client: GithubRest, pr: PullRequestTarget, body: string): Promise<UpsertOutcome> {
  const list = await client.listIssueComments(pr.owner, pr.repo, pr.number);
  if (!list.ok) return list;
  const existing = list.value.find((c) => isMarked(c.body));
  const saved = existing
    ? await client.updateIssueComment(pr.owner, pr.repo, existing.id, body)
    : await client.createIssueComment(pr.owner, pr.repo, pr.number, body);
  if (!saved.ok) return saved;
  return { ok: true, action: existing ? 'updated' : 'created', id: saved.value.id };
}
