import { strict as assert } from 'node:assert';
import { applyTextEdits, countTrim, estimateTokensOf, planTrim, trimCutPoints, trimPlanMarkdown, type TrimPlan } from '../../src/core/decisions/trim';
import { estimateRequest } from '../../src/core/estimator';
import { parseDocument } from '../../src/core/payload';
import type { CountBody, Json, ParsedDocument } from '../../src/core/types';
import { fakeCount, startFakeApi, type FakeApi } from '../fake-api/server';
import { fakeApiClient } from '../support/docs';

function parse(text: string, file: string): ParsedDocument {
  const result = parseDocument(file, text);
  assert.equal(result.status, 'ok', JSON.stringify(result));
  return (result as { doc: ParsedDocument }).doc;
}

/** 100 for the rest of the request plus 10 per message: every plan below is derivable by hand. */
const tenPerMessage = (body: CountBody) => 100 + 10 * body.messages.length;

const conversation: Json[] = [
  { role: 'user', content: 'Our checkout page got slow this week. Where do I start?' },
  { role: 'assistant', content: 'Start with the slowest endpoint in your traces.' },
  { role: 'user', content: 'Can you look up the p95 for /checkout?' },
  { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'query_metrics', input: { route: '/checkout' } }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'p95 1.8s (was 0.4s)' }] },
  { role: 'assistant', content: 'p95 went from 0.4 s to 1.8 s.' },
  { role: 'user', content: 'Thanks. What changed?' },
];

const system = 'You are an SRE assistant.';
const tools: Json[] = [{ name: 'query_metrics', description: 'Query route metrics.', input_schema: { type: 'object', properties: { route: { type: 'string' } } } }];

const jsonText = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 1024, system, tools, messages: conversation }, null, 2);

const jsoncText = `{
  // SRE chat, kept for regression tests
  "model": "claude-sonnet-4-6",
  "system": ${JSON.stringify(system)},
  "tools": ${JSON.stringify(tools)},
  "messages": [ // oldest first
    // turn 1
    ${JSON.stringify(conversation[0])}, // opening question
    /* the first answer */
    ${JSON.stringify(conversation[1])},
    // turn 2
    ${JSON.stringify(conversation[2])},
    {
      "role": "assistant",
      "content": [
        { "type": "text", "text": "Checking." },
        { "type": "tool_use", "id": "toolu_1", "name": "query_metrics", "input": { "route": "/checkout" } }, // the call
      ],
    },
    ${JSON.stringify(conversation[4])},
    ${JSON.stringify(conversation[5])},
    // the question being asked now
    ${JSON.stringify(conversation[6])}, // trailing comma on purpose
  ],
}
`;

const yamlText = `# SRE chat
model: claude-sonnet-4-6
system: ${system}
tools:
  - name: query_metrics
    description: Query route metrics.
    input_schema:
      type: object
      properties:
        route:
          type: string
messages:
  # turn 1
  - role: user
    content: Our checkout page got slow this week. Where do I start?
  - role: assistant   # short answer
    content: |
      Start with the slowest endpoint in your traces.
  - role: user
    content: Can you look up the p95 for /checkout?
  - role: assistant
    content:
      - type: text
        text: Checking.
      - type: tool_use
        id: toolu_1
        name: query_metrics
        input:
          route: /checkout
  - role: user
    content:
      - type: tool_result
        tool_use_id: toolu_1
        content: p95 1.8s (was 0.4s)
  - role: assistant
    content: p95 went from 0.4 s to 1.8 s.

  # the question being asked now
  - role: user
    content: Thanks. What changed?
`;

/** YAML block scalars keep their final newline: the same conversation as read from yamlText. */
const yamlConversation = conversation.map((m, i) => (i === 1 ? { role: 'assistant', content: 'Start with the slowest endpoint in your traces.\n' } : m));

function checkEdit(plan: TrimPlan, text: string, file: string, expected: Json[], original: ParsedDocument): ParsedDocument {
  assert.ok(plan.edit, plan.message);
  assert.equal(applyTextEdits(text, plan.edit.edits), plan.edit.newText);
  const after = parse(plan.edit.newText, file);
  assert.deepEqual(after.body.messages, expected, 'the edited text parses to exactly the kept messages');
  assert.deepEqual(after.body.system, original.body.system, 'system untouched');
  assert.deepEqual(after.body.tools, original.body.tools, 'tools untouched');
  assert.equal(after.model, original.model);
  return after;
}

