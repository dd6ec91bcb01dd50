/**
 * Token estimate of a JSON value as the API would see it serialised compactly
 * (`{"name":"x","n":1}`), computed from its structure rather than from a serialised string.
 *
 * The text model is calibrated on prose, code and pretty-printed JSON; it would charge compact
 * JSON's separator clusters (`":"`, `","`, `":{"`) per character, while BPE vocabularies trained on
 * code hold them as single tokens. So: keys and string values are estimated as text (their quotes
 * merge into the neighbouring separator), numbers as text, `true`/`false`/`null` one token each,
 * plus one token per container (its brackets merge with neighbouring quotes), per key-value
 * separator and per element separator.
 *
 * Iterative (no recursion, so any nesting depth is safe), never throws, and ignores values JSON
 * cannot hold (functions, symbols, undefined).
 */

import type { TokenizerFamily } from '../types';
import { estimateTextTokens } from './text';

/** Tokens per object or array (brackets). */
export const JSON_CONTAINER_TOKENS = 1;
/** Tokens per object member for its `":"` separator. */
export const JSON_MEMBER_TOKENS = 1;
/** Tokens per `,` between elements or members. */
export const JSON_SEPARATOR_TOKENS = 1;
/** Tokens of an empty string `""`. */
export const JSON_EMPTY_STRING_TOKENS = 1;

/** Upper bound on visited values, a guard against pathological input (not reached by real files). */
const MAX_NODES = 10_000_000;

/** Estimated tokens of `value` serialised as compact JSON, for `family`. */
export function estimateJsonTokens(value: unknown, family: TokenizerFamily): number {
  let total = 0;
  const stack: unknown[] = [value];
  let visited = 0;
  try {
    while (stack.length > 0 && visited++ < MAX_NODES) {
      const v = stack.pop();
      if (typeof v === 'string') {
        total += v.length === 0 ? JSON_EMPTY_STRING_TOKENS : estimateTextTokens(v, family);
      } else if (typeof v === 'number') {
        total += estimateTextTokens(Number.isFinite(v) ? String(v) : 'null', family);
      } else if (typeof v === 'boolean' || v === null) {
        total += 1;
      } else if (typeof v === 'bigint') {
        total += estimateTextTokens(String(v), family);
      } else if (Array.isArray(v)) {
        total += JSON_CONTAINER_TOKENS + Math.max(0, v.length - 1) * JSON_SEPARATOR_TOKENS;
        for (let i = v.length - 1; i >= 0; i--) stack.push(v[i]);
      } else if (typeof v === 'object') {
        const obj = v as Record<string, unknown>;
        const keys = Object.keys(obj);
        total += JSON_CONTAINER_TOKENS + keys.length * JSON_MEMBER_TOKENS + Math.max(0, keys.length - 1) * JSON_SEPARATOR_TOKENS;
        for (let i = keys.length - 1; i >= 0; i--) {
          const k = keys[i]!;
          total += k.length === 0 ? JSON_EMPTY_STRING_TOKENS : estimateTextTokens(k, family);
          stack.push(obj[k]);
        }
      }
      // undefined, functions, symbols: not JSON, nothing to count
    }
  } catch {
    // a throwing getter or proxy (never produced by JSON.parse): keep what was counted
  }
  return total;
}
