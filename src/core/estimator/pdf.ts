/**
 * PDF pages from base64 data, and the tokens assumed per page.
 */

import type { TokenizerFamily } from '../types';
import { imageTokens } from './image';

const TYPE = Buffer.from('/Type');
const COUNT = Buffer.from('/Count');

/**
 * Number of pages of a base64 PDF, or `undefined` when none can be found. Counts `/Type /Page`
 * objects (not `/Type /Pages`); when page objects are hidden in compressed object streams and none
 * is visible, falls back to the largest `/Count n` (the page-tree root's total). A cheap byte scan,
 * not a PDF parser. Accepts a `data:` URL. Never throws.
 */
export function pdfPageCount(base64: string): number | undefined {
  try {
    if (typeof base64 !== 'string' || base64.length === 0) return undefined;
    let b64 = base64;
    if (b64.startsWith('data:')) {
      const comma = b64.indexOf(',');
      if (comma < 0) return undefined;
      b64 = b64.slice(comma + 1);
    }
    return pdfPageCountBytes(Buffer.from(b64, 'base64'));
  } catch {
    return undefined;
  }
}

/** {@link pdfPageCount} on raw bytes. */
export function pdfPageCountBytes(buf: Buffer): number | undefined {
  let pages = 0;
  for (let i = buf.indexOf(TYPE); i >= 0; i = buf.indexOf(TYPE, i + TYPE.length)) {
    let j = i + TYPE.length;
    while (j < buf.length && isPdfSpace(buf[j]!)) j++;
    // "/Page" followed by a delimiter, not "/Pages" or "/PageLabel"
    if (
      buf[j] === 0x2f && buf[j + 1] === 0x50 && buf[j + 2] === 0x61 && buf[j + 3] === 0x67 && buf[j + 4] === 0x65 &&
      (j + 5 >= buf.length || isPdfDelimiter(buf[j + 5]!))
    ) {
      pages++;
    }
  }
  if (pages > 0) return pages;
  let maxCount = 0;
  for (let i = buf.indexOf(COUNT); i >= 0; i = buf.indexOf(COUNT, i + COUNT.length)) {
    let j = i + COUNT.length;
    while (j < buf.length && isPdfSpace(buf[j]!)) j++;
    let n = 0;
    let digits = 0;
    while (j < buf.length && buf[j]! >= 0x30 && buf[j]! <= 0x39 && digits < 9) {
      n = n * 10 + (buf[j]! - 0x30);
      j++;
      digits++;
    }
    if (digits > 0 && n > maxCount) maxCount = n;
  }
  return maxCount > 0 ? maxCount : undefined;
}

function isPdfSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0x0c || b === 0x00;
}

function isPdfDelimiter(b: number): boolean {
  return isPdfSpace(b) || b === 0x2f || b === 0x3e || b === 0x3c || b === 0x5b || b === 0x5d || b === 0x28 || b === 0x29 || b === 0x25;
}

/**
 * Text tokens assumed per PDF page. Anthropic documents 1,500-3,000 text tokens per page depending
 * on density; we take 2,000 for `claude-4` (ordinary prose pages sit in the lower half) and 1.3×
 * that for `claude-4.7`, whose tokenizer spends about 30% more on English text.
 */
export const PDF_TEXT_TOKENS_PER_PAGE: Record<TokenizerFamily, number> = {
  'claude-4': 2000,
  'claude-4.7': 2600,
};

/** Page size assumed for the page image: US Letter (8.5×11 in) rendered at 150 dpi. */
export const PDF_PAGE_PIXELS = { width: 1275, height: 1650 };

/**
 * Tokens assumed per PDF page: the text figure plus the page billed as an image (a Letter page
 * downscaled by the family's image limits, {@link imageTokens}). About 3,600 for `claude-4`.
 */
export function pdfPageTokens(family: TokenizerFamily): number {
  const text = PDF_TEXT_TOKENS_PER_PAGE[family] ?? PDF_TEXT_TOKENS_PER_PAGE['claude-4'];
  return text + imageTokens(PDF_PAGE_PIXELS.width, PDF_PAGE_PIXELS.height, family);
}
