/**
 * Fuzzing the parsers and the payload model: generated and mutated JSON, JSONC, YAML and Markdown
 * prompt files (well over 10,000 inputs, seeded so a failure reproduces: FUZZ_SEED=<seed>), then
 * pathological files. For every input:
 *
 * - parseDocument never throws, and no unexpected exception is swallowed into a vague message;
 * - a failure is a clear diagnostic: `error` with a message naming the problem (and its line, when
 *   it has a range, on the line the range starts), or `skipped` with a reason;
 * - a parsed document has ranges inside the text, a body the counting layer can hash, and an
 *   estimate (`estimateDocument`) of finite, non-negative whole numbers.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify as yamlStringify } from 'yaml';
import { estimateDocument, type AnalyzeOptions } from '../../src/core/analyze';
import { canonicalJson } from '../../src/core/canonical';
import { ModelRegistry } from '../../src/core/models/registry';
import { DEFAULT_MAX_BYTES, lineOf, parseDocument, type ParseOptions } from '../../src/core/payload';
import type { Json, JsonObject, ParseResult, SourceRange } from '../../src/core/types';
import { prng } from '../support/prng';

const registry = ModelRegistry.bundled();
const SEED = Number(process.env.FUZZ_SEED ?? 0x70c3e115) >>> 0;


class Gen {
  constructor(readonly rand: () => number) {}
  int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }

  static readonly PIECES = [
    'hello', 'Claude', 'the', 'refund', 'tool', 'messages', 'system', 'tools', 'input_schema', ' ', '  ', '\n', '\r\n', '\t', '"', "'", '\\',
    '{', '}', '[', ']', ':', ',', '#', '---', '- ', '&a', '*a', '!!str', '|', '>', '%', '@', '`', '//', '/*', '*/',
    'é', 'ß', 'Ω', 'Привет', '漢字', 'かな', '한국어', 'مرحبا', 'שלום', 'नमस्ते', 'ไทย', '🎉', '👩‍💻', '🇵🇹', '\u0301', '\u200b', '\u00a0',
    '\uFFFD', '\uD83D', '\uDE00', '\u0000', '\u0007', '\u001b[31m', '\uFEFF', '\u2028', '1234567890', '3.14', '-0', '1e309', 'null', 'true',
  ];

  text(max = 60): string {
    let s = '';
    const n = this.int(max);
    for (let i = 0; i < n; i++) s += this.chance(0.6) ? this.pick(['word', 'Claude', 'order', 'refund', 'the', 'a', 'x']) + ' ' : this.pick(Gen.PIECES);
    return s;
  }

  /** Any JSON value, bounded in size. */
  json(depth = 0): Json {
    const r = this.rand();
    if (depth > 4 || r < 0.35) return this.scalar();
    if (r < 0.65) return Array.from({ length: this.int(4) }, () => this.json(depth + 1));
    const o: JsonObject = {};
    for (let i = this.int(4); i > 0; i--) o[this.chance(0.8) ? this.pick(['type', 'name', 'text', 'a', 'b', 'content', 'role', '__proto__', 'constructor', '']) : this.text(8)] = this.json(depth + 1);
    return o;
  }

  scalar(): Json {
    switch (this.int(7)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1.5, 1e21, -1e-7, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER]);
      default:
        return this.text(20);
    }
  }

  base64(bytes: number[]): string {
    return Buffer.from(bytes).toString('base64');
  }

  block(): Json {
    switch (this.int(12)) {
      case 0:
      case 1:
      case 2:
        return { type: 'text', text: this.text(), ...(this.chance(0.2) ? { cache_control: { type: 'ephemeral', ...(this.chance(0.3) ? { ttl: this.pick(['5m', '1h', '10m']) } : {}) } } : {}) };
      case 3: {
        // A PNG header with random dimensions, random bytes, or a url.
        const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, this.int(256), this.int(256), 0, 0, this.int(256), this.int(256), 8, 6, 0, 0, 0];
        const data = this.chance(0.5) ? this.base64(png) : this.chance(0.5) ? this.base64(Array.from({ length: this.int(40) }, () => this.int(256))) : this.text(10);
        return this.chance(0.8) ? { type: 'image', source: { type: 'base64', media_type: 'image/png', data } } : { type: 'image', source: { type: this.pick(['url', 'file', 'weird']), url: 'https://example.org/x.png' } };
      }
      case 4: {
        const pdf = Buffer.from(`%PDF-1.4\n${'1 0 obj << /Type /Page >> endobj\n'.repeat(this.int(4))}<< /Type /Pages /Count ${this.int(9)} >>`).toString('base64');
        return this.chance(0.7) ? { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf } } : { type: 'document', source: { type: this.pick(['text', 'content', 'url', 'file']), data: this.text(), content: [this.block()] }, title: this.text(5) };
      }
      case 5:
        return { type: 'tool_use', id: 'toolu_1', name: this.text(6), input: this.json() };
      case 6:
        return { type: 'tool_result', tool_use_id: 'toolu_1', content: this.chance(0.5) ? this.text() : [this.block(), this.block()] };
      case 7:
        return { type: this.pick(['thinking', 'redacted_thinking']), thinking: this.text(), data: this.text(10), signature: 'sig' };
      case 8:
        return { type: this.text(6), foo: this.json() };
      default:
        return this.chance(0.5) ? { type: 'text', text: this.text() } : this.json();
    }
  }

  message(): Json {
    const role = this.chance(0.85) ? this.pick(['user', 'assistant']) : this.pick(['system', 'robot', '', 7, null]);
    const content = this.chance(0.5) ? this.text() : this.chance(0.85) ? Array.from({ length: this.int(4) }, () => this.block()) : this.json();
    return this.chance(0.95) ? { role, content } : this.json();
  }

  tool(): Json {
    switch (this.int(6)) {
      case 0:
        return { name: this.text(10), inputSchema: { type: 'object', properties: { q: { type: 'string' } } }, title: 'MCP', annotations: { readOnlyHint: true } };
      case 1:
        return { type: this.pick(['bash_20250124', 'text_editor_20250728', 'computer_20250124', 'web_search_20250305', 'code_execution_20250825', 'mcp_toolset', 'custom']), name: this.text(6) };
      case 2:
        return this.json();
      default:
        return {
          name: this.text(12),
          description: this.text(),
          input_schema: this.chance(0.9) ? { type: 'object', properties: { a: { type: 'string', description: this.text(20) }, b: this.json() }, required: ['a'] } : this.json(),
          ...(this.chance(0.2) ? { cache_control: { type: 'ephemeral' } } : {}),
        };
    }
  }

  /** A request, a tool list, an MCP result, or something else entirely. */
  document(): Json {
    const r = this.rand();
    if (r < 0.55) {
      const o: JsonObject = {};
      const keys = ['model', 'max_tokens', 'system', 'messages', 'tools', 'tool_choice', 'thinking', 'temperature', 'metadata', 'stream', 'mcp_servers', 'cache_control', 'output_config', 'speed', 'extra_field'];
      for (const key of keys) {
        if (key !== 'messages' && !this.chance(0.45)) continue;
        if (key === 'messages' && this.chance(0.1)) continue;
        o[key] = this.field(key);
      }
      return o;
    }
    if (r < 0.7) return Array.from({ length: 1 + this.int(4) }, () => this.tool());
    if (r < 0.8) return { tools: Array.from({ length: this.int(4) }, () => this.tool()), ...(this.chance(0.3) ? { nextCursor: 'abc' } : {}) };
    if (r < 0.87) return { jsonrpc: '2.0', id: 1, result: { tools: Array.from({ length: this.int(4) }, () => this.tool()) } };
    return this.json();
  }

  field(key: string): Json {
    switch (key) {
      case 'model':
        return this.chance(0.8) ? this.pick(['claude-sonnet-4-6', 'claude-opus-4-7', 'claude-opus-5', 'haiku', 'claude-sonet-4-6', 'gpt-4', '']) : this.json();
      case 'max_tokens':
        return this.pick([1024, 0, -5, 1.5, '100', 64_000, 1e12]);
      case 'system':
        return this.chance(0.5) ? this.text() : this.chance(0.8) ? Array.from({ length: this.int(3) }, () => this.block()) : this.json();
      case 'messages':
        return this.chance(0.9) ? Array.from({ length: this.int(5) }, () => this.message()) : this.json();
      case 'tools':
        return this.chance(0.9) ? Array.from({ length: this.int(4) }, () => this.tool()) : this.json();
      case 'tool_choice':
        return this.chance(0.8) ? { type: this.pick(['auto', 'any', 'tool', 'none']), name: this.text(5) } : this.json();
      case 'thinking':
        return this.chance(0.8) ? { type: this.pick(['enabled', 'disabled', 'adaptive']), budget_tokens: this.pick([1024, 500, 100_000, -1]) } : this.json();
      case 'output_config':
        return { effort: this.pick(['low', 'high', 'max', 7]) };
      default:
        return this.json();
    }
  }
}

