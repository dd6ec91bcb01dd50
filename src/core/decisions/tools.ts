/**
 * Tool overhead audit: what each tool definition costs on every request, why the heavy ones are
 * heavy (read from their schema), and what the request costs without some of them.
 *
 * Tool counts come from the analysis (exact per-tool counts where the API gave them); the reasons
 * carry estimated token figures from the local estimator, always marked as estimates.
 *
 * Pure TypeScript, no `vscode` import.
 */
import { formatTokens } from '../format';
import type { Analysis, TokenCount } from '../analyze';
import { canonicalJson } from '../canonical';
import { estimateJsonTokens, estimateTextTokens, modelParams } from '../estimator';
import { tokenizerRatio } from '../compare';
import { costOf, type Cost } from '../models/cost';
import type { ModelRegistry } from '../models/registry';
import type { ModelInfo } from '../models/types';
import type { Json, JsonObject, SourceRange, TokenizerFamily } from '../types';
import { percentText, savingText, table, tokensText, usdText } from './markdown';
import { splitOverhead } from './overhead';
import { isObject } from '../is-object';

/** When a schema feature counts as a reason a tool is heavy. */
export interface HeavyLimits {
  /** Tool `description` longer than this many characters. */
  descriptionChars: number;
  /** An `enum` with more than this many values. */
  enumValues: number;
  /** Schemas nested more than this many levels (the input_schema itself is level 1). */
  depth: number;
  /** Object schemas with at least this many properties count when repeated. */
  repeatedMinProperties: number;
  /** An object schema with more than this many properties. */
  properties: number;
  /** A property (nested schema) `description` longer than this many characters. */
  propertyDescriptionChars: number;
}

export const DEFAULT_HEAVY_LIMITS: Readonly<HeavyLimits> = Object.freeze({
  descriptionChars: 1000,
  enumValues: 20,
  depth: 4,
  repeatedMinProperties: 2,
  properties: 20,
  propertyDescriptionChars: 200,
});

export type HeavyReasonKind =
  | 'long-description'
  | 'long-enum'
  | 'deep-nesting'
  | 'repeated-subschema'
  | 'many-properties'
  | 'long-property-descriptions';

/** One concrete reason a tool definition is heavy, with the (estimated) tokens it accounts for. */
export interface HeavyReason {
  kind: HeavyReasonKind;
  /** One sentence, e.g. "description of 2,400 characters (≈520 tokens)". */
  message: string;
  /** Estimated tokens of what the reason points at (what shortening or sharing it could save at most). */
  estimatedTokens: number;
  /** Where in the tool, e.g. `description`, `input_schema.properties.country.enum`. */
  path: string;
  /** `long-description`: the description's length; `long-property-descriptions`: the longest one's. */
  chars?: number;
  /** Enum values (biggest enum), properties, long descriptions, or long enums, by kind. */
  count?: number;
  /** `deep-nesting`: the deepest level reached. */
  depth?: number;
  /** `repeated-subschema`: how often the identical schema appears. */
  occurrences?: number;
  /** Every place the reason applies to (repeated copies, long enums, long property descriptions). */
  paths?: string[];
}

/** One tool of the audit. */
export interface ToolAuditRow {
  /** Index into the request's `tools`. */
  index: number;
  name: string;
  /** "tool get_weather". */
  label: string;
  /** The whole definition in the source, and the anchor to reveal (its `name`). */
  range: SourceRange;
  anchor?: SourceRange;
  tokens: number;
  exact: boolean;
  /** tokens / the request's total, in [0, 1]. */
  share: number;
  /** Input cost of the tool's tokens on one request, at the request's price tier. */
  costPerRequest?: number;
  /** The same for `requests` requests. */
  costPerRequests?: number;
  overThreshold: boolean;
  /** Heaviest first. */
  reasons: HeavyReason[];
}

export interface ToolAudit {
  /** The model the costs are for. */
  modelId: string;
  model: ModelInfo | undefined;
  family: TokenizerFamily;
  threshold: number;
  requests: number;
  /** The whole request. */
  total: TokenCount;
  /** Every tool definition together (without the fixed prompt). */
  toolsTotal: TokenCount & { share: number };
  /**
   * The hidden tool-use system prompt the API adds once to any request with tools, shown apart:
   * no single tool causes it, removing all tools removes it.
   */
  fixedOverhead: TokenCount & { share: number; costPerRequest?: number; costPerRequests?: number };
  /** In document order. */
  rows: ToolAuditRow[];
  /** Indexes of the tools over the threshold, heaviest first. */
  overThreshold: number[];
}

