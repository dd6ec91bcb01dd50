/**
 * Defaults shared by the extension, the CLI and the core, named once. package.json's
 * `contributes.configuration` repeats them for the Settings UI; a unit test keeps the two equal.
 */

/** The model a document is counted and priced on when it names none (`tokenLens.defaultModel`). */
export const DEFAULT_MODEL_ID = 'claude-sonnet-4-6';

/** Tokens a tool definition may cost before it gets a warning (`tokenLens.toolOverheadThreshold`, CLI `--max-tool-tokens`). */
export const DEFAULT_TOOL_THRESHOLD = 500;

/** Tokens one MCP server's tools may cost up front before it gets a warning (`tokenLens.mcpServerThreshold`). */
export const DEFAULT_SERVER_THRESHOLD = 5_000;

/** Most `count_tokens` calls per minute (`tokenLens.rateLimitPerMinute`, CLI `--rpm`). */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 50;

/** Milliseconds of quiet after an edit before the exact count is asked for (`tokenLens.debounceMs`). */
export const DEFAULT_DEBOUNCE_MS = 500;

/** Longest Token Lens waits for an MCP server to start and list its tools (editor and CLI). */
export const DEFAULT_MCP_TIMEOUT_SECONDS = 20;
