/**
 * Measures the requests of `bench/fit/wanted.json` with `POST /v1/messages/count_tokens` on each
 * of their models and appends the exact counts to the calibration data
 * (`test/fixtures/claude-count-requests.json`), one case per request and model, with provenance.
 * Counts are only ever what the API answered: a request the API refuses is reported, not recorded.
 *
 *   ANTHROPIC_API_KEY=... npm run calibrate:record [-- --models claude-opus-5,claude-sonnet-5] [--rpm 40] [--dry-run]
 *
 * Resumable: a case already in the data (same name) is not asked again, and the data file is
 * rewritten (atomically) after every answer, so an interrupted run keeps what it measured. Then
 * `node --import tsx bench/fit-estimator.ts` refits and `node --import tsx bench/estimator.ts`
 * shows the cross-validated table.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { sdkTransport, type CountTransport, type TransportResult } from '../../src/core/client/transport';
import { sleep } from '../../src/core/client/rate-limiter';
import { writeFileAtomic } from '../../src/core/fs/write-atomic';
import type { CountRequest } from '../../src/core/types';
import { REQUESTS_PATH } from './fit-requests';

/** Path of the wanted requests, relative to the repository root. */
export const WANTED_PATH = 'bench/fit/wanted.json';

/** One request (or text, sent as one user message) to measure. */
export interface WantedCase {
  name: string;
  class: string;
  kind: 'text' | 'request';
  text?: string;
  /** The body without `model`: the model is set per measurement. */
  request?: Record<string, unknown>;
  /** Models for this case only; else the file's `models`. */
  models?: string[];
}

export interface WantedFile {
  models: string[];
  cases: WantedCase[];
}

/** A case of the calibration data, as `parseRequestFile` reads it. */
export interface MeasuredCase {
  name: string;
  class: string;
  model: string;
  kind: 'text' | 'request';
  text?: string;
  request?: Record<string, unknown>;
  truth: number;
  provenance: string;
  truth_scope: string;
}

/** The name a measured case gets: the wanted name and the model, so all models of one request are one source. */
export function measuredName(wanted: string, model: string): string {
  return `m_${wanted}__${model}`;
}

/** Reads and checks the wanted file; throws naming the file and the first problem. */
export function parseWantedFile(json: unknown, file = WANTED_PATH): WantedFile {
  const fail = (why: string): never => {
    throw new Error(`${file}: ${why}`);
  };
  if (json === null || typeof json !== 'object') fail('not a JSON object');
  const { models, cases } = json as { models?: unknown; cases?: unknown };
  if (!Array.isArray(models) || !models.every((m) => typeof m === 'string')) fail('"models" must be a list of model ids');
  if (!Array.isArray(cases)) fail('"cases" must be a list');
  const seen = new Set<string>();
  (cases as unknown[]).forEach((c, i) => {
    const w = c as Partial<WantedCase>;
    const at = `case ${i + 1}${typeof w?.name === 'string' ? ` (${w.name})` : ''}`;
    if (w === null || typeof w !== 'object') fail(`${at} is not an object`);
    if (typeof w.name !== 'string' || !/^[a-z0-9_]+$/.test(w.name)) fail(`${at}: "name" must be lower-case letters, digits and _`);
    if (seen.has(w.name!)) fail(`${at}: the name is used twice`);
    seen.add(w.name!);
    if (typeof w.class !== 'string') fail(`${at}: "class" is missing`);
    if (w.kind === 'text' ? typeof w.text !== 'string' : w.kind !== 'request' || w.request === null || typeof w.request !== 'object') {
      fail(`${at}: a "text" case needs "text", a "request" case needs "request"`);
    }
    if (w.models !== undefined && (!Array.isArray(w.models) || !w.models.every((m) => typeof m === 'string'))) fail(`${at}: "models" must be a list of model ids`);
  });
  return json as WantedFile;
}

/** The body sent to count_tokens for a wanted case on `model`. */
export function bodyOf(w: WantedCase, model: string): CountRequest {
  const body = w.kind === 'text' ? { messages: [{ role: 'user', content: w.text }] } : w.request!;
  return { ...body, model } as unknown as CountRequest;
}

export interface RecordOptions {
  wanted: WantedFile;
  /** Names already in the calibration data: not measured again. */
  have: ReadonlySet<string>;
  transport: CountTransport;
  /** Only these models (default: each case's). */
  models?: readonly string[];
  /** Calls per minute, at most (default 40; count_tokens allows 100 on the lowest tier). */
  rpm?: number;
  /** Waits on a 429 before giving up on a case (default 3). */
  retries?: number;
  timeoutMs?: number;
  /** Called with each new case as soon as it is measured (to save it). */
  onCase: (c: MeasuredCase) => Promise<void>;
  log: (line: string) => void;
  /** For the provenance; default now. */
  date?: string;
  /** For tests: the pause between calls and on a 429 without retry-after. */
  wait?: (ms: number) => Promise<void>;
}

export interface RecordSummary {
  measured: number;
  skipped: number;
  refused: { name: string; message: string }[];
  /** Set when the run stopped early (a key problem): no further call can succeed. */
  stopped?: string;
}