export interface ToolAuditOptions {
  /** Tokens per tool definition above which a tool is flagged (`tokenLens.toolOverheadThreshold`). */
  threshold: number;
  /** Resolves `model`; needed only to price on another model than the analysis'. */
  registry?: ModelRegistry;
  /**
   * Price on this model instead of the analysed one. With another tokenizer the tokens are
   * scaled by the estimator's ratio on this request and marked as estimates.
   */
  model?: string;
  /** N of "per N requests". Default 1,000. */
  requests?: number;
  limits?: Partial<HeavyLimits>;
}

const MILLION = 1_000_000;



// ---------------------------------------------------------------------------------------------
// Schema reasons

interface SchemaNode {
  schema: JsonObject;
  path: string;
  depth: number;
}

/** Every schema object under `root` (included), with its path and nesting depth. Iterative. */
function schemaNodes(root: JsonObject, rootPath: string): SchemaNode[] {
  const out: SchemaNode[] = [];
  const stack: SchemaNode[] = [{ schema: root, path: rootPath, depth: 1 }];
  const push = (v: Json | undefined, path: string, depth: number) => {
    if (isObject(v)) stack.push({ schema: v, path, depth });
  };
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node);
    const { schema: s, path, depth } = node;
    for (const key of ['properties', 'patternProperties'] as const) {
      const props = s[key];
      if (isObject(props)) for (const [name, child] of Object.entries(props)) push(child, `${path}.${key}.${name}`, depth + 1);
    }
    const items = s['items'];
    if (Array.isArray(items)) items.forEach((child, i) => push(child, `${path}.items[${i}]`, depth + 1));
    else push(items, `${path}.items`, depth + 1);
    const prefixItems = s['prefixItems'];
    if (Array.isArray(prefixItems)) prefixItems.forEach((child, i) => push(child, `${path}.prefixItems[${i}]`, depth + 1));
    push(s['additionalProperties'], `${path}.additionalProperties`, depth + 1);
    // Alternatives sit at the level of the schema that offers them.
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      const list = s[key];
      if (Array.isArray(list)) list.forEach((child, i) => push(child, `${path}.${key}[${i}]`, depth));
    }
    push(s['not'], `${path}.not`, depth);
    // Definitions are top-level schemas of their own.
    for (const key of ['$defs', 'definitions'] as const) {
      const defs = s[key];
      if (isObject(defs)) for (const [name, child] of Object.entries(defs)) push(child, `${path}.${key}.${name}`, 1);
    }
  }
  // Document order (the stack reversed siblings).
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function propertyCount(s: JsonObject): number {
  const props = s['properties'];
  return isObject(props) ? Object.keys(props).length : 0;
}

function isObjectSchema(s: JsonObject): boolean {
  return s['type'] === 'object' || isObject(s['properties']);
}

/**
 * Concrete reasons a tool definition is heavy, heaviest first, each with an estimated token
 * figure on `family`:
 * - `long-description`: the tool's description is over `descriptionChars`;
 * - `long-enum`: enums with more than `enumValues` values (count of the biggest, all of them);
 * - `deep-nesting`: schemas nested more than `depth` levels (tokens of what lies below the limit);
 * - `repeated-subschema`: an identical object schema (with at least `repeatedMinProperties`
 *   properties) appearing 2 or more times (tokens of the extra copies); copies nested inside a
 *   repeated schema are reported with it, not again;
 * - `many-properties`: an object schema with more than `properties` properties;
 * - `long-property-descriptions`: nested descriptions over `propertyDescriptionChars`.
 * Anthropic-defined tools (`type: bash_…`) have no schema to read: no reasons.
 */