/** JSON with comments, trailing commas and odd spacing, written token by token. */
function toJsonc(g: Gen, value: Json, indent: string, nl: string): string {
  const ws = () => (g.chance(0.1) ? g.pick([' /* c */ ', ` // note${nl}`, '  ', '\t']) : '');
  const write = (v: Json, depth: number): string => {
    if (v === null || typeof v !== 'object') return JSON.stringify(v);
    const pad = nl + indent.repeat(depth + 1);
    const end = nl + indent.repeat(depth);
    const trailing = () => (g.chance(0.2) ? ',' : '');
    if (Array.isArray(v)) return v.length === 0 ? '[]' : `[${v.map((x) => pad + ws() + write(x, depth + 1)).join(',')}${trailing()}${end}]`;
    const entries = Object.entries(v);
    // A duplicated key now and then: JSON semantics, the last one wins.
    if (entries.length > 0 && g.chance(0.05)) entries.unshift([entries[0]![0], null]);
    return entries.length === 0 ? '{}' : `{${entries.map(([k, x]) => `${pad}${ws()}${JSON.stringify(k)}${ws()}: ${write(x, depth + 1)}`).join(',')}${trailing()}${end}}`;
  };
  return write(value, 0);
}

/** The ways a text gets damaged: cut, spliced, deepened, re-encoded. */
function mutate(g: Gen, text: string): string {
  let t = text;
  for (let k = 1 + g.int(5); k > 0; k--) {
    const at = g.int(t.length + 1);
    switch (g.int(10)) {
      case 0:
        t = t.slice(0, at) + t.slice(at + 1 + g.int(12));
        break;
      case 1:
        t = t.slice(0, at); // truncated
        break;
      case 2: {
        const from = g.int(t.length + 1);
        t = t.slice(0, at) + t.slice(from, from + g.int(40)) + t.slice(at); // duplicated slice
        break;
      }
      case 3: {
        const open = g.pick(['[', '{"a":', '- ', '{a: ', '[{', '?  ']);
        t = t.slice(0, at) + open.repeat(1 + g.int(g.chance(0.2) ? 400 : 20)) + t.slice(at); // deeper nesting
        break;
      }
      case 4:
        t = t.replace(/\n/g, g.pick(['\r\n', '\r', '\n\n']));
        break;
      case 5:
        t = g.pick(['\uFEFF', '']) + t.slice(0, at) + g.pick(['\uFEFF', '\uFFFD', '\uD800', '\uDC00', '\u0000', '\u2029', '\u0085']) + t.slice(at);
        break;
      default:
        t = t.slice(0, at) + g.pick(Gen.PIECES) + t.slice(at);
    }
  }
  return t;
}

