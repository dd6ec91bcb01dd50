import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  DEFAULT_MAX_BYTES,
  LineIndex,
  PLACEHOLDER_MESSAGE,
  isCandidatePath,
  lineOf,
  parseDocument,
  type ParseOptions,
} from '../../src/core/payload/index';
import type { Json, JsonObject, ParseResult, ParsedDocument, SourceRange } from '../../src/core/types';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'payload');

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

function ok(result: ParseResult): ParsedDocument {
  assert.equal(result.status, 'ok', JSON.stringify(result).slice(0, 500));
  return (result as { doc: ParsedDocument }).doc;
}

function parseOk(file: string, text: string, options?: ParseOptions): ParsedDocument {
  return ok(parseDocument(file, text, options));
}

function slice(text: string, range: SourceRange | undefined): string {
  assert.ok(range, 'range expected');
  return text.slice(range.start, range.end);
}

function labels(doc: ParsedDocument): string[] {
  return doc.parts.map((p) => p.label);
}

function errorOf(result: ParseResult): { message: string; range?: SourceRange } {
  assert.equal(result.status, 'error', JSON.stringify(result).slice(0, 500));
  return result as { message: string; range?: SourceRange };
}

function skipReason(result: ParseResult): string {
  assert.equal(result.status, 'skipped', JSON.stringify(result).slice(0, 500));
  return (result as { reason: string }).reason;
}

/** Shape of the fixture request, written out independently of the parser. */
const TRAVEL_SYSTEM = 'You are a concise travel assistant. Answer in metric units.';

