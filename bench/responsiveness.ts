/**
 * Responsiveness: time from an edit to the updated estimate, which is what the editor does on every
 * keystroke (`parseDocument` + `estimateDocument`), on realistic Messages API payloads of 10 KB,
 * 100 KB, 1 MB and 10 MB (pretty-printed JSON with a system prompt, tools and a long conversation
 * of text, code, tool_use and tool_result blocks). Each edit changes a few characters inside one
 * message, somewhere in the file, as typing does.
 *
 *   node --import tsx bench/responsiveness.ts
 *
 * Targets (p95): under 16 ms at 100 KB (one frame at 60 Hz) and under 50 ms at 1 MB.
 */
import { performance } from 'node:perf_hooks';
import { estimateDocument, type AnalyzeOptions } from '../src/core/analyze';
import { ModelRegistry } from '../src/core/models/registry';
import { parseDocument } from '../src/core/payload';
import { editSites, realisticPayload, typeAt } from '../test/support/payloads';
import { prng } from '../test/support/prng';
import { percentile } from './stats';

export interface ResponsivenessRow {
  label: string;
  bytes: number;
  edits: number;
  p50: number;
  p95: number;
  parseP50: number;
  estimateP50: number;
  target: number | undefined;
}

const options: AnalyzeOptions = { registry: ModelRegistry.bundled(), defaultModel: 'claude-sonnet-4-6', toolThreshold: 500 };

/** Times `edits` keystroke-like edits on a payload of `bytes` bytes. */
export function measure(label: string, bytes: number, edits: number, target: number | undefined): ResponsivenessRow {
  let text = realisticPayload(bytes);
  const sites = editSites(text);
  const rand = prng(0x5eed ^ bytes);
  const total: number[] = [];
  const parse: number[] = [];
  const estimate: number[] = [];
  const warmup = Math.min(5, edits);
  for (let i = 0; i < edits + warmup; i++) {
    text = typeAt(text, sites[Math.floor(rand() * sites.length)]!, rand);
    const t0 = performance.now();
    const result = parseDocument('requests/conversation.json', text);
    const t1 = performance.now();
    if (result.status !== 'ok') throw new Error(`the generated payload did not parse: ${JSON.stringify(result).slice(0, 300)}`);
    const analysis = estimateDocument(result.doc, options);
    const t2 = performance.now();
    if (!(analysis.total.tokens > 0)) throw new Error('no estimate');
    if (i < warmup) continue;
    total.push(t2 - t0);
    parse.push(t1 - t0);
    estimate.push(t2 - t1);
  }
  return {
    label,
    bytes: text.length,
    edits,
    p50: percentile(total, 0.5),
    p95: percentile(total, 0.95),
    parseP50: percentile(parse, 0.5),
    estimateP50: percentile(estimate, 0.5),
    target,
  };
}

export const SIZES: { label: string; bytes: number; edits: number; target: number | undefined }[] = [
  { label: '10 KB', bytes: 10 * 1024, edits: 400, target: undefined },
  { label: '100 KB', bytes: 100 * 1024, edits: 300, target: 16 },
  { label: '1 MB', bytes: 1024 * 1024, edits: 100, target: 50 },
  { label: '10 MB', bytes: 10 * 1024 * 1024, edits: 20, target: undefined },
];

export function table(rows: ResponsivenessRow[]): string {
  const f = (ms: number) => `${ms.toFixed(2)} ms`;
  const lines = [
    '| payload | size | edits | p50 | p95 | p50 parse | p50 estimate | p95 target | p95 / target |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    const ratio = r.target === undefined ? '–' : `${(r.p95 / r.target).toFixed(2)} ${r.p95 <= r.target ? '(met)' : '(MISSED)'}`;
    lines.push(
      `| ${r.label} | ${(r.bytes / 1024).toFixed(0)} KB | ${r.edits} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.parseP50)} | ${f(r.estimateP50)} | ${r.target === undefined ? '–' : `${r.target} ms`} | ${ratio} |`,
    );
  }
  return lines.join('\n');
}

/** Runs every size and returns the markdown section. */
export function main(): string {
  const rows = SIZES.map((s) => measure(s.label, s.bytes, s.edits, s.target));
  const section = [
    '## Responsiveness: edit to updated estimate',
    '',
    'parseDocument + estimateDocument after an edit of three letters inside one message of a',
    'pretty-printed payload (system prompt, 2-12 tools, conversation of text, code, tool_use and',
    'tool_result blocks), as the editor runs them on every keystroke up to 1 MB. Same process, same run.',
    'The 10 MB row is what that work would cost on one thread: past 1 MB the editor does not do it per',
    'keystroke but once after a pause, on a worker thread (next section).',
    '',
    table(rows),
    '',
  ].join('\n');
  return section;
}

if (require.main === module) console.log(main());
