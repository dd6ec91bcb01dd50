import { formatTokens } from '../../core/format';
import * as vscode from 'vscode';
import { estimateWithThinking, THINKING_BUDGET_PRESETS, thinkingTableMarkdown, type ThinkingEstimate, type ThinkingRow } from '../../core/decisions/thinking';
import { tokensText, usdText } from '../../core/decisions/markdown';
import { hasInterleavedThinking, MIN_THINKING_BUDGET } from '../../core/models/rules';
import type { Json } from '../../core/types';
import { clientFor, modeProvenance, type DecisionDeps } from './deps';
import { html, type Html } from './html';
import { withCountProgress } from './progress';
import { COMMANDS, TITLES } from './ids';
import { resolveTarget, sourceOf, type Target } from './target';
import { findingNotes, header, markdownWithSource, notes, type NoteLevel, type Provenance } from './view';
import { askTokens, tokenNumber } from './askTokens';

/** globalState key of the budget picked last. */
export const LAST_BUDGET_KEY = 'tokenLens.thinking.lastBudget';


interface BudgetItem extends vscode.QuickPickItem {
  budget?: number;
}

/** `budget_tokens` of the request's own manual thinking setting, if it has one. */
function ownBudget(thinking: Json | undefined): number | undefined {
  if (typeof thinking !== 'object' || thinking === null || Array.isArray(thinking)) return undefined;
  const b = thinking['budget_tokens'];
  return typeof b === 'number' && Number.isInteger(b) ? b : undefined;
}

/** Parses "8000", "8,000" or "8 000"; a message when it is not a valid budget. */
export function parseBudget(text: string): number | string {
  const n = tokenNumber(text);
  if (Number.isNaN(n)) return 'A whole number of tokens, e.g. 10000.';
  if (n < MIN_THINKING_BUDGET) return `The API's minimum thinking budget is ${formatTokens(MIN_THINKING_BUDGET)} tokens.`;
  if (n > 10_000_000) return 'That is more than any model can produce.';
  return n;
}

/** The presets, the last budget used and the request's own, then "Custom…"; the last one preselected. */
async function pickBudget(state: vscode.Memento, own: number | undefined, name: string): Promise<number | undefined> {
  const last = state.get<number>(LAST_BUDGET_KEY);
  const budgets = [...new Set([...(last !== undefined ? [last] : []), ...(own !== undefined ? [own] : []), ...THINKING_BUDGET_PRESETS])];
  budgets.sort((a, b) => a - b);
  const items: BudgetItem[] = budgets.map((b) => ({
    label: `${formatTokens(b)} tokens`,
    budget: b,
    description: [b === last ? 'last used' : '', b === own ? "the request's own" : ''].filter(Boolean).join(' · ') || undefined,
  }));
  items.push({ label: '$(edit) Custom…', description: `any budget from ${formatTokens(MIN_THINKING_BUDGET)} tokens` });
  const qp = vscode.window.createQuickPick<BudgetItem>();
  qp.title = 'Token Lens: thinking budget (budget_tokens)';
  qp.placeholder = `Price ${name} with manual extended thinking at…`;
  qp.items = items;
  const preselect = items.find((i) => i.budget === (last ?? own));
  const picked = await new Promise<BudgetItem | undefined>((resolve) => {
    qp.onDidAccept(() => resolve(qp.selectedItems[0] ?? qp.activeItems[0]));
    qp.onDidHide(() => resolve(undefined));
    qp.show();
    // After show(): showing makes the first item active.
    if (preselect) qp.activeItems = [preselect];
  });
  qp.dispose();
  if (!picked) return undefined;
  if (picked.budget !== undefined) return picked.budget;
  return askTokens(
    { title: 'Token Lens: custom thinking budget', prompt: `Thinking tokens (budget_tokens), at least ${formatTokens(MIN_THINKING_BUDGET)}.`, ...(last !== undefined ? { value: last } : {}) },
    parseBudget,
  );
}

