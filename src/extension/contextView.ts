import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Footprint, ServerCount, SourceCount, ToolCount } from '../core/context/footprint';
import { formatTokens, modelLabel, REASON_TEXT, usdText } from '../core/format';
import type { ContextLimitFinding } from '../core/context/limits';
import { notKnownShort, notKnownTooltip, serverAction, type ContextFootprints } from './contextFootprint';

/** A row of the view: a workspace folder's footprint, and its parts. */
export type ContextNode =
  | { kind: 'context'; fp: Footprint }
  | { kind: 'source'; fp: Footprint; item: SourceCount }
  | { kind: 'server'; fp: Footprint; item: ServerCount }
  | { kind: 'tool'; fp: Footprint; server: ServerCount; item: ToolCount }
  | { kind: 'framing'; fp: Footprint };

/** The title of the footprint's rows. */
export const CONTEXT_SECTION = 'Context Footprint';

/**
 * The "Context Footprint" view beside the Token Lens view in the Explorer: what an agent loads
 * before the user types, per workspace folder: the total, then per source, per MCP server and per
 * tool, largest first; a click opens the file or the config line.
 */
export class ContextFootprintView implements vscode.TreeDataProvider<ContextNode> {
  readonly onDidChangeTreeData: vscode.Event<void>;

  constructor(private readonly footprints: ContextFootprints) {
    this.onDidChangeTreeData = footprints.onDidChange;
  }

  async getChildren(element?: ContextNode): Promise<ContextNode[]> {
    if (element?.kind === 'context') {
      const fp = element.fp;
      return [
        ...fp.sources.filter((s) => s.upFront.tokens > 0 || s.onUse.tokens > 0).map((item): ContextNode => ({ kind: 'source', fp, item })),
        ...fp.servers.map((item): ContextNode => ({ kind: 'server', fp, item })),
        { kind: 'framing', fp } as ContextNode,
      ].sort((a, b) => upFrontOf(b) - upFrontOf(a));
    }
    if (element?.kind === 'server') return element.item.tools.map((item): ContextNode => ({ kind: 'tool', fp: element.fp, server: element.item, item }));
    if (element) return [];
    await this.footprints.ensure();
    return this.footprints.list().map((fp): ContextNode => ({ kind: 'context', fp }));
  }

  getTreeItem(node: ContextNode): vscode.TreeItem {
    switch (node.kind) {
      case 'context':
        return contextItem(node.fp, (vscode.workspace.workspaceFolders?.length ?? 0) > 1, this.footprints.overLimits(node.fp).find((f) => f.rule === 'max-context-tokens'));
      case 'source':
        return sourceItem(node.item);
      case 'server':
        return serverItem(node.fp, node.item, this.footprints.overLimits(node.fp).find((f) => f.server?.hash === node.item.server.hash));
      case 'tool':
        return toolItem(node.server, node.item);
      case 'framing': {
        const item = new vscode.TreeItem('framing', vscode.TreeItemCollapsibleState.None);
        item.description = `${formatTokens(node.fp.framing.tokens, node.fp.framing.exact)} tokens`;
        item.tooltip = 'What the parts do not account for: request framing, the hidden tool-use system prompt, the joins between blocks. The parts plus this equal the total.';
        item.iconPath = new vscode.ThemeIcon('symbol-operator');
        return item;
      }
    }
  }
}

function upFrontOf(node: ContextNode): number {
  switch (node.kind) {
    case 'source':
      return node.item.upFront.tokens;
    case 'server':
      return node.item.upFront.tokens;
    case 'framing':
      return -1; // last: the remainder
    default:
      return 0;
  }
}

/** Opens `file` at the 1-based `line`. */
function openAt(file: string, line: number): vscode.Command {
  const position = new vscode.Position(Math.max(0, line - 1), 0);
  return { title: 'Open', command: 'vscode.open', arguments: [vscode.Uri.file(file), { selection: new vscode.Range(position, position) }] };
}

/** ` · over the limit of 8,000 (.tokenlens.json)`, when a limit is exceeded. */
const overText = (over: ContextLimitFinding | undefined): string => (over ? ` · over ${formatTokens(over.limit)}` : '');

