import type { Json } from '../types';

/**
 * Paths (`tools[0].input_schema.maximum`) of numbers in `value` that are not finite: a JSON
 * literal beyond the range of a double (`1e400`) read as Infinity, YAML `.inf`/`.nan`. At most
 * `limit` of them. Iterative: deep nesting cannot overflow the stack.
 */
export function nonFiniteNumbers(value: Json, limit = 5): { path: string; value: number }[] {
  const found: { path: string; value: number }[] = [];
  const stack: [Json, string][] = [[value, '']];
  while (stack.length > 0 && found.length < limit) {
    const [v, at] = stack.pop()!;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) found.push({ path: at || '(the value)', value: v });
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i]!, `${at}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        stack.push([v[k]!, /^[A-Za-z_$][\w$]*$/.test(k) ? (at ? `${at}.${k}` : k) : `${at}[${JSON.stringify(k)}]`]);
      }
    }
  }
  return found;
}

/** How a non-finite number reads in a message: "Infinity (beyond the range of a double)", "NaN". */
export function describeNonFinite(value: number): string {
  return Number.isNaN(value) ? 'NaN (not a number)' : `${value > 0 ? '' : '-'}Infinity (beyond the range of a double)`;
}
