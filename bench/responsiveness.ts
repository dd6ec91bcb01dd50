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
import type { Json, JsonObject } from '../src/core/types';
import { prng } from '../test/support/prng';


const WORDS = (
  'the a request token model cache tool user assistant returns value error when order customer refund ' +
  'search result query schema field string number list item page total price because however should ' +
  'would could please check update create delete status pending shipped region account invoice date'
).split(' ');

const CODE = [
  'export async function fetchOrders(client: Client, customerId: string): Promise<Order[]> {',
  '  const res = await client.get(`/customers/${customerId}/orders`, { params: { limit: 50 } });',
  '  if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);',
  '  return (await res.json()).orders.filter((o: Order) => o.status !== "cancelled");',
  '}',
  'def refund(order_id: str, amount_cents: int | None = None) -> dict:',
  '    order = db.orders.find_one({"_id": order_id})',
  '    return {"ok": True, "refunded": amount_cents or order["total_cents"]}',
];

function sentence(rand: () => number): string {
  const n = 6 + Math.floor(rand() * 14);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  const s = words.join(' ');
  return s[0]!.toUpperCase() + s.slice(1) + '.';
}

function paragraph(rand: () => number, sentences: number): string {
  return Array.from({ length: sentences }, () => sentence(rand)).join(' ');
}

function tool(rand: () => number, i: number): JsonObject {
  return {
    name: `tool_${i}_${WORDS[i % WORDS.length]}`,
    description: paragraph(rand, 3),
    input_schema: {
      type: 'object',
      properties: {
        id: { type: 'string', description: sentence(rand) },
        limit: { type: 'integer', minimum: 1, maximum: 100 },
        filter: { type: 'object', properties: { status: { type: 'string', enum: ['pending', 'shipped', 'refunded'] } } },
      },
      required: ['id'],
    },
  };
}

/** One conversational turn pair: a user question and an assistant answer, sometimes with a tool round trip. */
function turn(rand: () => number, i: number): Json[] {
  const user: JsonObject = { role: 'user', content: paragraph(rand, 2 + Math.floor(rand() * 4)) };
  const r = rand();
  if (r < 0.3) {
    const id = `toolu_${i.toString(36).padStart(8, '0')}`;
    return [
      user,
      { role: 'assistant', content: [{ type: 'text', text: sentence(rand) }, { type: 'tool_use', id, name: `tool_${i % 12}_x`, input: { id: `ord_${i}`, limit: 20 } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: JSON.stringify({ orders: [{ id: `ord_${i}`, total_cents: 1999 + i, status: 'shipped' }] }) }] },
      { role: 'assistant', content: paragraph(rand, 2) },
    ];
  }
  if (r < 0.5) {
    const code = Array.from({ length: 3 + Math.floor(rand() * 5) }, () => CODE[Math.floor(rand() * CODE.length)]!).join('\n');
    return [user, { role: 'assistant', content: [{ type: 'text', text: `${sentence(rand)}\n\n\`\`\`ts\n${code}\n\`\`\`\n${sentence(rand)}` }] }];
  }
  return [user, { role: 'assistant', content: paragraph(rand, 3 + Math.floor(rand() * 6)) }];
}

/** A pretty-printed payload of about `bytes` bytes. Deterministic for a given size. */
export function realisticPayload(bytes: number): string {
  const rand = prng(0xc0ffee ^ bytes);
  // 12 tools from 100 KB up; fewer in the small payloads, which are mostly conversation.
  const tools = Array.from({ length: Math.max(2, Math.min(12, Math.floor(bytes / 8192))) }, (_, i) => tool(rand, i));
  const payload = {
    model: 'claude-sonnet-4-6',
    max_tokens: 4096,
    system: paragraph(rand, 12),
    tools,
    messages: [] as Json[],
  };
  const overhead = JSON.stringify(payload, null, 2).length;
  let size = overhead;
  for (let i = 0; size < bytes || payload.messages.length === 0; i++) {
    for (const m of turn(rand, i)) {
      payload.messages.push(m);
      size += JSON.stringify(m, null, 2).length + 6; // indent and separators, roughly
    }
  }
  // The last turn must be the user's (a request the API accepts as it stands).
  if ((payload.messages[payload.messages.length - 1] as JsonObject).role !== 'user') payload.messages.push({ role: 'user', content: sentence(rand) });
  return JSON.stringify(payload, null, 2);
}

/** Offsets inside message text: after `"content": "` or `"text": "`, where typing happens. */
export function editSites(text: string): number[] {
  const sites: number[] = [];
  const re = /"(?:content|text)": "(?=[A-Z])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) sites.push(m.index + m[0].length + 4);
  return sites;
}

/** `text` with `n` letters replaced at `at` (letters only, so the JSON stays valid). */
export function typeAt(text: string, at: number, rand: () => number, n = 3): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String.fromCharCode(97 + Math.floor(rand() * 26));
  return text.slice(0, at) + out + text.slice(at + n);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

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
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const t = sorted(total);
  return {
    label,
    bytes: text.length,
    edits,
    p50: percentile(t, 0.5),
    p95: percentile(t, 0.95),
    parseP50: percentile(sorted(parse), 0.5),
    estimateP50: percentile(sorted(estimate), 0.5),
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
