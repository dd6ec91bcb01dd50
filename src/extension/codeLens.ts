import * as vscode from 'vscode';
import { costOf, modesSuffix } from '../core/models/cost';
import { formatTokens, modelLabel, usdText } from '../core/format';
import type { DocumentService } from './documents';
import type { Engine } from './engine';

/** Above this many messages, messages get no lens of their own. */
export const MAX_MESSAGE_LENSES = 500;

/**
 * CodeLens: the total at the top of the file, and the tokens of the system prompt, each message
 * and each tool (with its cost per request and a warning over the threshold) above each part.
 */
export class TokenCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly engine: Engine, private readonly documents: DocumentService) {
    this.disposables.push(
      documents.onDidChange(() => this.changed.fire()),
      engine.onDidChange(() => this.changed.fire()),
    );
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.engine.config.codeLens) return [];
    const state = this.documents.get(document.uri);
    const a = state?.analysis;
    // Lenses for an older version would point at the wrong lines.
    if (!state || !a || state.version !== document.version) return [];
    // The repository's .tokenlens.json limit where it sets one, as in the Problems panel.
    const threshold = this.engine.optionsFor(document.uri).analyze.toolThreshold;
    const top = new vscode.Range(0, 0, 0, 0);
    const cost = a.cost?.input;
    const lenses: vscode.CodeLens[] = [
      new vscode.CodeLens(top, {
        title: `Σ ${formatTokens(a.total.tokens, a.total.exact)} tokens · ${usdText(cost, a.total.exact)} per request${modesSuffix(a.cost)} on ${modelLabel(a.model, a.modelId)}${state.pending ? ' (counting…)' : ''}`,
        command: 'tokenLens.selectModel',
        tooltip: 'Total input tokens of this request. Click to change the model.',
      }),
    ];
    // A prompt file is one part: the total says it all.
    if (a.doc.kind === 'prompt') return lenses;
    // Thousands of message lenses (a long recorded conversation) say nothing the breakdown does
    // not, and cost the editor time on every update: then only the system prompt and tools get one.
    const messages = a.parts.filter((p) => p.part.kind === 'message').length;
    const perMessage = messages <= MAX_MESSAGE_LENSES;
    if (!perMessage) lenses[0]!.command!.title += ` · ${formatTokens(messages, true)} messages: per-message counts in "Show Token Breakdown"`;
    for (const p of a.parts) {
      if (!perMessage && p.part.kind === 'message') continue;
      const anchor = p.part.anchor ?? p.part.range;
      const line = document.positionAt(anchor.start).line;
      const range = new vscode.Range(line, 0, line, 0);
      const tokens = formatTokens(p.tokens, p.exact);
      if (p.part.kind === 'tool') {
        const perRequest = a.model ? costOf(a.model, { inputTokens: p.tokens }, { modes: a.modes }).input : undefined;
        const over = p.tokens > threshold;
        lenses.push(
          new vscode.CodeLens(range, {
            title: `${over ? '$(warning) ' : ''}${p.part.name ?? p.part.label}: ${tokens} tokens · ${usdText(perRequest, p.exact)}/request${over ? ` · over ${formatTokens(threshold)}` : ''}`,
            command: 'tokenLens.auditTools',
            arguments: [document.uri, p.part.index],
            tooltip: over ? 'This tool costs more than tokenLens.toolOverheadThreshold on every request. Click for the tool overhead audit.' : 'Click for the tool overhead audit.',
          }),
        );
      } else {
        lenses.push(new vscode.CodeLens(range, { title: `${p.part.label}: ${tokens} tokens`, command: '', tooltip: p.exact ? 'Exact count.' : 'Local estimate of this part (per-message counts would cost an API call each).' }));
      }
    }
    return lenses;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
