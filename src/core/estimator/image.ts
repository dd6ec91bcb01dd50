/**
 * Image tokens: dimensions from base64 data (reading only as much as needed) and the documented
 * resize-then-divide rule.
 */

import { imageSize } from 'image-size';
import type { TokenizerFamily } from '../types';

/** Resize limits and token rule of one tokenizer family. */
export interface ImageLimits {
  /** Longest edge after the API's downscaling, px. */
  maxLongEdge: number;
  /** Largest number of tokens one image may cost; the area limit is `maxTokens × pixelsPerToken`. */
  maxTokens: number;
  /** Pixels per token: tokens ≈ width × height / pixelsPerToken. */
  pixelsPerToken: number;
}

/**
 * Per-family image limits.
 * - `claude-4`: documented. Images whose long edge exceeds 1568 px or which would cost more than
 *   ~1,600 tokens (about 1.15-1.2 megapixels; the documented no-resize sizes such as 1092×1092 and
 *   784×1568 are ~1.19-1.23 MP) are scaled down, keeping the aspect ratio; tokens ≈ w×h/750.
 * - `claude-4.7`: UNCONFIRMED third-party figures: up to 2576 px on the long edge and ~4,784
 *   tokens per image, same 750 px per token. Users get these as estimates only.
 */
export const IMAGE_LIMITS: Record<TokenizerFamily, ImageLimits> = {
  'claude-4': { maxLongEdge: 1568, maxTokens: 1600, pixelsPerToken: 750 },
  'claude-4.7': { maxLongEdge: 2576, maxTokens: 4784, pixelsPerToken: 750 },
};

/**
 * The size the API would scale an image down to before tokenizing it: the long edge at most
 * `maxLongEdge` and the area at most `maxTokens × pixelsPerToken`, aspect ratio kept. Images within
 * the limits are unchanged (never scaled up). Invalid sizes give 0×0.
 */
export function scaledImageSize(width: number, height: number, family: TokenizerFamily): { width: number; height: number } {
  if (!(width > 0) || !(height > 0) || !Number.isFinite(width) || !Number.isFinite(height)) return { width: 0, height: 0 };
  const lim = IMAGE_LIMITS[family] ?? IMAGE_LIMITS['claude-4'];
  const maxArea = lim.maxTokens * lim.pixelsPerToken;
  const scale = Math.min(1, lim.maxLongEdge / Math.max(width, height), Math.sqrt(maxArea / (width * height)));
  if (scale >= 1) return { width, height };
  // floor, with a hair of slack so 6000 × (1568 / 6000) lands on 1568, not 1567.9999
  return { width: Math.max(1, Math.floor(width * scale + 1e-9)), height: Math.max(1, Math.floor(height * scale + 1e-9)) };
}

/** Estimated tokens of a `width`×`height` image after the API's downscaling. 0 for invalid sizes. */
export function imageTokens(width: number, height: number, family: TokenizerFamily): number {
  const s = scaledImageSize(width, height, family);
  if (s.width === 0) return 0;
  const lim = IMAGE_LIMITS[family] ?? IMAGE_LIMITS['claude-4'];
  return Math.min(lim.maxTokens, Math.ceil((s.width * s.height) / lim.pixelsPerToken));
}

/**
 * Tokens assumed for an image whose pixels we cannot see (a `url` or `file` source, or base64 we
 * cannot read): the family's maximum, so the estimate errs high rather than low.
 */
export function unknownImageTokens(family: TokenizerFamily): number {
  return (IMAGE_LIMITS[family] ?? IMAGE_LIMITS['claude-4']).maxTokens;
}

/** Base64 prefix lengths tried in turn (characters); the last step decodes everything. */
const PREFIX_STEPS = [4096, 65536];

/** Image formats the Messages API accepts, by their magic bytes. */
type ApiImageFormat = 'jpeg' | 'png' | 'gif' | 'webp';

function sniff(b: Uint8Array): ApiImageFormat | undefined {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length >= 6 && b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return 'gif';
  if (b.length >= 12 && b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50) {
    return 'webp';
  }
  return undefined;
}

/**
 * Width, height and type (`jpg`, `png`, `gif`, `webp`, as image-size names them) of a base64
 * image in one of the formats the API accepts, or `undefined` when it cannot be read. Accepts a
 * `data:` URL too. Decodes a 4 KB prefix of the base64 first, then 64 KB, then the whole string;
 * only JPEG ever needs more than the first, when EXIF/ICC segments push its frame header back. The
 * header itself is parsed by `image-size`. Never throws.
 */
export function imageDimensionsFromBase64(data: string): { width: number; height: number; type: string } | undefined {
  try {
    if (typeof data !== 'string' || data.length === 0) return undefined;
    let start = 0;
    if (data.startsWith('data:')) {
      const comma = data.indexOf(',');
      if (comma < 0) return undefined;
      start = comma + 1;
    }
    const total = data.length - start;
    for (let step = 0; ; step++) {
      const limit = step < PREFIX_STEPS.length ? PREFIX_STEPS[step]! : Infinity;
      const whole = limit >= total;
      const b64 = whole ? (start === 0 ? data : data.slice(start)) : data.slice(start, start + limit);
      const bytes = Buffer.from(b64, 'base64');
      const format = sniff(bytes);
      if (format === undefined) return undefined;
      const size = readSize(bytes);
      if (size) return size;
      if (whole || format !== 'jpeg') return undefined;
    }
  } catch {
    return undefined;
  }
}

function readSize(bytes: Uint8Array): { width: number; height: number; type: string } | undefined {
  try {
    const r = imageSize(bytes);
    const width = r.width;
    const height = r.height;
    if (typeof width !== 'number' || typeof height !== 'number' || !(width > 0) || !(height > 0)) return undefined;
    if (!Number.isFinite(width) || !Number.isFinite(height)) return undefined;
    return { width, height, type: typeof r.type === 'string' ? r.type : 'unknown' };
  } catch {
    return undefined;
  }
}
