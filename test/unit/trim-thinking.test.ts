import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { planTrim, trimPlanMarkdown, withoutThinking } from '../../src/core/decisions/trim';
import { parseDocument } from '../../src/core/payload';
import type { CountBody, Json, ParsedDocument } from '../../src/core/types';
import { FAKE_PREFIX_CHECK_MODELS, fakeThinkingSignature, signFakeThinking, startFakeApi, type FakeApi } from '../fake-api/server';
import { analyzeOptions, registry } from '../support/docs';
import { estimateDocument } from '../../src/core/analyze';

function parse(text: string, file: string): ParsedDocument {
  const result = parseDocument(file, text);
  assert.equal(result.status, 'ok', JSON.stringify(result));
  return (result as { doc: ParsedDocument }).doc;
}

/** 100 for the rest of the request plus 10 per message. */
const tenPerMessage = (body: CountBody) => 100 + 10 * body.messages.length;

/** A Fable 5.2 conversation whose thinking blocks are signed by the fake API's rule. */
function conversation(model = 'claude-fable-5-2'): { model: string; max_tokens: number; system: string; messages: Json[] } {
  const raw: unknown = {
    model,
    max_tokens: 4096,
    system: 'You are a careful planner.',
    messages: [
      { role: 'user', content: 'Plan a three-day trip to Lisbon.' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Three days: Alfama, Belém, Sintra.', signature: 'tl-fake-sig:' }, { type: 'text', text: 'Day 1 Alfama, day 2 Belém, day 3 Sintra.' }] },
      { role: 'user', content: 'Swap day 2 and 3.' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Just swap them.', signature: 'tl-fake-sig:' }, { type: 'text', text: 'Day 2 Sintra, day 3 Belém.' }] },
      { role: 'user', content: 'And where to eat on day 3?' },
    ],
  };
  return signFakeThinking(raw as { model: string; max_tokens: number; system: string; messages: Json[] });
}

describe('trim: models that bind thinking to the turns before it (preserved thinking)', () => {
  it('the model table marks Fable 5.1, Fable 5.2 and Mythos 5.2 (docs: preserved-thinking), not the models before them', () => {
    for (const id of ['claude-fable-5-1', 'claude-fable-5-2', 'claude-mythos-5-2']) {
      const m = registry.resolve(id)!;
      assert.equal(m.trimInvalidatesThinking, true, id);
      assert.equal(m.source['trimInvalidatesThinking'], 'docs-preserved-thinking', id);
    }
    for (const id of ['claude-opus-5', 'claude-sonnet-4-6', 'claude-fable-5', 'claude-opus-4-8']) {
      assert.ok(!registry.resolve(id)!.trimInvalidatesThinking, id);
    }
  });

  it('JSON on Fable 5.2: drops the oldest exchange and the kept turn\'s thinking, in one verified edit that keeps the rest of the text', () => {
    const text = JSON.stringify(conversation(), null, 2);
    const doc = parse(text, 'trip.json');
    const plan = planTrim(doc, text, { budget: 130, tokensOf: tenPerMessage, stripThinking: { model: 'Fable 5.2' } });
    assert.equal(plan.status, 'trimmed');
    assert.deepEqual(plan.removed.map((r) => r.label), ['user #1', 'assistant #2']);
    assert.deepEqual(plan.strippedThinking, [{ index: 3, label: 'assistant #4', blocks: [0] }]);
    assert.equal(plan.edit?.kind, 'deletions');
    const after = JSON.parse(plan.edit!.newText) as { messages: Json[] };
    assert.deepEqual(after.messages, doc.body.messages.slice(2).map(withoutThinking));
    assert.ok(!plan.edit!.newText.includes('"thinking"'), 'no thinking left');
    assert.match(plan.message, /1 thinking block in the kept turns \(assistant #4\) is removed too: on Fable 5\.2/);
    assert.match(trimPlanMarkdown(plan), /Thinking removed from \| Blocks[\s\S]*assistant #4 \| block 1/);
  });

  it('YAML on Fable 5.1: the thinking item goes with its lines, comments stay', () => {
    const body = conversation('claude-fable-5-1');
    const sig = (i: number) => ((body.messages[i] as { content: { signature: string }[] }).content[0]!.signature);
    const yaml = `model: claude-fable-5-1
system: You are a careful planner.
messages:
  - role: user
    content: Plan a three-day trip to Lisbon.
  - role: assistant
    content:
      - type: thinking
        thinking: "Three days: Alfama, Belém, Sintra."
        signature: ${sig(1)}
      - type: text
        text: Day 1 Alfama, day 2 Belém, day 3 Sintra.
  - role: user
    content: Swap day 2 and 3.
  # the answer we keep
  - role: assistant
    content:
      - type: thinking
        thinking: Just swap them.
        signature: ${sig(3)}
      - type: text # the visible answer
        text: Day 2 Sintra, day 3 Belém.
  - role: user
    content: And where to eat on day 3?
`;
    const doc = parse(yaml, 'trip.yaml');
    const plan = planTrim(doc, yaml, { budget: 130, tokensOf: tenPerMessage, stripThinking: { model: 'Fable 5.1' } });
    assert.equal(plan.status, 'trimmed');
    assert.equal(plan.edit?.kind, 'deletions');
    assert.ok(plan.edit!.newText.includes('# the answer we keep'));
    assert.ok(plan.edit!.newText.includes('# the visible answer'));
    assert.ok(!plan.edit!.newText.includes('type: thinking'));
    const again = parse(plan.edit!.newText, 'trip.yaml');
    assert.deepEqual(again.body.messages, doc.body.messages.slice(2).map(withoutThinking));
  });

  it('refuses, with the reason, when a kept turn holds nothing but thinking', () => {
    const body = conversation();
    (body.messages[3] as { content: Json[] }).content.splice(1, 1); // thinking only
    const text = JSON.stringify(body, null, 2);
    const plan = planTrim(parse(text, 'trip.json'), text, { budget: 130, tokensOf: tenPerMessage, stripThinking: { model: 'Fable 5.2' } });
    assert.equal(plan.status, 'refused');
    assert.equal(plan.edit, undefined);
    assert.match(plan.message, /would leave assistant #4 empty/);
  });

  it('a model without the rule keeps the thinking (Opus 5)', () => {
    const text = JSON.stringify(conversation('claude-opus-5'), null, 2);
    const plan = planTrim(parse(text, 'trip.json'), text, { budget: 130, tokensOf: tenPerMessage });
    assert.equal(plan.strippedThinking, undefined);
    assert.ok(plan.edit!.newText.includes('"thinking"'));
  });

  describe('against the fake API with the same rule', () => {
    let api: FakeApi;
    let client: Anthropic;
    before(async () => {
      api = await startFakeApi();
      client = new Anthropic({ apiKey: api.apiKey, baseURL: api.url, maxRetries: 0 });
    });
    after(async () => api.close());

    const count = (body: { model: string; system: string; messages: Json[] }) =>
      client.messages.countTokens({ model: body.model, system: body.system, messages: body.messages } as unknown as Anthropic.MessageCountTokensParams);

    for (const model of ['claude-fable-5-1', 'claude-fable-5-2', 'claude-mythos-5-2']) {
      it(`${model}: the whole conversation is accepted; an untreated trim is rejected with the docs' 400; the planned trim is accepted`, async () => {
        assert.ok(FAKE_PREFIX_CHECK_MODELS.has(model));
        const body = conversation(model);
        assert.ok((await count(body)).input_tokens > 0);
        const untreated = { ...body, messages: body.messages.slice(2) };
        await assert.rejects(count(untreated), (e: unknown) => {
          const err = e as { status?: number; message?: string };
          assert.equal(err.status, 400);
          assert.match(err.message ?? '', /messages\.1\.content\.0: Invalid `signature` in `thinking` block\. The block is bound to a different conversation/);
          return true;
        });
        const text = JSON.stringify(body, null, 2);
        const plan = planTrim(parse(text, 'trip.json'), text, { budget: 130, tokensOf: tenPerMessage, stripThinking: { model } });
        const trimmed = JSON.parse(plan.edit!.newText) as typeof body;
        assert.ok((await count(trimmed)).input_tokens > 0);
      });
    }

    it('a model without the rule accepts the untreated trim (Opus 5)', async () => {
      const body = conversation('claude-opus-5');
      assert.ok((await count({ ...body, messages: body.messages.slice(2) })).input_tokens > 0);
    });

    it('signatures the fake did not make are not checked', async () => {
      const body = conversation();
      const foreign = JSON.parse(JSON.stringify(body.messages.slice(2))) as { content: { signature?: string }[] }[];
      foreign[1]!.content[0]!.signature = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3h';
      assert.ok((await count({ ...body, messages: foreign as Json[] })).input_tokens > 0);
      assert.notEqual(fakeThinkingSignature(body, 1, 0), fakeThinkingSignature(body, 3, 0));
    });
  });

  it('the editor and the CLI say so: thinking-bound-to-prefix, info, a warning once over the budget; none on Opus 5', () => {
    const doc = parse(JSON.stringify(conversation(), null, 2), 'trip.json');
    const info = estimateDocument(doc, analyzeOptions()).findings.find((f) => f.code === 'thinking-bound-to-prefix');
    assert.equal(info?.severity, 'info');
    assert.match(info!.message, /Fable 5\.2 binds each of the 2 thinking blocks/);
    const over = estimateDocument(doc, analyzeOptions({ budget: 10 })).findings.find((f) => f.code === 'thinking-bound-to-prefix');
    assert.equal(over?.severity, 'warning');
    assert.match(over!.message, /Trim Conversation to Budget/);
    const opus = parse(JSON.stringify(conversation('claude-opus-5'), null, 2), 'trip.json');
    assert.equal(estimateDocument(opus, analyzeOptions()).findings.filter((f) => f.code === 'thinking-bound-to-prefix').length, 0);
  });

  it('examples/trim-fable-thinking.json is signed for the fake API and plans a treated trim', () => {
    const file = path.join(__dirname, '../../examples/trim-fable-thinking.json');
    const text = fs.readFileSync(file, 'utf8');
    const doc = parse(text, file);
    assert.deepEqual(signFakeThinking(JSON.parse(text)).messages, JSON.parse(text).messages, 'signatures match the fake rule');
    const plan = planTrim(doc, text, { budget: 100 + 10 * (doc.body.messages.length - 2), tokensOf: tenPerMessage, stripThinking: { model: 'Fable 5.2' } });
    assert.equal(plan.status, 'trimmed');
    assert.ok((plan.strippedThinking?.length ?? 0) > 0);
  });
});
