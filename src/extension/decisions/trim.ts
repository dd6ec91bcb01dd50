import * as vscode from 'vscode';
import type { Analysis } from '../../core/analyze';
import type { CountingClient } from '../../core/client/counting-client';
import { reasonOf } from '../../core/counting';
import { tokensText } from '../../core/decisions/markdown';
import { countTrim, estimateTokensOf, planTrim, type TrimCount, type TrimPlan } from '../../core/decisions/trim';
import { formatTokens, REASON_TEXT } from '../../core/format';
import { parseDocument } from '../../core/payload';
import type { ParsedDocument, ParseResult } from '../../core/types';
import { clientFor, type DecisionDeps } from './deps';
import { TITLES } from '../commandTable';
import { withCountProgress } from './progress';
import { resolveTarget, type Target } from './target';
import { askTokens, tokenNumber } from './askTokens';

const APPLY = 'Remove Messages';
const APPLY_ANYWAY = 'Remove Anyway';

/** Parses "8000", "8,000", "8 000": a positive whole number, or a message. */
export function parseTokenBudget(text: string): number | string {
  const n = tokenNumber(text);
  return n > 0 ? n : 'A positive whole number of input tokens, e.g. 8000.';
}

async function askBudget(deps: DecisionDeps, target: Target): Promise<number | undefined> {
  const t = target.analysis.total;
  // The budget that applies to this file: the repository's .tokenlens.json, else the setting.
  const budget = deps.engine.optionsFor(target.document.uri).analyze.budget;
  return askTokens(
    {
      title: 'Token Lens: trim the conversation to a budget',
      prompt: `Input tokens ${target.name} must fit in. It is now ${tokensText(t.tokens, t.exact)} tokens; the oldest turns go first.`,
      placeHolder: 'e.g. 8000',
      ...(budget !== undefined ? { value: budget } : {}),
    },
    parseTokenBudget,
  );
}

interface Planned {
  plan: TrimPlan;
  count?: TrimCount;
}

/** The exact count says the opposite of the plan: over the budget when it trims to fit, or the reverse. */
function disagrees(plan: TrimPlan, count: TrimCount | undefined): boolean {
  if (!count?.after.exact) return false;
  return (plan.status === 'trimmed' && !count.fits) || (plan.status === 'cannot-fit' && count.fits);
}

/**
 * Plans the trim with the local estimate scaled to the file's own count (exact when it is), then,
 * with the API, counts before and after exactly. When the exact count contradicts the plan (still
 * over, or fits where the estimate said it could not), the estimate is scaled to that count and
 * the plan redone, at most three times: the verdict is always the exact count's.
 */
async function planWithCounts(doc: ParsedDocument, text: string, budget: number, a: Analysis, client: CountingClient | undefined, signal: AbortSignal): Promise<Planned | undefined> {
  const estimate = estimateTokensOf(a.family);
  const whole = estimate(doc.body);
  let scale = whole > 0 && a.total.tokens > 0 ? a.total.tokens / whole : 1;
  // A model whose thinking blocks are bound to the turns before them: trimming removes the kept turns' thinking too.
  const stripThinking = a.model?.trimInvalidatesThinking ? { stripThinking: { model: a.model.displayName } } : {};
  const plan = (): TrimPlan => planTrim(doc, text, { budget, tokensOf: (body) => Math.round(estimate(body) * scale), ...stripThinking });
  let current = plan();
  if (!client || current.status === 'not-applicable' || current.status === 'fits' || current.status === 'refused') return { plan: current };
  const model = a.model?.id ?? a.modelId;
  let count = await countTrim(doc, current, { client, model, family: a.family, signal });
  for (let i = 0; i < 3 && count && disagrees(current, count); i++) {
    const e = estimate(current.body);
    if (e <= 0) break;
    scale = count.after.tokens / e;
    const next = plan();
    if (next.removed.length === current.removed.length && next.status === current.status) {
      // The same messages again: only the verdict was off.
      current = { ...next, status: count.fits ? 'trimmed' : 'cannot-fit' };
      break;
    }
    current = next;
    count = await countTrim(doc, current, { client, model, family: a.family, signal });
  }
  if (signal.aborted) return undefined;
  return count ? { plan: current, count } : { plan: current };
}

function countWords(count: TrimCount | undefined, plan: TrimPlan, which: 'before' | 'after'): string {
  const c = count?.[which];
  return tokensText(c ? c.tokens : plan[which], c?.exact ?? false);
}

function provenance(count: TrimCount | undefined, deps: DecisionDeps): string {
  if (count?.before.exact && count.after.exact) return 'exact, count_tokens';
  const reason = count?.after.reason ?? count?.before.reason ?? reasonOf(deps.engine.counting);
  return `≈ estimate${reason ? `: ${REASON_TEXT[reason]}` : ''}`;
}

/**
 * "Token Lens: Trim Conversation to Budget": asks for a budget, plans which oldest turns go,
 * shows the result as a diff, asks to confirm, and applies it as one undoable edit, but only
 * to the very version of the file it was planned on.
 */
