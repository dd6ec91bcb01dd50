import * as vscode from 'vscode';
import { estimateWithThinking, THINKING_BUDGET_PRESETS, thinkingTableMarkdown, type ThinkingEstimate } from '../../core/decisions/thinking';
import { formatTokens } from '../../core/format';
import { hasInterleavedThinking, MIN_THINKING_BUDGET } from '../../core/models/rules';
import type { Json } from '../../core/types';
import { renderThinking } from '../reports/thinking';
import { markdownWithSource, type Provenance } from '../reports/view';
import { askTokens, tokenNumber } from './askTokens';
import { clientFor, modeProvenance, type DecisionDeps } from './deps';
import { COMMANDS, TITLES } from '../commandTable';
import { withCountProgress } from './progress';
import { resolveTarget, sourceOf } from './target';

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
