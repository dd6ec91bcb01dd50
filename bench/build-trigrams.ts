/**
 * Builds `src/core/estimator/trigrams.json`: how common each letter trigram is inside the word
 * tokens of a public byte-level BPE vocabulary (the Claude 2 tokenizer of `@anthropic-ai/tokenizer`,
 * the only public Claude vocabulary). The offline estimator uses it to tell word shapes an
 * English-centred vocabulary holds (`tion`, `^th`) from ones it must split (`ngg`, `^mb`), which is
 * what makes Latin-script languages other than English cost more tokens per word. Independent of the
 * calibration data.
 *
 *   node --import tsx bench/build-trigrams.ts           # rewrite the file
 *   node --import tsx bench/build-trigrams.ts --check   # exit 1 if it is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { TRIGRAM_LEVELS, trigramIndex } from '../src/core/estimator/trigram-index';

const root = path.resolve(__dirname, '..');
const target = path.join(root, 'src/core/estimator/trigrams.json');

export function build(): string {
  const vocab = JSON.parse(readFileSync(require.resolve('@anthropic-ai/tokenizer/claude.json'), 'utf8')) as { bpe_ranks: string };
  const parts = vocab.bpe_ranks.split(' ').slice(2);
  const counts = new Uint32Array(27 * 26 * 26);
  for (const b64 of parts) {
    const tok = Buffer.from(b64, 'base64').toString('utf8');
    const m = /^( ?)([a-z]+)$/.exec(tok);
    if (!m) continue;
    const word = m[2]!;
    const codes: number[] = m[1] ? [-1] : [];
    for (let i = 0; i < word.length; i++) codes.push(word.charCodeAt(i) - 97);
    for (let i = 0; i + 2 < codes.length; i++) counts[trigramIndex(codes[i]!, codes[i + 1]!, codes[i + 2]!)]!++;
  }
  // One level per trigram: 0 absent from every word token, 1 in 1-4 tokens, 2 in 5 or more.
  const levels = new Uint8Array(counts.length);
  counts.forEach((c, i) => (levels[i] = c === 0 ? 0 : c < TRIGRAM_LEVELS[1] ? 1 : 2));
  // Two bits per trigram.
  const packed = new Uint8Array(Math.ceil(levels.length / 4));
  levels.forEach((l, i) => (packed[i >> 2]! |= l << ((i & 3) * 2)));
  return (
    JSON.stringify(
      {
        description:
          'Letter trigrams (a-z; "^" = word start) by how many word tokens of the Claude 2 tokenizer vocabulary (@anthropic-ai/tokenizer claude.json) contain them: 0 none, 1 fewer than 5, 2 five or more. Two bits per trigram, index (a*26+b)*26+c with a=26 for the word start, base64.',
        generatedBy: 'node --import tsx bench/build-trigrams.ts',
        levels: Buffer.from(packed).toString('base64'),
      },
      null,
      2,
    ) + '\n'
  );
}

export function main(argv: readonly string[] = process.argv.slice(2)): number {
  const text = build();
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // no file yet
  }
  if (argv.includes('--check')) {
    console.log(current === text ? 'trigrams.json is up to date' : 'trigrams.json is out of date');
    return current === text ? 0 : 1;
  }
  if (current !== text) writeFileSync(target, text);
  console.log(current === text ? 'trigrams.json unchanged' : `wrote ${path.relative(root, target)}`);
  return 0;
}

if (require.main === module) process.exitCode = main();
