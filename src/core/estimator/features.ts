/**
 * Character-class features of a text, gathered in one linear pass.
 *
 * The offline estimator models a text's token count as a non-negative weighted sum of these
 * counts (weights per tokenizer family, fitted by `fit.ts`, shipped in `calibration.json`). The
 * features follow how a byte-level BPE tokenizer with a smallish, English-centred vocabulary
 * behaves, without reproducing any vocabulary:
 *
 * - `latinWords`: runs of Latin letters (ASCII or accented), split where a lower-case letter is
 *   followed by an upper-case one (`camelCase` is two pieces). A single space before a word is
 *   free: it merges into the word's token.
 * - `longLetters`: letters past the 8th of a word piece (long and rare words split).
 * - `capsLetters`: an upper-case letter following another (ALL-CAPS splits more).
 * - `camelSplits`: lower→upper changes inside identifiers (the pieces are less common tokens).
 * - `digitGroups`: digit runs, per group of up to three digits.
 * - `whitespaceRuns`: whitespace runs other than one plain space (newlines, indentation, tabs);
 *   `newlines`: newline characters.
 * - `punct`: ASCII punctuation, per character; `punctRepeat`: a punctuation character repeating
 *   the previous one (`----`, `####` merge into long tokens); `punctRarePair`: a punctuation
 *   character following a different one where the pair is not a common code digraph such as
 *   `();`, `->`, `":` (uncommon pairs rarely merge).
 * - `cyrillicLetters`, `cyrillicWords`: Cyrillic, per letter and per word.
 * - `han` (CJK ideographs), `kana`, `hangul`: per character.
 * - `otherScript`: per code point of other scripts (Greek, Arabic, Hebrew, Indic, Thai, ...),
 *   combining marks included.
 * - `latinExtended`: accented and other non-ASCII Latin letters, per letter.
 * - `symbols`: other BMP symbols (typographic punctuation, arrows, maths, CJK punctuation,
 *   variation selectors), per code point; `astral`: code points beyond the BMP other than CJK
 *   (mostly emoji), per code point; `spaceSymbol`: a single space right before a symbol or emoji
 *   (it does not merge the way it does before a word).
 *
 * - `rareTrigrams`, `uncommonTrigrams`: letter trigrams inside ASCII word pieces (`^` marks the word
 *   start) that no word token of a public English-centred BPE vocabulary holds (`^mb`, `ngg`), or
 *   fewer than five do (`trigrams.json`, built from the Claude 2 tokenizer by
 *   `bench/build-trigrams.ts`). Words of shapes the vocabulary lacks split into more pieces: this is
 *   what Latin-script languages other than English (Javanese, Esperanto, Dutch...) pay for.
 *
 * Every feature can only grow when text is appended, so with non-negative weights the estimate
 * never decreases as text is typed at the end. The pass reads `charCodeAt` only: no regular
 * expressions, no slicing, no per-character allocation.
 */

/** Names of the features, in the order of the vector returned by {@link textFeatures}. */
export const FEATURE_NAMES = [
  'latinWords',
  'longLetters',
  'capsLetters',
  'camelSplits',
  'digitGroups',
  'whitespaceRuns',
  'newlines',
  'punct',
  'punctRepeat',
  'punctRarePair',
  'cyrillicLetters',
  'cyrillicWords',
  'han',
  'kana',
  'hangul',
  'otherScript',
  'latinExtended',
  'symbols',
  'astral',
  'spaceSymbol',
  'rareTrigrams',
  'uncommonTrigrams',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Length of a feature vector. */
export const FEATURE_COUNT = FEATURE_NAMES.length;

import trigrams from './trigrams.json';
import { WORD_START } from './trigram-index';

/** Letters of a word piece beyond this many count as `longLetters`. */
const LONG_WORD = 8;

// Kinds of the previous code unit, for run and word detection.
const K_NONE = 0;
const K_LOWER = 1;
const K_UPPER = 2;
const K_DIGIT = 3;
const K_SPACE = 4;
const K_PUNCT = 5;
const K_CYR = 6;
const K_OTHER = 7;

/** Kind of each ASCII code unit. Control characters count as punctuation (byte tokens). */
const ASCII_KIND = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  let k = K_PUNCT;
  if (c >= 97 && c <= 122) k = K_LOWER;
  else if (c >= 65 && c <= 90) k = K_UPPER;
  else if (c >= 48 && c <= 57) k = K_DIGIT;
  else if (c === 32 || (c >= 9 && c <= 13)) k = K_SPACE;
  ASCII_KIND[c] = k;
}

