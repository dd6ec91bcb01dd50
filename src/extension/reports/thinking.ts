/** The "Estimate with Thinking Budget" report page: a column per model, per request and per 1,000 requests. No `vscode` import. */
import type { ThinkingEstimate, ThinkingRow } from '../../core/decisions/thinking';
import { tokensText, usdText } from '../../core/decisions/markdown';
import { formatTokens } from '../../core/format';
import { html, type Html } from './html';
import { findingNotes, header, notes, type NoteLevel, type Provenance } from './view';

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
export function renderThinking(result: ThinkingEstimate, target: { name: string }, provenance: Provenance, asOf: string): Html {
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