/** Problems a parse error may name, each at the start of its message. */
const KNOWN_ERRORS = [/^Invalid JSON( at line \d+)?: \S/, /^Invalid YAML( at line \d+)?: \S/, /^Nesting too deep( at line \d+)?: more than \d+ levels/, /^File too large to analyse: /, /^Binary file \(contains NUL bytes\)/, /^`messages` must be an array, but it is /];

function inText(range: SourceRange | undefined, text: string, what: string): void {
  if (range === undefined) return;
  assert.ok(Number.isInteger(range.start) && Number.isInteger(range.end) && range.start >= 0 && range.start <= range.end && range.end <= text.length, `${what}: range ${JSON.stringify(range)} outside a text of ${text.length}`);
}

function wholeNumber(n: unknown, what: string): void {
  assert.ok(typeof n === 'number' && Number.isSafeInteger(n) && n >= 0, `${what} is ${String(n)}, not a finite non-negative whole number`);
}

const stats = { ok: 0, skipped: 0, error: 0 };

/** Parses, checks the outcome, and estimates what parsed. Returns the result for callers that look further. */
function check(file: string, text: string, opts: AnalyzeOptions, parseOptions?: ParseOptions): ParseResult {
  let result: ParseResult;
  try {
    result = parseDocument(file, text, parseOptions);
  } catch (e) {
    assert.fail(`parseDocument threw: ${(e as Error).stack}`);
  }
  switch (result.status) {
    case 'skipped':
      stats.skipped++;
      assert.ok(typeof result.reason === 'string' && result.reason.length > 5, `a skip gives a reason: ${JSON.stringify(result)}`);
      return result;
    case 'error': {
      stats.error++;
      const { message, range } = result;
      assert.ok(KNOWN_ERRORS.some((re) => re.test(message)), `a clear diagnostic, not a swallowed exception: ${JSON.stringify(message)}`);
      inText(range, text, 'error');
      const line = /^[^:]* at line (\d+):/.exec(message);
      if (line && range) assert.equal(Number(line[1]), lineOf(text, range.start).line + 1, `the line named is where the range starts: ${message}`);
      return result;
    }
    case 'ok':
      break;
    default:
      assert.fail(`unknown status ${JSON.stringify(result)}`);
  }
  stats.ok++;
  const doc = result.doc;
  assert.ok(['payload', 'tools', 'prompt'].includes(doc.kind));
  assert.ok(Array.isArray(doc.body.messages) && doc.body.messages.length > 0, 'a body always has messages (or the placeholder)');
  for (const part of doc.parts) {
    inText(part.range, text, part.label);
    inText(part.anchor, text, `${part.label} anchor`);
    assert.ok(part.label.length > 0);
  }
  for (const f of doc.findings) {
    assert.ok(f.message.length > 10 && ['error', 'warning', 'info'].includes(f.severity) && f.code.length > 0, JSON.stringify(f));
    inText(f.range, text, f.code);
  }
  inText(doc.modelRange, text, 'model');
  inText(doc.maxTokensRange, text, 'max_tokens');
  inText(doc.thinkingRange, text, 'thinking');
  // What analyzeDocument would send and hash.
  canonicalJson(doc.body);

  let a;
  try {
    a = estimateDocument(doc, opts);
  } catch (e) {
    assert.fail(`estimateDocument threw: ${(e as Error).stack}`);
  }
  wholeNumber(a.total.tokens, 'total');
  assert.equal(a.total.exact, false);
  for (const p of a.parts) wholeNumber(p.tokens, p.part.label);
  wholeNumber(a.overhead.tokens, 'overhead');
  const e = a.estimate;
  for (const [k, v] of Object.entries({ total: e.total, system: e.system, toolOverhead: e.toolOverhead, framing: e.framing, images: e.images, documents: e.documents })) wholeNumber(v, `estimate.${k}`);
  e.messages.forEach((v, i) => wholeNumber(v, `estimate.messages[${i}]`));
  e.tools.forEach((v, i) => wholeNumber(v, `estimate.tools[${i}]`));
  for (const p of a.cachePrefixes ?? []) wholeNumber(p.tokens, `prefix ${p.breakpoint.label}`);
  for (const v of [a.cost?.input, a.cost?.output, a.cost?.total]) assert.ok(v === undefined || v === null || (Number.isFinite(v) && v >= 0), `cost ${String(v)}`);
  for (const f of a.findings) assert.ok(f.message.length > 10, JSON.stringify(f));
  return result;
}

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'payload');

