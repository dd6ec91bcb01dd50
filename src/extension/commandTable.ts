/**
 * Every command of the extension, one row each: id, title, icon, menu placements and whether it
 * shows a report panel (which makes `onWebviewPanel:tokenLens.report.<key>` an activation event).
 * `test/unit/command-table.test.ts` checks that package.json's `contributes.commands`,
 * `contributes.menus` and `onWebviewPanel:` activation events say the same (VS Code reads the
 * manifest before any code runs, so it stays a copy). What each command does is in
 * `commandHandlers.ts`, one handler per row (the compiler checks there is one for every row);
 * `main.ts` registers them.
 *
 * A decision command is one core module (`src/core/decisions/`), one extension module
 * (`src/extension/decisions/`, with its page in `src/extension/reports/` when it shows one), one
 * row here and one handler. The decision modules read their own id and title from here
 * (`COMMANDS`, `TITLES`); this module imports nothing of theirs.
 */

/** What the handlers are given: the services `activate` builds. */
/** The menus a row can be placed in (package.json `contributes.menus` keys). */
export type MenuId = 'commandPalette' | 'editor/title' | 'view/title';

/** One entry of a command in one menu. */
export interface MenuPlacement {
  menu: MenuId;
  when?: string;
  group?: string;
}

/** One command. */
export interface CommandRow {
  /** The command id, `tokenLens.…`. */
  id: string;
  /** The title after "Token Lens: " in the Command Palette. */
  title: string;
  /** A codicon, `$(name)`, for menus that show icons. */
  icon?: string;
  menus?: readonly MenuPlacement[];
  /** Shows a report panel of its own kind (the row's key), restored after a reload. */
  report?: true;
  /** An unexpected failure is logged and shown as an error naming the command and the file. */
  guarded?: true;
}

/** The Command Palette category of every command. */
export const COMMAND_CATEGORY = 'Token Lens';

/** Shown on a payload in the editor's title bar. */
const onPayload = (group: string, when = 'tokenLens.activePayload'): MenuPlacement => ({ menu: 'editor/title', when, group });

export const COMMAND_TABLE = {
  setApiKey: { id: 'tokenLens.setApiKey', title: 'Set API Key', icon: '$(key)' },
  clearApiKey: { id: 'tokenLens.clearApiKey', title: 'Clear API Key' },
  selectModel: { id: 'tokenLens.selectModel', title: 'Select Model for This File' },
  recount: { id: 'tokenLens.recount', title: 'Recount', icon: '$(refresh)' },
  showLog: { id: 'tokenLens.showLog', title: 'Show Log' },
  allowUntrusted: {
    id: 'tokenLens.allowUntrusted',
    title: 'Allow Counting in This Workspace',
    menus: [{ menu: 'commandPalette', when: '!isWorkspaceTrusted' }],
  },
  allowMcpServer: { id: 'tokenLens.allowMcpServer', title: 'Allow MCP Server…', menus: [{ menu: 'commandPalette', when: 'isWorkspaceTrusted' }] },
  revokeMcpServers: { id: 'tokenLens.revokeMcpServers', title: 'Revoke MCP Server Permissions' },
  refreshMcpTools: {
    id: 'tokenLens.refreshMcpTools',
    title: 'Refresh MCP Tool Lists',
    // Not $(refresh): the view's title bar has "Refresh Context Footprint" beside it.
    icon: '$(server-process)',
    menus: [{ menu: 'view/title', when: 'view == tokenLens.context', group: 'navigation@3' }],
  },
  refreshFiles: {
    id: 'tokenLens.refreshFiles',
    title: 'Refresh Prompt Files',
    icon: '$(refresh)',
    menus: [{ menu: 'view/title', when: 'view == tokenLens.files', group: 'navigation' }],
  },
  thinking: {
    id: 'tokenLens.estimateThinking',
    title: 'Estimate with Thinking Budget',
    icon: '$(lightbulb)',
    menus: [onPayload('tokenLens@1')],
    report: true,
    guarded: true,
  },
  tools: {
    id: 'tokenLens.auditTools',
    title: 'Audit Tool Overhead',
    icon: '$(tools)',
    menus: [onPayload('tokenLens@2', 'tokenLens.activePayload && tokenLens.activeHasTools')],
    report: true,
    guarded: true,
  },
  cache: {
    id: 'tokenLens.adviseCache',
    title: 'Advise on Prompt Caching',
    icon: '$(database)',
    menus: [onPayload('tokenLens@3')],
    report: true,
    guarded: true,
  },
  routing: {
    id: 'tokenLens.previewRouting',
    title: 'Preview Model Routing',
    icon: '$(git-compare)',
    menus: [onPayload('tokenLens@4')],
    report: true,
    guarded: true,
  },
  trim: {
    id: 'tokenLens.trimToBudget',
    title: 'Trim Conversation to Budget',
    icon: '$(scissors)',
    menus: [onPayload('tokenLens@5', 'tokenLens.activePayload && tokenLens.activeHasMessages')],
    guarded: true,
  },
  breakdown: {
    id: 'tokenLens.showBreakdown',
    title: 'Show Token Breakdown',
    icon: '$(graph)',
    menus: [onPayload('navigation@90')],
    report: true,
    guarded: true,
  },
  context: {
    id: 'tokenLens.showContextFootprint',
    title: 'Show Context Footprint',
    icon: '$(layers)',
    menus: [{ menu: 'view/title', when: 'view == tokenLens.context', group: 'navigation@1' }],
    report: true,
    guarded: true,
  },
  refreshContext: {
    id: 'tokenLens.refreshContextFootprint',
    title: 'Refresh Context Footprint',
    icon: '$(refresh)',
    menus: [{ menu: 'view/title', when: 'view == tokenLens.context', group: 'navigation@2' }],
  },
} as const satisfies Record<string, CommandRow>;

export type CommandKey = keyof typeof COMMAND_TABLE;

/** The kinds of report panel: the keys of the rows with `report`. One panel per kind, reused by the next report of that kind. */
export type ReportKind = { [K in CommandKey]: (typeof COMMAND_TABLE)[K] extends { report: true } ? K : never }[CommandKey];

const rows = Object.entries(COMMAND_TABLE) as [CommandKey, CommandRow][];

/** Command ids by key. */
export const COMMANDS = Object.fromEntries(rows.map(([key, row]) => [key, row.id])) as { readonly [K in CommandKey]: (typeof COMMAND_TABLE)[K]['id'] };

/** Titles by key, as the Command Palette shows them after "Token Lens: ". */
export const TITLES = Object.fromEntries(rows.map(([key, row]) => [key, row.title])) as Readonly<Record<CommandKey, string>>;

export const REPORT_KINDS = rows.filter(([, row]) => row.report).map(([key]) => key) as readonly ReportKind[];

/** The view type of a kind's panel (also its `onWebviewPanel:` activation event in package.json). */
export function viewType(kind: ReportKind): string {
  return `tokenLens.report.${kind}`;
}
