import * as vscode from 'vscode';
import type { Analysis } from '../core/analyze';
import { compareModels } from '../core/compare';
import { estimateTextTokens } from '../core/estimator';
import { formatTokens, modelLabel, usdText } from '../core/format';
import { modesSuffix, priceNotes } from '../core/models/cost';
import { countProvenance, remedyFor } from '../core/provenance';
import type { ActiveEditors } from './activeEditors';
import type { DocumentService, DocumentState } from './documents';
import type { Engine } from './engine';

const WARNING_CODES = new Set(['over-budget', 'over-budget-usd', 'over-context-window', 'over-context-window-with-output', 'over-standard-context-window']);

/** The status bar entry: tokens, cost and model of the active prompt or payload file. */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private tooltips = new WeakMap<Analysis, { pending: boolean; md: vscode.MarkdownString }>();
  constructor(
    private readonly engine: Engine,
    private readonly documents: DocumentService,
    private readonly active: ActiveEditors,
  ) {
    this.item = vscode.window.createStatusBarItem('tokenLens.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Token Lens';
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor === this.editor()) this.render();
      }),
      documents.onDidChange((uri) => {
        if (uri.toString() === this.editor()?.document.uri.toString()) this.render();
      }),
      engine.onDidChange(() => {
        // The tooltip prices the comparison models, which may have changed without a recount.
        this.tooltips = new WeakMap();
        this.render();
      }),
    );
    this.render();
  }

  /**
   * The editor to describe. An output channel (e.g. "Token Lens: Show Log") or a report panel
   * with the focus keeps the entry of the file still shown beside it rather than hiding it.
   */
  private editor(): vscode.TextEditor | undefined {
    return this.active.current();
  }

  render(): void {
    const editor = this.editor();
    const state = editor ? this.documents.get(editor.document.uri) : undefined;
    if (!editor || !state) {
      this.item.hide();
      return;
    }
    if (state.parse?.status === 'error') {
      this.item.text = '$(warning) Tokens: unreadable';
      this.item.tooltip = new vscode.MarkdownString(`**Token Lens** could not read this file.\n\n${escape(state.parse.message)}`);
      this.item.accessibilityInformation = { label: `Token Lens could not read this file: ${state.parse.message}` };
      this.item.backgroundColor = undefined;
      this.item.command = undefined;
      this.item.show();
      return;
    }
    const a = state.analysis;
    if (!a) {
      // A large file is read after a pause in typing; until then there is no number for this version.
      const why = state.parse ? 'Token Lens is counting this file.' : 'Token Lens reads files over 1 MB after a pause in typing, off the editor\'s thread.';
      this.item.text = '$(sync~spin) Tokens…';
      this.item.tooltip = why;
      this.item.accessibilityInformation = { label: why };
      this.item.backgroundColor = undefined;
      this.item.command = undefined;
      this.item.show();
      return;
    }
    const icon = state.pending ? '$(sync~spin)' : a.total.reason === 'unauthorized' ? '$(key)' : '$(symbol-numeric)';
    const cost = a.cost?.input;
    let text = `${icon} ${formatTokens(a.total.tokens, a.total.exact)} tokens · ${usdText(cost, a.total.exact)}${modesSuffix(a.cost)} · ${modelLabel(a.model, a.modelId)}`;
    const selection = selectionTokens(editor, a);
    if (selection !== undefined) text += ` (selection ${formatTokens(selection, false)})`;
    this.item.text = text;
    this.item.tooltip = this.tooltipFor(state, a);
    // Without its own label the entry is read out as its text plus the tooltip's markdown source.
    this.item.accessibilityInformation = { label: `Token Lens: ${text.replace(/^\$\([^)]*\)\s*/, '')}. ${countProvenance(a.total, state.pending)}` };
    const warnings = a.findings.filter((f) => WARNING_CODES.has(f.code));
    this.item.backgroundColor = warnings.some((f) => f.severity === 'error')
      ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : warnings.length > 0
        ? new vscode.ThemeColor('statusBarItem.warningBackground')
        : undefined;
    // A click sets the key when that is the remedy; allowing an untrusted workspace is offered in
    // the tooltip, never done by one click on the entry.
    const remedy = remedyFor(a.total.reason);
    this.item.command = remedy?.kind === 'key' ? { title: remedy.title, command: remedy.command } : { title: 'Select Model', command: 'tokenLens.selectModel' };
    this.item.show();
  }

  /**
   * The tooltip of an analysis, built once: rendering runs on every cursor move and keystroke,
   * and pricing the comparison models re-estimates the request for the other tokenizer.
   */
  private tooltipFor(state: DocumentState, a: Analysis): vscode.MarkdownString {
    const known = this.tooltips.get(a);
    if (known && known.pending === state.pending) return known.md;
    const md = tooltip(this.engine, state, a);
    this.tooltips.set(a, { pending: state.pending, md });
    return md;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function selectionTokens(editor: vscode.TextEditor, a: Analysis): number | undefined {
  const selections = editor.selections.filter((s) => !s.isEmpty);
  if (selections.length === 0) return undefined;
  return selections.reduce((sum, s) => sum + estimateTextTokens(editor.document.getText(s), a.family), 0);
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

function tooltip(engine: Engine, state: DocumentState, a: Analysis): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['tokenLens.setApiKey', 'tokenLens.selectModel', 'tokenLens.showLog', 'tokenLens.allowUntrusted', 'tokenLens.recount'] };
  md.supportThemeIcons = true;
  md.appendMarkdown(`**Token Lens** · ${formatTokens(a.total.tokens, a.total.exact)} input tokens on ${escape(modelLabel(a.model, a.modelId))}\n\n`);
  md.appendMarkdown(`${escape(countProvenance(a.total, state.pending))}\n\n`);
  if (a.total.beforeContextEditing !== undefined) {
    md.appendMarkdown(`Context editing (\`context_management\`): ${formatTokens(a.total.beforeContextEditing, a.total.exact)} tokens before, ${formatTokens(a.total.tokens, a.total.exact)} after (count_tokens).\n\n`);
  }

  const sum = (kind: string) => a.parts.filter((p) => p.part.kind === kind);
  const rows: [string, number, boolean][] = [];
  for (const kind of ['system', 'message', 'tool'] as const) {
    const parts = sum(kind);
    if (parts.length === 0) continue;
    const label = kind === 'system' ? 'System' : kind === 'message' ? `Messages (${parts.length})` : `Tools (${parts.length})`;
    rows.push([label, parts.reduce((s, p) => s + p.tokens, 0), parts.every((p) => p.exact)]);
  }
  if (a.estimate.images > 0) rows.push(['of which images', a.estimate.images, false]);
  if (a.estimate.documents > 0) rows.push(['of which documents', a.estimate.documents, false]);
  const hasTools = a.parts.some((p) => p.part.kind === 'tool');
  rows.push([hasTools ? 'Framing and tool-use prompt' : 'Framing', a.overhead.tokens, a.overhead.exact]);
  md.appendMarkdown('| Part | Tokens |\n|:--|--:|\n');
  for (const [label, tokens, exact] of rows) md.appendMarkdown(`| ${label} | ${formatTokens(tokens, exact)} |\n`);
  md.appendMarkdown('\n');
  // An estimate says what it assumed: hidden prompts added and whose measurements they are.
  if (!a.total.exact && a.estimate.notes.length > 0) md.appendMarkdown(`${a.estimate.notes.map((n) => `- ${escape(n)}`).join('\n')}\n\n`);

  const maxTokens = a.doc.maxTokens;
  md.appendMarkdown(`| Model | Tokens | Input | ${maxTokens !== undefined ? `Output ≤ ${formatTokens(maxTokens)} | ` : ''}All cached | Batch |\n`);
  md.appendMarkdown(`|:--|--:|--:|${maxTokens !== undefined ? '--:|' : ''}--:|--:|\n`);
  for (const r of compareModels(a, engine.registry, engine.config.comparisonModels)) {
    // A comparison model without the requested fast mode is priced at its standard rate: say so.
    const noFast = a.modes.speed === 'fast' && r.model && !r.model.fastMode ? ' (no fast mode)' : '';
    const name = escape(`${modelLabel(r.model, r.modelId)}${modesSuffix(r.cost)}${noFast}`);
    const money = (n: number | undefined) => usdText(n, r.exact);
    md.appendMarkdown(
      `| ${r.current ? `**${name}**` : name} | ${formatTokens(r.tokens, r.exact)} | ${money(r.cost?.input)} | ${maxTokens !== undefined ? `${money(r.cost?.output)} | ` : ''}${money(r.cachedRead)} | ${money(r.batch?.total)} |\n`,
    );
  }
  const notes = priceNotes(a.cost);
  md.appendMarkdown(`\nPrices as of ${engine.registry.asOf}, USD${notes.length > 0 ? `, ${escape(notes.join(', '))}` : ''}. `);
  const links = ['[Change model](command:tokenLens.selectModel)', '[Show log](command:tokenLens.showLog)'];
  const remedy = remedyFor(a.total.reason);
  if (remedy) links.unshift(`[${remedy.link}](command:${remedy.command})`);
  md.appendMarkdown(links.join(' · '));
  return md;
}
