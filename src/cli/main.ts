import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CountCache } from '../core/client/cache';
import { CountingClient } from '../core/client/counting-client';
import { RateLimiter } from '../core/client/rate-limiter';
import { sdkTransport } from '../core/client/transport';
import { ModelRegistry } from '../core/models/registry';
import { countFiles, type CountReport } from './count';
import { formatTable } from './format';

export const USAGE = `Usage: token-lens count [options] PATH...

Counts the input tokens of Claude prompt and payload files (Messages API request
bodies in JSON/JSONC/YAML, tool lists, prompt Markdown) and what they cost.
PATH may be a file, a folder (walked for prompt and payload files) or a glob.

Options:
  --model ID         count every file on this model (default: the file's own
                     model, else claude-sonnet-4-6)
  --offline          never call the API; use the local estimate
  --json             print one JSON object (schema in the README)
  --cache-dir DIR    where exact counts are cached (default $XDG_CACHE_HOME/token-lens
                     or ~/.cache/token-lens)
  --threshold N      tool overhead warning threshold in tokens (default 500)
  --budget N         warn when a request is over N input tokens
  --rpm N            most count_tokens calls per minute (default 50)
  -h, --help         show this help
  --version          print the version

Exact counts need ANTHROPIC_API_KEY; ANTHROPIC_BASE_URL changes the endpoint.
Exit codes: 0 counted, 2 usage error or a file that could not be read or parsed.`;

/** Where the persistent count cache lives for the CLI. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'token-lens');
  return path.join(os.homedir(), '.cache', 'token-lens');
}

interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  isTTY: boolean;
}

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive whole number, not "${raw}"`);
  return n;
}

class UsageError extends Error {}

/** Longest the CLI waits for one count: past a full rate-limit window, so `--rpm` throttles rather than gives up. */
const CLI_MAX_WAIT_MS = 90_000;

/** Runs the CLI; resolves to the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        offline: { type: 'boolean' },
        json: { type: 'boolean' },
        'cache-dir': { type: 'string' },
        threshold: { type: 'string' },
        budget: { type: 'string' },
        rpm: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (err) {
    io.stderr(`token-lens: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const [command, ...paths] = positionals;
  if (values.help || command === undefined || command === 'help') {
    (values.help || command === 'help' ? io.stdout : io.stderr)(`${USAGE}\n`);
    return values.help || command === 'help' ? 0 : 2;
  }
  if (command !== 'count') {
    io.stderr(`token-lens: unknown command "${command}"\n\n${USAGE}\n`);
    return 2;
  }
  if (paths.length === 0) {
    io.stderr(`token-lens: count needs at least one PATH\n\n${USAGE}\n`);
    return 2;
  }

  let threshold: number, budget: number | undefined, rpm: number;
  try {
    threshold = positiveInt('--threshold', values.threshold) ?? 500;
    budget = positiveInt('--budget', values.budget);
    rpm = positiveInt('--rpm', values.rpm) ?? 50;
  } catch (err) {
    io.stderr(`token-lens: ${(err as Error).message}\n`);
    return 2;
  }

  const registry = ModelRegistry.bundled();
  const apiKey = io.env.ANTHROPIC_API_KEY?.trim();
  const offline = values.offline === true;
  let client: CountingClient | undefined;
  let cache: CountCache | undefined;
  if (!offline && apiKey) {
    cache = new CountCache({
      // A relative --cache-dir is relative to the directory the command runs in.
      file: path.join(path.resolve(io.cwd, values['cache-dir'] ?? defaultCacheDir(io.env)), 'counts.json'),
      onProblem: (message) => io.stderr(`token-lens: ${message}\n`),
    });
    await cache.load();
    client = new CountingClient({
      transport: sdkTransport({ apiKey, ...(io.env.ANTHROPIC_BASE_URL ? { baseURL: io.env.ANTHROPIC_BASE_URL } : {}) }),
      cache,
      limiter: new RateLimiter({ limit: rpm }),
      // A batch run waits for the next free slot (--rpm, or a 429's retry-after) rather than
      // falling back to estimates for every file past the first minute's calls.
      maxRetryWaitMs: CLI_MAX_WAIT_MS,
    });
  } else if (!offline) {
    io.stderr('token-lens: no ANTHROPIC_API_KEY set, so these are local estimates (≈). Set ANTHROPIC_API_KEY for exact counts from the free count_tokens endpoint.\n');
  }

  let report: CountReport;
  try {
    report = await countFiles({
      paths,
      cwd: io.cwd,
      client,
      offlineReason: offline ? 'offline' : 'no-key',
      analyze: {
        registry,
        defaultModel: registry.defaultModelId,
        ...(values.model ? { modelOverride: values.model } : {}),
        toolThreshold: threshold,
        ...(budget !== undefined ? { budget } : {}),
      },
      onProgress: io.isTTY && !values.json ? progressPrinter(io) : undefined,
    });
  } finally {
    await cache?.flush();
  }

  for (const message of report.missing) io.stderr(`token-lens: ${message}\n`);
  if (values.json) {
    io.stdout(`${JSON.stringify({ version: VERSION, offline: client === undefined, pricesAsOf: registry.asOf, files: report.files }, null, 2)}\n`);
  } else {
    io.stdout(formatTable(report.files, { offline: client === undefined, pricesAsOf: registry.asOf }));
  }
  const failed = report.missing.length > 0 || report.files.some((f) => 'error' in f);
  return failed ? 2 : 0;
}

/** Progress on stderr, only when the run takes longer than a moment. */
function progressPrinter(io: Io): (done: number, total: number) => void {
  const started = Date.now();
  let shown = false;
  return (done, total) => {
    if (Date.now() - started < 1_000 && !shown) return;
    shown = true;
    io.stderr(done === total ? `\r${' '.repeat(30)}\r` : `\rcounting ${done}/${total}…`);
  };
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

if (require.main === module) {
  run(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTTY: process.stderr.isTTY === true,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`token-lens: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