describe('decisions: trim conversation to budget', () => {
  it('cuts only where the kept conversation starts with a plain user turn, keeping the last user turn', () => {
    // 2: "Can you look up…" (user). 4 is a tool_result (answers 3); 6 is the last user turn.
    assert.deepEqual(trimCutPoints(conversation), [0, 2, 6]);
    // A tool_result that answers a dropped tool_use anywhere later forbids the cut.
    const odd: Json[] = [conversation[0]!, conversation[3]!, { role: 'user', content: 'And?' }, { role: 'assistant', content: 'Hm.' }, conversation[4]!, conversation[5]!, conversation[6]!];
    assert.deepEqual(trimCutPoints(odd), [0, 6]);
    // The last user message is a tool result: its turn starts earlier, nothing after 0 is a valid start.
    assert.deepEqual(trimCutPoints(conversation.slice(2, 5)), [0]);
    assert.deepEqual(trimCutPoints([{ role: 'assistant', content: 'Hi' }, { role: 'user', content: 'Yo' }]), [0, 1]);
  });

  describe('plans by the token callback (100 + 10 per message)', () => {
    const doc = parse(jsonText, 'chat.json');

    it('fits already at 170: nothing removed', () => {
      const plan = planTrim(doc, jsonText, { budget: 170, tokensOf: tenPerMessage });
      assert.equal(plan.status, 'fits');
      assert.deepEqual(plan.removed, []);
      assert.equal(plan.edit, undefined);
      assert.equal(plan.before, 170);
    });

    it('budget 160: drops the first exchange (2 messages) → 150', () => {
      const plan = planTrim(doc, jsonText, { budget: 160, tokensOf: tenPerMessage });
      assert.equal(plan.status, 'trimmed');
      assert.deepEqual(plan.removed.map((r) => r.label), ['user #1', 'assistant #2']);
      assert.deepEqual({ before: plan.before, after: plan.after, floor: plan.floor }, { before: 170, after: 150, floor: 110 });
      assert.deepEqual(plan.kept, [2, 3, 4, 5, 6]);
      assert.deepEqual(plan.removed[0]!.range, doc.parts.find((p) => p.kind === 'message' && p.index === 0)!.range);
      checkEdit(plan, jsonText, 'chat.json', conversation.slice(2), doc);
    });

    it('budget 140: never keeps the tool_result without its tool_use — both go, down to the last turn → 110', () => {
      const plan = planTrim(doc, jsonText, { budget: 140, tokensOf: tenPerMessage });
      assert.equal(plan.status, 'trimmed');
      assert.deepEqual(plan.removed.map((r) => r.index), [0, 1, 2, 3, 4, 5]);
      assert.equal(plan.after, 110);
      checkEdit(plan, jsonText, 'chat.json', conversation.slice(6), doc);
    });

    it('budget 100: cannot fit even with everything allowed removed (floor 110), and says so', () => {
      const plan = planTrim(doc, jsonText, { budget: 100, tokensOf: tenPerMessage });
      assert.equal(plan.status, 'cannot-fit');
      assert.equal(plan.floor, 110);
      assert.equal(plan.after, 110);
      assert.deepEqual(plan.removed.map((r) => r.index), [0, 1, 2, 3, 4, 5]);
      assert.match(plan.message, /still leaves 110 tokens, over the budget of 100/);
      assert.match(trimPlanMarkdown(plan), /\*\*Cannot fit the budget\*\* · budget 100 · ≈170 → ≈110 tokens/);
    });

    it('says when no turn can be dropped, and leaves documents without a conversation alone', () => {
      const midTool = JSON.stringify({ model: 'claude-sonnet-4-6', messages: conversation.slice(2, 5) });
      const plan = planTrim(parse(midTool, 'x.json'), midTool, { budget: 1, tokensOf: tenPerMessage });
      assert.equal(plan.status, 'cannot-fit');
      assert.deepEqual(plan.removed, []);
      assert.match(plan.message, /no earlier turn can be dropped/);
      const toolsText = JSON.stringify(tools);
      assert.equal(planTrim(parse(toolsText, 'tools.json'), toolsText, { budget: 1, tokensOf: tenPerMessage }).status, 'not-applicable');
    });

    it('offers no edit for a text that is not the analysed one', () => {
      const other = jsonText.replace('Where do I start?', 'Where to start?');
      const plan = planTrim(doc, other, { budget: 160, tokensOf: tenPerMessage });
      assert.equal(plan.edit, undefined);
      assert.match(plan.message, /does not match the analysed document/);
    });
  });

  it('JSONC: deletes whole nodes with their commas, keeps the other comments and the trailing comma, re-parses', () => {
    const doc = parse(jsoncText, 'chat.jsonc');
    assert.deepEqual(doc.body.messages, conversation, 'fixture');
    const two = planTrim(doc, jsoncText, { budget: 160, tokensOf: tenPerMessage });
    const after = checkEdit(two, jsoncText, 'chat.jsonc', conversation.slice(2), doc);
    assert.equal(two.edit!.kind, 'deletions');
    const text = two.edit!.newText;
    for (const kept of ['// SRE chat, kept for regression tests', '// oldest first', '// turn 2', '// the call', '// the question being asked now', '// trailing comma on purpose']) {
      assert.ok(text.includes(kept), `keeps ${kept}`);
    }
    for (const gone of ['// turn 1', '// opening question', '/* the first answer */']) assert.ok(!text.includes(gone), `drops ${gone} with its message`);
    assert.equal(after.parts.filter((p) => p.kind === 'message').length, 5);

    const six = planTrim(doc, jsoncText, { budget: 140, tokensOf: tenPerMessage });
    checkEdit(six, jsoncText, 'chat.jsonc', conversation.slice(6), doc);
    assert.ok(!six.edit!.newText.includes('// the call'));
    assert.ok(six.edit!.newText.includes('// the question being asked now'));
  });

  it('YAML block list: deletes the items\' lines (and comment lines right above them), re-parses', () => {
    const doc = parse(yamlText, 'chat.yaml');
    assert.deepEqual(doc.body.messages, yamlConversation, 'fixture');
    const two = planTrim(doc, yamlText, { budget: 160, tokensOf: tenPerMessage });
    checkEdit(two, yamlText, 'chat.yaml', yamlConversation.slice(2), doc);
    assert.equal(two.edit!.kind, 'deletions');
    assert.ok(!two.edit!.newText.includes('# turn 1'));
    assert.ok(!two.edit!.newText.includes('# short answer'));
    assert.ok(two.edit!.newText.includes('messages:\n  - role: user\n    content: Can you look up'));

    const six = planTrim(doc, yamlText, { budget: 140, tokensOf: tenPerMessage });
    checkEdit(six, yamlText, 'chat.yaml', yamlConversation.slice(6), doc);
    assert.ok(six.edit!.newText.endsWith('messages:\n\n  # the question being asked now\n  - role: user\n    content: Thanks. What changed?\n'));
  });

  it('YAML flow list: deletes items with their commas, re-parses', () => {
    const text = 'model: claude-sonnet-4-6\nmessages: [{role: user, content: one}, {role: assistant, content: two}, # two\n  {role: user, content: three}]\n';
    const doc = parse(text, 'flow.yaml');
    const plan = planTrim(doc, text, { budget: 115, tokensOf: tenPerMessage });
    checkEdit(plan, text, 'flow.yaml', [{ role: 'user', content: 'three' }], doc);
    assert.equal(plan.edit!.kind, 'deletions');
  });

  it('YAML with an anchor a kept message uses: rewrites the list instead, still verified', () => {
    const text = 'model: claude-sonnet-4-6\nmessages:\n  - &hello\n    role: user\n    content: Hello again\n  - role: assistant\n    content: Hi!\n  - *hello\n';
    const doc = parse(text, 'alias.yaml');
    const plan = planTrim(doc, text, { budget: 115, tokensOf: tenPerMessage });
    checkEdit(plan, text, 'alias.yaml', [{ role: 'user', content: 'Hello again' }], doc);
    assert.equal(plan.edit!.kind, 'replacement');
  });

  it('JSON with CRLF line ends', () => {
    const text = jsonText.replace(/\n/g, '\r\n');
    const doc = parse(text, 'crlf.json');
    const plan = planTrim(doc, text, { budget: 160, tokensOf: tenPerMessage });
    checkEdit(plan, text, 'crlf.json', conversation.slice(2), doc);
    assert.ok(!/[^\r]\n/.test(plan.edit!.newText), 'no bare LF introduced');
  });

  it('estimates with the local estimator by default helper', () => {
    const doc = parse(jsonText, 'chat.json');
    const tokensOf = estimateTokensOf('claude-4');
    const plan = planTrim(doc, jsonText, { budget: tokensOf(doc.body) - 1, tokensOf });
    assert.equal(plan.status, 'trimmed');
    assert.equal(plan.after, estimateRequest({ ...doc.body, messages: conversation.slice(2) }, 'claude-4').total);
  });

  describe('exact re-count against the fake API', () => {
    let api: FakeApi;
    before(async () => {
      api = await startFakeApi();
    });
    after(() => api.close());

    it('counts before and after exactly', async () => {
      const doc = parse(jsonText, 'chat.json');
      const plan = planTrim(doc, jsonText, { budget: 160, tokensOf: tenPerMessage });
      const client = fakeApiClient(api);
      const count = await countTrim(doc, plan, { client, model: 'claude-sonnet-4-6', family: 'claude-4' });
      assert.ok(count);
      const request = { model: 'claude-sonnet-4-6', system, tools };
      assert.deepEqual({ tokens: count.before.tokens, exact: count.before.exact }, { tokens: fakeCount({ ...request, messages: conversation }), exact: true });
      assert.deepEqual({ tokens: count.after.tokens, exact: count.after.exact }, { tokens: fakeCount({ ...request, messages: conversation.slice(2) }), exact: true });
      assert.equal(count.fits, count.after.tokens <= 160);
      assert.match(trimPlanMarkdown(plan, count), new RegExp(`${count.before.tokens.toLocaleString('en-US')} → ${count.after.tokens.toLocaleString('en-US')} tokens`));

      const offline = await countTrim(doc, plan, { model: 'claude-sonnet-4-6', family: 'claude-4' });
      assert.equal(offline?.after.exact, false);
      assert.equal(offline?.after.reason, 'offline');
    });
  });
});