export async function trimCommand(deps: DecisionDeps, uri?: unknown): Promise<void> {
  const target = await resolveTarget(deps.documents, deps.active, uri, `Token Lens: ${TITLES.trim}`);
  if (!target) return;
  const { document, name } = target;
  if (target.doc.kind !== 'payload' || target.doc.placeholder) {
    void vscode.window.showInformationMessage(`Token Lens: ${name} has no conversation (messages) to trim.`);
    return;
  }
  const budget = await askBudget(deps, target);
  if (budget === undefined) return;

  // Plan on exactly the text of this version, so the edit's offsets are the document's.
  const version = document.version;
  const text = document.getText();
  // The analysed parse is of this text unless the file changed while the budget was asked for.
  const parsed: ParseResult = target.state.version === version ? { status: 'ok', doc: target.doc } : parseDocument(document.uri.fsPath || document.uri.path, text, deps.engine.optionsFor(document.uri).parse);
  if (parsed.status !== 'ok') {
    void vscode.window.showWarningMessage(`Token Lens: ${name} could not be read: ${parsed.status === 'error' ? parsed.message : parsed.reason}`);
    return;
  }
  const client = clientFor(deps.engine);
  const planned = await withCountProgress(`Token Lens: planning the trim of ${name} to ${formatTokens(budget)} tokens…`, (signal) =>
    planWithCounts(parsed.doc, text, budget, target.analysis, client, signal),
  );
  if (!planned) return;
  const { plan, count } = planned;
  const before = countWords(count, plan, 'before');
  const after = countWords(count, plan, 'after');
  const source = provenance(count, deps);

  if (plan.status === 'not-applicable') {
    void vscode.window.showInformationMessage(`Token Lens: ${plan.message}`);
    return;
  }
  if (plan.status === 'fits') {
    const t = target.analysis.total;
    const how = t.exact ? 'exact, count_tokens' : `≈ estimate${t.reason ? `: ${REASON_TEXT[t.reason]}` : ''}`;
    void vscode.window.showInformationMessage(`Token Lens: ${name} is ${tokensText(t.tokens, t.exact)} tokens (${how}), within the budget of ${formatTokens(budget)}: nothing to trim.`);
    return;
  }
  if (!plan.edit) {
    void vscode.window.showWarningMessage(`Token Lens: ${plan.message}`);
    return;
  }

  const preview = deps.previews.add(target.uri, plan.edit.newText);
  let choice: string | undefined;
  try {
    await vscode.commands.executeCommand('vscode.diff', target.uri, preview, `${name} ↔ trimmed to ${formatTokens(budget)} tokens (preview)`, {
      preview: true,
      viewColumn: target.editor?.viewColumn ?? vscode.ViewColumn.Active,
    });
    const n = plan.removed.length;
    const which = n === 1 ? plan.removed[0]!.label : `${plan.removed[0]!.label} to ${plan.removed[n - 1]!.label}`;
    const stillOver = count ? !count.fits : plan.status === 'cannot-fit';
    const question = stillOver
      ? `Removing the ${n} oldest message${n === 1 ? '' : 's'} still leaves ${name} over ${formatTokens(budget)} tokens. Remove them anyway?`
      : `Remove the ${n} oldest message${n === 1 ? '' : 's'} from ${name}?`;
    const why = count
      ? `${after} tokens is still over the budget${plan.status === 'cannot-fit' ? ': the system prompt, the tools and the last user turn alone need more' : ''}.`
      : plan.message;
    const thinking = plan.strippedThinking ?? [];
    const blocks = thinking.reduce((sum, t) => sum + t.blocks.length, 0);
    const detail = [
      `${which} (shown in the diff).`,
      ...(blocks > 0
        ? [`Also ${blocks} thinking block${blocks === 1 ? '' : 's'} from ${thinking.map((t) => t.label).join(', ')} (shown in the diff): on ${target.analysis.model?.displayName ?? 'this model'} thinking is bound to the turns before it, and the API rejects it once earlier turns are gone.`]
        : []),
      `${before} → ${after} input tokens (${source}); budget ${formatTokens(budget)}.`,
      stillOver ? why : 'The system prompt, the tools and the last user turn stay.',
      'One undo restores everything.',
    ].join('\n');
    choice = await vscode.window.showWarningMessage(question, { modal: true, detail }, stillOver ? APPLY_ANYWAY : APPLY);
  } finally {
    await deps.previews.close(preview);
  }
  if (choice !== APPLY && choice !== APPLY_ANYWAY) return;

  if (document.isClosed || document.version !== version) {
    void vscode.window.showWarningMessage(`Token Lens: ${name} changed while the trim was being confirmed, so nothing was removed. Run "${TITLES.trim}" again.`);
    return;
  }
  const edit = new vscode.WorkspaceEdit();
  for (const e of plan.edit.edits) edit.replace(document.uri, new vscode.Range(document.positionAt(e.range.start), document.positionAt(e.range.end)), e.newText);
  const applied = await vscode.workspace.applyEdit(edit);
  await vscode.window.showTextDocument(document, { viewColumn: target.editor?.viewColumn ?? vscode.ViewColumn.Active, preview: false });
  if (!applied) {
    void vscode.window.showErrorMessage(`Token Lens: the trim of ${name} could not be applied (the editor refused the edit); nothing was removed.`);
    return;
  }
  // Short enough for one line of a notification; the button undoes exactly this edit.
  const n = plan.removed.length;
  const trimmedVersion = document.version;
  const undo = await vscode.window.showInformationMessage(`Token Lens: removed ${n} message${n === 1 ? '' : 's'}, ${before} → ${after} tokens (${source}).`, 'Undo');
  if (undo !== 'Undo') return;
  if (document.isClosed || document.version !== trimmedVersion) {
    void vscode.window.showInformationMessage(`Token Lens: ${name} was edited after the trim; use Edit > Undo to step back to it.`);
    return;
  }
  await vscode.window.showTextDocument(document, { viewColumn: target.editor?.viewColumn ?? vscode.ViewColumn.Active, preview: false });
  await vscode.commands.executeCommand('undo');
}
