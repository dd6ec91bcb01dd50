/** Index layout of the letter-trigram table (`trigrams.json`), shared by its builder and reader. */

/** Code of the word-start marker `^` in a trigram (letters are 0-25). */
export const WORD_START = 26;

/** Level thresholds: a trigram in fewer than `TRIGRAM_LEVELS[1]` vocabulary word tokens is level 1. */
export const TRIGRAM_LEVELS = [0, 10] as const;

/** Table index of the trigram (a, b, c); `a` may be -1 or {@link WORD_START} for the word start. */
export function trigramIndex(a: number, b: number, c: number): number {
  return ((a < 0 ? WORD_START : a) * 26 + b) * 26 + c;
}
