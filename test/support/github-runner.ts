import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startFakeGithub, type FakeGithub } from '../fake-github/server';

/** What a GitHub Actions job gives a step, around the fake GitHub API; fresh for each test. */
export interface GithubRunner {
  github: FakeGithub;
  /** The runner's folder: the event payload, the job summary and the step outputs files. */
  dir: string;
  /** GITHUB_ACTIONS, GITHUB_API_URL (the fake), GITHUB_TOKEN, GITHUB_EVENT_NAME and _PATH, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT. */
  env: NodeJS.ProcessEnv;
  /** Writes the event payload (GITHUB_EVENT_PATH) and sets GITHUB_EVENT_NAME. */
  setEvent(name: string, payload: unknown): void;
  /** The job summary written so far. */
  summary(): string;
  /** The step outputs written so far. */
  outputs(): string;
}

/**
 * Registers mocha hooks: one fake GitHub API for the suite (accepting `token`), and for each test
 * a fresh runner folder and environment of a `pull_request` run with `event` as its payload.
 * The returned object is filled in by the hooks.
 */
export function useGithubRunner(token: string, event: () => unknown): GithubRunner {
  const runner = { env: {} } as GithubRunner;
  before(async () => {
    runner.github = await startFakeGithub({ token });
  });
  after(() => runner.github.close());
  beforeEach(() => {
    runner.github.reset();
    runner.dir = mkdtempSync(path.join(tmpdir(), 'tl-gh-runner-'));
    const file = (name: string) => path.join(runner.dir, name);
    writeFileSync(file('summary.md'), '');
    writeFileSync(file('output.txt'), '');
    runner.env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_API_URL: runner.github.url,
      GITHUB_TOKEN: token,
      GITHUB_EVENT_PATH: file('event.json'),
      GITHUB_STEP_SUMMARY: file('summary.md'),
      GITHUB_OUTPUT: file('output.txt'),
    };
    runner.setEvent = (name, payload) => {
      writeFileSync(file('event.json'), JSON.stringify(payload));
      runner.env.GITHUB_EVENT_NAME = name;
    };
    runner.summary = () => readFileSync(file('summary.md'), 'utf8');
    runner.outputs = () => readFileSync(file('output.txt'), 'utf8');
    runner.setEvent('pull_request', event());
  });
  afterEach(() => rmSync(runner.dir, { recursive: true, force: true }));
  return runner;
}
