import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ContextFootprints } from '../contextFootprint';
import { html } from '../reports/html';
import { footprintView } from '../reports/context';
import type { DecisionDeps } from './deps';

/**
 * "Token Lens: Show Context Footprint": the footprint of the workspace folder holding `uri` (the
 * first folder without one), following it live as its sources change.
 */
export async function showContextFootprintCommand(deps: DecisionDeps, footprints: ContextFootprints, uri?: unknown): Promise<void> {
  await footprints.ensure();
  const target = uri instanceof vscode.Uri ? uri.fsPath : undefined;
  const pick = () => (target ? footprints.forFile(target) : undefined) ?? footprints.list()[0];
  const fp = pick();
  const folder = fp?.root ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!fp || !folder) {
    void vscode.window.showInformationMessage('Token Lens: no CLAUDE.md, skill, subagent, slash command or MCP server in this workspace: the context footprint is empty.');
    return;
  }
  const source = { uri: vscode.Uri.file(path.join(folder, 'CLAUDE.md')), version: 0 };
  const panel = deps.panels.open('context', source, footprintView(fp));
  panel.own(
    footprints.onDidChange(() => {
      const now = pick();
      panel.render(now ? footprintView(now) : { title: 'Context', body: html`<div class="callout">The context footprint of this folder is empty now.</div>`, markdown: '' });
    }),
  );
}
