/**
 * Routing preview: which model a size-based routing rule would send this payload to, and what
 * that saves (or costs) against the payload's own model.
 *
 * Pure TypeScript, no `vscode` import.
 */
import { formatTokens } from '../format';
import { modelFindings, type Analysis, type TokenCount } from '../analyze';
import { compareModels } from '../compare';
import type { Cost } from '../models/cost';
import type { ModelRegistry } from '../models/registry';
import type { ModelInfo } from '../models/types';
import type { Finding } from '../types';
import { savingText, table, tokensText, usdText } from './markdown';

/** Payloads of at most `maxTokens` input tokens go to `model`. */
export interface RoutingRule {
  maxTokens: number;
  model: string;
}

/** Rules tried from the smallest `maxTokens` up; a payload over every rule goes to `fallback`. */
export interface RoutingConfig {
  rules: RoutingRule[];
  fallback: string;
}

/** ≤1,500 tokens: Haiku 4.5; ≤8,000: Sonnet 4.6; anything larger: Opus 4.8. */
export const DEFAULT_ROUTING: Readonly<RoutingConfig> = Object.freeze({
  rules: [
    { maxTokens: 1500, model: 'claude-haiku-4-5' },
    { maxTokens: 8000, model: 'claude-sonnet-4-6' },
  ],
  fallback: 'claude-opus-4-8',
});

/** One side of the comparison: a model and this payload priced on it. */
export interface RouteSide {
  /** The table's id when known, else the id as given. */
  modelId: string;
  model: ModelInfo | undefined;
  label: string;
  /** Input tokens on this model's tokenizer. Exact only on the analysed tokenizer with an exact count. */
  tokens: number;
  exact: boolean;
  /** One request, with worst-case output at the payload's max_tokens. */
  cost?: Cost;
}

/** What routing this payload does. */
export interface RoutingResult {
  /** The count the rules were applied to: the payload's, on its own model. */
  tokens: TokenCount;
  /** The rule that matched (index into the config's `rules` as given), or the fallback. */
  matched: { kind: 'rule'; index: number; maxTokens: number } | { kind: 'fallback' };
  current: RouteSide;
  routed: RouteSide;
  /** The rule picks the payload's own model. */
  sameModel: boolean;
  /** Both models share a tokenizer (the routed count is then the payload's own). */
  sameTokenizer: boolean;
  /** current - routed: positive saves, negative costs more. Undefined when a price is unknown. */
  savings: {
    /** Input only. */
    inputPerRequest?: number;
    /** Input + worst-case output. */
    perRequest?: number;
    inputPerRequests?: number;
    perRequests?: number;
    requests: number;
  };
  /** What would go wrong on the routed model (unknown model, window, max_tokens, thinking, tool choice). */
  findings: Finding[];
}

/** Checks a routing config from settings; bad rules are dropped with a finding. */
export function validateRouting(raw: unknown, registry?: ModelRegistry): { config: RoutingConfig; findings: Finding[] } {
  const findings: Finding[] = [];
  const bad = (message: string) => findings.push({ severity: 'warning', code: 'routing-invalid', message });
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    bad('The routing setting must be an object { rules: [{ maxTokens, model }], fallback }; the default is used.');
    return { config: { rules: DEFAULT_ROUTING.rules.map((r) => ({ ...r })), fallback: DEFAULT_ROUTING.fallback }, findings };
  }
  const obj = raw as { rules?: unknown; fallback?: unknown };
  const rules: RoutingRule[] = [];
  if (obj.rules !== undefined && !Array.isArray(obj.rules)) bad('routing.rules must be a list; no rules used.');
  (Array.isArray(obj.rules) ? obj.rules : []).forEach((r: unknown, i) => {
    const rule = r as { maxTokens?: unknown; model?: unknown } | null;
    if (typeof rule !== 'object' || rule === null) return bad(`routing.rules[${i}] must be an object { maxTokens, model }; ignored.`);
    if (typeof rule.maxTokens !== 'number' || !Number.isFinite(rule.maxTokens) || rule.maxTokens < 0) return bad(`routing.rules[${i}].maxTokens must be a non-negative number of tokens; rule ignored.`);
    if (typeof rule.model !== 'string' || rule.model.trim() === '') return bad(`routing.rules[${i}].model must be a model id; rule ignored.`);
    if (registry && !registry.resolve(rule.model)) bad(`routing.rules[${i}].model "${rule.model}" is not a known model: it cannot be priced.`);
    rules.push({ maxTokens: rule.maxTokens, model: rule.model.trim() });
  });
  let fallback = DEFAULT_ROUTING.fallback;
  if (typeof obj.fallback === 'string' && obj.fallback.trim() !== '') fallback = obj.fallback.trim();
  else bad(`routing.fallback must be a model id; "${DEFAULT_ROUTING.fallback}" is used.`);
  if (registry && !registry.resolve(fallback)) bad(`routing.fallback "${fallback}" is not a known model: it cannot be priced.`);
  return { config: { rules, fallback }, findings };
}

/**
 * The rule for `tokens`: the rule with the smallest `maxTokens` at or above it (ties: the first
 * listed), else the fallback.
 */
