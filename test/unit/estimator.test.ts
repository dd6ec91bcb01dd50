import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import {
  estimateRequest,
  estimateTextTokens,
  calibratedWeights,
  FRAMING,
  IMAGE_LIMITS,
  imageDimensionsFromBase64,
  imageTokens,
  modelParams,
  pdfContent,
  pdfPageCount,
  scaledImageSize,
  TOOL_SYSTEM_PROMPT,
  type EstimateBreakdown,
} from '../../src/core/estimator';
import {
  contentClassOf,
  leaveOneOut,
  mapeByClass,
  parseSampleFile,
  scoreCounter,
  scoreWith,
  SCORED_CLASSES,
} from '../../bench/fit/fit';
import { FEATURE_NAMES } from '../../src/core/estimator/features';
import { fitEstimator, parseRequestFile } from '../../bench/fit/fit-requests';
import type { CountBody, Json, TokenizerFamily } from '../../src/core/types';

const FAMILIES: TokenizerFamily[] = ['claude-4', 'claude-4.7'];
const fixturePath = path.join(__dirname, '..', 'fixtures', 'claude-count-samples.json');
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as Record<string, unknown>;
const samples = parseSampleFile(fixture);
const cases = parseRequestFile(JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'claude-count-requests.json'), 'utf8')));

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

function assertAddsUp(b: EstimateBreakdown): void {
  assert.equal(b.total, b.system + sum(b.messages) + sum(b.tools) + b.toolOverhead + b.hiddenPrompts + b.framing);
  for (const v of [b.total, b.system, b.toolOverhead, b.hiddenPrompts, b.framing, b.images, b.documents, ...b.messages, ...b.tools]) {
    assert.ok(Number.isFinite(v) && v >= 0, `finite non-negative: ${v}`);
  }
}

describe('estimator: calibration data', () => {
  it('ships the sample file with its description, source and licence fields', () => {
    assert.equal(typeof fixture.description, 'string');
    assert.match(String(fixture.source), /MIT/);
    assert.ok(samples.length >= 40, `samples: ${samples.length}`);
    for (const s of samples) {
      assert.ok(s.tokens['claude-opus-4-6']! > 0 && s.tokens['claude-opus-4-7']! > 0, s.label);
    }
    // every scored class has samples
    for (const cls of SCORED_CLASSES) assert.ok(samples.some((s) => contentClassOf(s.domain) === cls), cls);
  });
});

describe('estimator: accuracy', () => {
  for (const family of FAMILIES) {
    it(`leave-one-out MAPE < 10% on every content class (${family})`, () => {
      const byClass = mapeByClass(leaveOneOut(samples, family));
      for (const cls of SCORED_CLASSES) {
        const m = byClass.get(cls);
        assert.ok(m, `class ${cls} scored`);
        assert.ok(m.mape < 0.1, `${family} ${cls}: LOO MAPE ${(m.mape * 100).toFixed(1)}%`);
      }
    });

    it(`beats chars/4 clearly, out of sample (${family})`, () => {
      const ours = leaveOneOut(samples, family).filter((s) => s.cls !== 'random');
      const naive = scoreCounter(samples, family, (t) => Math.round(t.length / 4)).filter((s) => s.cls !== 'random');
      const mean = (xs: { ape: number }[]) => sum(xs.map((x) => x.ape)) / xs.length;
      assert.ok(mean(ours) < mean(naive) / 3, `ours ${mean(ours)} vs chars/4 ${mean(naive)}`);
    });

    it(`shipped calibration.json scores < 10% per class in sample (${family})`, () => {
      const byClass = mapeByClass(scoreWith(samples, family, calibratedWeights(family)));
      for (const cls of SCORED_CLASSES) {
        const m = byClass.get(cls)!;
        assert.ok(m.mape < 0.1, `${family} ${cls}: in-sample MAPE ${(m.mape * 100).toFixed(1)}%`);
      }
    });
  }

  it('calibration.json is what the fit produces from the fixtures (reproducible)', function () {
    this.timeout(60_000);
    const shipped = JSON.parse(readFileSync(path.join(__dirname, '../../src/core/estimator/calibration.json'), 'utf8'));
    const refit = fitEstimator(samples, cases).calibration;
    assert.deepEqual(shipped.features, [...FEATURE_NAMES]);
    for (const family of FAMILIES) {
      for (const name of FEATURE_NAMES) {
        const a = shipped.families[family][name];
        const b = refit.families[family][name];
        assert.ok(Math.abs(a - b) < 1e-5, `${family}.${name}: shipped ${a}, refit ${b}`);
        assert.ok(a >= 0, 'weights are non-negative');
      }
    }
  });
});

