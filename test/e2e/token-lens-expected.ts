// What Token Lens should show for a file, computed independently of the extension: the file is
// parsed with the core parser (which decides what the request body is), and the numbers come from
// the fake API's own counting rule (`fakeCount`), which no estimator reproduces. Shared by the
// real-editor tests (token-lens.e2e.ts) and the extension-host suite (host/token-lens.host.ts).
import { formatUSD } from '../../src/core/format';
import { ModelRegistry } from '../../src/core/models/registry';
import type { ModelInfo } from '../../src/core/models/types';
import { parseDocument, PLACEHOLDER_MESSAGE } from '../../src/core/payload';
import type { Json } from '../../src/core/types';
import { fakeContextEdit, fakeCount } from '../fake-api/server';

/** `tokenLens.defaultModel`'s default. */
export const DEFAULT_MODEL = 'claude-sonnet-4-6';

/** A tool no example has, to measure each tool against (any fixed tool works under the fake rule). */
const PROBE_TOOL: Json = { name: 'e2e_probe', description: 'Probe.', input_schema: { type: 'object', properties: {} } };

export interface ExpectedTool {
  name: string;
  /** The tool's own tokens: its request beside a fixed tool, less the request with that tool alone. */
  tokens: number;
}

/** A part of the request (system prompt, a message, a tool) and the 1-based line its CodeLens sits on. */
export interface ExpectedPart {
  kind: 'system' | 'message' | 'tool';
  /** The name CodeLens shows: "system", "user #1", or the tool's name. */
  label: string;
  line: number;
}

export interface Expected {
  /** The model's canonical id (what the analyzer sends to the API). */
  modelId: string;
  model: ModelInfo;
  /** Exact input tokens of the request as the fake counts it. */
  total: number;
  /** `formatUSD` of the input cost of `total` on `model`. */
  cost: string;
  kind: 'payload' | 'tools' | 'prompt';
  tools: ExpectedTool[];
  parts: ExpectedPart[];
  /** The whole count request, as JSON: `{ model: modelId, ...body }`. */
  request: unknown;
}

/** "6,573": how Token Lens prints a token count. */
export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The exact count Token Lens must show for `text` (the file at `file`), on the file's own model
 * (or `model` when given, like a per-file override). A request without messages is counted with
 * the placeholder message, whose own count is subtracted (README, "What counts as ...").
 */
export function expectedFor(file: string, text: string, model?: string): Expected {
  const parsed = parseDocument(file, text, { promptGlobs: [], excludeGlobs: [] });
  if (parsed.status !== 'ok') throw new Error(`${file}: not a prompt or payload file (${parsed.status})`);
  const doc = parsed.doc;
  const registry = ModelRegistry.bundled();
  const asked = model ?? doc.model ?? DEFAULT_MODEL;
  const info = registry.resolve(asked);
  if (!info) throw new Error(`${file}: model ${asked} is not in the bundled table`);
  const modelId = info.id;
  // With context_management the API's total is the count after its edits (the fake applies clear_tool_uses).
  let total = fakeCount(doc.body.context_management !== undefined ? fakeContextEdit({ model: modelId, ...doc.body }) : { model: modelId, ...doc.body });
  if (doc.placeholder) total -= fakeCount({ model: modelId, messages: [PLACEHOLDER_MESSAGE] });
  const base = { model: modelId, messages: [PLACEHOLDER_MESSAGE] };
  const tools = (Array.isArray(doc.body.tools) ? doc.body.tools : []).map((tool) => {
    const name = typeof tool === 'object' && tool !== null && !Array.isArray(tool) ? String(tool['name']) : '?';
    return { name, tokens: fakeCount({ ...base, tools: [PROBE_TOOL, tool] }) - fakeCount({ ...base, tools: [PROBE_TOOL] }) };
  });
  const price = info.prices.input;
  if (price === undefined) throw new Error(`${modelId} has no input price`);
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  const parts = doc.parts.map((p) => ({ kind: p.kind, label: p.kind === 'tool' ? (p.name ?? p.label) : p.label, line: lineAt((p.anchor ?? p.range).start) }));
  const request = JSON.parse(JSON.stringify({ model: modelId, ...doc.body })) as unknown;
  return { modelId, model: info, total, cost: formatUSD((total * price) / 1_000_000), kind: doc.kind, tools, parts, request };
}
