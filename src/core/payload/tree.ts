import type { Json, SourceRange } from '../types';

/**
 * The shallow outline of a parsed JSON or YAML document: where the top few levels of values sit
 * in the source. Values themselves are kept separately as plain `Json`.
 */
export interface OutlineNode {
  kind: 'object' | 'array' | 'scalar';
  /** The value's range in the original text. */
  range: SourceRange;
  /** Members in source order (duplicates included), for objects near the top. */
  props?: OutlineProp[];
  /** Elements, aligned with the value's array, for arrays near the top. */
  items?: (OutlineNode | undefined)[];
}

export interface OutlineProp {
  key: string;
  keyRange: SourceRange;
  value: OutlineNode | undefined;
}

/** Outline nodes are recorded down to this depth (root = 0); deeper values only as `Json`. */
export const OUTLINE_DEPTH = 4;

/** Maximum nesting of arrays and objects we accept: deeper input is refused as "nesting too deep". */
export const MAX_NESTING = 256;

/** A structured document, parsed. */
export interface StructuredDoc {
  value: Json;
  outline: OutlineNode | undefined;
  /** Non-fatal notes from the parser (YAML warnings), with ranges in the original text. */
  warnings: { message: string; range?: SourceRange }[];
}

/** Why a structured document could not be parsed. */
export interface StructuredFailure {
  /** `syntax`: not valid JSON/YAML; `too-deep`: nesting over MAX_NESTING; `empty`: nothing there. */
  problem: 'syntax' | 'too-deep' | 'empty';
  /** Short description, lower-case, without location ("property name expected"). */
  message: string;
  range?: SourceRange;
}

export type StructuredResult = { ok: true; doc: StructuredDoc } | { ok: false; failure: StructuredFailure };

/** The last member named `key` (JSON semantics: the last duplicate wins). */
export function propOf(node: OutlineNode | undefined, key: string): OutlineProp | undefined {
  const props = node?.props;
  if (!props) return undefined;
  for (let i = props.length - 1; i >= 0; i--) if (props[i]?.key === key) return props[i];
  return undefined;
}