describe('estimator: text', () => {
  it('empty text is 0 tokens, any non-empty text at least 1', () => {
    for (const f of FAMILIES) {
      assert.equal(estimateTextTokens('', f), 0);
      assert.ok(estimateTextTokens('x', f) >= 1);
      assert.ok(estimateTextTokens(' ', f) >= 1);
    }
  });

  it('more text gives more tokens, and appending never lowers the estimate', () => {
    const words = 'The quick brown fox jumps over the lazy dog; 42 camelCaseThings — «ёжик» 東京 🚀 '.repeat(20);
    for (const f of FAMILIES) {
      let last = 0;
      for (let i = 1; i <= words.length; i += 7) {
        const n = estimateTextTokens(words.slice(0, i), f);
        assert.ok(n >= last, `${f}: prefix ${i} gave ${n} < ${last}`);
        last = n;
      }
      const one = estimateTextTokens('hello world. ', f);
      const ten = estimateTextTokens('hello world. '.repeat(10), f);
      assert.ok(ten > one * 5, `${f}: ${ten} vs ${one}`);
    }
  });

  it('claude-4.7 spends more than claude-4 on English, about the same on Russian', () => {
    const en = samples.find((s) => s.domain.startsWith('en/'))!.text;
    const ru = samples.find((s) => s.domain.startsWith('ru/'))!.text;
    assert.ok(estimateTextTokens(en, 'claude-4.7') > estimateTextTokens(en, 'claude-4') * 1.2);
    const r = estimateTextTokens(ru, 'claude-4.7') / estimateTextTokens(ru, 'claude-4');
    assert.ok(r > 0.9 && r < 1.1, `ru ratio ${r}`);
  });

  it('handles lone surrogates, control characters and huge inputs', () => {
    for (const f of FAMILIES) {
      assert.ok(estimateTextTokens('\ud800\udc00\udfff\ud800x\u0000\u0007', f) > 0);
      const big = 'lorem ipsum dolor sit amet, '.repeat(150_000); // ~4 MB
      // Its speed is bench/estimator.ts's to measure, not a unit test's on a shared machine.
      const n = estimateTextTokens(big, f);
      assert.ok(n > 500_000, `${n}`);
    }
  });
});

// ---- image headers built byte by byte ----

function u32be(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}
function u16be(n: number): number[] {
  return [(n >>> 8) & 255, n & 255];
}
function u16le(n: number): number[] {
  return [n & 255, (n >>> 8) & 255];
}
function u24le(n: number): number[] {
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255];
}
const b64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');

function png(w: number, h: number): number[] {
  const ihdr = [...u32be(w), ...u32be(h), 8, 2, 0, 0, 0];
  return [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...u32be(13), ...Buffer.from('IHDR'), ...ihdr, 0, 0, 0, 0, ...new Array(64).fill(0)];
}

/**
 * A JPEG whose SOF0 frame header follows an EXIF APP1 segment and, past 60 KB, APP2 (ICC-like)
 * segments: `metaBytes` bytes of metadata in all (segment lengths are 16-bit, so it is split).
 */
