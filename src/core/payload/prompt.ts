import type { Finding, ParseResult, ParsedDocument, SourceRange } from '../types';
import { lineIndexOf } from './lines';
import { placeholderMessage } from './recognise';
import { propOf } from './tree';
import { parseYaml } from './yaml';

/** Where the front matter and the body of a prompt file are. */
export interface FrontMatterSplit {
  /** The YAML between the fences, if the file has front matter. */
  yaml?: SourceRange;
  /** Where the prompt text starts (after the closing fence's line break). */
  bodyStart: number;
  /** Set when front matter opens but never closes: the whole file is then prompt text. */
  unclosed?: boolean;
}

/** `---` plus optional spaces/tabs from `start` to the end of its line: the offset after the line break, or -1. */
function fenceLineEnd(text: string, start: number): number {
  if (!text.startsWith('---', start)) return -1;
  let i = start + 3;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  if (i === text.length) return i;
  const c = text.charCodeAt(i);
  if (c === 10) return i + 1;
  if (c === 13) return text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
  return -1;
}

/**
 * Splits YAML front matter (`---` on the first line, closed by a `---` line) from the prompt text.
 * `start` is where the text begins (1 past a BOM). CRLF and lone CR line breaks are accepted.
 */
export function splitFrontMatter(text: string, start: number): FrontMatterSplit {
  const open = fenceLineEnd(text, start);
  if (open === -1 || open === text.length) return { bodyStart: start };
  let lineStart = open;
  while (lineStart <= text.length) {
    const close = fenceLineEnd(text, lineStart);
    if (close !== -1) return { yaml: { start: open, end: lineStart }, bodyStart: close };
    // Next line.
    let i = lineStart;
    while (i < text.length && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
    if (i >= text.length) break;
    lineStart = text.charCodeAt(i) === 13 && text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
  }
  return { bodyStart: start, unclosed: true };
}

/**
 * A prompt file: one user message (or, with front matter `role: system`, the system prompt) whose
 * text is everything after the front matter. Front matter `model:` names the model. Problems in
 * the front matter are warnings; the body is still counted.
 */
export function parsePromptFile(text: string, start: number): ParseResult {
  const findings: Finding[] = [];
  const lines = (offset: number): number => lineIndexOf(text).position(offset).line + 1;
  const split = splitFrontMatter(text, start);
  let role: 'user' | 'system' = 'user';
  const extra: Partial<ParsedDocument> = {};

  if (split.unclosed) {
    findings.push({
      severity: 'warning',
      code: 'front-matter-unclosed',
      message: `Front matter opened at line ${lines(start)} is never closed with \`---\`; the whole file is counted as prompt text.`,
      range: { start, end: start + 3 },
    });
  } else if (split.yaml) {
    const fm = parseYaml(text, split.yaml.start, split.yaml.end);
    if (!fm.ok) {
      if (fm.failure.problem !== 'empty') {
        const range = fm.failure.range ?? { start, end: start + 3 };
        findings.push({
          severity: 'warning',
          code: 'front-matter-invalid',
          message: `Front matter is not valid YAML at line ${lines(range.start)}: ${fm.failure.message}. It was ignored; the prompt text is still counted.`,
          range,
        });
      }
    } else {
      const { value, outline } = fm.doc;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        const r = value.role;
        const roleRange = propOf(outline, 'role')?.value?.range;
        const roleName = typeof r === 'string' ? r.trim().toLowerCase() : r;
        if (roleName === 'system') role = 'system';
        else if (roleName !== undefined && roleName !== 'user') {
          const warning: Finding = {
            severity: 'warning',
            code: 'front-matter-role',
            message: `Front matter \`role\` at line ${lines(roleRange?.start ?? start)} should be \`system\` or \`user\`; the file is counted as a user message.`,
          };
          if (roleRange) warning.range = roleRange;
          findings.push(warning);
        }
        const model = value.model;
        // `inherit` (Claude Code agents) means "the caller's model": not a model name.
        if (typeof model === 'string' && model.trim() !== '' && model !== 'inherit') {
          extra.model = model.trim();
          const modelRange = propOf(outline, 'model')?.value?.range;
          if (modelRange) extra.modelRange = modelRange;
        }
        readPricingFrontMatter(value, outline, extra, findings, lines, start);
      } else if (value !== null) {
        findings.push({
          severity: 'warning',
          code: 'front-matter-invalid',
          message: `Front matter at line ${lines(start)} is not a YAML mapping (key: value lines); it was ignored.`,
          range: split.yaml,
        });
      }
    }
  }

  const range = { start: split.bodyStart, end: text.length };
  const content = text.slice(split.bodyStart);
  let anchorEnd = range.start;
  while (anchorEnd < range.end && text.charCodeAt(anchorEnd) !== 10 && text.charCodeAt(anchorEnd) !== 13) anchorEnd++;
  const anchor = { start: range.start, end: anchorEnd };
  // The API refuses blank text, so a blank prompt is counted as the placeholder it would add: 0.
  const blank = content.trim() === '';
  const doc: ParsedDocument =
    role === 'system'
      ? {
          kind: 'prompt',
          body: blank ? { messages: [placeholderMessage()] } : { messages: [placeholderMessage()], system: content },
          stripped: [],
          placeholder: true,
          parts: [{ kind: 'system', index: 0, label: 'system', range, anchor }],
          findings,
          ...extra,
        }
      : {
          kind: 'prompt',
          body: { messages: [blank ? placeholderMessage() : { role: 'user', content }] },
          stripped: [],
          placeholder: blank,
          parts: [{ kind: 'message', index: 0, label: 'user #1', range, anchor }],
          findings,
          ...extra,
        };
  return { status: 'ok', doc };
}