describe('fuzz: parsers and payload model', function () {
  this.timeout(60_000);

  it(`never throws and always explains itself on 12,000+ generated and mutated inputs (seed ${SEED})`, () => {
    const g = new Gen(prng(SEED));
    const started = performance.now();
    const optionsFor = (): AnalyzeOptions => ({
      registry,
      defaultModel: g.pick(['claude-sonnet-4-6', 'claude-opus-4-7', 'claude-nonexistent-9']),
      ...(g.chance(0.1) ? { modelOverride: g.pick(['claude-haiku-4-5', 'sonnet', 'nope']) } : {}),
      toolThreshold: g.pick([1, 500]),
      ...(g.chance(0.2) ? { budget: g.int(1000) + 1 } : {}),
      today: new Date('2026-11-27T12:00:00Z'),
    });
    const fixtures: [string, string][] = ['payload.json', 'payload.jsonc', 'payload.yaml', 'mcp-tools-list.json', 'anthropic-tools.json', 'reviewer.prompt.md', 'CLAUDE.md'].map((f) => [
      f.endsWith('.md') ? `prompts/${f}` : f,
      readFileSync(path.join(FIXTURES, f), 'utf8'),
    ]);
    let inputs = 0;
    let i = 0;
    let current = { file: '', text: '' };
    const ITERATIONS = 4_000;
    try {
      for (; i < ITERATIONS; i++) {
        let file: string;
        let text: string;
        const nl = g.chance(0.2) ? '\r\n' : '\n';
        switch (i % 5) {
          case 0: {
            const indent = g.pick(['', '  ', '    ', '\t']);
            file = g.pick(['request.json', 'api/payload.json', 'tools.json', 'x.JSON']);
            text = JSON.stringify(g.document(), null, indent);
            if (nl !== '\n') text = text.replace(/\n/g, nl);
            break;
          }
          case 1:
            file = g.pick(['request.jsonc', 'agent.jsonc']);
            text = toJsonc(g, g.document(), g.pick(['  ', '\t']), nl);
            break;
          case 2: {
            file = g.pick(['request.yaml', 'tools.yml']);
            text = yamlStringify(g.document(), { indent: g.pick([2, 4]), lineWidth: g.pick([0, 40, 80]), defaultStringType: g.pick(['PLAIN', 'QUOTE_DOUBLE', 'BLOCK_LITERAL'] as const) });
            if (g.chance(0.2)) text = `%YAML 1.2\n---\n${text}`;
            if (g.chance(0.1)) text = `# generated\n${text}...\n`;
            if (nl !== '\n') text = text.replace(/\n/g, nl);
            break;
          }
          case 3: {
            file = g.pick(['prompts/a.md', 'CLAUDE.md', 'x.prompt.md', '.claude/agents/reviewer.md', 'prompts/b.txt', 'AGENTS.md']);
            const front = g.rand();
            const fm =
              front < 0.3
                ? ''
                : front < 0.7
                  ? `---${nl}${g.chance(0.5) ? `role: ${g.pick(['system', 'user', 'assistant', '[1, 2]'])}${nl}` : ''}${g.chance(0.6) ? `model: ${g.pick(['claude-sonnet-4-6', 'inherit', 'opus', '{a: 1}', '""'])}${nl}` : ''}${g.chance(0.3) ? `tools: ${g.text(10)}${nl}` : ''}---${nl}`
                  : `---${nl}${g.text(40)}${nl}${g.chance(0.7) ? `---${nl}` : ''}`;
            text = (g.chance(0.1) ? '\uFEFF' : '') + fm + g.text(200);
            break;
          }
          default: {
            [file, text] = g.pick(fixtures);
            break;
          }
        }
        const opts = optionsFor();
        for (let m = 0; m < 3; m++) {
          current = { file, text: m === 0 ? text : mutate(g, text) };
          check(current.file, current.text, opts);
          inputs++;
        }
      }
    } catch (err) {
      const input = JSON.stringify(current.text);
      throw new Error(
        `[fuzz seed ${SEED}, iteration ${i}; rerun with FUZZ_SEED=${SEED}] ${(err as Error).message}\n  file: ${current.file}\n  input (${current.text.length} chars): ${input.length > 2_000 ? `${input.slice(0, 2_000)}…` : input}`,
        { cause: err },
      );
    }
    const ms = performance.now() - started;
    assert.ok(inputs >= 12_000, `${inputs} inputs`);
    // Every outcome was reached, so every branch of the checks ran.
    assert.ok(stats.ok > 1_000 && stats.skipped > 100 && stats.error > 500, JSON.stringify(stats));
    if (process.env.FUZZ_VERBOSE) console.log(`fuzz seed ${SEED}: ${inputs} inputs in ${ms.toFixed(0)} ms, ${JSON.stringify(stats)}`);
  });

  describe('pathological files: each returns promptly with a result or a clear error', () => {
    const opts: AnalyzeOptions = { registry, defaultModel: 'claude-sonnet-4-6', toolThreshold: 500 };
    /** "Doesn't hang", not a performance target. */
    const BOUND_MS = 5_000;

    function prompt(file: string, text: string, parseOptions?: ParseOptions): ParseResult {
      const t0 = performance.now();
      const result = check(file, text, opts, parseOptions);
      const ms = performance.now() - t0;
      assert.ok(ms < BOUND_MS, `${file} (${(text.length / 1024).toFixed(0)} KB) took ${ms.toFixed(0)} ms`);
      return result;
    }

    const message = (r: ParseResult) => (r.status === 'error' ? r.message : r.status === 'skipped' ? r.reason : 'ok');

    it('100,000 levels of nesting in JSON, JSONC, YAML (flow and block) and front matter', () => {
      const N = 100_000;
      const cases: [string, string][] = [
        ['deep.json', '['.repeat(N) + ']'.repeat(N)],
        ['deep.json', '{"messages": [{"role": "user", "content": ' + '{"a":'.repeat(N) + '1' + '}'.repeat(N) + '}]}'],
        ['deep.jsonc', '// deep\n{"tools": ' + '[ /* x */ '.repeat(N)],
        ['deep.yaml', 'messages:\n  - role: user\n    content: ' + '['.repeat(N) + ']'.repeat(N) + '\n'],
        ['deep.yaml', 'tools:\n' + '- '.repeat(N) + 'x\n'],
        ['deep.yml', 'system: ' + '{a: '.repeat(N) + '1' + '}'.repeat(N)],
        ['prompts/deep.md', '---\nmodel: ' + '['.repeat(N) + ']'.repeat(N) + '\n---\nSummarise the report.\n'],
        ['deep.json', JSON.stringify({ messages: [{ role: 'user', content: '['.repeat(N) }] })], // deep-looking, but a string
      ];
      for (const [file, text] of cases) {
        const r = prompt(file, text);
        if (r.status === 'error') assert.match(r.message, /^Nesting too deep/, file);
      }
      assert.match(message(prompt('deep.json', '['.repeat(N) + ']'.repeat(N))), /Nesting too deep at line 1/);
      // Deep block nesting by indentation (as deep as a sane file can be written that way).
      const lines = ['messages:'];
      for (let i = 0; i < 3_000; i++) lines.push(' '.repeat(i + 1) + `k${i}:`);
      assert.match(message(prompt('indent.yaml', lines.join('\n') + ' x\n')), /^Nesting too deep/);
      // The front matter is too deep, the prompt is still counted.
      const fm = prompt('prompts/deep.md', '---\nmodel: ' + '['.repeat(N) + ']'.repeat(N) + '\n---\nSummarise the report.\n');
      assert.equal(fm.status, 'ok');
    });

    it('a 50 MB file is refused quickly at the default limit, and a 50 MB prompt counts when the limit allows', () => {
      const line = JSON.stringify({ role: 'user', content: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(20) });
      const big = `{"model": "claude-sonnet-4-6", "messages": [\n${Array.from({ length: Math.ceil((50 * 1024 * 1024) / line.length) }, () => line).join(',\n')}\n]}`;
      assert.ok(big.length >= 50 * 1024 * 1024);
      assert.match(message(prompt('huge.json', big)), /^File too large to analyse: 50\.\d MB, limit 20 MB$/);
      assert.match(message(prompt('huge.yaml', big)), /^File too large/);
      const text = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n'.repeat(Math.ceil((50 * 1024 * 1024) / 57));
      assert.match(message(prompt('prompts/huge.md', text)), /^File too large/);
      const counted = prompt('prompts/huge.md', text, { maxBytes: 64 * 1024 * 1024 });
      assert.equal(counted.status, 'ok');
      assert.equal(DEFAULT_MAX_BYTES, 20 * 1024 * 1024);
    });

    it('binary content: a clear error when a NUL byte shows it, a plain outcome otherwise', () => {
      const g = new Gen(prng(SEED ^ 0xb1));
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from(Array.from({ length: 100_000 }, () => g.int(256)))]);
      for (const file of ['image.json', 'image.yaml', 'prompts/image.md', 'CLAUDE.md']) {
        for (const encoding of ['latin1', 'utf8'] as const) {
          const r = prompt(file, png.toString(encoding));
          assert.equal(r.status, 'error', `${file} ${encoding}: ${message(r)}`);
          assert.match(message(r), /^Binary file/);
        }
      }
      // Random bytes without a NUL in the first 8 KB: read as text, never a crash.
      const noNul = Buffer.from(Array.from({ length: 200_000 }, () => 1 + g.int(255)));
      for (const file of ['random.json', 'random.yaml', 'prompts/random.md']) prompt(file, noNul.toString('utf8'));
    });

    it('invalid UTF-8 decoded with U+FFFD, a BOM and CRLF line ends', () => {
      const invalid = Buffer.concat([
        Buffer.from('{"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": "caf'),
        Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe]),
        Buffer.from('"}]}'),
      ]).toString('utf8');
      assert.ok(invalid.includes('\uFFFD'));
      assert.equal(prompt('invalid-utf8.json', invalid).status, 'ok');
      assert.equal(prompt('prompts/invalid.md', `---\nmodel: claude-opus-4-7\n---\n${invalid}`).status, 'ok');
      const yaml = `messages:\r\n  - role: user\r\n    content: "caf\uFFFD\uFFFD"\r\n`;
      assert.equal(prompt('invalid.yaml', `\uFEFF${yaml}`).status, 'ok');

      // BOM + CRLF: same document as without, with ranges shifted by the BOM.
      const plain = JSON.stringify({ model: 'claude-sonnet-4-6', system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] }, null, 2);
      const crlf = '\uFEFF' + plain.replace(/\n/g, '\r\n');
      const a = prompt('bom.json', plain);
      const b = prompt('bom.json', crlf);
      assert.ok(a.status === 'ok' && b.status === 'ok');
      assert.deepEqual(b.doc.body, a.doc.body);
      b.doc.parts.forEach((p, i) => {
        const q = a.doc.parts[i]!.range;
        assert.equal(crlf.slice(p.range.start, p.range.end), plain.slice(q.start, q.end).replace(/\n/g, '\r\n'), `${p.label}: the same node`);
      });
      // A broken CRLF file names the right line.
      const broken = '\uFEFF{\r\n  "messages": [\r\n    {"role": "user",, "content": "x"}\r\n  ]\r\n}';
      assert.match(message(prompt('broken.json', broken)), /^Invalid JSON at line 3: /);
      // Lone CRs and a BOM in the middle of the text.
      assert.equal(prompt('prompts/cr.md', '---\rrole: system\r---\rYou are terse.\r\uFEFFReally.').status, 'ok');
    });

    it('a 1 MB single line: JSON, YAML flow, a prompt, and a line of nothing recognisable', () => {
      const messages = Array.from({ length: 2_500 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `Message ${i}: ${'lorem ipsum dolor '.repeat(20)}` }));
      const json = JSON.stringify({ model: 'claude-sonnet-4-6', messages });
      assert.ok(json.length > 1_000_000 && !json.includes('\n'));
      const r = prompt('one-line.json', json);
      assert.ok(r.status === 'ok' && r.doc.parts.length === 2_500);
      assert.equal(prompt('one-line.yaml', json).status, 'ok'); // JSON is YAML flow
      assert.equal(prompt('prompts/one-line.md', 'word '.repeat(220_000)).status, 'ok');
      assert.equal(prompt('one-line.json', '1,'.repeat(500_000)).status, 'skipped');
      assert.equal(prompt('one-line.yaml', 'x'.repeat(1_100_000)).status, 'skipped');
      // A broken 1 MB line is an error at line 1, found quickly.
      assert.match(message(prompt('one-line.json', json.slice(0, json.length - 3))), /^Invalid JSON at line 1: /);
    });
  });
});
