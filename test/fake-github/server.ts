/**
 * A fake of the GitHub REST API's issue comments, on 127.0.0.1, for the `--pr-comment` tests:
 * `GET /repos/{o}/{r}/issues/{n}/comments` (paginated with `per_page`/`page` and a `Link` header
 * like GitHub's), `POST` the same path, `PATCH /repos/{o}/{r}/issues/comments/{id}`. It records
 * every request (method, path, authorization header, body) for the tests to assert on. Paths may
 * also start with `/api/v3`, as on GitHub Enterprise Server.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  authorization: string | undefined;
  /** The parsed JSON body, or undefined. */
  body: unknown;
}

export interface FakeComment {
  id: number;
  /** `owner/repo#number`. */
  issue: string;
  body: string;
  user: string;
}

export interface FakeGithubOptions {
  /** The only token accepted (`Authorization: Bearer …`); anything else is 401. */
  token: string;
  /** Comments per page when the request gives no `per_page` (GitHub: 30). */
  defaultPerPage?: number;
  /** Largest `per_page` honoured (GitHub: 100). */
  maxPerPage?: number;
}

export interface FakeGithub {
  url: string;
  token: string;
  requests: RecordedRequest[];
  comments: FakeComment[];
  /** Adds a comment by someone else (or by the bot), returning it. */
  seed(issue: string, body: string, user?: string): FakeComment;
  /** Writes answer 403 "Resource not accessible by integration", as for a read-only token. */
  denyWrites: boolean;
  /** When set, the `Link` of the first page's `next` points here instead of the fake itself. */
  nextLinkOrigin: string | undefined;
  /** When set, every error answer echoes this text in its message (to test that it is redacted). */
  echoInErrors: string | undefined;
  reset(): void;
  close(): Promise<void>;
}

const COMMENTS = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/;
const COMMENT = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/;

export async function startFakeGithub(options: FakeGithubOptions): Promise<FakeGithub> {
  let nextId = 1000;
  const fake: FakeGithub = {
    url: '',
    token: options.token,
    requests: [],
    comments: [],
    denyWrites: false,
    nextLinkOrigin: undefined,
    echoInErrors: undefined,
    seed(issue, body, user = 'someone') {
      const c = { id: nextId++, issue, body, user };
      fake.comments.push(c);
      return c;
    },
    reset() {
      fake.requests.length = 0;
      fake.comments.length = 0;
      fake.denyWrites = false;
      fake.nextLinkOrigin = undefined;
      fake.echoInErrors = undefined;
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };

  const send = (res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(json));
  };
  const fail = (res: ServerResponse, status: number, message: string) =>
    send(res, status, { message: fake.echoInErrors ? `${message} (${fake.echoInErrors})` : message, documentation_url: 'https://docs.github.com/rest' });
  const view = (c: FakeComment) => ({ id: c.id, body: c.body, user: { login: c.user } });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const url = new URL(req.url ?? '/', fake.url);
    fake.requests.push({ method: req.method ?? '', url: `${url.pathname}${url.search}`, authorization: req.headers.authorization, body });
    // GitHub Enterprise Server serves the same API under /api/v3.
    const prefix = url.pathname.startsWith('/api/v3/') ? '/api/v3' : '';
    url.pathname = url.pathname.slice(prefix.length);

    if (req.headers.authorization !== `Bearer ${fake.token}`) return fail(res, 401, 'Bad credentials');
    const list = COMMENTS.exec(url.pathname);
    const one = COMMENT.exec(url.pathname);
    if (list && req.method === 'GET') {
      const issue = `${list[1]}/${list[2]}#${list[3]}`;
      const all = fake.comments.filter((c) => c.issue === issue);
      const perPage = Math.min(Number(url.searchParams.get('per_page') ?? options.defaultPerPage ?? 30), options.maxPerPage ?? 100);
      const page = Number(url.searchParams.get('page') ?? 1);
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const link = (p: number, origin = fake.url) => `<${origin}${prefix}${url.pathname}?per_page=${perPage}&page=${p}>`;
      const links = [
        ...(page < last ? [`${link(page + 1, page === 1 && fake.nextLinkOrigin ? fake.nextLinkOrigin : fake.url)}; rel="next"`, `${link(last)}; rel="last"`] : []),
        ...(page > 1 ? [`${link(1)}; rel="first"`, `${link(page - 1)}; rel="prev"`] : []),
      ];
      return send(res, 200, slice.map(view), links.length > 0 ? { link: links.join(', ') } : {});
    }
    if (list && req.method === 'POST') {
      if (fake.denyWrites) return fail(res, 403, 'Resource not accessible by integration');
      const text = (body as { body?: unknown } | undefined)?.body;
      if (typeof text !== 'string') return fail(res, 422, 'Invalid request: body is required');
      return send(res, 201, view(fake.seed(`${list[1]}/${list[2]}#${list[3]}`, text, 'github-actions[bot]')));
    }
    if (one && req.method === 'PATCH') {
      if (fake.denyWrites) return fail(res, 403, 'Resource not accessible by integration');
      const comment = fake.comments.find((c) => c.id === Number(one[3]) && c.issue.startsWith(`${one[1]}/${one[2]}#`));
      if (!comment) return fail(res, 404, 'Not Found');
      const text = (body as { body?: unknown } | undefined)?.body;
      if (typeof text !== 'string') return fail(res, 422, 'Invalid request: body is required');
      comment.body = text;
      return send(res, 200, view(comment));
    }
    return fail(res, 404, 'Not Found');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => fail(res, 500, 'fake failure'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