function jpegWithExif(w: number, h: number, metaBytes: number): number[] {
  const tiff = [0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0, 0, 0]; // little-endian TIFF, IFD at 8 with 0 entries
  const out = [0xff, 0xd8];
  let left = metaBytes;
  let first = true;
  while (left > 0) {
    const size = Math.min(left, 60_000);
    const payload = first ? [...Buffer.from('Exif\0\0'), ...tiff] : [...Buffer.from('ICC_PROFILE\0'), 1, 1];
    while (payload.length < size) payload.push(0);
    out.push(0xff, first ? 0xe1 : 0xe2, ...u16be(payload.length + 2), ...payload);
    left -= payload.length;
    first = false;
  }
  const sof0 = [0xff, 0xc0, ...u16be(17), 8, ...u16be(h), ...u16be(w), 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  const sos = [0xff, 0xda, ...u16be(12), 3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3f, 0, 1, 2, 3, 4, 0xff, 0xd9];
  return [...out, ...sof0, ...sos];
}

function gif(w: number, h: number): number[] {
  return [...Buffer.from('GIF89a'), ...u16le(w), ...u16le(h), 0xf7, 0, 0, ...new Array(32).fill(0), 0x3b];
}

function webpVp8x(w: number, h: number): number[] {
  const chunk = [...Buffer.from('VP8X'), ...u32be(0).reverse(), 0, 0, 0, 0, ...u24le(w - 1), ...u24le(h - 1)];
  chunk.splice(4, 4, 10, 0, 0, 0); // chunk size 10, little-endian
  const body = [...Buffer.from('WEBP'), ...chunk];
  return [...Buffer.from('RIFF'), body.length & 255, (body.length >> 8) & 255, 0, 0, ...body];
}

describe('estimator: images', () => {
  it('reads PNG, GIF and WebP headers from base64', () => {
    assert.deepEqual(imageDimensionsFromBase64(b64(png(4000, 3000))), { width: 4000, height: 3000, type: 'png' });
    assert.deepEqual(imageDimensionsFromBase64(b64(gif(320, 240))), { width: 320, height: 240, type: 'gif' });
    assert.deepEqual(imageDimensionsFromBase64(b64(webpVp8x(1920, 1080))), { width: 1920, height: 1080, type: 'webp' });
  });

  it('finds a JPEG frame header behind a large EXIF segment (beyond the first prefixes)', () => {
    for (const exif of [10_000, 120_000]) {
      const data = b64(jpegWithExif(1200, 800, exif));
      assert.ok(data.length > 4096 * (exif > 60_000 ? 16 : 1), 'header is not in the first prefix');
      assert.deepEqual(imageDimensionsFromBase64(data), { width: 1200, height: 800, type: 'jpg' });
    }
  });

  it('accepts a data: URL', () => {
    assert.equal(imageDimensionsFromBase64('data:image/png;base64,' + b64(png(10, 20)))?.height, 20);
  });

  it('returns undefined for garbage, empty, truncated and non-string input', () => {
    assert.equal(imageDimensionsFromBase64('this is not an image at all!!'), undefined);
    assert.equal(imageDimensionsFromBase64(Buffer.from('hello world, just some text').toString('base64')), undefined);
    assert.equal(imageDimensionsFromBase64(''), undefined);
    assert.equal(imageDimensionsFromBase64('%%%%'), undefined);
    const jpeg = jpegWithExif(100, 100, 5000);
    assert.equal(imageDimensionsFromBase64(b64(jpeg.slice(0, 3000))), undefined, 'frame header cut off');
    assert.equal(imageDimensionsFromBase64(42 as unknown as string), undefined);
  });

  it('scales large images down to the documented limits and leaves small ones alone', () => {
    const lim = IMAGE_LIMITS['claude-4'];
    const s = scaledImageSize(4000, 3000, 'claude-4');
    assert.ok(s.width < 4000 && s.height < 3000);
    assert.ok(Math.max(s.width, s.height) <= lim.maxLongEdge);
    assert.ok(s.width * s.height <= lim.maxPixels);
    assert.ok(Math.abs(s.width / s.height - 4 / 3) < 0.01, 'aspect ratio kept');
    assert.ok(imageTokens(4000, 3000, 'claude-4') <= lim.maxTokens);
    assert.ok(imageTokens(4000, 3000, 'claude-4') > 1400);
    // a very long image is bound by the long edge
    const tall = scaledImageSize(500, 6000, 'claude-4');
    assert.equal(tall.height, lim.maxLongEdge);

    assert.deepEqual(scaledImageSize(200, 200, 'claude-4'), { width: 200, height: 200 });
    assert.equal(imageTokens(200, 200, 'claude-4'), Math.ceil(200 / 28) ** 2, 'one token per 28×28 tile');
    assert.equal(imageTokens(0, 100, 'claude-4'), 0);
    assert.equal(imageTokens(NaN, 100, 'claude-4'), 0);
  });

  it('uses the larger (unconfirmed) claude-4.7 limits', () => {
    assert.ok(imageTokens(4000, 3000, 'claude-4.7') > imageTokens(4000, 3000, 'claude-4'));
    assert.ok(imageTokens(4000, 3000, 'claude-4.7') <= IMAGE_LIMITS['claude-4.7'].maxTokens);
    assert.equal(imageTokens(1000, 1000, 'claude-4.7'), Math.ceil(1000 / 28) ** 2);
  });

  it('follows the tile rule and each model\'s cap (measured on Sonnet 4.6 and Opus 4.8)', () => {
    const sonnet = modelParams('claude-sonnet-4-6').image;
    const opus = modelParams('claude-opus-4-8').image;
    // below the caps: ⌈w/28⌉·⌈h/28⌉ on both
    assert.equal(imageTokens(1280, 800, sonnet), 46 * 29);
    assert.equal(imageTokens(1280, 800, opus), 46 * 29);
    // 1092×1092 is the largest area Sonnet 4.6 keeps: 2048×2048 comes down to it (measured 1,531 - 10)
    assert.equal(imageTokens(1092, 1092, sonnet), 39 * 39);
    assert.equal(imageTokens(2048, 2048, sonnet), 39 * 39);
    // 1920×1080: area-capped on Sonnet 4.6 (measured 1,570 - 10), whole on Opus 4.8 (2,699 - 8)
    assert.equal(imageTokens(1920, 1080, sonnet), 1560);
    assert.equal(imageTokens(1920, 1080, opus), 69 * 39);
    // 2048×2048 on Opus 4.8: shrunk until the tiles fit its cap (measured 4,769 - 8 = 69²)
    assert.equal(imageTokens(2048, 2048, opus), 69 * 69);
    assert.ok(imageTokens(8000, 8000, opus) <= opus.maxTokens);
  });
});

describe('estimator: PDFs', () => {
  const pdf = [
    '%PDF-1.4',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >> endobj',
    '3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj',
    '4 0 obj <</Type/Page/Parent 2 0 R>> endobj',
    '5 0 obj << /Type\n/Page\n/Parent 2 0 R >> endobj',
    '6 0 obj << /Type /PageLabel >> endobj',
    'trailer << /Root 1 0 R >>',
    '%%EOF',
  ].join('\n');

  it('counts /Type /Page objects, not /Pages', () => {
    assert.equal(pdfPageCount(Buffer.from(pdf).toString('base64')), 3);
  });

  it('falls back to /Count when page objects are compressed away', () => {
    const compressed = '%PDF-1.7\n1 0 obj << /Type /Pages /Kids [] /Count 12 >> endobj\n%%EOF';
    assert.equal(pdfPageCount(Buffer.from(compressed).toString('base64')), 12);
  });

  it('returns undefined for non-PDFs and garbage', () => {
    assert.equal(pdfContent(Buffer.from('just text').toString('base64')), undefined);
    assert.equal(pdfPageCount(Buffer.from('just text').toString('base64')), undefined);
    assert.equal(pdfPageCount(''), undefined);
    assert.equal(pdfPageCount(null as unknown as string), undefined);
  });

  const page = (lines: number, compress: boolean): string => {
    const text = Array.from({ length: lines }, (_, i) => `(Line ${i + 1}: the quick brown fox jumps over the lazy dog.) Tj T*`).join('\n');
    const stream = compress ? deflateSync(Buffer.from(`BT /F1 10 Tf 12 TL 40 760 Td\n${text}\nET`)) : Buffer.from(`BT /F1 10 Tf 12 TL 40 760 Td\n${text}\nET`);
    return Buffer.concat([
      Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Page /Contents 2 0 R >> endobj\n2 0 obj << /Length ${stream.length}${compress ? ' /Filter /FlateDecode' : ''} >>\nstream\n`),
      stream,
      Buffer.from('\nendstream\nendobj\n%%EOF'),
    ]).toString('base64');
  };

  it('reads the text a page shows, plain or FlateDecode-compressed', () => {
    for (const compress of [false, true]) {
      const c = pdfContent(page(3, compress))!;
      assert.equal(c.pages, 1);
      assert.equal(c.text.split('\n').length, 3, c.text);
      assert.match(c.text, /^Line 1: the quick brown fox jumps over the lazy dog\.\nLine 2/);
      assert.equal(c.unreadableStreams, 0);
    }
  });

  it('prices a PDF by its pages plus the text they hold: a dense page costs more than a sparse one', () => {
    for (const model of ['claude-sonnet-4-6', 'claude-opus-4-8']) {
      const p = modelParams(model);
      const body = (data: string) => ({ model, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data } }] }] }) as CountBody;
      const doc = (data: string) => estimateRequest(body(data), p.generation === 'claude-4.5' ? 'claude-4' : 'claude-4.7');
      const sparse = doc(page(5, true));
      const dense = doc(page(50, false));
      assertAddsUp(sparse);
      assert.ok(sparse.documents >= p.pdfPage && sparse.documents < p.pdfPage + 300, `${model} sparse ${sparse.documents}`);
      assert.ok(dense.documents > sparse.documents + 500, `${model} dense ${dense.documents}`);
    }
  });
});

describe('estimator: requests', () => {
  const user = (content: Json): Json => ({ role: 'user', content });
  const weatherTool: Json = {
    name: 'get_weather',
    description: 'Get the current weather in a given location',
    input_schema: { type: 'object', properties: { location: { type: 'string', description: 'The city and state' } }, required: ['location'] },
  };

  it('a single user message costs its text plus its model\'s framing', () => {
    const text = 'Hello, Claude. Please summarise the attached report in three bullet points.';
    for (const f of FAMILIES) {
      const b = estimateRequest({ messages: [user(text)] }, f);
      assertAddsUp(b);
      assert.equal(b.total - estimateTextTokens(text, f), FRAMING[f].fixed + FRAMING[f].perMessage);
      assert.equal(b.messages[0], estimateTextTokens(text, f) + FRAMING[f].perMessage);
      assert.equal(b.framing, FRAMING[f].fixed);
    }
    // measured: 11 on Opus 4.7 (count_tokens); "a" counts 7 on Opus 4.8, not 13
    assert.equal(FRAMING['claude-4.7'].fixed + FRAMING['claude-4.7'].perMessage, 11);
    const a = estimateRequest({ model: 'claude-opus-4-8', messages: [user('a')] } as CountBody, 'claude-4.7');
    assert.ok(Math.abs(a.total - 7) <= 1, `Opus 4.8 "a": ${a.total}`);
  });

  it('counts the system prompt as a string or as text blocks alike', () => {
    const s = 'You are a meticulous scientist who answers in one paragraph.';
    for (const f of FAMILIES) {
      const a = estimateRequest({ system: s, messages: [user('Hi')] }, f);
      const b = estimateRequest({ system: [{ type: 'text', text: s, cache_control: { type: 'ephemeral' } }], messages: [user('Hi')] }, f);
      assertAddsUp(a);
      assert.equal(a.system, b.system);
      assert.equal(a.system, estimateTextTokens(s, f));
    }
  });

  it('tools add the hidden tool-use prompt once, and forced tool choice differs from auto', () => {
    for (const f of FAMILIES) {
      const none = estimateRequest({ messages: [user('Weather in Paris?')] }, f);
      const auto = estimateRequest({ messages: [user('Weather in Paris?')], tools: [weatherTool] }, f);
      const two = estimateRequest({ messages: [user('Weather in Paris?')], tools: [weatherTool, { ...(weatherTool as object), name: 'get_time' }] }, f);
      const any = estimateRequest({ messages: [user('Weather in Paris?')], tools: [weatherTool], tool_choice: { type: 'any' } }, f);
      const forced = estimateRequest({ messages: [user('Weather in Paris?')], tools: [weatherTool], tool_choice: { type: 'tool', name: 'get_weather' } }, f);
      for (const b of [none, auto, two, any, forced]) assertAddsUp(b);
      assert.equal(none.toolOverhead, 0);
      assert.equal(auto.toolOverhead, TOOL_SYSTEM_PROMPT[f].auto);
      assert.equal(two.toolOverhead, auto.toolOverhead, 'once per request');
      assert.equal(any.toolOverhead, TOOL_SYSTEM_PROMPT[f].forced);
      assert.equal(forced.toolOverhead, any.toolOverhead);
      assert.notEqual(any.total, auto.total);
      assert.ok(auto.tools[0]! > 10 && auto.tools[0]! < 150, `tool ${auto.tools[0]}`);
      assert.equal(auto.total - none.total, auto.toolOverhead + auto.tools[0]!);
    }
    assert.ok(estimateRequest({ messages: [user('x')], tools: [weatherTool] }, 'claude-4.7').notes.some((n) => /tool use/.test(n)), 'the tool prompt is named in the notes');
  });

  it('prices Anthropic-defined tools by their documented cost', () => {
    const b = estimateRequest({ messages: [user('ls')], tools: [{ type: 'bash_20250124', name: 'bash' }] }, 'claude-4');
    assert.equal(b.tools[0], 245);
  });

  it('a url image is guessed and noted; a base64 image is priced from its header', () => {
    for (const f of FAMILIES) {
      const url = estimateRequest({ messages: [user([{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }])] }, f);
      assertAddsUp(url);
      assert.ok(url.images > 0);
      assert.ok(url.notes.some((n) => /url/.test(n)), url.notes.join(' | '));

      const data = b64(png(800, 600));
      const img = estimateRequest({ messages: [user([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data } }, { type: 'text', text: 'What is this?' }])] }, f);
      assertAddsUp(img);
      assert.equal(img.images, imageTokens(800, 600, f) + modelParams(undefined, f).imageBlock);
      assert.ok(img.messages[0]! >= img.images + estimateTextTokens('What is this?', f));
      assert.equal(img.notes.length, 0);
    }
  });

  it('prices a base64 PDF per page and a text document as text', () => {
    const pdf = '%PDF-1.4\n<< /Type /Page >>\n<< /Type /Page >>\n<< /Type /Pages /Count 2 >>\n%%EOF';
    for (const f of FAMILIES) {
      const b = estimateRequest(
        { messages: [user([{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: Buffer.from(pdf).toString('base64') } }])] },
        f,
      );
      assertAddsUp(b);
      assert.equal(b.documents, 2 * modelParams(undefined, f).pdfPage, 'pages only: this PDF shows no text');
      const body = 'Quarterly revenue rose 12% on strong demand.';
      const t = estimateRequest({ messages: [user([{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: body } }])] }, f);
      assert.equal(t.documents, estimateTextTokens(body, f) + modelParams(undefined, f).documentBlock);
      const u = estimateRequest({ messages: [user([{ type: 'document', source: { type: 'url', url: 'https://x/y.pdf' } }])] }, f);
      assert.ok(u.documents > 0 && u.notes.length > 0);
    }
  });

  it('counts tool_use and tool_result content; skips thinking from earlier turns only', () => {
    const thinking = 'Let me think about this carefully. '.repeat(30);
    const turns = (withThinking: boolean): CountBody => ({
      messages: [
        user('Weather in Paris?'),
        {
          role: 'assistant',
          content: [
            ...(withThinking ? [{ type: 'thinking', thinking, signature: 'abc' }] : []),
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'Paris, France' } },
          ],
        },
        user([{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '18°C and sunny' }] }]),
      ],
      tools: [weatherTool],
    });
    for (const f of FAMILIES) {
      const a = estimateRequest(turns(false), f);
      const b = estimateRequest(turns(true), f);
      assertAddsUp(a);
      assert.equal(a.total, b.total, 'earlier-turn thinking is not counted');
      assert.ok(a.messages[1]! > estimateTextTokens('get_weather', f));
      assert.ok(a.messages[2]! > estimateTextTokens('18°C and sunny', f));
      // thinking in the current (final assistant) turn is counted
      const current = estimateRequest({ messages: [user('Hi'), { role: 'assistant', content: [{ type: 'thinking', thinking, signature: 's' }] }] }, f);
      const currentEmpty = estimateRequest({ messages: [user('Hi'), { role: 'assistant', content: [] }] }, f);
      assert.ok(current.total > currentEmpty.total + 100);
    }
  });

  it('estimates unknown blocks as JSON text', () => {
    const block = { type: 'search_result', source: 'https://example.com', title: 'Example', content: [{ type: 'text', text: 'Some found text about kittens.' }] };
    const b = estimateRequest({ messages: [user([block])] }, 'claude-4');
    assertAddsUp(b);
    assert.ok(b.messages[0]! > FRAMING['claude-4'].perMessage + estimateTextTokens('Some found text about kittens.', 'claude-4'));
  });

  it('never throws on arbitrary junk', () => {
    let deep: Json = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const junk: unknown[] = [
      null,
      undefined,
      42,
      'text',
      [],
      [1, 2, 3],
      {},
      { messages: null },
      { messages: 'hello' },
      { messages: [null, 1, 'x', [], [[{}]], { role: 7, content: 9 }, { content: null }, { content: [null, 3, [4], { type: 5 }] }] },
      { messages: [{ role: 'user', content: [{ type: 'image' }, { type: 'image', source: null }, { type: 'image', source: { type: 'base64', data: 7 } }] }] },
      { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', data: '!!!!' } }, { type: 'document', source: 'x' }, { type: 'document' }] }] },
      { messages: [{ role: 'user', content: [{ type: 'tool_result', content: { nested: [1, { a: null }] } }, { type: 'tool_use', input: [[[]]] }, { type: 'text', text: { no: 'string' } }] }] },
      { messages: [], system: 5, tools: 'nope', tool_choice: 'any' },
      { messages: [], system: [null, { type: 'text' }, 3], tools: [null, 4, [], 'str', { type: 9 }, { type: 'bash_x' }, { name: null, input_schema: [[]] }], tool_choice: { type: null } },
      { messages: [deep] },
      { messages: [{ role: 'user', content: 'x' }], tools: [{ name: 't', input_schema: deep }] },
      Object.create(null),
    ];
    for (const body of junk) {
      for (const f of [...FAMILIES, 'claude-9' as TokenizerFamily]) {
        const b = estimateRequest(body as CountBody, f);
        assertAddsUp(b);
        assert.ok(Array.isArray(b.notes));
      }
    }
  });
});