export function heavyReasons(tool: Json, family: TokenizerFamily, limits: Partial<HeavyLimits> = {}): HeavyReason[] {
  const L: HeavyLimits = { ...DEFAULT_HEAVY_LIMITS, ...limits };
  if (!isObject(tool)) return [];
  const reasons: HeavyReason[] = [];
  const description = tool['description'];
  if (typeof description === 'string' && description.length > L.descriptionChars) {
    const t = estimateTextTokens(description, family);
    reasons.push({
      kind: 'long-description',
      message: `description of ${formatTokens(description.length)} characters (≈${formatTokens(t)} tokens): keep what the model needs to choose and call the tool`,
      estimatedTokens: t,
      path: 'description',
      chars: description.length,
    });
  }
  const schema = tool['input_schema'];
  if (!isObject(schema)) return reasons;
  const nodes = schemaNodes(schema, 'input_schema');

  // Long enums.
  const enums = nodes
    .map((n) => ({ path: `${n.path}.enum`, values: n.schema['enum'] }))
    .filter((e): e is { path: string; values: Json[] } => Array.isArray(e.values) && e.values.length > L.enumValues)
    .map((e) => ({ ...e, tokens: estimateJsonTokens(e.values, family) }))
    .sort((a, b) => b.values.length - a.values.length || b.tokens - a.tokens);
  if (enums.length > 0) {
    const biggest = enums[0]!;
    const all = enums.reduce((n, e) => n + e.tokens, 0);
    const more = enums.length > 1 ? `; ${enums.length} long enums in all, ≈${formatTokens(all)} tokens` : '';
    reasons.push({
      kind: 'long-enum',
      message: `enum of ${formatTokens(biggest.values.length)} values at ${biggest.path} (≈${formatTokens(biggest.tokens)} tokens)${more}: accept a free string and validate it, or split the tool`,
      estimatedTokens: all,
      path: biggest.path,
      count: biggest.values.length,
      paths: enums.map((e) => e.path),
    });
  }

  // Deep nesting.
  const deepest = nodes.reduce((m, n) => (n.depth > m.depth ? n : m), nodes[0]!);
  if (deepest.depth > L.depth) {
    const below = nodes.filter((n) => n.depth === L.depth + 1);
    const t = below.reduce((sum, n) => sum + estimateJsonTokens(n.schema, family), 0);
    reasons.push({
      kind: 'deep-nesting',
      message: `schemas nested ${deepest.depth} levels deep (${deepest.path}); what lies below level ${L.depth} costs ≈${formatTokens(t)} tokens: flatten it`,
      estimatedTokens: t,
      path: deepest.path,
      depth: deepest.depth,
      paths: below.map((n) => n.path),
    });
  }

  // Repeated object sub-schemas (the root is one of a kind).
  const groups = new Map<string, SchemaNode[]>();
  for (const n of nodes) {
    if (n.path === 'input_schema' || !isObjectSchema(n.schema) || propertyCount(n.schema) < L.repeatedMinProperties) continue;
    const key = canonicalJson(n.schema);
    const list = groups.get(key);
    if (list) list.push(n);
    else groups.set(key, [n]);
  }
  const repeated = [...groups.values()].filter((g) => g.length >= 2);
  const within = (path: string, outer: string) => path.startsWith(outer + '.') || path.startsWith(outer + '[');
  for (const group of repeated) {
    // Copies that only exist because an enclosing repeated schema is repeated are reported with it.
    const nested = group.every((n) => repeated.some((other) => other !== group && other.some((o) => within(n.path, o.path))));
    if (nested) continue;
    const each = estimateJsonTokens(group[0]!.schema, family);
    const t = each * (group.length - 1);
    reasons.push({
      kind: 'repeated-subschema',
      message: `the same object schema appears ${group.length} times (${group.map((n) => n.path).join(', ')}), ≈${formatTokens(each)} tokens each: merge the fields or describe the shape once`,
      estimatedTokens: t,
      path: group[0]!.path,
      occurrences: group.length,
      paths: group.map((n) => n.path),
    });
  }

  // Many properties.
  for (const n of nodes) {
    const count = propertyCount(n.schema);
    if (count <= L.properties) continue;
    const t = estimateJsonTokens(n.schema['properties'] ?? null, family);
    reasons.push({
      kind: 'many-properties',
      message: `${formatTokens(count)} properties in ${n.path} (≈${formatTokens(t)} tokens): drop rarely used ones or split the tool`,
      estimatedTokens: t,
      path: n.path,
      count,
    });
  }

  // Long property descriptions (the root's description is the schema's, counted like any other).
  const long = nodes
    .map((n) => ({ path: `${n.path}.description`, text: n.schema['description'] }))
    .filter((d): d is { path: string; text: string } => typeof d.text === 'string' && d.text.length > L.propertyDescriptionChars)
    .map((d) => ({ ...d, tokens: estimateTextTokens(d.text, family) }))
    .sort((a, b) => b.text.length - a.text.length);
  if (long.length > 0) {
    const t = long.reduce((n, d) => n + d.tokens, 0);
    const longest = long[0]!;
    reasons.push({
      kind: 'long-property-descriptions',
      message: `${long.length} property description${long.length === 1 ? '' : 's'} over ${formatTokens(L.propertyDescriptionChars)} characters, ≈${formatTokens(t)} tokens together (longest: ${longest.path}, ${formatTokens(longest.text.length)} characters)`,
      estimatedTokens: t,
      path: longest.path,
      chars: longest.text.length,
      count: long.length,
      paths: long.map((d) => d.path),
    });
  }
  return reasons.sort((a, b) => b.estimatedTokens - a.estimatedTokens);
}