/**
 * Common ASCII punctuation digraphs of code and markup, which BPE vocabularies usually hold as one
 * token. Chosen from general knowledge of programming languages, not from the calibration data.
 */
const COMMON_PAIRS = [
  '()', ');', '){', '),', ').', '))', '((', '[]', '];', '],', '[[', ']]', '{}', '};', '},', '{{', '}}',
  '->', '=>', '==', '!=', '<=', '>=', '//', '/*', '*/', '::', '&&', '||', '++', '--', '**', '<<', '>>',
  '..', '#{', '${', '%}', '{%', '</', '/>', '<!', '?>', '<?', '":', '",', '"}', '"]', '["', '("', '")',
  "('", "')", "',", "':", '`,', '`)', '(`', '`.', '.,', ',"', '."', ".'", '?"', '!"', '="', '">',
  '.)', '.]', '[(', ')]', ']:', '):', '(*', '*)', '@"', '#[', '![', '](', '__', ':=', '+=', '-=',
  '*=', '/=', '|=', '&=', '<>', ':/', ';}',
];
const COMMON_PAIR = new Uint8Array(128 * 128);
for (const p of COMMON_PAIRS) COMMON_PAIR[(p.charCodeAt(0) << 7) | p.charCodeAt(1)] = 1;

/** Level (0 absent, 1 rare, 2 common) of each letter trigram, index {@link trigramIndex}. */
const TRIGRAM = unpackTrigrams((trigrams as { levels?: unknown }).levels);
/** 1 where a trigram is absent (level 0) / rare (level 1): added without a branch. */
const RARE = TRIGRAM.map((l) => (l === 0 ? 1 : 0));
const UNCOMMON = TRIGRAM.map((l) => (l === 1 ? 1 : 0));

function unpackTrigrams(b64: unknown): Uint8Array {
  const out = new Uint8Array(27 * 26 * 26).fill(2); // no table: every trigram common (no effect)
  if (typeof b64 !== 'string') return out;
  const packed = Buffer.from(b64, 'base64');
  for (let i = 0; i < out.length && i >> 2 < packed.length; i++) out[i] = (packed[i >> 2]! >> ((i & 3) * 2)) & 3;
  return out;
}

/**
 * Computes the feature vector of `text` in one pass. `out` (length {@link FEATURE_COUNT}) is
 * overwritten and returned; pass one in to avoid even the single allocation per call.
 */
