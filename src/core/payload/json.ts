import { createScanner } from 'jsonc-parser';
import type { Json, JsonObject } from '../types';
import { MAX_NESTING, OUTLINE_DEPTH, type OutlineNode, type StructuredResult } from './tree';

// jsonc-parser's SyntaxKind and ScanError are ambient const enums, which `isolatedModules`
// forbids reading; their values are part of its published API.
const T_OPEN_BRACE = 1;
const T_CLOSE_BRACE = 2;
const T_OPEN_BRACKET = 3;
const T_CLOSE_BRACKET = 4;
const T_COMMA = 5;
const T_COLON = 6;
const T_NULL = 7;
const T_TRUE = 8;
const T_FALSE = 9;
const T_STRING = 10;
const T_NUMBER = 11;
const T_LINE_COMMENT = 12;
const T_BLOCK_COMMENT = 13;
const T_LINE_BREAK = 14;
const T_TRIVIA = 15;
const T_EOF = 17;

const SCAN_ERRORS: Record<number, string> = {
  1: 'unterminated comment',
  2: 'unterminated string',
  3: 'incomplete number',
  4: 'invalid unicode escape',
  5: 'invalid escape character',
  6: 'invalid character in string',
};

interface Frame {
  isObject: boolean;
  value: JsonObject | Json[];
  node: OutlineNode | undefined;
  /** 0: just opened, 1: after a value, 2: after a comma. */
  state: 0 | 1 | 2;
  key: string;
  keyStart: number;
  keyEnd: number;
}

class JsonSyntaxError {
  constructor(
    readonly problem: 'syntax' | 'too-deep',
    readonly message: string,
    readonly start: number,
    readonly end: number,
  ) {}
}

function setMember(obj: JsonObject, key: string, value: Json): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/**
 * Parses JSON with comments and trailing commas (JSONC) into a plain value plus an outline of
 * the top levels. Built on jsonc-parser's scanner with an explicit stack, so it is linear and
 * cannot overflow the call stack whatever the nesting (jsonc-parser's `parseTree` recurses).
 * Stops at the first error. Offsets are into `text`; parsing starts at `start` (past a BOM).
 */
export function parseJsonc(text: string, start = 0): StructuredResult {
  const scanner = createScanner(text, false);
  scanner.setPosition(start);

  let token = 0;
  let tokStart = 0;
  let tokEnd = 0;
  const next = (): void => {
    for (;;) {
      token = scanner.scan();
      const err = scanner.getTokenError();
      tokStart = scanner.getTokenOffset();
      // Clamped: the scanner measures an unterminated comment at the end of the text one past it.
      tokEnd = Math.min(text.length, tokStart + scanner.getTokenLength());
      if (err !== 0) throw new JsonSyntaxError('syntax', SCAN_ERRORS[err] ?? 'invalid token', tokStart, tokEnd);
      if (token !== T_LINE_COMMENT && token !== T_BLOCK_COMMENT && token !== T_LINE_BREAK && token !== T_TRIVIA) return;
    }
  };
  const fail = (message: string): never => {
    throw new JsonSyntaxError('syntax', token === T_EOF ? `${message} (unexpected end of file)` : message, tokStart, tokEnd);
  };

  const stack: Frame[] = [];
  let root: Json | undefined;
  let rootNode: OutlineNode | undefined;

  const complete = (value: Json, node: OutlineNode | undefined): void => {
    const parent = stack[stack.length - 1];
    if (!parent) {
      root = value;
      rootNode = node;
      return;
    }
    if (parent.isObject) {
      setMember(parent.value as JsonObject, parent.key, value);
      parent.node?.props?.push({ key: parent.key, keyRange: { start: parent.keyStart, end: parent.keyEnd }, value: node });
    } else {
      (parent.value as Json[]).push(value);
      parent.node?.items?.push(node);
    }
    parent.state = 1;
  };

  try {
    next();
    if (token === T_EOF) return { ok: false, failure: { problem: 'empty', message: 'the file is empty' } };
    let expectValue = true;
    for (;;) {
      if (expectValue) {
        expectValue = false;
        const depth = stack.length;
        if (token === T_OPEN_BRACE || token === T_OPEN_BRACKET) {
          if (depth >= MAX_NESTING) throw new JsonSyntaxError('too-deep', `more than ${MAX_NESTING} levels of nesting`, tokStart, tokEnd);
          const isObject = token === T_OPEN_BRACE;
          let node: OutlineNode | undefined;
          if (depth <= OUTLINE_DEPTH) {
            node = { kind: isObject ? 'object' : 'array', range: { start: tokStart, end: tokEnd } };
            if (depth < OUTLINE_DEPTH) {
              if (isObject) node.props = [];
              else node.items = [];
            }
          }
          stack.push({ isObject, value: isObject ? {} : [], node, state: 0, key: '', keyStart: 0, keyEnd: 0 });
          next();
          continue;
        }
        let value: Json;
        switch (token) {
          case T_STRING:
            value = scanner.getTokenValue();
            break;
          case T_NUMBER: {
            // A valid literal beyond the range of a double (1e400) is read as the ±Infinity it is;
            // the document reports it where it matters (recognise.ts), rather than as bad syntax.
            value = Number(scanner.getTokenValue());
            if (Number.isNaN(value)) fail('invalid number format');
            break;
          }
          case T_TRUE:
            value = true;
            break;
          case T_FALSE:
            value = false;
            break;
          case T_NULL:
            value = null;
            break;
          default:
            return fail(token === 16 ? 'invalid symbol' : 'value expected');
        }
        complete(value, depth <= OUTLINE_DEPTH ? { kind: 'scalar', range: { start: tokStart, end: tokEnd } } : undefined);
        next();
        continue;
      }

      const frame = stack[stack.length - 1];
      if (!frame) {
        if (token !== T_EOF) fail('end of file expected');
        break;
      }
      const close = frame.isObject ? T_CLOSE_BRACE : T_CLOSE_BRACKET;
      if (token === close) {
        stack.pop();
        if (frame.node) frame.node.range.end = tokEnd;
        complete(frame.value, frame.node);
        next();
        continue;
      }
      if (frame.state === 1) {
        if (token !== T_COMMA) fail(token === T_EOF ? (frame.isObject ? 'closing brace expected' : 'closing bracket expected') : 'comma expected');
        frame.state = 2;
        next();
        continue;
      }
      // state 0 or 2: a member or element is expected (a trailing comma before the close is fine).
      if (frame.isObject) {
        if (token !== T_STRING) fail(token === T_EOF ? 'closing brace expected' : 'property name expected');
        frame.key = scanner.getTokenValue();
        frame.keyStart = tokStart;
        frame.keyEnd = tokEnd;
        next();
        if (token !== T_COLON) fail('colon expected');
        next();
      } else if (token === T_EOF) {
        fail('closing bracket expected');
      }
      expectValue = true;
    }
  } catch (e) {
    if (e instanceof JsonSyntaxError) {
      return { ok: false, failure: { problem: e.problem, message: e.message, range: { start: e.start, end: e.end } } };
    }
    throw e;
  }
  return { ok: true, doc: { value: root ?? null, outline: rootNode, warnings: [] } };
}