// ---------------------------------------------------------------------------------------------
// Audit

interface Pricing {
  modelId: string;
  model: ModelInfo | undefined;
  family: TokenizerFamily;
  /** Token scale from the analysed tokenizer to the priced one (1 on the same tokenizer). */
  ratio: number;
  /** USD per million input tokens at the request's tier. */
  inputRate: number | undefined;
}

function pricingFor(analysis: Analysis, registry: ModelRegistry | undefined, id: string | undefined): Pricing {
  const model = id !== undefined ? registry?.resolve(id) : analysis.model;
  const modelId = model?.id ?? id ?? analysis.modelId;
  const family = model?.tokenizer ?? analysis.family;
  const ratio = tokenizerRatio(analysis, family);
  const inputRate = model ? costOf(model, { inputTokens: Math.round(analysis.total.tokens * ratio) }, { modes: analysis.modes }).rates.input : undefined;
  return { modelId, model, family, ratio, inputRate };
}

/**
 * The hidden tool-use prompt on `modelId`: the analysed model's (exact when its count leaves it
 * exactly, see {@link splitOverhead}); another model's own figure from its table (models.json
 * `estimator`, by the request's tool_choice), an estimate.
 */
function fixedPromptOn(analysis: Analysis, modelId: string, scaled: (t: TokenCount) => TokenCount): TokenCount {
  if (modelId === analysis.modelId || modelId === analysis.model?.id) return scaled(splitOverhead(analysis).toolPrompt);
  const choice = analysis.doc.body.tool_choice;
  const type = isObject(choice) ? choice.type : undefined;
  const p = modelParams(modelId);
  return { tokens: type === 'any' || type === 'tool' ? p.toolPromptForced : p.toolPromptAuto, exact: false };
}

/**
 * Audits the tools of an analysed request: per tool its tokens (exact flag from the analysis),
 * share of the request, input cost per request and per `requests` requests (at the request's
 * price tier), whether it is over `threshold`, and the {@link heavyReasons} read from its
 * definition; the fixed tool-use prompt apart (the priced model's own figure, see
 * {@link fixedPromptOn}). A document without tools gives an audit without rows.
 */
export function auditTools(analysis: Analysis, options: ToolAuditOptions): ToolAudit {
  const requests = options.requests ?? 1000;
  const pricing = pricingFor(analysis, options.registry, options.model);
  const scaled = (t: TokenCount): TokenCount => (pricing.ratio === 1 ? t : { tokens: Math.round(t.tokens * pricing.ratio), exact: false });
  const total = scaled(analysis.total);
  const share = (n: number) => (total.tokens > 0 ? n / total.tokens : 0);
  const usd = (n: number) => (pricing.inputRate === undefined ? undefined : (n * pricing.inputRate) / MILLION);
  const perN = (n: number) => {
    const c = usd(n);
    return c === undefined ? undefined : c * requests;
  };
  const tools = Array.isArray(analysis.doc.body.tools) ? analysis.doc.body.tools : [];
  const rows: ToolAuditRow[] = analysis.parts
    .filter((p) => p.part.kind === 'tool')
    .map((p) => {
      const counted = scaled(p);
      const row: ToolAuditRow = {
        index: p.part.index,
        name: p.part.name ?? `#${p.part.index + 1}`,
        label: p.part.label,
        range: p.part.range,
        tokens: counted.tokens,
        exact: counted.exact,
        share: share(counted.tokens),
        overThreshold: counted.tokens > options.threshold,
        reasons: heavyReasons(tools[p.part.index] ?? null, pricing.family, options.limits),
      };
      if (p.part.anchor) row.anchor = p.part.anchor;
      const c = usd(counted.tokens);
      if (c !== undefined) {
        row.costPerRequest = c;
        row.costPerRequests = c * requests;
      }
      return row;
    });
  const toolTokens = rows.reduce((n, r) => n + r.tokens, 0);
  const fixed = rows.length > 0 ? fixedPromptOn(analysis, pricing.modelId, scaled) : { tokens: 0, exact: true };
  const fixedOverhead: ToolAudit['fixedOverhead'] = { ...fixed, share: share(fixed.tokens) };
  const fixedCost = usd(fixed.tokens);
  if (fixedCost !== undefined) {
    fixedOverhead.costPerRequest = fixedCost;
    fixedOverhead.costPerRequests = perN(fixed.tokens);
  }
  return {
    modelId: pricing.modelId,
    model: pricing.model,
    family: pricing.family,
    threshold: options.threshold,
    requests,
    total,
    toolsTotal: { tokens: toolTokens, exact: rows.every((r) => r.exact), share: share(toolTokens) },
    fixedOverhead,
    rows,
    overThreshold: rows.filter((r) => r.overThreshold).sort((a, b) => b.tokens - a.tokens).map((r) => r.index),
  };
}