describe('payload: JSON request bodies', () => {
  const text = fixture('payload.json');
  const doc = parseOk('requests/payload.json', text);

  it('recognises a payload and lifts model and max_tokens out of the body', () => {
    assert.equal(doc.kind, 'payload');
    assert.equal(doc.placeholder, false);
    assert.equal(doc.model, 'claude-sonnet-4-6');
    assert.equal(slice(text, doc.modelRange), '"claude-sonnet-4-6"');
    assert.equal(doc.maxTokens, 1024);
    assert.equal(slice(text, doc.maxTokensRange), '1024');
    assert.deepEqual(doc.stripped, ['max_tokens', 'temperature', 'stop_sequences']);
    assert.deepEqual(doc.findings, []);
  });

  it('keeps exactly the count_tokens fields in the body', () => {
    assert.deepEqual(Object.keys(doc.body).sort(), ['messages', 'system', 'tool_choice', 'tools']);
    assert.equal(doc.body.system, TRAVEL_SYSTEM);
    assert.deepEqual(doc.body.tool_choice, { type: 'auto' });
    assert.equal(doc.body.messages.length, 3);
    assert.deepEqual(doc.body.messages[0], { role: 'user', content: "What's the weather in Lisbon right now?" });
    const third = doc.body.messages[2] as JsonObject;
    assert.equal(((third.content as JsonObject[])[0] as JsonObject).content, '21°C, clear sky');
    assert.deepEqual(
      doc.body.tools?.map((t) => (t as JsonObject).name),
      ['get_weather', 'get_time'],
    );
    // The body is what JSON.parse sees, minus model and generation-only fields.
    const expected = JSON.parse(text) as JsonObject;
    for (const k of ['model', 'max_tokens', 'temperature', 'stop_sequences']) delete expected[k];
    assert.deepEqual(doc.body, expected);
  });

  it('labels parts and points their ranges at the exact source nodes', () => {
    assert.deepEqual(labels(doc), ['system', 'user #1', 'assistant #2', 'user #3', 'tool get_weather', 'tool get_time']);
    const system = doc.parts[0]!;
    assert.equal(slice(text, system.range), JSON.stringify(TRAVEL_SYSTEM));
    const messages = doc.parts.filter((p) => p.kind === 'message');
    messages.forEach((part, i) => {
      assert.equal(part.index, i);
      const source = slice(text, part.range);
      assert.ok(source.startsWith('{') && source.endsWith('}'), source);
      assert.deepEqual(JSON.parse(source), doc.body.messages[i]);
      assert.equal(part.anchor?.start, part.range.start);
    });
    const tools = doc.parts.filter((p) => p.kind === 'tool');
    assert.deepEqual(tools.map((t) => t.name), ['get_weather', 'get_time']);
    assert.deepEqual(tools.map((t) => slice(text, t.anchor)), ['"get_weather"', '"get_time"']);
    tools.forEach((t, i) => assert.deepEqual(JSON.parse(slice(text, t.range)), doc.body.tools?.[i]));
  });

  it('reads the same request from JSONC with comments and trailing commas', () => {
    const jsoncText = fixture('payload.jsonc');
    const jsonc = parseOk('requests/payload.jsonc', jsoncText);
    assert.deepEqual(jsonc.body, doc.body);
    assert.deepEqual(jsonc.stripped, doc.stripped);
    assert.equal(jsonc.maxTokens, 1024);
    assert.deepEqual(labels(jsonc), labels(doc));
    assert.deepEqual(
      jsonc.parts.filter((p) => p.kind === 'tool').map((t) => slice(jsoncText, t.anchor)),
      ['"get_weather"', '"get_time"'],
    );
    const last = jsonc.parts.find((p) => p.label === 'user #3')!;
    const source = slice(jsoncText, last.range);
    assert.ok(source.startsWith('{') && source.endsWith('}') && source.includes('// tool output'), source);
    // Comments in .json files are tolerated too.
    assert.deepEqual(parseOk('payload.json', jsoncText).body, doc.body);
  });

  it('keeps thinking in the body with its range, and mcp_servers for the counting layer', () => {
    const t = '{"model":"claude-opus-4-8","max_tokens":16000,"thinking":{"type":"enabled","budget_tokens":4000},' +
      '"mcp_servers":[{"type":"url","url":"https://mcp.example.com","name":"ex"}],"messages":[{"role":"user","content":"hi"}]}';
    const d = parseOk('req.json', t);
    assert.deepEqual(d.body.thinking, { type: 'enabled', budget_tokens: 4000 });
    assert.equal(slice(t, d.thinkingRange), '{"type":"enabled","budget_tokens":4000}');
    assert.deepEqual((d.body as unknown as JsonObject).mcp_servers, [{ type: 'url', url: 'https://mcp.example.com', name: 'ex' }]);
    assert.deepEqual(d.stripped, ['max_tokens']);
    assert.deepEqual(d.findings, []);
  });

  it('strips unknown top-level fields with a warning on the key', () => {
    const t = '{\n  "messages": [{"role": "user", "content": "hi"}],\n  "temprature": 1,\n  "stream": true\n}';
    const d = parseOk('req.json', t);
    assert.deepEqual(d.stripped, ['temprature', 'stream']);
    assert.deepEqual(Object.keys(d.body), ['messages']);
    assert.equal(d.findings.length, 1);
    const f = d.findings[0]!;
    assert.equal(f.code, 'unknown-field');
    assert.equal(f.severity, 'warning');
    assert.match(f.message, /temprature/);
    assert.equal(slice(t, f.range), '"temprature"');
  });

  it('reads `betas` (the SDK sends them as a header): kept apart from the body, no unknown-field warning', () => {
    const d = parseOk('req.json', JSON.stringify({ betas: ['interleaved-thinking-2025-05-14'], messages: [{ role: 'user', content: 'hi' }] }));
    assert.deepEqual(d.betas, ['interleaved-thinking-2025-05-14']);
    assert.deepEqual(Object.keys(d.body), ['messages']);
    assert.deepEqual(d.findings, []);
    const t = '{"betas": "interleaved-thinking-2025-05-14", "messages": [{"role": "user", "content": "hi"}]}';
    const bad = parseOk('req.json', t);
    assert.equal(bad.betas, undefined);
    assert.deepEqual(bad.findings.map((f) => f.code), ['invalid-betas']);
    assert.equal(slice(t, bad.findings[0]!.range), '"interleaved-thinking-2025-05-14"');
  });

  it('ignores a max_tokens that is not a positive integer, with a warning', () => {
    for (const bad of ['0', '-5', '1.5', '"100"']) {
      const t = `{"max_tokens": ${bad}, "messages": [{"role": "user", "content": "hi"}]}`;
      const d = parseOk('req.json', t);
      assert.equal(d.maxTokens, undefined, bad);
      assert.deepEqual(d.stripped, ['max_tokens']);
      assert.deepEqual(d.findings.map((f) => f.code), ['invalid-max-tokens']);
      assert.equal(slice(t, d.findings[0]!.range), bad);
    }
  });

  it('uses the last of duplicate keys and says so', () => {
    const t = '{"system": "a", "system": "b", "messages": [{"role": "user", "content": "hi"}]}';
    const d = parseOk('req.json', t);
    assert.equal(d.body.system, 'b');
    assert.equal(slice(t, d.parts[0]!.range), '"b"');
    assert.deepEqual(d.findings.map((f) => f.code), ['duplicate-key']);
  });

  it('warns about messages without a valid role but still parses', () => {
    const t = '{"model": "claude-sonnet-4-6", "messages": [{"role": "system", "content": "x"}, {"content": "y"}, "z"]}';
    const d = parseOk('req.json', t);
    assert.deepEqual(labels(d), ['message #1', 'message #2', 'message #3']);
    assert.equal(d.findings.filter((f) => f.code === 'invalid-message').length, 3);
  });

  it('adds the placeholder to a request without messages', () => {
    const t = '{"system": "You are terse.", "tools": [{"name": "ping", "input_schema": {"type": "object"}}]}';
    const d = parseOk('req.json', t);
    assert.equal(d.kind, 'payload');
    assert.equal(d.placeholder, true);
    assert.deepEqual(d.body.messages, [PLACEHOLDER_MESSAGE]);
    assert.equal(d.body.system, 'You are terse.');
    assert.deepEqual(labels(d), ['system', 'tool ping']);
    // Empty messages count as none.
    const e = parseOk('req.json', '{"model": "claude-sonnet-4-6", "system": "x", "messages": []}');
    assert.equal(e.placeholder, true);
    assert.deepEqual(e.body.messages, [PLACEHOLDER_MESSAGE]);
    assert.deepEqual(labels(e), ['system']);
  });

  it('gives every body its own placeholder copy', () => {
    const a = parseOk('a.json', '{"system": "x"}');
    (a.body.messages[0] as JsonObject).content = 'changed';
    const b = parseOk('b.json', '{"system": "x"}');
    assert.deepEqual(b.body.messages, [PLACEHOLDER_MESSAGE]);
    assert.equal(PLACEHOLDER_MESSAGE.content, '.');
    const asJson: Json = PLACEHOLDER_MESSAGE; // usable wherever a message is expected
    assert.ok(Object.isFrozen(asJson));
  });
});

