/**
 * Image tokens: dimensions from base64 data (reading only as much as needed) and the tile rule
 * (⌈w/28⌉·⌈h/28⌉ after the model's downscaling).
 */

import { imageSize } from 'image-size';
import type { TokenizerFamily } from '../types';

import { modelParams, type ImageRule } from './model-params';

/** Pixels per side of one image tile; an image costs one token per tile. */
export const IMAGE_TILE = 28;

/**
 * A model's image rule, or the rule of a family's reference model (Opus 4.6 / Opus 4.7). Values
 * live in models.json (`estimator`): Sonnet/Opus 4.x before 4.7 scale an image down to a long edge
 * of 1568 px and at most 1092×1092 px of area (documented; 2048×2048 measured at 1,521 tiles on
 * Sonnet 4.6); 4.7 and later allow 2576 px and up to ~4,784 tiles (measured 4,761 for 2048×2048 on
 * Opus 4.8).
 */
export function imageRule(ruleOrFamily: ImageRule | TokenizerFamily, model?: string): ImageRule {
  return typeof ruleOrFamily === 'string' ? modelParams(model, ruleOrFamily).image : ruleOrFamily;
}

/** @deprecated Per-family view of the rules of the families' reference models; use {@link imageRule}. */
export const IMAGE_LIMITS: Record<TokenizerFamily, ImageRule> = {
  get 'claude-4'() {
    return imageRule('claude-4');
  },
  get 'claude-4.7'() {
    return imageRule('claude-4.7');
  },
};

/**
 * The size the API would scale an image down to before tokenizing it: the long edge at most
 * `maxLongEdge`, the area at most `maxPixels` and the tiles at most `maxTokens`, aspect ratio kept.
 * Images within the limits are unchanged (never scaled up). Invalid sizes give 0×0.
 */
export function scaledImageSize(width: number, height: number, ruleOrFamily: ImageRule | TokenizerFamily): { width: number; height: number } {
  if (!(width > 0) || !(height > 0) || !Number.isFinite(width) || !Number.isFinite(height)) return { width: 0, height: 0 };
  const lim = imageRule(ruleOrFamily);
  let scale = Math.min(1, lim.maxLongEdge / Math.max(width, height), Math.sqrt(lim.maxPixels / (width * height)));
  const size = (s: number) =>
    s >= 1
      ? { width, height }
      : // floor, with a hair of slack so 6000 × (1568 / 6000) lands on 1568, not 1567.9999
        { width: Math.max(1, Math.floor(width * s + 1e-9)), height: Math.max(1, Math.floor(height * s + 1e-9)) };
  let s = size(scale);
  // Then shrink until the tiles fit the token cap (a few steps at most).
  for (let i = 0; i < 200 && tiles(s.width, s.height) > lim.maxTokens; i++) {
    scale = Math.min(scale, 1) * 0.995;
    s = size(scale);
  }
  return s;
}

function tiles(width: number, height: number): number {
  return Math.ceil(width / IMAGE_TILE) * Math.ceil(height / IMAGE_TILE);
}

/**
 * Tokens of a `width`×`height` image's tiles after the API's downscaling: ⌈w/28⌉·⌈h/28⌉ (a better
 * fit than w·h/750 above about a megapixel), capped by the model's rule. 0 for invalid sizes. The
 * image block's own few tokens ({@link ModelParams.imageBlock}) are added by the request estimate.
 */
export function imageTokens(width: number, height: number, ruleOrFamily: ImageRule | TokenizerFamily): number {
  const lim = imageRule(ruleOrFamily);
  const s = scaledImageSize(width, height, lim);
  if (s.width === 0) return 0;
  return Math.min(lim.maxTokens, tiles(s.width, s.height));
}

/**
 * Tokens assumed for an image whose pixels we cannot see (a `url` or `file` source, or base64 we
 * cannot read): the model's maximum, so the estimate errs high rather than low.
 */
export function unknownImageTokens(ruleOrFamily: ImageRule | TokenizerFamily): number {
  return imageRule(ruleOrFamily).maxTokens;
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