/** What the request becomes without some tools. */
export interface WithoutToolsResult {
  /** The tools taken out (unknown indexes are ignored). */
  excluded: { index: number; name: string; tokens: number; exact: boolean }[];
  /** Every tool is taken out: the fixed tool-use prompt goes too. */
  removedAll: boolean;
  /** The fixed tool-use prompt removed with the last tool (only when `removedAll`). */
  fixedOverheadRemoved?: TokenCount;
  before: TokenCount;
  after: TokenCount;
  /** before - after. */
  saved: TokenCount;
  /** Cost of one request before and after, with worst-case output at max_tokens as in the analysis. */
  costBefore?: Cost;
  costAfter?: Cost;
  /** costBefore.total - costAfter.total. */
  savingsPerRequest?: number;
  savingsPerRequests?: number;
  requests: number;
  /** Things to know before removing them (a forced tool_choice, calls in the conversation). */
  notes: string[];
}

/**
 * The request without the tools at `excludedIndexes`: the total less their per-tool counts (exact
 * arithmetic when the total and those counts are exact). Removing every tool also removes the
 * fixed tool-use prompt (exact for a tool list, whose result is then 0; estimated otherwise).
 * Costs are on the analysed model with the analysis' worst-case output.
 */
export function withoutTools(analysis: Analysis, excludedIndexes: Iterable<number>, options: { requests?: number } = {}): WithoutToolsResult {
  const requests = options.requests ?? 1000;
  const toolParts = analysis.parts.filter((p) => p.part.kind === 'tool');
  const wanted = new Set(excludedIndexes);
  const excluded = toolParts.filter((p) => wanted.has(p.part.index)).map((p) => ({ index: p.part.index, name: p.part.name ?? `#${p.part.index + 1}`, tokens: p.tokens, exact: p.exact }));
  const removedAll = toolParts.length > 0 && excluded.length === toolParts.length;
  const before: TokenCount = { tokens: analysis.total.tokens, exact: analysis.total.exact };
  let savedTokens = excluded.reduce((n, t) => n + t.tokens, 0);
  let exact = before.exact && excluded.every((t) => t.exact);
  const result: Partial<WithoutToolsResult> = {};
  const toolsOnly = analysis.doc.kind === 'tools';
  if (removedAll) {
    const fixed = splitOverhead(analysis).toolPrompt;
    result.fixedOverheadRemoved = fixed;
    savedTokens += fixed.tokens;
    exact = exact && fixed.exact;
  }
  let after: TokenCount = { tokens: Math.max(0, before.tokens - savedTokens), exact };
  // A tool list without its tools is nothing at all.
  if (toolsOnly && removedAll) after = { tokens: 0, exact: true };
  const saved: TokenCount = { tokens: before.tokens - after.tokens, exact: before.exact && after.exact };

  const notes: string[] = [];
  if (removedAll) notes.push('Removing every tool also removes the hidden tool-use system prompt the API adds to any request with tools.');
  const names = new Set(excluded.map((t) => t.name));
  const choice = analysis.doc.body.tool_choice;
  if (isObject(choice) && choice['type'] === 'tool' && typeof choice['name'] === 'string' && names.has(choice['name'])) {
    notes.push(`tool_choice forces "${choice['name']}": remove or change tool_choice too, or the API rejects the request.`);
  } else if (removedAll && isObject(choice) && choice['type'] === 'any') {
    notes.push('tool_choice is {"type": "any"}: without tools, remove it too.');
  }
  const called = new Set<string>();
  for (const m of analysis.doc.body.messages) {
    if (!isObject(m) || !Array.isArray(m['content'])) continue;
    for (const b of m['content']) if (isObject(b) && b['type'] === 'tool_use' && typeof b['name'] === 'string' && names.has(b['name'])) called.add(b['name']);
  }
  if (called.size > 0) notes.push(`The conversation already calls ${[...called].map((n) => `"${n}"`).join(', ')}: those tool_use blocks stay in its history.`);

  const model = analysis.model;
  const out = analysis.doc.maxTokens;
  if (model) {
    const usage = (n: number) => ({ inputTokens: n, ...(out !== undefined ? { outputTokens: out } : {}) });
    result.costBefore = costOf(model, usage(before.tokens), { modes: analysis.modes });
    result.costAfter = costOf(model, usage(after.tokens), { modes: analysis.modes });
    const b = result.costBefore.total;
    const a = result.costAfter.total;
    if (b !== undefined && a !== undefined) {
      result.savingsPerRequest = b - a;
      result.savingsPerRequests = (b - a) * requests;
    }
  }
  return { excluded, removedAll, before, after, saved, requests, notes, ...result };
}