describe('payload: YAML request bodies', () => {
  const text = fixture('payload.yaml');
  const doc = parseOk('support/payload.yaml', text);

  it('recognises the payload, strips generation fields, keeps thinking', () => {
    assert.equal(doc.kind, 'payload');
    assert.equal(doc.model, 'claude-haiku-4-5');
    assert.equal(slice(text, doc.modelRange), 'claude-haiku-4-5');
    assert.equal(doc.maxTokens, 512);
    assert.equal(slice(text, doc.maxTokensRange), '512');
    assert.deepEqual(doc.stripped, ['max_tokens', 'top_p']);
    assert.deepEqual(doc.body.thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.equal(slice(text, doc.thinkingRange), 'type: enabled\n  budget_tokens: 2048');
    assert.deepEqual(doc.findings, []);
  });

  it('builds the body from YAML values', () => {
    assert.deepEqual(doc.body.system, [
      {
        type: 'text',
        text: 'You are the support assistant for Acme Cloud.\nBe brief and link to the docs when you can.\n',
        cache_control: { type: 'ephemeral' },
      },
    ]);
    assert.deepEqual(doc.body.tools, [
      {
        name: 'lookup_order',
        description: 'Look up an order by its id.',
        input_schema: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
      },
    ]);
    assert.deepEqual(doc.body.messages, [
      { role: 'user', content: 'Where is my order 1234?' },
      { role: 'assistant', content: 'Let me look that up for you.' },
      { role: 'user', content: 'Thanks, it was placed last Tuesday.' },
    ]);
  });

  it('maps parts to YAML node ranges', () => {
    assert.deepEqual(labels(doc), ['system', 'user #1', 'assistant #2', 'user #3', 'tool lookup_order']);
    assert.equal(slice(text, doc.parts[1]!.range), 'role: user\n    content: Where is my order 1234?');
    assert.equal(slice(text, doc.parts[3]!.range), 'role: user\n    content: Thanks, it was placed last Tuesday.');
    assert.equal(slice(text, doc.parts[1]!.anchor), 'role: user');
    const tool = doc.parts[4]!;
    assert.equal(slice(text, tool.anchor), 'lookup_order');
    assert.ok(slice(text, tool.range).startsWith('name: lookup_order\n'));
    assert.ok(slice(text, doc.parts[0]!.range).startsWith('- type: text\n'));
  });

  it('handles flow style, anchors and aliases', () => {
    const t = 'greeting: &g {role: user, content: Hello}\nmessages: [*g, {role: assistant, content: Hi}]\nsystem: terse\n';
    const d = parseOk('x.yml', t);
    assert.deepEqual(d.body.messages, [{ role: 'user', content: 'Hello' }, { role: 'assistant', content: 'Hi' }]);
    assert.deepEqual(d.stripped, ['greeting']);
    assert.equal(slice(t, d.parts[1]!.range), '*g');
    assert.equal(slice(t, d.parts[2]!.range), '{role: assistant, content: Hi}');
  });

  it('refuses alias bombs and recursive aliases without throwing', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 8; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill('*' + String.fromCharCode(96 + i)).join(',')}]`);
    bomb.push('messages: [{role: user, content: *h}]');
    const r = parseDocument('bomb.yaml', bomb.join('\n'));
    assert.equal(r.status, 'error');
    const cyc = parseDocument('cyc.yaml', 'a: &a [*a]\nmessages: []\n');
    assert.ok(cyc.status === 'error' || cyc.status === 'skipped');
  });
});

describe('payload: tool lists', () => {
  it('normalises an MCP tools/list result to Anthropic tools', () => {
    const text = fixture('mcp-tools-list.json');
    const doc = parseOk('mcp/tools.json', text);
    assert.equal(doc.kind, 'tools');
    assert.equal(doc.placeholder, true);
    assert.deepEqual(doc.body.messages, [PLACEHOLDER_MESSAGE]);
    assert.deepEqual(doc.body.tools, [
      {
        name: 'read_file',
        description: 'Read the complete contents of a file.',
        input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
      },
      {
        name: 'list_directory',
        description: 'List the entries of a directory.',
        input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
      },
    ]);
    assert.deepEqual(labels(doc), ['tool read_file', 'tool list_directory']);
    assert.deepEqual(doc.parts.map((p) => slice(text, p.anchor)), ['"read_file"', '"list_directory"']);
    assert.deepEqual(doc.parts.map((p) => p.index), [0, 1]);
    assert.ok(slice(text, doc.parts[0]!.range).includes('"outputSchema"'));
    assert.deepEqual(doc.stripped, []);
  });

  it('reads a bare MCP {tools} result and an Anthropic tool array', () => {
    const mcp = JSON.stringify({ tools: [{ name: 'echo', inputSchema: { type: 'object' }, annotations: { title: 'Echo' } }], nextCursor: 'n' });
    const d = parseOk('tools.json', mcp);
    assert.equal(d.kind, 'tools');
    assert.deepEqual(d.body.tools, [{ name: 'echo', input_schema: { type: 'object' } }]);

    const text = fixture('anthropic-tools.json');
    const a = parseOk('anthropic-tools.json', text);
    assert.equal(a.kind, 'tools');
    assert.equal(a.body.tools?.length, 2);
    assert.deepEqual(a.body.tools?.[1], { type: 'bash_20250124', name: 'bash' });
    assert.deepEqual((a.body.tools?.[0] as JsonObject).cache_control, { type: 'ephemeral' });
    assert.deepEqual(labels(a), ['tool search_docs', 'tool bash']);
    assert.equal(slice(text, a.parts[1]!.anchor), '"bash"');
    assert.deepEqual(a.findings, []);
  });

  it('reads a YAML tool list and warns about a malformed tool among good ones', () => {
    const t = '- name: add\n  input_schema: {type: object}\n- name: broken\n  description: no schema\n';
    const d = parseOk('tools.yaml', t);
    assert.equal(d.kind, 'tools');
    assert.deepEqual(labels(d), ['tool add', 'tool broken']);
    assert.deepEqual(d.findings.map((f) => f.code), ['invalid-tool']);
    assert.equal(slice(t, d.findings[0]!.range), 'broken');
  });

  it('normalises MCP-form tools inside a request too', () => {
    const t = '{"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"x","title":"X","inputSchema":{"type":"object"}}]}';
    assert.deepEqual(parseOk('r.json', t).body.tools, [{ name: 'x', input_schema: { type: 'object' } }]);
  });
});

describe('payload: prompt files', () => {
  it('reads a .prompt.md with role: system and model in front matter', () => {
    const text = fixture('reviewer.prompt.md');
    const doc = parseOk('prompts/reviewer.prompt.md', text);
    const body = 'You are a meticulous code reviewer.\n\n- Point out bugs before style.\n- Quote the line you are talking about.\n';
    assert.equal(doc.kind, 'prompt');
    assert.equal(doc.body.system, body);
    assert.equal(doc.placeholder, true);
    assert.deepEqual(doc.body.messages, [PLACEHOLDER_MESSAGE]);
    assert.equal(doc.model, 'claude-opus-4-7');
    assert.equal(slice(text, doc.modelRange), 'claude-opus-4-7');
    assert.deepEqual(labels(doc), ['system']);
    assert.equal(slice(text, doc.parts[0]!.range), body);
    assert.deepEqual(doc.findings, []);
  });

  it('reads CLAUDE.md as one user message', () => {
    const text = fixture('CLAUDE.md');
    const doc = parseOk('/home/me/project/CLAUDE.md', text);
    assert.equal(doc.kind, 'prompt');
    assert.equal(doc.placeholder, false);
    assert.deepEqual(doc.body, { messages: [{ role: 'user', content: text }] });
    assert.deepEqual(labels(doc), ['user #1']);
    assert.deepEqual(doc.parts[0]!.range, { start: 0, end: text.length });
  });

  it('handles a BOM and CRLF front matter', () => {
    const text = '\uFEFF---\r\nmodel: claude-sonnet-4-6\r\nrole: system\r\n---\r\nBe kind.\r\nBe brief.\r\n';
    const doc = parseOk('AGENTS.md', text);
    assert.equal(doc.body.system, 'Be kind.\r\nBe brief.\r\n');
    assert.equal(doc.model, 'claude-sonnet-4-6');
    assert.equal(slice(text, doc.modelRange), 'claude-sonnet-4-6');
    assert.equal(slice(text, doc.parts[0]!.range), 'Be kind.\r\nBe brief.\r\n');
    // A BOM without front matter is not prompt text.
    const plain = parseOk('x.prompt.txt', '\uFEFFHello');
    assert.deepEqual(plain.body.messages, [{ role: 'user', content: 'Hello' }]);
    assert.deepEqual(plain.parts[0]!.range, { start: 1, end: 6 });
  });

  it('keeps going with malformed front matter and names the line', () => {
    const text = '---\ntitle: ok\nmodel: [unclosed\n---\nThe prompt.\n';
    const doc = parseOk('.claude/commands/review.md', text);
    assert.deepEqual(doc.body.messages, [{ role: 'user', content: 'The prompt.\n' }]);
    assert.equal(doc.model, undefined);
    assert.equal(doc.findings.length, 1);
    assert.equal(doc.findings[0]!.severity, 'warning');
    assert.match(doc.findings[0]!.message, /line [34]\b/);
    // Never closed: everything is the prompt.
    const open = parseOk('p.prompt.md', '---\nrole: system\nno closing fence\n');
    assert.deepEqual(open.body.messages, [{ role: 'user', content: '---\nrole: system\nno closing fence\n' }]);
    assert.deepEqual(open.findings.map((f) => f.code), ['front-matter-unclosed']);
    assert.match(open.findings[0]!.message, /line 1\b/);
  });

  it('accepts an empty or blank body as the placeholder alone (the API refuses blank text)', () => {
    const doc = parseOk('empty.prompt.md', '---\nmodel: claude-haiku-4-5\n---\n');
    assert.deepEqual(doc.body.messages, [PLACEHOLDER_MESSAGE]);
    assert.equal(doc.placeholder, true);
    assert.equal(doc.model, 'claude-haiku-4-5');
    const blank = parseOk('CLAUDE.md', ' \n\t\n');
    assert.deepEqual(blank.body.messages, [PLACEHOLDER_MESSAGE]);
    const system = parseOk('s.prompt.md', '---\nrole: system\n---\n\n');
    assert.equal(system.body.system, undefined);
    assert.equal(system.placeholder, true);
  });

  it("treats a Claude Code agent's `model: inherit` as no model", () => {
    const doc = parseOk('.claude/agents/reviewer.md', '---\nname: reviewer\nmodel: inherit\n---\nReview code.\n');
    assert.equal(doc.model, undefined);
    assert.equal(doc.body.messages.length, 1);
  });

  it('tolerates invalid UTF-8 decoded as U+FFFD', () => {
    const doc = parseOk('prompts/x.md', 'caf\uFFFD \uFFFD\uFFFD');
    assert.deepEqual(doc.body.messages, [{ role: 'user', content: 'caf\uFFFD \uFFFD\uFFFD' }]);
    const json = parseOk('x.json', '{"messages":[{"role":"user","content":"\uFFFD"}]}');
    assert.equal(json.kind, 'payload');
  });
});

describe('payload: skipping', () => {
  it('skips package.json and tsconfig.json, by name and by content', () => {
    const pkg = fixture('package.json');
    const ts = fixture('tsconfig.json');
    assert.match(skipReason(parseDocument('test/fixtures/payload/package.json', pkg)), /package\.json/);
    assert.match(skipReason(parseDocument('tsconfig.json', ts)), /tsconfig/);
    skipReason(parseDocument('config/manifest.json', pkg));
    skipReason(parseDocument('config/compiler.jsonc', ts));
  });

  it('skips random YAML, JSON and Markdown', () => {
    skipReason(parseDocument('k8s/deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n'));
    skipReason(parseDocument('.github/workflows/ci.yml', 'on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n'));
    skipReason(parseDocument('data.json', '[1, 2, 3]'));
    skipReason(parseDocument('data.json', '"just a string"'));
    skipReason(parseDocument('data.json', '   '));
    skipReason(parseDocument('README.md', '# Hello'));
    skipReason(parseDocument('docs/guide.md', 'text'));
    skipReason(parseDocument('src/index.ts', 'export {}'));
    // Looks a little like a request, but is not one.
    skipReason(parseDocument('locales/en.json', '{"messages": {"hello": "Hello"}}'));
    skipReason(parseDocument('locales/en.json', '{"messages": ["Hello", "Bye"]}'));
    skipReason(parseDocument('tools.json', '{"tools": ["eslint", "prettier"]}'));
    skipReason(parseDocument('tools.json', '[{"name": "eslint", "version": "9"}]'));
    skipReason(parseDocument('rpc.json', '{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}'));
    skipReason(parseDocument('nix.json', '{"system": "x86_64-linux", "arch": "x64"}'));
  });

  it('skips broken JSON/YAML that does not look like a payload', () => {
    skipReason(parseDocument('settings.json', '{"a": 1,, "b"}'));
    skipReason(parseDocument('list.yaml', 'a: [1, 2\nb: c: d\n'));
  });

  it('skips binary content at a path that is not a candidate', () => {
    skipReason(parseDocument('image.png', '\u0089PNG\u0000\u0000'));
  });
});

describe('payload: errors', () => {
  it('names the line of a JSON syntax error', () => {
    const text = '{\n  "model": "claude-sonnet-4-6",\n  "messages": [\n    {"role": "user", "content": "hi"}\n  ]\n  "max_tokens": 10\n}';
    const e = errorOf(parseDocument('req.json', text));
    assert.match(e.message, /^Invalid JSON at line 6: comma expected$/);
    assert.equal(slice(text, e.range), '"max_tokens"');
    const e2 = errorOf(parseDocument('req.json', '{\n  "messages": [\n    {"role": "user", content: "hi"}\n  ]\n}'));
    assert.match(e2.message, /^Invalid JSON at line 3: property name expected$/);
    const e3 = errorOf(parseDocument('req.json', '{"messages": [{"role": "user", "content": "unterminated}]}'));
    assert.match(e3.message, /line 1: unterminated string/);
    const e4 = errorOf(parseDocument('req.json', '{"messages": [{"role": "user"'));
    assert.match(e4.message, /line 1: closing brace expected/);
  });

  it('counts CRLF and BOM correctly in error lines and ranges', () => {
    const text = '\uFEFF{\r\n  "messages": [\r\n    {"role": "user",, "content": "hi"}\r\n  ]\r\n}';
    const e = errorOf(parseDocument('req.json', text));
    assert.match(e.message, /line 3\b/);
    assert.equal(slice(text, e.range), ',');
  });

  it('shifts every range past a BOM in JSON and YAML', () => {
    const body = '{"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": "hi"}]}';
    const plain = parseOk('a.json', body);
    const bom = parseOk('a.json', '\uFEFF' + body);
    assert.deepEqual(bom.body, plain.body);
    assert.deepEqual(bom.modelRange, { start: plain.modelRange!.start + 1, end: plain.modelRange!.end + 1 });
    assert.equal(slice('\uFEFF' + body, bom.parts[0]!.range), '{"role": "user", "content": "hi"}');
    const yamlText = '\uFEFFmodel: claude-sonnet-4-6\nmessages:\n  - role: user\n    content: hi\n';
    const y = parseOk('a.yaml', yamlText);
    assert.equal(slice(yamlText, y.modelRange), 'claude-sonnet-4-6');
    assert.equal(slice(yamlText, y.parts[0]!.range), 'role: user\n    content: hi');
  });

  it('names the line of a YAML error', () => {
    const text = 'model: claude-sonnet-4-6\nmessages:\n  - role: user\n    content: "unterminated\n';
    const e = errorOf(parseDocument('req.yaml', text));
    assert.match(e.message, /^Invalid YAML at line \d+: /);
    const dup = errorOf(parseDocument('req.yml', 'messages: []\nsystem: a\nsystem: b\n'));
    assert.match(dup.message, /^Invalid YAML at line 3: .*unique/);
  });

  it('errors when messages is not an array', () => {
    const text = '{\n  "model": "claude-sonnet-4-6",\n  "messages": {"role": "user"}\n}';
    const e = errorOf(parseDocument('req.json', text));
    assert.match(e.message, /`messages` must be an array/);
    assert.match(e.message, /line 3/);
    assert.equal(slice(text, e.range), '{"role": "user"}');
  });

  it('refuses files over the size limit', () => {
    const big = '{"messages": [{"role": "user", "content": "' + 'x'.repeat(1.5 * 1024 * 1024) + '"}]}';
    const e = errorOf(parseDocument('big.json', big, { maxBytes: 1024 * 1024 }));
    assert.match(e.message, /too large to analyse: 1\.5 MB, limit 1 MB/);
    // UTF-8 bytes, not UTF-16 units: 400k three-byte characters are 1.2 MB.
    const cjk = errorOf(parseDocument('big.prompt.md', '漢'.repeat(400_000), { maxBytes: 1024 * 1024 }));
    assert.match(cjk.message, /1\.1 MB, limit 1 MB/);
    assert.equal(parseDocument('ok.prompt.md', 'x'.repeat(1000), { maxBytes: 1000 }).status, 'ok');
    assert.equal(DEFAULT_MAX_BYTES, 20 * 1024 * 1024);
  });

  it('refuses binary content at a candidate path', () => {
    const e = errorOf(parseDocument('req.json', '{"messages": [\u0000\u0001]}'));
    assert.match(e.message, /[Bb]inary/);
    errorOf(parseDocument('CLAUDE.md', 'abc\u0000def'));
  });
});

describe('payload: robustness and speed', () => {
  function timed(fn: () => ParseResult): { result: ParseResult; ms: number } {
    const t0 = performance.now();
    const result = fn();
    return { result, ms: performance.now() - t0 };
  }

  it('survives 100,000 levels of nesting in JSON and YAML quickly', () => {
    const inputs: [string, string][] = [
      ['deep.json', '['.repeat(100_000)],
      ['deep.json', '['.repeat(100_000) + ']'.repeat(100_000)],
      ['deep.json', '{"messages": ' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_001)],
      ['deep.yaml', '['.repeat(100_000) + ']'.repeat(100_000)],
      ['deep.yaml', 'messages:\n' + '- '.repeat(100_000) + 'x\n'],
      ['deep.yml', '{a: '.repeat(100_000)],
    ];
    for (const [file, text] of inputs) {
      const { result, ms } = timed(() => parseDocument(file, text));
      const e = errorOf(result);
      assert.match(e.message, /^Nesting too deep at line [12]: more than \d+ levels/, file);
      assert.ok(ms < 300, `${file} took ${ms.toFixed(0)} ms`);
    }
    // Block nesting by indentation is caught after parsing.
    const lines = ['messages:'];
    for (let i = 0; i < 400; i++) lines.push(' '.repeat(i + 1) + `k${i}:`);
    errorOf(parseDocument('indent.yaml', lines.join('\n') + ' x\n'));
    // Moderate nesting is fine.
    const nested = '{"messages": [{"role": "user", "content": ' + '['.repeat(100) + ']'.repeat(100) + '}]}';
    assert.equal(parseDocument('ok.json', nested).status, 'ok');
  });

  it('parses a 1 MB single-line payload fast', () => {
    const messages: Json[] = [];
    for (let i = 0; i < 2000; i++) {
      messages.push({ role: i % 2 ? 'assistant' : 'user', content: [{ type: 'text', text: 'Lorem ipsum dolor sit amet, consectetur. '.repeat(11) + i }] });
    }
    const text = JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 100, messages });
    assert.ok(text.length > 1_000_000 && !text.includes('\n'));
    parseDocument('warm.json', text);
    const runs = [0, 1, 2].map(() => timed(() => parseDocument('big.json', text)));
    const doc = ok(runs[0]!.result);
    assert.equal(doc.body.messages.length, 2000);
    assert.equal(doc.parts.length, 2000);
    assert.equal(slice(text, doc.parts[1999]!.range), JSON.stringify(messages[1999]));
    const best = Math.min(...runs.map((r) => r.ms));
    assert.ok(best < 150, `1 MB payload took ${best.toFixed(1)} ms`);

    const oneString = JSON.stringify({ messages: [{ role: 'user', content: 'y'.repeat(1_000_000) }] });
    const s = timed(() => parseDocument('s.json', oneString));
    assert.equal(s.result.status, 'ok');
    assert.ok(s.ms < 150, `1 MB string took ${s.ms.toFixed(1)} ms`);
    const notPayload = JSON.stringify(Array.from({ length: 150_000 }, (_, i) => i));
    assert.equal(parseDocument('numbers.json', notPayload).status, 'skipped');
  });

  it('skips a large YAML file that names nothing of a request without parsing it', () => {
    const text = Array.from({ length: 60_000 }, (_, i) => `key${i}: value number ${i}`).join('\n');
    assert.ok(text.length > 1_000_000);
    const r = timed(() => parseDocument('big/config.yaml', text));
    skipReason(r.result);
    assert.ok(r.ms < 150, `took ${r.ms.toFixed(1)} ms`);
  });

  it('never throws on 2,000 random mutations of the fixtures', () => {
    const sources: [string, string][] = [
      ['payload.json', fixture('payload.json')],
      ['payload.jsonc', fixture('payload.jsonc')],
      ['payload.yaml', fixture('payload.yaml')],
      ['mcp-tools-list.json', fixture('mcp-tools-list.json')],
      ['anthropic-tools.json', fixture('anthropic-tools.json')],
      ['prompts/reviewer.prompt.md', fixture('reviewer.prompt.md')],
      ['CLAUDE.md', fixture('CLAUDE.md')],
      ['tsconfig.base.jsonc', fixture('tsconfig.json')],
    ];
    let seed = 0x5eed1234;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const alphabet = ['{', '}', '[', ']', '"', ':', ',', '\n', '\r\n', '-', ' ', '#', '/', '*', '\\', '&a', '*a', '---\n', '\uFEFF', '\u0000', 'é', '\uD83D', 'x', '0', 'null', '!!binary', '? ', '|', '>'];
    const statuses = new Set(['ok', 'skipped', 'error']);
    const counts: Record<string, number> = { ok: 0, skipped: 0, error: 0 };
    for (let i = 0; i < 2000; i++) {
      const [file, original] = sources[i % sources.length]!;
      let text = original;
      const edits = 1 + rand(6);
      for (let k = 0; k < edits; k++) {
        const at = rand(text.length + 1);
        if (rand(2) === 0) text = text.slice(0, at) + text.slice(at + 1 + rand(8));
        else text = text.slice(0, at) + alphabet[rand(alphabet.length)]! + text.slice(at);
      }
      let result: ParseResult;
      try {
        result = parseDocument(file, text);
      } catch (e) {
        assert.fail(`threw on mutation ${i} of ${file}: ${String(e)}\n${JSON.stringify(text)}`);
      }
      assert.ok(statuses.has(result.status), `unexpected status ${JSON.stringify(result)}`);
      counts[result.status]!++;
      if (result.status === 'ok') {
        for (const part of result.doc.parts) {
          assert.ok(part.range.start >= 0 && part.range.start <= part.range.end && part.range.end <= text.length, `bad range in ${file}`);
        }
      }
    }
    // The mutations exercise all three outcomes.
    assert.ok(counts.ok! > 0 && counts.skipped! > 0 && counts.error! > 0, JSON.stringify(counts));
  });

  it('never throws on odd arguments', () => {
    for (const [p, t] of [['', ''], ['/', 'x'], ['a.json', '\uFEFF'], ['a.yaml', '\uFEFF'], ['a.yaml', '---\n---\n'], ['a.yaml', '%YAML 1.1\n---\nmessages: [{role: user, content: !!binary aGk=}]\nts: 2001-12-14\n']] as const) {
      const r = parseDocument(p, t);
      assert.ok(['ok', 'skipped', 'error'].includes(r.status));
    }
    assert.ok(['ok', 'skipped', 'error'].includes(parseDocument('a.json', undefined as unknown as string).status));
  });
});

describe('payload: paths', () => {
  it('recognises prompt files and payload extensions', () => {
    const yes = [
      'a.prompt.md',
      'x/y/summarise.prompt.txt',
      'CLAUDE.md',
      'packages/web/AGENTS.md',
      'prompts/intro.md',
      'src/llm/prompts/v2/intro.mdx',
      'prompts/notes.txt',
      '.claude/agents/reviewer.md',
      '/home/me/.claude/commands/git/commit.md',
      '.claude/skills/pdf/SKILL.md',
      'C:\\Users\\me\\repo\\prompts\\a.md',
      'req.json',
      'req.JSONC',
      'req.yaml',
      'req.yml',
    ];
    for (const p of yes) assert.equal(isCandidatePath(p), true, p);
    const no = ['README.md', 'docs/a.md', 'prompts.md', '.claude/agents/sub/x.txt', 'a.ts', 'package.json', 'x/tsconfig.build.json', 'pnpm-lock.yaml', 'prompts/a.ts', ''];
    for (const p of no) assert.equal(isCandidatePath(p), false, p);
  });

  it('applies prompt and exclude globs to relative and absolute paths', () => {
    const options = { promptGlobs: ['*.tmpl', 'llm/**/*.hbs'], excludeGlobs: ['**/fixtures/**', 'legacy/*.json'] };
    assert.equal(isCandidatePath('/abs/repo/system.tmpl', options), true);
    assert.equal(isCandidatePath('C:\\repo\\src\\llm\\chat\\turn.hbs', options), true);
    assert.equal(isCandidatePath('src/other/turn.hbs', options), false);
    assert.equal(isCandidatePath('/abs/repo/test/fixtures/payload.json', options), false);
    assert.equal(isCandidatePath('/abs/repo/legacy/old.json', options), false);
    assert.equal(isCandidatePath('/abs/repo/legacy/nested/old.json', options), true);
    assert.equal(isCandidatePath('.hidden/x.tmpl', options), true);
    const doc = parseOk('/abs/repo/system.tmpl', 'Hello {{name}}', options);
    assert.equal(doc.kind, 'prompt');
    assert.match(skipReason(parseDocument('test/fixtures/CLAUDE.md', 'x', options)), /excluded/);
  });
});

describe('payload: line helper', () => {
  it('maps offsets to 0-based lines and columns for LF, CRLF and CR', () => {
    const text = 'ab\ncd\r\nef\rgh';
    assert.deepEqual(lineOf(text, 0), { line: 0, column: 0 });
    assert.deepEqual(lineOf(text, 2), { line: 0, column: 2 });
    assert.deepEqual(lineOf(text, 3), { line: 1, column: 0 });
    assert.deepEqual(lineOf(text, 5), { line: 1, column: 2 });
    assert.deepEqual(lineOf(text, 7), { line: 2, column: 0 });
    assert.deepEqual(lineOf(text, 10), { line: 3, column: 0 });
    assert.deepEqual(lineOf(text, 99), { line: 3, column: 2 });
    const index = new LineIndex(text);
    assert.equal(index.lineCount, 4);
    assert.equal(index.offsetAt(2, 1), 8);
  });

  it('stays fast for many lookups on a large text', () => {
    const text = 'line of text\n'.repeat(200_000);
    const t0 = performance.now();
    for (let i = 0; i < 100_000; i++) {
      const offset = (i * 7919) % text.length;
      const pos = lineOf(text, offset);
      assert.equal(pos.line, Math.floor(offset / 13));
    }
    assert.ok(performance.now() - t0 < 1000);
  });
});
