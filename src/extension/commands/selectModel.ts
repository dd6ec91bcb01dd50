import * as vscode from 'vscode';
import { formatUSD } from '../../core/format';
import type { ActiveEditors } from '../activeEditors';
import type { DocumentService } from '../documents';
import type { Engine } from '../engine';

interface ModelPick extends vscode.QuickPickItem {
  modelId: string | undefined;
}

/** Quick pick of the model to count and price the active file on. */
export async function selectModel(engine: Engine, documents: DocumentService, active: ActiveEditors): Promise<void> {
  const editor = active.current();
  const state = editor ? documents.get(editor.document.uri) : undefined;
  if (!editor || !state) {
    void vscode.window.showInformationMessage('Token Lens: open a prompt or payload file to choose its model.');
    return;
  }
  const uri = editor.document.uri;
  const override = documents.modelOverride(uri);
  const own = state.parse?.status === 'ok' ? state.parse.doc.model : undefined;
  const items: ModelPick[] = [
    {
      label: own ? `$(file) The file's own model (${own})` : `$(settings-gear) The default model (${engine.optionsFor(uri).analyze.defaultModel})`,
      modelId: undefined,
      picked: !override,
    },
    { label: 'Models', kind: vscode.QuickPickItemKind.Separator, modelId: undefined },
  ];
  for (const m of engine.registry.list()) {
    const retiring = m.lifecycle.retiresAt ? ` · retires ${m.lifecycle.retiresAt}` : '';
    items.push({
      label: `${m.id === override ? '$(check) ' : ''}${m.displayName}`,
      description: m.id,
      detail: `${formatUSD(m.prices.input)} in / ${formatUSD(m.prices.output)} out per MTok${m.contextWindow ? ` · ${Math.round(m.contextWindow / 1000)}K context` : ""}${m.lifecycle.status !== 'active' ? ` · ${m.lifecycle.status}` : ''}${retiring}`,
      modelId: m.id,
    });
  }
  const pick = await vscode.window.showQuickPick(items, { title: 'Token Lens: count this file on…', matchOnDescription: true, matchOnDetail: true });
  if (!pick || pick.kind === vscode.QuickPickItemKind.Separator) return;
  await documents.setModelOverride(uri, pick.modelId);
}