/**
 * A copyable Markdown report of a {@link ToolAudit}: a headline, one row per tool (heaviest
 * first) with its reasons, and the fixed tool-use prompt as its own row.
 */
export function toolAuditMarkdown(audit: ToolAudit): string {
  const n = formatTokens(audit.requests);
  const model = audit.model?.displayName ?? audit.modelId;
  const exactness = audit.toolsTotal.exact ? 'exact per-tool counts' : audit.rows.some((r) => r.exact) ? 'some counts ≈ estimated' : 'counts ≈ estimated';
  const head = `**Tool overhead on ${model}** · ${audit.rows.length} tool${audit.rows.length === 1 ? '' : 's'} · ${tokensText(audit.toolsTotal.tokens, audit.toolsTotal.exact)} tokens of ${tokensText(audit.total.tokens, audit.total.exact)} (${percentText(audit.toolsTotal.share)}) · threshold ${formatTokens(audit.threshold)} · ${exactness}`;
  if (audit.rows.length === 0) return `${head}\n\nThis request has no tools.`;
  const sorted = [...audit.rows].sort((a, b) => b.tokens - a.tokens);
  const rows = sorted.map((r) => [
    `${r.overThreshold ? '⚠ ' : ''}${r.name}`,
    tokensText(r.tokens, r.exact),
    percentText(r.share),
    usdText(r.costPerRequests, r.exact),
    r.reasons.length > 0 ? r.reasons.map((x) => x.message).join('; ') : '–',
  ]);
  const f = audit.fixedOverhead;
  rows.push(['(fixed tool-use prompt)', tokensText(f.tokens, f.exact), percentText(f.share), usdText(f.costPerRequests, f.exact), 'added once to any request with tools; goes only when every tool goes']);
  const lines = [head, '', table(['Tool', 'Tokens', 'Share', `Per ${n} requests`, 'Why it is heavy'], rows, ['l', 'r', 'r', 'r', 'l'])];
  if (audit.overThreshold.length > 0) lines.push('', `⚠ ${audit.overThreshold.length} tool${audit.overThreshold.length === 1 ? ' is' : 's are'} over the ${formatTokens(audit.threshold)}-token threshold. Reason figures are estimates.`);
  return lines.join('\n');
}

/** One Markdown paragraph for a {@link WithoutToolsResult}. */
export function withoutToolsMarkdown(result: WithoutToolsResult): string {
  const names = result.excluded.map((t) => `\`${t.name}\``).join(', ') || 'no tools';
  const exact = result.after.exact;
  const lines = [
    `**Without ${names}:** ${tokensText(result.before.tokens, result.before.exact)} → ${tokensText(result.after.tokens, exact)} tokens (−${tokensText(result.saved.tokens, result.saved.exact)}).`,
  ];
  if (result.savingsPerRequest !== undefined) {
    lines.push(`Per request ${savingText(result.savingsPerRequest, exact)}; per ${formatTokens(result.requests)} requests ${savingText(result.savingsPerRequests, exact)}.`);
  }
  for (const note of result.notes) lines.push(`- ${note}`);
  return lines.join('\n');
}
