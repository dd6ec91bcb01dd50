import * as vscode from 'vscode';
import type { Analysis } from '../../core/analyze';
import { DEFAULT_ROUTING, routeFor, routingMarkdown, validateRouting, type RoutingConfig } from '../../core/decisions/routing';
import type { ModelRegistry } from '../../core/models/registry';
import type { Finding } from '../../core/types';
import { renderRouting, ROUTING_SETTING } from '../reports/routing';
import { markdownWithSource, totalProvenance } from '../reports/view';
import type { DecisionDeps } from './deps';
import { TITLES } from '../commandTable';
import type { ReportView } from './panel';
import { resolveTarget, sourceOf } from './target';

/** `tokenLens.routing`, checked: the rules to apply and what is wrong with the setting. */
export function readRouting(registry: ModelRegistry): { config: RoutingConfig; findings: Finding[] } {
  const raw = vscode.workspace.getConfiguration().get<unknown>(ROUTING_SETTING);
  return validateRouting(raw ?? DEFAULT_ROUTING, registry);
}

/** "Token Lens: Preview Model Routing": follows the file and the setting as they change. */
export async function previewRoutingCommand(deps: DecisionDeps, uri?: unknown): Promise<void> {
  const target = await resolveTarget(deps.documents, deps.active, uri, `Token Lens: ${TITLES.routing}`);
  if (!target) return;
  const name = target.name;
  const build = (a: Analysis): ReportView => {
    const { config, findings } = readRouting(deps.engine.registry);
    const result = routeFor(a, config, deps.engine.registry);
    const provenance = totalProvenance(a.total);
    return {
      title: `Routing · ${name}`,
      body: renderRouting(result, config, findings, name, provenance),
      markdown: markdownWithSource(name, provenance, routingMarkdown(result, config) + (findings.length ? `\n\nSetting ${ROUTING_SETTING}:\n${findings.map((f) => `- ${f.message}`).join('\n')}` : '')),
    };
  };
  const panel = deps.panels.open('routing', sourceOf(target), build(target.analysis), {
    onAction: (id) => (id === 'settings' ? vscode.commands.executeCommand('workbench.action.openSettings', ROUTING_SETTING) : undefined),
  });
  const refresh = () => {
    const state = deps.documents.get(target.uri);
    if (state?.analysis && state.parse?.status === 'ok') panel.render(build(state.analysis), state.version);
  };
  panel.own(
    deps.documents.onDidChange((u) => {
      if (u.toString() === target.uri.toString()) refresh();
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(ROUTING_SETTING)) refresh();
    }),
  );
}
