/**
 * Adversarial probes through the file system and the output formats (issue #12): the CLI run
 * in-process against the fake API, over folders holding special files, files that are deleted,
 * replaced and swapped for FIFOs while the run reads them, hostile file names, and a cache folder
 * that is not what it should be. Each family reports attempts (CLI runs), wrong numbers (an exact
 * number that is not the fake's count of that file's content), hangs (a run over `hangMs`), leaks
 * (the API key in any output or cache file) and unsafe outputs (runs whose output a terminal, a
 * Markdown renderer or the Actions runner would act on: `output-safety.ts`). Used by
 * test/unit/adversarial.test.ts (fewer rounds) and bench/probes.ts (the figures in the README).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fakeCount, type FakeApi } from '../fake-api/server';
import { cli, type CliOutput } from './cli';
import { formatOf, unsafeOutput } from './output-safety';
import { prng } from './prng';

export interface ProbeFigures {
  family: string;
  attempts: number;
  wrongNumbers: number;
  hangs: number;
  leaks: number;
  /** Runs whose output carries raw control characters, raw HTML, broken table rows or workflow commands the CLI did not write. */
  unsafe: number;
  /** Runs that ended in an unexpected exception or exit code (not 0, 1 or 2). */
  crashes: number;
  /** First few problems, for a failing test's message. */
  notes: string[];
}

export interface ProbeContext {
  api: FakeApi;
  rounds: number;
  seed?: number;
  hangMs?: number;
}

const FORMATS = [[], ['--json'], ['--markdown'], ['--github']] as const;
const MODEL = 'claude-sonnet-4-6';

function payload(text: string): { model: string; max_tokens: number; messages: { role: 'user'; content: string }[] } {
  return { model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: text }] };
}

/** The fake's exact count for a payload written by {@link payload}. */
function expected(text: string): number {
  return fakeCount({ model: MODEL, messages: payload(text).messages });
}

class Tally {
  readonly f: ProbeFigures;
  constructor(family: string, private readonly api: FakeApi, private readonly hangMs: number) {
    this.f = { family, attempts: 0, wrongNumbers: 0, hangs: 0, leaks: 0, unsafe: 0, crashes: 0, notes: [] };
  }
  note(what: string): void {
    if (this.f.notes.length < 5) this.f.notes.push(what);
  }
  /** Runs the CLI once, counting hangs, crashes, leaks and unsafe output. */
  async run(args: readonly string[], cwd: string, cacheDir: string, env?: NodeJS.ProcessEnv): Promise<CliOutput | undefined> {
    this.f.attempts++;
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), this.hangMs)));
    const running = cli([...args, '--cache-dir', cacheDir], env ?? { ANTHROPIC_API_KEY: this.api.apiKey, ANTHROPIC_BASE_URL: this.api.url }, cwd).catch((err: unknown) => err as Error);
    const out = await Promise.race([running, hang]);
    clearTimeout(timer);
    if (out === 'hang') {
      this.f.hangs++;
      this.note(`hang (${Date.now() - started} ms): ${args.join(' ')}`);
      return undefined;
    }
    if (out instanceof Error) {
      this.f.crashes++;
      this.note(`exception: ${out.message}`);
      return undefined;
    }
    if (![0, 1, 2].includes(out.code)) {
      this.f.crashes++;
      this.note(`exit ${out.code}: ${out.stderr.slice(0, 200)}`);
    }
    if (`${out.stdout}${out.stderr}`.includes(this.api.apiKey)) {
      this.f.leaks++;
      this.note(`key in the output of ${args.join(' ')}`);
    }
    const unsafe = unsafeOutput(out, formatOf(args));
    if (unsafe.length) {
      this.f.unsafe++;
      this.note(`${JSON.stringify(args)}: ${unsafe.join('; ')}`);
    }
    this.leakCheckCache(cacheDir);
    return out;
  }
  leakCheckCache(cacheDir: string): void {
    let names: string[] = [];
    try {
      names = readdirSync(cacheDir);
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(cacheDir, name);
      try {
        if (!statSync(file).isFile()) continue;
        if (readFileSync(file, 'utf8').includes(this.api.apiKey)) {
          this.f.leaks++;
          this.note(`key in cache file ${name}`);
        }
      } catch {
        // Gone or not readable: nothing leaked through it.
      }
    }
  }
  /** Checks every exact number in a --json report against what the content may be. */
  checkNumbers(out: CliOutput | undefined, cwd: string, allowed: (shown: string) => number[] | undefined): void {
    if (!out) return;
    let report: { files?: { path: string; exact?: boolean; inputTokens?: number }[] };
    try {
      report = JSON.parse(out.stdout) as typeof report;
    } catch {
      this.f.crashes++;
      this.note(`--json output does not parse: ${out.stdout.slice(0, 120)}`);
      return;
    }
    for (const file of report.files ?? []) {
      if (!file.exact) continue;
      const ok = allowed(file.path);
      if (!ok || !ok.includes(file.inputTokens!)) {
        this.f.wrongNumbers++;
        this.note(`${file.path}: exact ${file.inputTokens}, expected one of ${JSON.stringify(ok)} (in ${cwd})`);
      }
    }
  }
}

