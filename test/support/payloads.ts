/**
 * Realistic Messages API payloads, deterministic for a given size, and keystroke-like edits of
 * them: shared by the benchmarks (bench/responsiveness.ts, bench/large-documents.ts) and the tests
 * (test/unit/large-documents.test.ts, test/e2e/token-lens.e2e.ts).
 */
import type { Json, JsonObject } from '../../src/core/types';
import { prng } from './prng';

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

/** A prompt of `n` distinct words: `word0 word1 …`. */
export function promptText(n: number): string {
  return Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
}