/** "Token Lens: Estimate with Thinking Budget". */
export async function estimateThinking(deps: DecisionDeps, uri?: unknown, given?: unknown): Promise<void> {
  const target = await resolveTarget(deps.documents, deps.active, uri, `Token Lens: ${TITLES.thinking}`);
  if (!target) return;
  // A budget passed in (a report restored after a reload) is not asked again.
  const budget = typeof given === 'number' && Number.isInteger(given) && given >= MIN_THINKING_BUDGET ? given : await pickBudget(deps.context.globalState, ownBudget(target.doc.body.thinking), target.name);
  if (budget === undefined) return;
  await deps.context.globalState.update(LAST_BUDGET_KEY, budget);
  const { engine } = deps;
  const models = [target.analysis.modelId, ...engine.config.comparisonModels];
  const client = clientFor(engine);
  const result = await withCountProgress(`Token Lens: pricing ${target.name} with a ${formatTokens(budget)}-token thinking budget…`, (signal) =>
    estimateWithThinking(target.doc, { budget, models, registry: engine.registry, signal, interleaved: hasInterleavedThinking(target.doc.betas), ...(client ? { client } : {}) }),
  );
  if (!result) return;
  const provenance = thinkingProvenance(result, deps);
  const view = {
    title: `Thinking ${formatTokens(budget)} · ${target.name}`,
    body: renderThinking(result, target, provenance, engine.registry.asOf),
    markdown: markdownWithSource(target.name, provenance, thinkingTableMarkdown(result)),
    restore: { budget },
  };
  deps.panels.open('thinking', sourceOf(target), view, {
    onAction: (id) => (id === 'budget' ? vscode.commands.executeCommand(COMMANDS.thinking, target.uri) : undefined),
  });
}

function thinkingProvenance(result: ThinkingEstimate, deps: DecisionDeps): Provenance {
  const priced = result.rows.filter((r) => r.inputTokens);
  if (result.exact === 'all') return { exact: true };
  const failed = priced.find((r) => !r.inputTokens!.exact)?.inputTokens;
  if (result.exact === 'some') {
    const est = priced.filter((r) => !r.inputTokens!.exact).map((r) => r.label);
    return { exact: false, mixed: `Input tokens exact (count_tokens) except ≈ on ${est.join(', ')}.` };
  }
  if (failed?.reason) return { exact: false, reason: failed.reason, ...(failed.message ? { message: failed.message } : {}) };
  return modeProvenance(deps.engine);
}

/** One line of the table: a label, then a cell per model ('–' for a model that is not priced). */
interface Line {
  id: string;
  label: string | Html;
  cell: (row: ThinkingRow, exact: boolean) => string | Html;
  cls?: string;
}

function lines(n: string): (Line | { section: string })[] {
  return [
    { id: 'input-tokens', label: 'Input tokens', cell: (r, exact) => tokensText(r.inputTokens!.tokens, exact) },
    {
      id: 'max-tokens',
      label: 'max_tokens',
      cell: (r) => (r.adjustment ? html`<span class="flag" data-tip="${r.adjustment.message}">${formatTokens(r.maxTokens!)} *</span>` : formatTokens(r.maxTokens!)),
    },
    { section: 'Per request' },
    { id: 'input', label: 'Input', cell: (r, exact) => usdText(r.perRequest!.input, exact) },
    { id: 'thinking', label: html`Thinking <span class="sub">billed as output</span>`, cell: (r) => html`${usdText(r.perRequest!.thinking)}<div class="sub">${formatTokens(r.thinkingTokens!)} tok</div>` },
    { id: 'answer', label: html`Answer <span class="sub">up to max_tokens</span>`, cell: (r) => html`${usdText(r.perRequest!.output)}<div class="sub">≤ ${formatTokens(r.answerTokens!)} tok</div>` },
    { id: 'total', label: 'Worst case', cls: 'total', cell: (r, exact) => usdText(r.perRequest!.total, exact) },
    { id: 'batch', label: 'Batch API', cell: (r, exact) => usdText(r.perRequest!.batch, exact) },
    { section: `Per ${n} requests` },
    { id: 'total-n', label: 'Worst case', cls: 'total', cell: (r, exact) => usdText(r.perRequests!.total, exact) },
    { id: 'batch-n', label: 'Batch API', cell: (r, exact) => usdText(r.perRequests!.batch, exact) },
  ];
}

