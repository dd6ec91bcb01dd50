/**
 * What a GitHub Actions run says about itself, from its environment: the repository, the pull
 * request (from the event payload at `GITHUB_EVENT_PATH`), whether it comes from a fork, the API
 * URL and the token (`GITHUB_TOKEN`).
 */
import { promises as fs } from 'node:fs';

export interface PullRequestTarget {
  owner: string;
  repo: string;
  number: number;
  /** The head branch lives in another repository than the base (its token is usually read-only). */
  fromFork: boolean;
}

export type PullRequestContext =
  | { ok: true; pr: PullRequestTarget; apiUrl: string; token: string | undefined }
  | { ok: false; reason: string };

interface EventPayload {
  pull_request?: { number?: unknown; head?: { repo?: { full_name?: unknown } | null }; base?: { repo?: { full_name?: unknown } } };
  issue?: { number?: unknown; pull_request?: unknown };
  repository?: { full_name?: unknown };
}

/** The pull request this run is about, or why there is none. Never throws. */
export async function pullRequestContext(env: NodeJS.ProcessEnv): Promise<PullRequestContext> {
  const eventPath = env.GITHUB_EVENT_PATH;
  if (!eventPath) return { ok: false, reason: 'not running in GitHub Actions (GITHUB_EVENT_PATH is not set)' };
  let event: EventPayload;
  try {
    event = JSON.parse(await fs.readFile(eventPath, 'utf8')) as EventPayload;
  } catch (err) {
    return { ok: false, reason: `cannot read the event payload: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  const eventName = env.GITHUB_EVENT_NAME ?? 'this';
  const pr = event?.pull_request;
  const number = pr?.number ?? (event?.issue?.pull_request ? event.issue.number : undefined);
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number <= 0) return { ok: false, reason: `the ${eventName} event is not about a pull request` };
  const fullName = [event.repository?.full_name, pr?.base?.repo?.full_name, env.GITHUB_REPOSITORY].find((n): n is string => typeof n === 'string' && /^[^/\s]+\/[^/\s]+$/.test(n));
  if (!fullName) return { ok: false, reason: 'the event payload names no repository' };
  const [owner, repo] = fullName.split('/') as [string, string];
  const head = pr?.head?.repo?.full_name;
  const fromFork = typeof head === 'string' && head.toLowerCase() !== fullName.toLowerCase();
  const token = env.GITHUB_TOKEN?.trim() || undefined;
  return { ok: true, pr: { owner, repo, number, fromFork }, apiUrl: env.GITHUB_API_URL || 'https://api.github.com', token };
}