/** Measures every wanted case × model not yet in the data, one call at a time within `rpm`. */
export async function recordCounts(o: RecordOptions): Promise<RecordSummary> {
  const rpm = o.rpm ?? 40;
  const wait = o.wait ?? ((ms: number) => sleep(ms));
  const date = o.date ?? new Date().toISOString().slice(0, 10);
  const summary: RecordSummary = { measured: 0, skipped: 0, refused: [] };
  let calls = 0;
  for (const w of o.wanted.cases) {
    const models = (w.models ?? o.wanted.models).filter((m) => o.models === undefined || o.models.includes(m));
    for (const model of models) {
      const name = measuredName(w.name, model);
      if (o.have.has(name)) {
        summary.skipped++;
        continue;
      }
      let result: TransportResult | undefined;
      for (let attempt = 0; ; attempt++) {
        if (calls++ > 0) await wait(Math.ceil(60_000 / rpm));
        result = await o.transport(bodyOf(w, model), { signal: new AbortController().signal, timeoutMs: o.timeoutMs ?? 30_000 });
        if (result.ok || result.kind !== 'rate-limited' || attempt >= (o.retries ?? 3)) break;
        const ms = result.retryAfterMs ?? 10_000;
        o.log(`${name}: rate limited, waiting ${Math.ceil(ms / 1000)} s`);
        await wait(ms);
      }
      if (result.ok) {
        const c: MeasuredCase = {
          name,
          class: w.class,
          model,
          kind: w.kind,
          ...(w.kind === 'text' ? { text: w.text } : { request: { ...w.request, model } }),
          truth: result.tokens,
          provenance: `measured with POST /v1/messages/count_tokens on ${date}, model ${model} (${WANTED_PATH} "${w.name}", bench/fit/record.ts)`,
          truth_scope: 'whole request incl. framing (kind=text: the text as one user message)',
        };
        await o.onCase(c);
        summary.measured++;
        o.log(`${name}: ${result.tokens}`);
        continue;
      }
      if (result.kind === 'auth') {
        summary.stopped = `the API refused the key (${result.message}); nothing more can be measured`;
        return summary;
      }
      summary.refused.push({ name, message: `${result.kind}${result.status ? ` ${result.status}` : ''}: ${result.message}` });
      o.log(`${name}: not recorded (${result.kind}: ${result.message})`);
    }
  }
  return summary;
}

/** The data file with `cases` appended (its `about` and every other field kept). */
export function appendCases(data: { cases?: unknown[] } & Record<string, unknown>, cases: readonly MeasuredCase[]): string {
  return JSON.stringify({ ...data, cases: [...(data.cases ?? []), ...cases] }, null, 1) + '\n';
}

function argValue(argv: readonly string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The command line: reads the key from ANTHROPIC_API_KEY (and the SDK's ANTHROPIC_BASE_URL). */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv, root: string, log: (line: string) => void): Promise<number> {
  const wantedFile = path.join(root, WANTED_PATH);
  const dataFile = path.join(root, REQUESTS_PATH);
  let wanted: WantedFile;
  let data: { cases?: unknown[] } & Record<string, unknown>;
  try {
    wanted = parseWantedFile(JSON.parse(readFileSync(wantedFile, 'utf8')), wantedFile);
    data = JSON.parse(readFileSync(dataFile, 'utf8'));
  } catch (err) {
    log(`calibrate:record: ${(err as Error).message}`);
    return 2;
  }
  const have = new Set((data.cases ?? []).map((c) => (c as { name?: unknown }).name).filter((n): n is string => typeof n === 'string'));
  const models = argValue(argv, '--models')?.split(',').filter(Boolean);
  const rpm = Number(argValue(argv, '--rpm') ?? 40);
  if (!(rpm > 0 && rpm <= 100)) {
    log('calibrate:record: --rpm must be a number from 1 to 100');
    return 2;
  }
  if (argv.includes('--dry-run')) {
    let n = 0;
    for (const w of wanted.cases) for (const m of w.models ?? wanted.models) if ((!models || models.includes(m)) && !have.has(measuredName(w.name, m))) n++;
    log(`${n} measurements to make (${have.size} cases in ${REQUESTS_PATH})`);
    return 0;
  }
  const apiKey = env.ANTHROPIC_API_KEY;
  if (!apiKey) {
    log('calibrate:record: set ANTHROPIC_API_KEY (count_tokens is free, but needs a key)');
    return 2;
  }
  const measured: MeasuredCase[] = [];
  const summary = await recordCounts({
    wanted,
    have,
    transport: sdkTransport({ apiKey, ...(env.ANTHROPIC_BASE_URL ? { baseURL: env.ANTHROPIC_BASE_URL } : {}), log: (level, line) => level !== 'debug' && log(`sdk ${level}: ${line}`) }),
    ...(models ? { models } : {}),
    rpm,
    log,
    onCase: async (c) => {
      measured.push(c);
      await writeFileAtomic(dataFile, appendCases(data, measured));
    },
  });
  log(`measured ${summary.measured}, already there ${summary.skipped}, not recorded ${summary.refused.length}${summary.stopped ? `; stopped: ${summary.stopped}` : ''}`);
  for (const r of summary.refused) log(`  ${r.name}: ${r.message}`);
  return summary.stopped ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env, path.resolve(__dirname, '..', '..'), (line) => console.error(line)).then(
    (code) => (process.exitCode = code),
    (err) => {
      console.error(`calibrate:record: ${(err as Error).message}`);
      process.exitCode = 2;
    },
  );
}
