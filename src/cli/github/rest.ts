/**
 * The few GitHub REST calls the pull-request comment needs, over `fetch`: list an issue's
 * comments (every page), create one, update one. Expected failures (403, 404, a network error)
 * are returned, never thrown; no message ever contains the token.
 */

export interface IssueComment {
  id: number;
  body: string;
}

export type RestOutcome<T> = { ok: true; value: T } | { ok: false; status: number | null; message: string };

export interface GithubRestOptions {
  /** `GITHUB_API_URL`, e.g. `https://api.github.com` or a GitHub Enterprise Server's `/api/v3`. */
  baseUrl: string;
  token: string;
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Pages read at most when listing (default 50, i.e. 5,000 comments). */
  maxPages?: number;
}

/** The URL of the `rel="next"` link in a `Link` header. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    const rel = m ? /;\s*rel\s*=\s*"?([^";]*)"?/.exec(m[2]!) : null;
    if (m && rel && rel[1]!.split(/\s+/).includes('next')) return m[1];
  }
  return undefined;
}

export class GithubRest {
  private readonly base: URL;

  constructor(private readonly options: GithubRestOptions) {
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  }

  /** Every comment on issue or pull request `number`, following `Link: rel="next"` on the API's own origin only. */
  async listIssueComments(owner: string, repo: string, number: number): Promise<RestOutcome<IssueComment[]>> {
    const comments: IssueComment[] = [];
    let url: URL | undefined = this.url(`repos/${enc(owner)}/${enc(repo)}/issues/${number}/comments?per_page=100`);
    for (let page = 0; url && page < (this.options.maxPages ?? 50); page++) {
      const res = await this.request('GET', url);
      if (!res.ok) return res;
      if (!Array.isArray(res.value.json)) return { ok: false, status: res.value.status, message: 'the comment list is not a JSON array' };
      for (const c of res.value.json as unknown[]) {
        const { id, body } = (c ?? {}) as { id?: unknown; body?: unknown };
        if (typeof id === 'number') comments.push({ id, body: typeof body === 'string' ? body : '' });
      }
      const next = nextLink(res.value.link);
      url = undefined;
      if (next !== undefined) {
        const candidate = new URL(next, this.base);
        // The token goes to the API's origin and nowhere else.
        if (candidate.origin === this.base.origin) url = candidate;
      }
    }
    return { ok: true, value: comments };
  }

  createIssueComment(owner: string, repo: string, number: number, body: string): Promise<RestOutcome<IssueComment>> {
    return this.write('POST', this.url(`repos/${enc(owner)}/${enc(repo)}/issues/${number}/comments`), body);
  }

  updateIssueComment(owner: string, repo: string, id: number, body: string): Promise<RestOutcome<IssueComment>> {
    return this.write('PATCH', this.url(`repos/${enc(owner)}/${enc(repo)}/issues/comments/${id}`), body);
  }

  private url(rel: string): URL {
    return new URL(rel, this.base);
  }

  private async write(method: 'POST' | 'PATCH', url: URL, body: string): Promise<RestOutcome<IssueComment>> {
    const res = await this.request(method, url, { body });
    if (!res.ok) return res;
    const { id, body: saved } = (res.value.json ?? {}) as { id?: unknown; body?: unknown };
    if (typeof id !== 'number') return { ok: false, status: res.value.status, message: 'the response has no comment id' };
    return { ok: true, value: { id, body: typeof saved === 'string' ? saved : body } };
  }

  private async request(method: string, url: URL, payload?: unknown): Promise<RestOutcome<{ status: number; json: unknown; link: string | null }>> {
    const { token } = this.options;
    const what = `${method} ${url.pathname}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        redirect: 'error',
        headers: {
          accept: 'application/vnd.github+json',
          authorization: `Bearer ${token}`,
          'x-github-api-version': '2022-11-28',
          'user-agent': 'token-lens',
          ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      return { ok: false, status: null, message: redact(`${what} failed: ${cause}`, token) };
    }
    const text = await res.text().catch(() => '');
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const said = typeof (json as { message?: unknown })?.message === 'string' ? `: ${(json as { message: string }).message}` : '';
      return { ok: false, status: res.status, message: redact(`${what} answered ${res.status}${said}`, token) };
    }
    return { ok: true, value: { status: res.status, json, link: res.headers.get('link') } };
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

/** `text` with every occurrence of `secret` replaced. */
export function redact(text: string, secret: string): string {
  return secret.length > 0 ? text.split(secret).join('***') : text;
}
