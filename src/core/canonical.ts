import { createHash } from 'node:crypto';

/**
 * Serialises a JSON-like value with object keys sorted at every level, so that two requests that
 * differ only in key order (or in whitespace and comments in the source file) share one cache key.
 * `undefined` members are dropped, as `JSON.stringify` does. Iterative, so deeply nested input
 * cannot overflow the stack.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  type Frame = { value: unknown } | { text: string };
  const stack: Frame[] = [{ value }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if ('text' in frame) {
      out.push(frame.text);
      continue;
    }
    const v = frame.value;
    if (v === null || typeof v !== 'object') {
      out.push(JSON.stringify(v ?? null));
      continue;
    }
    const pending: Frame[] = [];
    if (Array.isArray(v)) {
      pending.push({ text: '[' });
      v.forEach((item, i) => {
        if (i > 0) pending.push({ text: ',' });
        pending.push({ value: item === undefined ? null : item });
      });
      pending.push({ text: ']' });
    } else {
      const obj = v as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
      pending.push({ text: '{' });
      keys.forEach((k, i) => {
        pending.push({ text: (i > 0 ? ',' : '') + JSON.stringify(k) + ':' });
        pending.push({ value: obj[k] });
      });
      pending.push({ text: '}' });
    }
    for (let i = pending.length - 1; i >= 0; i--) stack.push(pending[i]!);
  }
  return out.join('');
}

/** SHA-256 (hex) of the canonical form: the identity of a count request. */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
