/**
 * Offline estimator bench: accuracy per content class against exact Claude counts, side by side
 * with chars/4 and the Claude 2 tokenizer (`@anthropic-ai/tokenizer`, the only public Claude
 * tokenizer), then throughput of our estimator against that tokenizer on the same texts.
 *
 *   node --import tsx bench/estimator.ts
 *
 * Our accuracy is leave-one-out: each text is predicted by weights fitted on the others.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { countTokens, getTokenizer } from '@anthropic-ai/tokenizer';
import { estimateTextTokens } from '../src/core/estimator';
import {
  leaveOneOut,
  mapeByClass,
  parseSampleFile,
  SAMPLES_PATH,
  scoreCounter,
  SCORED_CLASSES,
  type ContentClass,
  type CountSample,
  type ScoredSample,
} from '../src/core/estimator/fit';
import { TOKENIZER_FAMILIES } from '../src/core/types';

const root = path.resolve(__dirname, '..');

/** Per-class MAPE (fractions) of the three counters, for one family. */
interface AccuracyRow {
  cls: ContentClass | 'all';
  n: number;
  ours: number;
  chars4: number;
  claude2: number;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(7);

function rows(ours: ScoredSample[], chars4: ScoredSample[], claude2: ScoredSample[]): AccuracyRow[] {
  const a = mapeByClass(ours);
  const b = mapeByClass(chars4);
  const c = mapeByClass(claude2);
  const out: AccuracyRow[] = [];
  for (const cls of SCORED_CLASSES) {
    const m = a.get(cls);
    if (!m) continue;
    out.push({ cls, n: m.n, ours: m.mape, chars4: b.get(cls)!.mape, claude2: c.get(cls)!.mape });
  }
  const scored = (xs: ScoredSample[]) => xs.filter((s) => s.cls !== 'random');
  const mean = (xs: ScoredSample[]) => xs.reduce((s, x) => s + x.ape, 0) / Math.max(1, xs.length);
  out.push({ cls: 'all', n: scored(ours).length, ours: mean(scored(ours)), chars4: mean(scored(chars4)), claude2: mean(scored(claude2)) });
  return out;
}

/** MB/s (UTF-8 megabytes) of `count` over `texts`, repeated for at least `minMs`. */
function throughput(texts: readonly string[], count: (t: string) => number, minMs: number): number {
  const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t, 'utf8'), 0);
  let sink = 0;
  for (const t of texts) sink += count(t); // warm-up
  let rounds = 0;
  const t0 = performance.now();
  let elapsed = 0;
  do {
    for (const t of texts) sink += count(t);
    rounds++;
    elapsed = performance.now() - t0;
  } while (elapsed < minMs);
  if (sink === -1) console.log(''); // keep the work observable
  return (bytes * rounds) / 1e6 / (elapsed / 1000);
}

/** Runs the bench and returns its Markdown section: the report, as a fenced block. */
export function main(): string {
  const out: string[] = [];
  const log = (line: string) => out.push(line);
  const samples: CountSample[] = parseSampleFile(JSON.parse(readFileSync(path.join(root, SAMPLES_PATH), 'utf8')));
  const claude2Counts = new Map<string, number>();
  for (const s of samples) claude2Counts.set(s.text, countTokens(s.text));

  log(`Offline estimator accuracy: mean absolute % error vs exact counts (${samples.length} texts, ${SAMPLES_PATH})`);
  log('ours = leave-one-out cross-validated; Claude 2 = @anthropic-ai/tokenizer countTokens (the Claude 2 tokenizer)\n');
  for (const family of TOKENIZER_FAMILIES) {
    const ours = leaveOneOut(samples, family);
    const chars4 = scoreCounter(samples, family, (t) => Math.round(t.length / 4));
    const claude2 = scoreCounter(samples, family, (t) => claude2Counts.get(t) ?? countTokens(t));
    const accuracy = rows(ours, chars4, claude2);
    log(`${family}`);
    log(`  ${'class'.padEnd(14)} ${'n'.padStart(3)} ${'ours'.padStart(7)} ${'chars/4'.padStart(7)} ${'Claude 2'.padStart(8)}`);
    for (const r of accuracy) {
      log(`  ${r.cls.padEnd(14)} ${String(r.n).padStart(3)} ${pct(r.ours)} ${pct(r.chars4)}  ${pct(r.claude2)}`);
    }
    const random = ours
      .filter((s) => s.cls === 'random')
      .map((s) => ({
        label: s.label,
        actual: s.actual,
        ours: s.predicted,
        chars4: chars4.find((x) => x.label === s.label)!.predicted,
        claude2: claude2.find((x) => x.label === s.label)!.predicted,
      }));
    log('  misc/random probes (not in averages): actual / ours / chars/4 / Claude 2');
    for (const r of random) log(`    ${r.label.padEnd(12)} ${r.actual} / ${r.ours} / ${r.chars4} / ${r.claude2}`);
    log('');
  }

  // Throughput on the same texts, same run.
  const english = samples.filter((s) => s.domain.startsWith('en/')).map((s) => s.text);
  const all = samples.map((s) => s.text);
  const oursEn = throughput(english, (t) => estimateTextTokens(t, 'claude-4'), 1500);
  const claude2En = throughput(english, countTokens, 1500);
  const encoder = getTokenizer();
  const reused = (t: string) => encoder.encode(t.normalize('NFKC'), 'all').length;
  const claude2ReusedEn = throughput(english, reused, 1500);
  const oursAll = throughput(all, (t) => estimateTextTokens(t, 'claude-4'), 1000);
  const claude2All = throughput(all, countTokens, 1000);
  const claude2ReusedAll = throughput(all, reused, 1000);
  encoder.free();
  const large = [english.join('\n').repeat(40)]; // ~1.3 MB in one call, as a big file in the editor
  const oursLarge = throughput(large, (t) => estimateTextTokens(t, 'claude-4.7'), 1000);
  log('Throughput (UTF-8 MB/s, same texts, same run)');
  const line = (name: string, ours: number, c2: number, c2r: number) =>
    log(
      `  ${name.padEnd(14)} ours ${ours.toFixed(0).padStart(4)} MB/s | countTokens ${c2.toFixed(2)} MB/s: ${(ours / c2).toFixed(0)}x | reused encoder ${c2r.toFixed(1)} MB/s: ${(ours / c2r).toFixed(0)}x`,
    );
  line('English texts', oursEn, claude2En, claude2ReusedEn);
  line(`all ${all.length} texts`, oursAll, claude2All, claude2ReusedAll);
  log(`  one ~1.3 MB English text: ours ${oursLarge.toFixed(0)} MB/s`);
  log('  (countTokens builds a fresh encoder per call, as the package ships; "reused" builds it once.)');
  return '## Estimator: accuracy and throughput\n\n```\n' + out.join('\n') + '\n```\n';
}

if (require.main === module) console.log(main());
