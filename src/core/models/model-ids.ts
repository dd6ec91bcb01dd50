/** Claude model ids: family and version, and what can be guessed from them (tokenizer, display name, thinking support). */
import type { TokenizerFamily } from '../types';
import type { ThinkingSupport } from './types';

/** Family and version read from a Claude model id, if it has them. */
export interface ParsedModelId {
  family?: string;
  major?: number;
  minor?: number;
}

const NOT_A_FAMILY = new Set(['claude', 'anthropic', 'latest', 'v1', 'v2', 'thinking', 'preview', 'beta']);

/**
 * Reads family and version from ids in either naming order: `claude-sonnet-4-5-20250929`,
 * `claude-fable-5-1`, `claude-3-7-sonnet-latest`, `anthropic/claude-opus-4.6`. The first 1-2 digit
 * number is the major version and a directly following 1-2 digit number the minor; an 8-digit
 * date is not a version.
 */
export function parseModelId(id: string): ParsedModelId {
  const tokens = id.toLowerCase().split(/[-./@:_\s]+/).filter((t) => t.length > 0);
  const out: ParsedModelId = {};
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (/^\d{1,2}$/.test(t)) {
      if (out.major === undefined) {
        out.major = Number(t);
        const next = tokens[i + 1];
        if (next !== undefined && /^\d{1,2}$/.test(next)) {
          out.minor = Number(next);
          i++;
        }
      }
    } else if (/^[a-z]+$/.test(t) && !NOT_A_FAMILY.has(t) && out.family === undefined) {
      out.family = t;
    }
  }
  return out;
}

/**
 * Guesses the tokenizer of a model from its id. Documented rule: `claude-4.7` for version 5 or
 * later and for 4.7 or later (Opus 4.7 introduced the newer tokenizer, and every later model uses
 * it); `claude-4` for any earlier version (3.x and 4.0-4.6; Claude 2 and Instant have no family of
 * their own here and get the closest one). An id with no readable version is assumed to be a
 * model newer than this table, so `claude-4.7`.
 */
export function guessTokenizer(id: string): TokenizerFamily {
  const { major, minor } = parseModelId(id);
  if (major === undefined) return 'claude-4.7';
  if (major >= 5) return 'claude-4.7';
  if (major === 4 && (minor ?? 0) >= 7) return 'claude-4.7';
  return 'claude-4';
}

/** "Sonnet 4.6" from `claude-sonnet-4-6`; the id itself when it has no family and version. */
export function guessDisplayName(id: string): string {
  const { family, major, minor } = parseModelId(id);
  if (family === undefined || major === undefined) return id;
  const name = family.charAt(0).toUpperCase() + family.slice(1);
  return minor === undefined ? `${name} ${major}` : `${name} ${major}.${minor}`;
}

/** Thinking defaults for a model Token Lens knows nothing about, by version (all guessed). */
export function guessThinking(id: string): ThinkingSupport {
  const { major, minor } = parseModelId(id);
  const version = major === undefined ? Infinity : major + (minor ?? 0) / 10;
  if (version >= 4.7) return { manual: false, canDisable: true, adaptive: true };
  if (version >= 4.6) return { manual: true, canDisable: true, adaptive: true };
  return { manual: true, canDisable: true, adaptive: false };
}

/** Levenshtein edit distance (insert, delete, substitute: cost 1 each). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = up;
    }
  }
  return row[b.length]!;
}