function fresh(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** Gives a reader blocked on a FIFO its end of file (so a failing test does not hang the run). */
export function releaseFifo(file: string): void {
  try {
    closeSync(openSync(file, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // No reader.
  }
}

/** Special files in a walked folder and named on the command line, in every output format. */
export async function probeSpecialFiles(ctx: ProbeContext): Promise<ProbeFigures> {
  const t = new Tally('special files (FIFO, socket, device, link loop, dangling link)', ctx.api, ctx.hangMs ?? 10_000);
  for (let round = 0; round < ctx.rounds; round++) {
    const dir = fresh('tl-probe-special-');
    const cache = fresh('tl-probe-cache-');
    const fifos: string[] = [];
    const servers: net.Server[] = [];
    try {
      const texts = new Map<string, string>();
      for (let i = 0; i < 3; i++) {
        const text = `Round ${round} file ${i}.`;
        writeFileSync(path.join(dir, `ok${i}.json`), JSON.stringify(payload(text)));
        texts.set(`ok${i}.json`, text);
      }
      execFileSync('mkfifo', [path.join(dir, '.pipe')]);
      fifos.push(path.join(dir, '.pipe'));
      symlinkSync('.pipe', path.join(dir, 'fifo-link.json'));
      execFileSync('mkfifo', [path.join(dir, 'fifo.prompt.md')]);
      fifos.push(path.join(dir, 'fifo.prompt.md'));
      symlinkSync('/dev/zero', path.join(dir, 'zero.json'));
      symlinkSync('/dev/null', path.join(dir, 'null.yaml'));
      symlinkSync('missing-target.json', path.join(dir, 'dangling.json'));
      mkdirSync(path.join(dir, 'loop'));
      symlinkSync('..', path.join(dir, 'loop', 'up'));
      symlinkSync('self.json', path.join(dir, 'self.json'));
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(path.join(dir, 'sock.json'), resolve));
      servers.push(server);
      for (const format of FORMATS) {
        for (const args of [['count', ...format, '.'], ['check', ...format, '--budget', '100000', '.'], ['count', ...format, 'fifo-link.json', 'zero.json', 'sock.json', 'self.json', 'ok0.json']]) {
          const out = await t.run(args, dir, cache);
          if (out && out.code !== 2) {
            t.f.crashes++;
            t.note(`exit ${out.code}, not 2, for ${args.join(' ')}`);
          }
          if (format[0] === '--json') t.checkNumbers(out, dir, (p) => (texts.has(p) ? [expected(texts.get(p)!)] : undefined));
        }
      }
    } finally {
      fifos.forEach(releaseFifo);
      servers.forEach((s) => s.close());
      rmSync(dir, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    }
  }
  return t.f;
}

/** Files deleted, rewritten, replaced by FIFOs and symlinks while a run walks and reads them. */
export async function probeRaces(ctx: ProbeContext): Promise<ProbeFigures> {
  const t = new Tally('races: files deleted, rewritten, swapped for FIFOs and links mid-run', ctx.api, ctx.hangMs ?? 10_000);
  const rand = prng(ctx.seed ?? 0x5eed);
  for (let round = 0; round < ctx.rounds; round++) {
    const dir = fresh('tl-probe-race-');
    const cache = fresh('tl-probe-cache-');
    const versions = new Map<string, Set<number>>();
    const fifos: string[] = [];
    const N = 30;
    const text = (i: number, v: number) => `Race ${round} file ${i} version ${v} ${'word '.repeat(v)}`;
    for (let i = 0; i < N; i++) {
      writeFileSync(path.join(dir, `f${i}.json`), JSON.stringify(payload(text(i, 0))));
      versions.set(`f${i}.json`, new Set([expected(text(i, 0))]));
    }
    let stop = false;
    const mutator = (async () => {
      let v = 1;
      while (!stop) {
        const i = Math.floor(rand() * N);
        const file = path.join(dir, `f${i}.json`);
        const action = rand();
        try {
          // Never written in place: the path may be a FIFO now (opening it to write would block).
          const replace = (content: string) => {
            writeFileSync(`${file}.new`, content);
            renameSync(`${file}.new`, file);
          };
          if (action < 0.35) {
            versions.get(`f${i}.json`)!.add(expected(text(i, v)));
            replace(JSON.stringify(payload(text(i, v++))));
          } else if (action < 0.55) {
            unlinkSync(file);
          } else if (action < 0.7) {
            unlinkSync(file);
            execFileSync('mkfifo', [file]);
            fifos.push(file);
          } else if (action < 0.85) {
            unlinkSync(file);
            symlinkSync('/dev/zero', file);
          } else {
            // Half a file: an error or a parse failure, never a number.
            replace(JSON.stringify(payload(text(i, v))).slice(0, 20));
          }
        } catch {
          // Already gone: the next action.
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    try {
      const format = FORMATS[round % FORMATS.length]!;
      const out = await t.run(['count', '--json', '.'], dir, cache);
      t.checkNumbers(out, dir, (p) => [...(versions.get(p) ?? [])]);
      await t.run(['check', ...format, '--budget', '100000', '.'], dir, cache);
    } finally {
      stop = true;
      await mutator;
      fifos.forEach(releaseFifo);
      rmSync(dir, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    }
  }
  return t.f;
}

/** Names that are hard on terminals, CI annotations, Markdown and JSON. */
const HOSTILE_NAMES = [
  'line\nbreak.json',
  'carriage\rreturn.json',
  '::error file=x::pwned.json',
  '%0A%0D%25.json',
  '\u001b[31mred\u001b[0m.json',
  '\u202Eevil\u202Cnosj.json',
  '-rf.json',
  '--json.json',
  '| table | cell |.json',
  '<script>alert(1)<%2Fscript>.json',
  '`code` **bold** [link](x).json',
  'spa ce.json',
  '\u00e9\u0301\u6f22\u5b57\ud83d\ude00.json',
  `${'long'.repeat(60)}.json`,
  '.hidden.json',
  'tab\there.json',
];

/** Unknown model ids: shown in the MODEL column and quoted by the `unknown-model` diagnostic. */
const HOSTILE_MODELS = [
  'x\n::error file=README.md,line=1::Injected\n::stop-commands::t',
  '\u001b]0;title\u0007\u001b[2J<img src=x onerror=alert(1)>|cell|',
];

/**
 * Hostile file names and model ids, in every output format: numbers stay right, --json parses,
 * nothing leaks, and no output is unsafe for its reader (see `output-safety.ts`).
 */
export async function probeHostileNames(ctx: ProbeContext): Promise<ProbeFigures> {
  const t = new Tally('hostile file names and model ids, in every output format', ctx.api, ctx.hangMs ?? 10_000);
  for (let round = 0; round < ctx.rounds; round++) {
    const dir = fresh('tl-probe-names-');
    const cache = fresh('tl-probe-cache-');
    try {
      const texts = new Map<string, string>();
      HOSTILE_NAMES.forEach((name, i) => {
        const text = `Round ${round} hostile ${i}.`;
        writeFileSync(path.join(dir, name), JSON.stringify(payload(text)));
        texts.set(name, text);
      });
      HOSTILE_MODELS.forEach((model, i) => writeFileSync(path.join(dir, `model-${i}.json`), JSON.stringify({ ...payload(`Round ${round} model ${i}.`), model })));
      for (const format of FORMATS) {
        const out = await t.run(['count', ...format, '.'], dir, cache);
        if (format[0] === '--json') {
          t.checkNumbers(out, dir, (p) => (texts.has(p) ? [expected(texts.get(p)!)] : undefined));
          const seen = out ? ((JSON.parse(out.stdout) as { files: { path: string }[] }).files ?? []).map((f) => f.path) : [];
          for (const name of HOSTILE_NAMES) {
            if (!seen.includes(name)) {
              t.f.crashes++;
              t.note(`${JSON.stringify(name)} missing from the --json report`);
            }
          }
        }
        // Named on the command line too (a name starting with "-" after "--" is not an option).
        await t.run(['count', ...format, '--', ...HOSTILE_NAMES.slice(0, 4)], dir, cache);
        // Over a budget: every file is an offender, annotated by name in --github.
        await t.run(['check', ...format, '--budget', '1', '.'], dir, cache);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    }
  }
  return t.f;
}

/** A cache folder that is not what it should be: its file a FIFO, a device, a folder, garbage; its lock a folder or stale. */
export async function probeCacheFolder(ctx: ProbeContext): Promise<ProbeFigures> {
  const t = new Tally('cache folder: counts.json a FIFO, device, folder or garbage; lock stale or a folder', ctx.api, ctx.hangMs ?? 10_000);
  const setups: [string, (cache: string) => void][] = [
    ['fifo', (c) => execFileSync('mkfifo', [path.join(c, 'counts.json')])],
    ['zero', (c) => symlinkSync('/dev/zero', path.join(c, 'counts.json'))],
    ['folder', (c) => mkdirSync(path.join(c, 'counts.json'))],
    ['garbage', (c) => writeFileSync(path.join(c, 'counts.json'), '{"format":"token-lens-count-cache","version":1,"checksum":"x","entries":[["' + 'a'.repeat(64) + '",0,1]]}')],
    ['stale lock', (c) => writeFileSync(path.join(c, 'counts.json.lock'), '4194399 nowhere dead')],
    ['lock folder', (c) => mkdirSync(path.join(c, 'counts.json.lock'))],
  ];
  for (let round = 0; round < ctx.rounds; round++) {
    for (const [, setup] of setups) {
      const dir = fresh('tl-probe-cachedir-');
      const cache = fresh('tl-probe-cache-');
      try {
        const text = `Cache probe ${round} ${Math.random()}`;
        writeFileSync(path.join(dir, 'a.json'), JSON.stringify(payload(text)));
        setup(cache);
        for (let pass = 0; pass < 2; pass++) {
          const out = await t.run(['count', '--json', 'a.json'], dir, cache);
          t.checkNumbers(out, dir, (p) => (p === 'a.json' ? [expected(text)] : undefined));
        }
      } finally {
        releaseFifo(path.join(cache, 'counts.json'));
        rmSync(dir, { recursive: true, force: true });
        rmSync(cache, { recursive: true, force: true });
      }
    }
  }
  return t.f;
}

export const PROBE_FAMILIES = [probeSpecialFiles, probeRaces, probeHostileNames, probeCacheFolder];
