import { breakdownView } from '../reports/breakdown';
import { html } from '../reports/html';
import type { DecisionDeps } from './deps';
import { TITLES } from '../commandTable';
import type { ReportView } from './panel';
import { resolveTarget, sourceOf } from './target';

/** "Token Lens: Show Token Breakdown": follows the file live as it is edited. */
export async function showBreakdownCommand(deps: DecisionDeps, uri?: unknown): Promise<void> {
  const target = await resolveTarget(deps.documents, deps.active, uri, `Token Lens: ${TITLES.breakdown}`);
  if (!target) return;
  const name = target.name;
  const threshold = () => deps.engine.optionsFor(target.uri).analyze.toolThreshold;
  const panel = deps.panels.open('breakdown', sourceOf(target), breakdownView(target.analysis, name, threshold()));
  panel.own(
    deps.documents.onDidChange((u) => {
      if (u.toString() !== target.uri.toString()) return;
      const state = deps.documents.get(target.uri);
      if (!state) panel.render(closedView(name));
      else if (!state.parse) return; // a large document between its edit and its parse
      else if (state.parse.status !== 'ok') panel.render(unreadableView(name, state.parse.status === 'error' ? state.parse.message : state.parse.reason), state.version);
      else if (state.analysis) panel.render(breakdownView(state.analysis, name, threshold()), state.version);
    }),
  );
}

function closedView(name: string): ReportView {
  return { title: `Breakdown · ${name}`, body: html`<div class="callout">${name} was closed. Open it and run "Token Lens: ${TITLES.breakdown}" again.</div>`, markdown: '' };
}

function unreadableView(name: string, why: string): ReportView {
  return { title: `Breakdown · ${name}`, body: html`<div class="callout warn">${name} cannot be read right now: ${why}</div>`, markdown: '' };
}
