import { strict as assert } from 'node:assert';
import { analyzeDocument, estimateDocument } from '../../src/core/analyze';
import { CountingClient } from '../../src/core/client/counting-client';
import { breakdownMarkdown, breakdownOf, type Breakdown } from '../../src/core/decisions/breakdown';
import { splitOverhead } from '../../src/core/decisions/overhead';
import { modelParams } from '../../src/core/estimator';
import type { JsonObject } from '../../src/core/types';
import { jsonUnits } from '../fake-api/server';
import { useFakeApi } from '../support/use-fake-api';
import { analyzeOptions, fakeApiClient, parseOk } from '../support/docs';


function sum(b: Breakdown): number {
  return b.segments.reduce((n, s) => n + s.tokens, 0);
}

/** A PNG header of `w` × `h` pixels: enough for the estimator to read its size. */
function png(w: number, h: number): string {
  const u32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  const bytes = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...u32(13), ...Buffer.from('IHDR'), ...u32(w), ...u32(h), 8, 2, 0, 0, 0, 0, 0, 0, 0, ...new Array(64).fill(0)];
  return Buffer.from(bytes).toString('base64');
}

const weatherTool: JsonObject = {
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};
const timeTool: JsonObject = {
  name: 'get_local_time',
  description: 'Get the local time in an IANA timezone.',
  input_schema: { type: 'object', properties: { timezone: { type: 'string' } } },
};

describe('decisions: breakdown data', () => {
  it('splits an estimated payload into system, messages, tools, images, tool prompt and framing that add up to the total', () => {
    // 750 × 100 px: ⌈750/28⌉·⌈100/28⌉ = 108 tiles.
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png(750, 100) } };
    const payload = {
      model: 'claude-sonnet-4-6',
      system: 'You describe charts.',
      tools: [weatherTool],
      messages: [{ role: 'user', content: [image, { type: 'text', text: 'What does this chart show?' }] }],
    };
    const a = estimateDocument(parseOk(payload), analyzeOptions());
    const b = breakdownOf(a);
    assert.equal(sum(b), a.total.tokens);
    // Sonnet 4.6's own figures (models.json `estimator`): its tool prompt, fixed framing and image block.
    const params = modelParams('claude-sonnet-4-6');
    const kinds = ['system', 'message', 'tool', 'images', 'tool-prompt', ...(params.framingFixed > 0 ? ['framing'] : [])];
    assert.deepEqual(b.segments.map((s) => s.kind), kinds);
    const images = b.segments.find((s) => s.kind === 'images')!;
    assert.equal(images.tokens, 27 * 4 + params.imageBlock, 'tiles ⌈750/28⌉·⌈100/28⌉ plus the image block');
    assert.equal(images.exact, false);
    const messagePart = a.parts.find((p) => p.part.kind === 'message')!;
    assert.deepEqual(images.ranges, [messagePart.part.range]);
    assert.equal(b.segments.find((s) => s.kind === 'message')!.tokens, messagePart.tokens - images.tokens, 'the image is carved out of its message');
    // Overhead of an estimate: the model's tool prompt (tool_choice auto) + its fixed framing.
    assert.equal(b.segments.find((s) => s.kind === 'tool-prompt')!.tokens, params.toolPromptAuto);
    assert.equal(b.segments.find((s) => s.kind === 'framing')?.tokens ?? 0, params.framingFixed);
    const shares = b.segments.reduce((n, s) => n + s.share, 0);
    assert.ok(Math.abs(shares - 1) < 1e-9);
    assert.equal(b.segments.find((s) => s.kind === 'tool')!.index, 0);
    const md = breakdownMarkdown(b);
    assert.match(md, new RegExp(`\\| images \\| ≈${images.tokens} \\|`));
    assert.match(md, new RegExp(`\\| \\*\\*total\\*\\* \\| \\*\\*≈${a.total.tokens}\\*\\* \\| 100% \\|`));
  });

  describe('against the fake API', () => {
    const api = useFakeApi({ resetEachTest: false });

    function client(): CountingClient {
      return fakeApiClient(api);
    }

    it('a tool list: exact tools (9 + units) and the exact tool prompt (120), nothing else', async () => {
      const a = await analyzeDocument(parseOk([weatherTool, timeTool], 'tools.json'), analyzeOptions(), client());
      assert.ok(a);
      const b = breakdownOf(a);
      assert.deepEqual(
        b.segments.map((s) => [s.kind, s.tokens, s.exact]),
        [
          ['tool', 9 + jsonUnits(weatherTool), true],
          ['tool', 9 + jsonUnits(timeTool), true],
          ['tool-prompt', 120, true],
        ],
      );
      assert.equal(sum(b), a.total.tokens);
      assert.deepEqual(splitOverhead(a), { toolPrompt: { tokens: 120, exact: true }, framing: { tokens: 0, exact: true } });
      for (const s of b.segments.filter((x) => x.kind === 'tool')) assert.ok(s.range && s.range.end > s.range.start);
    });

    it('an exact payload with an image still adds up to the exact total', async () => {
      const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png(750, 100) } };
      const payload = { model: 'claude-sonnet-4-6', system: 'You describe charts.', messages: [{ role: 'user', content: [image, { type: 'text', text: 'Describe it.' }] }] };
      const a = await analyzeDocument(parseOk(payload), analyzeOptions(), client());
      assert.ok(a && a.total.exact);
      const b = breakdownOf(a);
      assert.equal(sum(b), a.total.tokens);
      assert.deepEqual({ total: b.total.tokens, exact: b.total.exact }, { total: a.total.tokens, exact: true });
      const images = b.segments.find((s) => s.kind === 'images');
      assert.ok(images && images.tokens > 0 && !images.exact);
      assert.equal(b.segments.find((s) => s.kind === 'tool-prompt'), undefined, 'no tools, no tool prompt');
    });
  });
});