/**
 * The front matter keys that change a prompt's price, not its count: `speed` (`fast`),
 * `inference_geo` (data residency) and `betas` (e.g. the Message Batches output beta that allows
 * a larger `max_tokens`), plus `max_tokens` for the worst-case output. Wrong types are warnings.
 */
function readPricingFrontMatter(
  value: Record<string, unknown>,
  outline: Parameters<typeof propOf>[0],
  extra: Partial<ParsedDocument>,
  findings: Finding[],
  lines: (offset: number) => number,
  start: number,
): void {
  const warn = (key: string, what: string) => {
    const range = propOf(outline, key)?.value?.range;
    findings.push({
      severity: 'warning',
      code: 'front-matter-invalid',
      message: `Front matter \`${key}\` at line ${lines(range?.start ?? start)} should be ${what}; it was ignored.`,
      ...(range ? { range } : {}),
    });
  };
  const speed = value['speed'];
  if (speed !== undefined) {
    if (typeof speed === 'string' && speed.trim() !== '') {
      extra.speed = speed.trim();
      const range = propOf(outline, 'speed')?.value?.range;
      if (range) extra.speedRange = range;
    } else warn('speed', '"standard" or "fast"');
  }
  const geo = value['inference_geo'] ?? value['inferenceGeo'];
  if (geo !== undefined) {
    const key = value['inference_geo'] !== undefined ? 'inference_geo' : 'inferenceGeo';
    if (typeof geo === 'string' && geo.trim() !== '') {
      extra.inferenceGeo = geo.trim();
      const range = propOf(outline, key)?.value?.range;
      if (range) extra.inferenceGeoRange = range;
    } else warn(key, 'a geography such as "us" or "global"');
  }
  const betas = value['betas'];
  if (betas !== undefined) {
    const list = typeof betas === 'string' ? [betas] : betas;
    if (Array.isArray(list) && list.every((b) => typeof b === 'string' && b.trim() !== '')) extra.betas = (list as string[]).map((b) => b.trim());
    else warn('betas', 'a beta name or a list of beta names');
  }
  const max = value['max_tokens'];
  if (max !== undefined) {
    if (typeof max === 'number' && Number.isInteger(max) && max > 0) {
      extra.maxTokens = max;
      const range = propOf(outline, 'max_tokens')?.value?.range;
      if (range) extra.maxTokensRange = range;
    } else warn('max_tokens', 'a positive whole number');
  }
}
