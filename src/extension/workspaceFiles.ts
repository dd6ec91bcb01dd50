import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Analysis } from '../core/analyze';
import { formatTokens, modelLabel, usdText } from '../core/format';
import { countProvenance } from '../core/provenance';
import type { DocumentService } from './documents';
import type { FileEntry, WorkspaceScanner } from './workspaceScanner';

/**
 * The "Token Lens" view in the Explorer: every prompt and payload file the
 * {@link WorkspaceScanner} found, with its tokens and cost, largest first. Open documents show
 * their live state.
 */
export class WorkspaceFilesView implements vscode.TreeDataProvider<FileEntry> {
  /** The whole list may change whenever the scanner's entries do. */
  readonly onDidChangeTreeData: vscode.Event<void>;

  constructor(private readonly scanner: WorkspaceScanner, private readonly documents: DocumentService) {
    this.onDidChangeTreeData = scanner.onDidChange;
  }

  /** Live analysis for open documents, the scan's for the rest. */
  private analysisOf(entry: FileEntry): Analysis | undefined {
    return this.documents.get(entry.uri)?.analysis ?? entry.analysis;
  }

  async getChildren(element?: FileEntry): Promise<FileEntry[]> {
    if (element) return [];
    await this.scanner.ensureScanned();
    // Each row with the analysis it shows: the live one for an open document.
    const rows = this.scanner.list().map((entry) => ({ ...entry, analysis: this.analysisOf(entry) }));
    return rows.sort((a, b) => (b.analysis?.total.tokens ?? -1) - (a.analysis?.total.tokens ?? -1));
  }

  getTreeItem(entry: FileEntry): vscode.TreeItem {
    const item = new vscode.TreeItem(path.basename(entry.uri.fsPath), vscode.TreeItemCollapsibleState.None);
    item.resourceUri = entry.uri;
    item.command = { title: 'Open', command: 'vscode.open', arguments: [entry.uri] };
    const folder = vscode.workspace.getWorkspaceFolder(entry.uri);
    const rel = folder ? path.relative(folder.uri.fsPath, entry.uri.fsPath) : entry.uri.fsPath;
    const a = this.analysisOf(entry);
    if (!a) {
      item.description = entry.error ? 'unreadable' : '…';
      item.tooltip = `${rel}\n${entry.error ?? 'Counting…'}`;
      item.iconPath = new vscode.ThemeIcon(entry.error ? 'warning' : 'loading~spin');
      return item;
    }
    const cost = a.cost?.input;
    // Tokens only: in a sidebar of the usual width a longer description is cut, and a cost cut
    // to "$0.00…" reads as free. The cost is in the tooltip.
    item.description = `${formatTokens(a.total.tokens, a.total.exact)} tokens`;
    item.tooltip = new vscode.MarkdownString(
      `**${rel}**\n\n${formatTokens(a.total.tokens, a.total.exact)} input tokens on ${modelLabel(a.model, a.modelId)}, ${usdText(cost, a.total.exact)} per request\n\n${countProvenance(a.total, false)}`,
    );
    const flagged = a.findings.some((f) => f.severity !== 'info');
    item.iconPath = new vscode.ThemeIcon(flagged ? 'warning' : a.doc.kind === 'prompt' ? 'note' : a.doc.kind === 'tools' ? 'tools' : 'json');
    return item;
  }
}