function contextItem(fp: Footprint, named: boolean, over?: ContextLimitFinding): vscode.TreeItem {
  const item = new vscode.TreeItem(named ? `${CONTEXT_SECTION} · ${path.basename(fp.root)}` : CONTEXT_SECTION, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `context:${fp.root}`;
  const t = fp.total;
  item.description = `${formatTokens(t.tokens, t.exact)} tokens${overText(over)}`;
  const share = fp.windowShare !== undefined ? `, ${(fp.windowShare * 100).toFixed(fp.windowShare < 0.1 ? 1 : 0)}% of the context window` : '';
  const why = t.exact ? 'Exact counts from the API.' : `≈ Local estimates (${t.reason ? REASON_TEXT[t.reason] : 'estimate'}).`;
  item.tooltip = new vscode.MarkdownString(
    `**What an agent loads before you type**\n\n${formatTokens(t.tokens, t.exact)} tokens on ${modelLabel(fp.model, fp.modelId)}${share}, ${usdText(fp.costUSD, t.exact)} per request.\n\n${why}\n\nNot counted: the agent's own system prompt and built-in tools, and MCP servers whose tools are not known.${over ? `\n\n$(warning) ${over.message.charAt(0).toUpperCase()}${over.message.slice(1)}.` : ''}`,
    true,
  );
  item.iconPath = over ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')) : new vscode.ThemeIcon('layers');
  item.contextValue = 'tokenLens.context';
  return item;
}

const SOURCE_ICONS: Record<string, string> = { memory: 'book', import: 'references', 'nested-memory': 'folder-library', skill: 'mortar-board', agent: 'hubot', command: 'terminal' };

function sourceItem(s: SourceCount): vscode.TreeItem {
  const item = new vscode.TreeItem(s.source.name, vscode.TreeItemCollapsibleState.None);
  const up = s.upFront.tokens > 0;
  item.description = up ? `${formatTokens(s.upFront.tokens, s.upFront.exact)} tokens` : `on use ${formatTokens(s.onUse.tokens, s.onUse.exact)}`;
  const from = s.source.importedFrom ? `\n\nImported from ${path.basename(s.source.importedFrom.file)}:${s.source.importedFrom.line}` : '';
  const onUse = s.onUse.tokens > 0 ? `\n\n${formatTokens(s.onUse.tokens, s.onUse.exact)} more tokens when it is used.` : '';
  item.tooltip = new vscode.MarkdownString(`**${s.source.name}** (${s.source.kind})\n\n${up ? `${formatTokens(s.upFront.tokens, s.upFront.exact)} tokens on every request.` : 'Not loaded up front.'}${onUse}${from}`);
  item.iconPath = new vscode.ThemeIcon(SOURCE_ICONS[s.source.kind] ?? 'file');
  item.command = openAt(s.source.file, s.source.line);
  return item;
}

function serverItem(fp: Footprint, s: ServerCount, over?: ContextLimitFinding): vscode.TreeItem {
  const item = new vscode.TreeItem(`${s.server.name} (MCP)`, s.tools.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `context:${fp.root}:server:${s.server.configFile}:${s.server.name}`;
  item.description = s.list.status === 'ok' ? `${formatTokens(s.upFront.tokens, s.upFront.exact)} tokens${overText(over)}` : `tools not known: ${notKnownShort(s)}`;
  item.tooltip = s.list.status === 'ok' ? `${s.tools.length} tools${s.list.cached ? ' (the cached list of an earlier run)' : ''}${over ? `\n\n${over.message}.` : ''}` : notKnownTooltip(s);
  item.iconPath = s.list.status === 'failed' || over ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground')) : new vscode.ThemeIcon('server');
  // A server waiting to be allowed is allowed by a click (the tooltip says what it runs).
  item.command = serverAction(s, openAt(s.server.configFile, s.server.line ?? 1));
  return item;
}

function toolItem(server: ServerCount, t: ToolCount): vscode.TreeItem {
  const item = new vscode.TreeItem(t.tool.name, vscode.TreeItemCollapsibleState.None);
  item.description = t.deferred ? `deferred · ${formatTokens(t.tokens, t.exact)}` : `${formatTokens(t.tokens, t.exact)} tokens`;
  const named = t.mcpName !== t.tool.name ? `Sent to the model as ${t.tool.name} (the server's "${t.mcpName}").\n\n` : '';
  item.tooltip = `${named}${t.tool.description ?? ''}${t.deferred ? '\n\nDeferred (defer_loading): not loaded up front.' : ''}`;
  item.iconPath = new vscode.ThemeIcon('tools');
  item.command = openAt(server.server.configFile, server.server.line ?? 1);
  return item;
}