export function pickRoute(tokens: number, config: RoutingConfig): RoutingResult['matched'] & { model: string } {
  let best: { index: number; rule: RoutingRule } | undefined;
  config.rules.forEach((rule, index) => {
    if (tokens <= rule.maxTokens && (!best || rule.maxTokens < best.rule.maxTokens)) best = { index, rule };
  });
  if (!best) return { kind: 'fallback', model: config.fallback };
  const { index, rule } = best;
  return { kind: 'rule', index, maxTokens: rule.maxTokens, model: rule.model };
}

/**
 * Routes the analysed payload: applies `config` to its token count (on its own model), prices it
 * on the routed model and on its own, and says what the switch saves per request and per
 * `requests` requests (input alone and with the worst-case output at max_tokens). The routed
 * model's count is the payload's own when it shares the tokenizer; otherwise it is scaled by the
 * estimator's ratio between the tokenizers on this request and marked as an estimate, exactly as
 * the model comparison does. Findings say what the routed model would reject.
 */
export function routeFor(analysis: Analysis, config: RoutingConfig = DEFAULT_ROUTING, registry: ModelRegistry, options: { requests?: number } = {}): RoutingResult {
  const requests = options.requests ?? 1000;
  const tokens: TokenCount = { tokens: analysis.total.tokens, exact: analysis.total.exact };
  const pick = pickRoute(tokens.tokens, config);
  const matched: RoutingResult['matched'] = pick.kind === 'rule' ? { kind: 'rule', index: pick.index, maxTokens: pick.maxTokens } : { kind: 'fallback' };
  const [own, other] = compareModels(analysis, registry, [pick.model]);
  const side = (row: NonNullable<typeof own>, id: string): RouteSide => {
    const s: RouteSide = { modelId: row.modelId, model: row.model, label: row.model?.displayName ?? id, tokens: row.tokens, exact: row.exact };
    if (row.cost) s.cost = row.cost;
    return s;
  };
  const current = side(own!, analysis.modelId);
  // compareModels drops a model equal to the current one.
  const routed = other ? side(other, pick.model) : { ...current };
  const sameModel = other === undefined;
  const sameTokenizer = current.model !== undefined && routed.model !== undefined && current.model.tokenizer === routed.model.tokenizer;

  const savings: RoutingResult['savings'] = { requests };
  const ci = current.cost?.input;
  const ri = routed.cost?.input;
  if (ci !== undefined && ri !== undefined) {
    savings.inputPerRequest = ci - ri;
    savings.inputPerRequests = (ci - ri) * requests;
  }
  const ct = current.cost?.total;
  const rt = routed.cost?.total;
  if (ct !== undefined && rt !== undefined) {
    savings.perRequest = ct - rt;
    savings.perRequests = (ct - rt) * requests;
  }

  const findings: Finding[] = [];
  const model = routed.model;
  if (!model) {
    findings.push({ severity: 'warning', code: 'routing-unknown-model', message: `The routed model "${pick.model}" is not in the price table: it cannot be priced.` });
  } else if (!sameModel) {
    findings.push(...modelFindings(model, analysis.doc, routed.tokens));
  }
  return { tokens, matched, current, routed, sameModel, sameTokenizer, savings, findings };
}

/** A copyable Markdown report of a {@link RoutingResult}. */
export function routingMarkdown(result: RoutingResult, config: RoutingConfig = DEFAULT_ROUTING): string {
  const rule = result.matched.kind === 'rule' ? `rule ≤${formatTokens(result.matched.maxTokens)} tokens` : 'fallback (over every rule)';
  const lines = [
    `**Routing preview** · ${tokensText(result.tokens.tokens, result.tokens.exact)} input tokens on ${result.current.label} → ${rule} → **${result.routed.label}**`,
    '',
  ];
  if (result.sameModel) {
    lines.push(`The rule picks the payload's own model (${result.current.label}): nothing changes.`);
  } else {
    const n = formatTokens(result.savings.requests);
    const exact = result.current.exact && result.routed.exact;
    lines.push(table(
      ['Model', 'Input tokens', 'Input / request', 'Worst case / request', `Worst case × ${n}`],
      [result.current, result.routed].map((s) => [
        s === result.current ? `${s.label} (payload)` : `${s.label} (routed)`,
        tokensText(s.tokens, s.exact),
        usdText(s.cost?.input, s.exact),
        usdText(s.cost?.total, s.exact),
        usdText(s.cost?.total === undefined ? undefined : s.cost.total * result.savings.requests, s.exact),
      ]),
      ['l', 'r', 'r', 'r', 'r'],
    ));
    lines.push('', `Routing ${savingText(result.savings.perRequest, exact)} per request (input alone: ${savingText(result.savings.inputPerRequest, exact)}), ${savingText(result.savings.perRequests, exact)} per ${n} requests.`);
    if (!result.sameTokenizer) lines.push(`${result.routed.label} uses another tokenizer: its count is scaled from this one (≈).`);
  }
  for (const f of result.findings) lines.push(`- ${f.message}`);
  const rules = [...config.rules].sort((a, b) => a.maxTokens - b.maxTokens).map((r) => `≤${formatTokens(r.maxTokens)} → ${r.model}`);
  lines.push('', `Rules: ${[...rules, `otherwise → ${config.fallback}`].join(' · ')}`);
  return lines.join('\n');
}
