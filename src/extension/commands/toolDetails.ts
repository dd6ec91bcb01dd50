import * as vscode from 'vscode';
import { costOf } from '../../core/models/cost';
import { formatTokens, formatUSD, modelLabel } from '../../core/format';
import type { DocumentService } from '../documents';
import type { Engine } from '../engine';

/** Details of one tool definition: its tokens, share of the request and cost at scale. */
export async function showToolDetails(engine: Engine, documents: DocumentService, uri?: vscode.Uri, index?: number): Promise<void> {
  const target = uri ?? vscode.window.activeTextEditor?.document.uri;
  const a = target ? documents.get(target)?.analysis : undefined;
  const tool = a?.parts.find((p) => p.part.kind === 'tool' && p.part.index === index);
  if (!a || !tool) {
    void vscode.window.showInformationMessage('Token Lens: no tool definition here to describe.');
    return;
  }
  const name = tool.part.name ?? tool.part.label;
  const perRequest = a.model ? costOf(a.model, { inputTokens: tool.tokens }).input : undefined;
  const share = a.total.tokens > 0 ? (100 * tool.tokens) / a.total.tokens : 0;
  const approx = tool.exact ? '' : '≈';
  const over = tool.tokens > engine.config.toolThreshold;
  const lines = [
    `${formatTokens(tool.tokens, tool.exact)} tokens, ${share.toFixed(1)}% of this request's ${formatTokens(a.total.tokens, a.total.exact)}.`,
    `On ${modelLabel(a.model, a.modelId)}: ${perRequest === undefined ? 'price unknown' : `${approx}${formatUSD(perRequest)} per request, ${approx}${formatUSD(perRequest * 1000)} per 1,000 requests`}.`,
    `Without it the request would be ${formatTokens(a.total.tokens - tool.tokens, a.total.exact && tool.exact)} tokens.`,
    over ? `Over the threshold of ${formatTokens(engine.config.toolThreshold)} tokens: shorten its description or schema, or load it only when needed.` : `Under the threshold of ${formatTokens(engine.config.toolThreshold)} tokens.`,
    tool.exact ? 'Exact: counted through the API against a fixed reference request.' : 'Local estimate.',
  ];
  const reveal = 'Reveal in Editor';
  const choice = await vscode.window.showInformationMessage(`Tool "${name}"`, { modal: true, detail: lines.join('\n') }, reveal);
  if (choice === reveal && target) {
    const doc = await vscode.workspace.openTextDocument(target);
    const editor = await vscode.window.showTextDocument(doc);
    const range = new vscode.Range(doc.positionAt(tool.part.range.start), doc.positionAt(tool.part.range.end));
    editor.selection = new vscode.Selection(range.start, range.start);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
}
