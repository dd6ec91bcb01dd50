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

/** The setting holding the routing rules. */
export const ROUTING_SETTING = 'tokenLens.routing';