function modelHeader(row: ThinkingRow, current: boolean): Html {
  const status = row.status === 'unsupported' ? 'not supported' : row.status === 'unknown-model' ? 'unknown model' : row.status === 'invalid-budget' ? 'invalid budget' : undefined;
  const tags = [current ? html`<span class="tag">this file</span>` : '', status ? html`<span class="tag warn" data-tip="${row.reason ?? status}">${status}</span>` : ''];
  return html`<th scope="col" class="num model${current ? ' current' : ''}">${row.label}${row.perRequest?.longContext ? ' †' : ''}<div class="model-tags">${tags}</div></th>`;
}

function table(result: ThinkingEstimate): Html {
  const n = formatTokens(result.requests);
  const currentId = result.rows[0]?.modelId;
  const width = result.rows.length + 1;
  const body = lines(n).map((line) => {
    if ('section' in line) return html`<tr class="section"><th scope="colgroup" colspan="${width}">${line.section}</th></tr>`;
    const cells = result.rows.map((r) => {
      if (!r.perRequest || r.maxTokens === undefined) return html`<td class="num muted">–</td>`;
      return html`<td class="num${r.modelId === currentId ? ' current' : ''}">${line.cell(r, r.inputTokens!.exact)}</td>`;
    });
    return html`<tr data-line="${line.id}" class="${line.cls ?? ''}"><th scope="row">${line.label}</th>${cells}</tr>`;
  });
  return html`<table class="grid models" id="thinking-table">
  <thead><tr><th scope="col"><span class="visually-hidden">Billing line</span></th>${result.rows.map((r) => modelHeader(r, r.modelId === currentId))}</tr></thead>
  <tbody>${body}</tbody>
</table>`;
}

/** The page: header, a column per model (per request and per 1,000 requests), notes. */
export function renderThinking(result: ThinkingEstimate, target: Target, provenance: Provenance, asOf: string): Html {
  const origin = result.maxTokensOrigin === 'document' ? 'from the request' : result.maxTokensOrigin === 'option' ? 'as chosen' : 'assumed: the request sets none';
  const list: { level: NoteLevel; text: string }[] = [];
  for (const r of result.rows) {
    if (!r.perRequest && r.reason) list.push({ level: 'warning', text: r.reason.startsWith(r.label) ? r.reason : `${r.label}: ${r.reason}` });
    if (r.adjustment) list.push({ level: 'warning', text: `${r.label}: ${r.adjustment.message}` });
    list.push(...findingNotes(r.findings.filter((f) => f.code !== 'thinking-budget-exceeds-max-tokens')).map((x) => ({ ...x, text: `${r.label}: ${x.text}` })));
  }
  list.push(...findingNotes(result.findings));
  if (result.rows.some((r) => r.adjustment)) list.push({ level: 'info', text: '* max_tokens changed so the request is accepted.' });
  if (result.rows.some((r) => r.perRequest?.longContext)) list.push({ level: 'info', text: "† Long-context prices apply to the whole request (the prompt is over the model's long-context threshold)." });
  return html`${header({
    kicker: 'Thinking budget',
    title: `${formatTokens(result.budget)} thinking tokens`,
    facts: [target.name, `max_tokens ${formatTokens(result.maxTokens)} (${origin})`, 'worst case: thinking at the full budget, the answer up to max_tokens', `prices as of ${asOf}, USD`],
    provenance,
    actions: [{ id: 'budget', label: 'Change Budget…', secondary: true }],
  })}
<section class="table-wrap">${table(result)}</section>
${notes(list, 'Notes')}`;
}