export function textFeatures(text: string, out: Float64Array = new Float64Array(FEATURE_COUNT)): Float64Array {
  let latinWords = 0;
  let longLetters = 0;
  let caps = 0;
  let camel = 0;
  let digitGroups = 0;
  let wsRuns = 0;
  let newlines = 0;
  let punct = 0;
  let punctRepeat = 0;
  let punctRare = 0;
  let cyrLetters = 0;
  let cyrWords = 0;
  let han = 0;
  let kana = 0;
  let hangul = 0;
  let other = 0;
  let latinExt = 0;
  let symbols = 0;
  let astral = 0;
  let spaceSymbol = 0;
  let rareTri = 0;
  let uncommonTri = 0;
  // Trigram state of the current ASCII word piece: `last` the previous letter (0-25, -1 none) and
  // `pair` the table offset of the last two (the word start counts as one), -1 while fewer.
  let last = -1;
  let pair = -1;

  let prev = K_NONE; // kind of the previous code unit (combining marks leave it unchanged)
  let prevCode = -1; // previous code unit
  let wordLen = 0; // letters so far in the current word piece
  let digitRun = 0; // digits so far in the current digit run
  let wsCounted = false; // whether the current whitespace run has been counted

  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) {
      const k = ASCII_KIND[c]!;
      if (k === K_LOWER || k === K_UPPER) {
        const letter = (c | 0x20) - 97;
        let start: boolean;
        if (k === K_LOWER) {
          start = !(prev === K_LOWER || prev === K_UPPER);
          if (!start) {
            if (++wordLen > LONG_WORD) longLetters++;
          } else {
            latinWords++;
            wordLen = 1;
          }
        } else {
          start = prev !== K_UPPER;
          if (!start) {
            caps++;
            if (++wordLen > LONG_WORD) longLetters++;
          } else {
            latinWords++;
            if (prev === K_LOWER) camel++;
            wordLen = 1;
          }
        }
        if (start) {
          pair = (WORD_START * 26 + letter) * 26;
        } else {
          if (pair >= 0) {
            rareTri += RARE[pair + letter]!;
            uncommonTri += UNCOMMON[pair + letter]!;
          }
          pair = last >= 0 ? (last * 26 + letter) * 26 : -1;
        }
        last = letter;
      } else if (k === K_SPACE) {
        if (prev !== K_SPACE) {
          wsCounted = c !== 32;
          if (wsCounted) wsRuns++;
        } else if (!wsCounted) {
          wsCounted = true;
          wsRuns++;
        }
        if (c === 10) newlines++;
      } else if (k === K_DIGIT) {
        if (prev !== K_DIGIT) digitRun = 0;
        if (digitRun % 3 === 0) digitGroups++;
        digitRun++;
      } else if (prev === K_PUNCT) {
        if (c === prevCode) punctRepeat++;
        else {
          punct++;
          if (COMMON_PAIR[(prevCode << 7) | c] === 0) punctRare++;
        }
      } else {
        punct++;
      }
      prev = k;
      prevCode = c;
      continue;
    }

    // Non-ASCII, by Unicode block.
    if (c < 0x0300) {
      if (c === 0xa0) {
        // no-break space: a space
        if (prev !== K_SPACE) wsCounted = false;
        prev = K_SPACE;
      } else if (c >= 0xc0 && c !== 0xd7 && c !== 0xf7) {
        // accented Latin letters, Latin Extended-A/B, IPA, modifier letters: part of a word
        latinExt++;
        if (prev !== K_LOWER && prev !== K_UPPER) {
          latinWords++;
          wordLen = 1;
        } else if (++wordLen > LONG_WORD) longLetters++;
        pair = last = -1; // a non-ASCII letter breaks the trigram chain
        prev = K_LOWER;
      } else {
        // Latin-1 punctuation and symbols («», ©, °, ·, ×, ...)
        if (prev === K_SPACE && !wsCounted) spaceSymbol++;
        symbols++;
        prev = K_OTHER;
      }
    } else if (c < 0x0370) {
      other++; // combining diacritical marks: attach to the previous letter, whose kind stays
    } else if (c < 0x0400) {
      other++; // Greek
      prev = K_OTHER;
    } else if (c < 0x0530) {
      if (prev !== K_CYR) cyrWords++;
      cyrLetters++;
      prev = K_CYR;
    } else if (c < 0x1100) {
      other++; // Armenian, Hebrew, Arabic, Syriac, Thaana, Indic scripts, Thai, Lao, Tibetan, Georgian
      prev = K_OTHER;
    } else if (c < 0x1200) {
      hangul++; // Hangul Jamo
      prev = K_OTHER;
    } else if (c < 0x1d00) {
      other++; // Ethiopic, Cherokee, Canadian syllabics, Khmer, Mongolian, ...
      prev = K_OTHER;
    } else if (c < 0x1f00) {
      // phonetic extensions, Latin Extended Additional (Vietnamese): part of a word
      latinExt++;
      if (prev !== K_LOWER && prev !== K_UPPER) {
        latinWords++;
        wordLen = 1;
      } else if (++wordLen > LONG_WORD) longLetters++;
      pair = last = -1;
      prev = K_LOWER;
    } else if (c < 0x2000) {
      other++; // Greek Extended
      prev = K_OTHER;
    } else if (c < 0x200b) {
      if (prev !== K_SPACE) wsCounted = false; // typographic spaces
      prev = K_SPACE;
    } else if (c < 0x2c00) {
      // general punctuation, super/subscripts, currency, letterlike, arrows, maths, technical,
      // box drawing, geometric shapes, miscellaneous symbols, dingbats
      if (prev === K_SPACE && !wsCounted) spaceSymbol++;
      symbols++;
      prev = K_OTHER;
    } else if (c < 0x2e00) {
      other++; // Glagolitic, Latin Extended-C, Coptic, Georgian supplement, Tifinagh, Cyrillic Ext-A
      prev = K_OTHER;
    } else if (c < 0x2e80) {
      symbols++; // supplemental punctuation
      prev = K_OTHER;
    } else if (c < 0x3000) {
      han++; // CJK and Kangxi radicals
      prev = K_OTHER;
    } else if (c < 0x3040) {
      symbols++; // CJK symbols and punctuation
      prev = K_OTHER;
    } else if (c < 0x3100) {
      kana++; // Hiragana, Katakana
      prev = K_OTHER;
    } else if (c < 0x3130) {
      han++; // Bopomofo
      prev = K_OTHER;
    } else if (c < 0x3190) {
      hangul++; // Hangul compatibility Jamo
      prev = K_OTHER;
    } else if (c < 0x3200) {
      kana++; // Kanbun, CJK strokes, Katakana phonetic extensions
      prev = K_OTHER;
    } else if (c < 0x3400) {
      symbols++; // enclosed CJK letters, CJK compatibility
      prev = K_OTHER;
    } else if (c < 0xa000) {
      if (c >= 0x4dc0 && c < 0x4e00) symbols++; // Yijing hexagrams
      else han++; // CJK unified ideographs and extension A
      prev = K_OTHER;
    } else if (c < 0xac00) {
      other++; // Yi, Lisu, Vai, Cyrillic Ext-B, Bamum, ...
      prev = K_OTHER;
    } else if (c < 0xd800) {
      hangul++; // Hangul syllables, Jamo Ext-B
      prev = K_OTHER;
    } else if (c < 0xdc00) {
      // high surrogate: one astral code point; its low surrogate is skipped below
      if (c >= 0xd840 && c < 0xd8c0) han++; // planes 2-3: CJK extensions B-H
      else {
        if (prev === K_SPACE && !wsCounted) spaceSymbol++;
        astral++;
      }
      prev = K_OTHER;
    } else if (c < 0xe000) {
      // low surrogate: counted with its high surrogate; a lone one is a symbol
      if (prevCode < 0xd800 || prevCode >= 0xdc00) symbols++;
      prev = K_OTHER;
    } else if (c < 0xf900) {
      symbols++; // private use
      prev = K_OTHER;
    } else if (c < 0xfb00) {
      han++; // CJK compatibility ideographs
      prev = K_OTHER;
    } else if (c < 0xfe00) {
      other++; // alphabetic and Arabic presentation forms
      prev = K_OTHER;
    } else if (c < 0xfe70) {
      symbols++; // variation selectors, vertical forms, CJK compatibility forms, small forms
      prev = K_OTHER;
    } else if (c < 0xff00) {
      if (c === 0xfeff) symbols++; // byte-order mark
      else other++; // Arabic presentation forms B
      prev = K_OTHER;
    } else if (c >= 0xff66 && c < 0xffa0) {
      kana++; // half-width Katakana
      prev = K_OTHER;
    } else if (c >= 0xffa0 && c < 0xffdd) {
      hangul++; // half-width Hangul
      prev = K_OTHER;
    } else {
      symbols++; // full-width forms, specials
      prev = K_OTHER;
    }
    prevCode = c;
  }

  out[0] = latinWords;
  out[1] = longLetters;
  out[2] = caps;
  out[3] = camel;
  out[4] = digitGroups;
  out[5] = wsRuns;
  out[6] = newlines;
  out[7] = punct;
  out[8] = punctRepeat;
  out[9] = punctRare;
  out[10] = cyrLetters;
  out[11] = cyrWords;
  out[12] = han;
  out[13] = kana;
  out[14] = hangul;
  out[15] = other;
  out[16] = latinExt;
  out[17] = symbols;
  out[18] = astral;
  out[19] = spaceSymbol;
  out[20] = rareTri;
  out[21] = uncommonTri;
  return out;
}
