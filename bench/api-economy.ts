/**
 * API economy: a recorded-style typing session replayed against the fake API through the same
 * DocumentSession the editor uses. Compares the calls made with the floor (what any correct
 * counter must spend) and with a naive counter (a full count plus one per tool and a reference on
 * every edit).
 *
 *   node --import tsx bench/api-economy.ts
 *
 * Times are scaled down (debounce 40 ms, keystrokes 2-15 ms apart, pauses 90-250 ms) so the run
 * takes seconds; the ratios are what matter.
 */
import { sleep } from '../src/core/client/rate-limiter';
import { ModelRegistry } from '../src/core/models/registry';
import { DocumentSession, type SessionState } from '../src/core/session';
import { startFakeApi } from '../test/fake-api/server';
import { fakeApiClient } from '../test/support/docs';
import { prng } from '../test/support/prng';

const DEBOUNCE_MS = 40;
const TOOLS = 20;
const EDITS = 600;

interface Payload {
  model: string;
  max_tokens: number;
  system: string;
  messages: { role: string; content: string }[];
  tools: { name: string; description: string; input_schema: object }[];
}

function payload(): Payload {
  return {
    model: 'claude-sonnet-4-6',
    max_tokens: 2048,
    system: 'You are a meticulous support agent for an online bookshop. Answer briefly and cite order numbers.',
    messages: [
      { role: 'user', content: 'Where is my order 1042? It was due on Monday.' },
      { role: 'assistant', content: 'Let me look that up for you.' },
      { role: 'user', content: 'Thanks. Also, can I change the delivery address?' },
    ],
    tools: Array.from({ length: TOOLS }, (_, i) => ({
      name: `tool_${i}`,
      description: `Performs operation number ${i} on the customer's account and returns a JSON summary.`,
      input_schema: { type: 'object', properties: { id: { type: 'string', description: 'The identifier.' }, note: { type: 'string' } }, required: ['id'] },
    })),
  };
}

type Target = { kind: 'system' } | { kind: 'message'; index: number } | { kind: 'tool'; index: number };

function edit(p: Payload, target: Target, rnd: () => number): void {
  const change = (s: string) => (rnd() < 0.8 || s.length < 10 ? s + 'abcdefghij'[Math.floor(rnd() * 10)] : s.slice(0, -1));
  if (target.kind === 'system') p.system = change(p.system);
  else if (target.kind === 'message') p.messages[target.index]!.content = change(p.messages[target.index]!.content);
  else p.tools[target.index]!.description = change(p.tools[target.index]!.description);
}

export async function main(): Promise<string> {
  const api = await startFakeApi();
  const rnd = prng(20261127);
  // The counting client's default timeout (10 s); fakeApiClient's cache and (no practical) rate limit.
  const client = fakeApiClient(api, { timeoutMs: 10_000 });
  const registry = ModelRegistry.bundled();
  let settled: (() => void) | undefined;
  let last: SessionState | undefined;
  const session = new DocumentSession(
    '/bench/agent.json',
    {
      parseOptions: () => ({}),
      analyzeOptions: () => ({ registry, defaultModel: 'claude-sonnet-4-6', toolThreshold: 500 }),
      counting: () => ({ client }),
      debounceMs: () => DEBOUNCE_MS,
    },
    (state) => {
      last = state;
      if (state && !state.pending) settled?.();
    },
  );
  const waitSettled = () =>
    new Promise<void>((resolve) => {
      if (last && !last.pending) return resolve();
      settled = resolve;
    });

  const p = payload();
  let version = 1;
  session.update(version, JSON.stringify(p, null, 2));
  await waitSettled();
  const initialCalls = api.countCalls();
  let floor = initialCalls;
  let naive = 0;
  let pauses = 0;
  let edits = 0;
  const started = Date.now();
  while (edits < EDITS) {
    // A burst of typing in one or two places, then a pause long enough for the debounce.
    const burst = 5 + Math.floor(rnd() * 30);
    const toolsTouched = new Set<number>();
    const spots: Target[] = [];
    for (let s = 0; s < (rnd() < 0.3 ? 2 : 1); s++) {
      const r = rnd();
      spots.push(r < 0.3 ? { kind: 'system' } : r < 0.7 ? { kind: 'message', index: Math.floor(rnd() * p.messages.length) } : { kind: 'tool', index: Math.floor(rnd() * 4) });
    }
    for (let i = 0; i < burst && edits < EDITS; i++, edits++) {
      const target = spots[i % spots.length]!;
      edit(p, target, rnd);
      if (target.kind === 'tool') toolsTouched.add(target.index);
      session.update(++version, JSON.stringify(p, null, 2));
      naive += 1 + 1 + TOOLS; // whole payload, the reference request, every tool
      await sleep(2 + rnd() * 13);
    }
    await sleep(DEBOUNCE_MS + 50 + rnd() * 160);
    await waitSettled();
    pauses++;
    floor += 1 + toolsTouched.size;
  }
  const elapsed = Date.now() - started;
  const made = api.countCalls();
  session.dispose();
  await api.close();
  const exact = last?.analysis?.total.exact === true && last.version === version;
  const lines = [
    '## API economy (typing session against the fake API)',
    '',
    `${edits} edits in ${pauses} bursts over the system prompt, messages and 4 of ${TOOLS} tools; debounce ${DEBOUNCE_MS} ms; replayed in ${(elapsed / 1000).toFixed(1)} s.`,
    '',
    '| measure | calls | ratio |',
    '|---|--:|--:|',
    `| made | ${made} | 1.00 |`,
    `| floor (first open ${initialCalls}, then one whole-payload call per pause + one per tool changed in it) | ${floor} | made / floor = ${(made / floor).toFixed(2)} |`,
    `| naive (whole + reference + every tool, on every edit) | ${naive} | naive / made = ${(naive / made).toFixed(0)}x |`,
    '',
    `Final state exact and for the last version: ${exact ? 'yes' : 'NO'}. Made can be under the floor when a burst types a part back to text already counted (the cache answers).`,
    '',
  ];
  return lines.join('\n');
}

if (require.main === module) main().then((s) => console.log(s));
