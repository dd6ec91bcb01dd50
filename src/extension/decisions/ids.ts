/** Command ids of the decision commands (declared in package.json contributes.commands). */
export const COMMANDS = {
  thinking: 'tokenLens.estimateThinking',
  tools: 'tokenLens.auditTools',
  cache: 'tokenLens.adviseCache',
  routing: 'tokenLens.previewRouting',
  trim: 'tokenLens.trimToBudget',
  breakdown: 'tokenLens.showBreakdown',
} as const;

/** Titles, as the Command Palette shows them after "Token Lens: ". */
export const TITLES: Record<keyof typeof COMMANDS, string> = {
  thinking: 'Estimate with Thinking Budget',
  tools: 'Audit Tool Overhead',
  cache: 'Advise on Prompt Caching',
  routing: 'Preview Model Routing',
  trim: 'Trim Conversation to Budget',
  breakdown: 'Show Token Breakdown',
};

/** One panel per kind of report, reused by the next report of that kind. */
export type ReportKind = 'thinking' | 'tools' | 'cache' | 'routing' | 'breakdown';

export const REPORT_KINDS: readonly ReportKind[] = ['thinking', 'tools', 'cache', 'routing', 'breakdown'];

/** The view type of a kind's panel (also its `onWebviewPanel:` activation event in package.json). */
export function viewType(kind: ReportKind): string {
  return `tokenLens.report.${kind}`;
}

/** The setting holding the routing rules. */
export const ROUTING_SETTING = 'tokenLens.routing';
