import type { ParsedDocument, PartKind } from '../../core/types';

/**
 * Safe HTML for the report webviews: every value interpolated into {@link html} is escaped unless
 * it is itself {@link Html} built by `html`, so tool names, messages and model ids from a user's
 * file can never become markup. No `vscode` import.
 */

/** A fragment of HTML that is safe to insert as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(value: Part): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/**
 * A tagged template: `html\`<td>${name}</td>\`` escapes `name`. Arrays are joined, `Html` is kept,
 * `undefined`, `null` and booleans render nothing (so `${cond && html\`…\`}` works).
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** Joins fragments (escaping strings). */
export function join(parts: readonly Part[], separator = ''): Html {
  return new Html(parts.map(render).filter((s) => s !== '').join(escapeHtml(separator)));
}

/** What a click on an element reveals in the editor: offsets in the report's document version. */
export interface RevealData {
  /** The part's whole range, selected (cursor at its start). */
  start: number;
  end: number;
  /** `tool:3`, `message:2`, `system:0`: found again in a newer version of the file. */
  part?: string;
}

/** The reveal data of the system prompt, message `index` or tool `index` of a parsed document. */
export function partReveal(doc: ParsedDocument, kind: PartKind, index: number): RevealData | undefined {
  const part = doc.parts.find((p) => p.kind === kind && (kind === 'system' || p.index === index));
  return part ? { start: part.range.start, end: part.range.end, part: `${part.kind}:${part.index}` } : undefined;
}

/** The attributes that make an element reveal a range when clicked (or on Enter). */
export function revealAttrs(data: RevealData | undefined, label?: string): Html {
  if (!data) return html``;
  const title = label ? html` aria-label="${`Show ${label} in the editor`}"` : html``;
  return html` data-reveal="${JSON.stringify(data)}" tabindex="0" role="button"${title}`;
}
