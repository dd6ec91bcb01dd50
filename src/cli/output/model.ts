/**
 * What each command found, independent of the output format. The `--json` output is these
 * objects (see README "JSON output"), so field names here are part of the documented schema.
 */
import type { CountedFile, ErrorFile, FileReport } from '../count';

/** Diagnostics that repeat a limit `check` already reports as an offender (not told twice). */
export const LIMIT_DIAGNOSTICS: ReadonlySet<string> = new Set(['over-budget', 'over-budget-usd', 'tool-over-threshold']);

/** Shared by every command's result. */
export interface RunInfo {
  version: string;
  /** True when every number is an estimate: `--offline`, or no API key. */
  offline: boolean;
  /** Why, when `offline`: `"offline"` (the flag) or `"no-key"`. */
  offlineReason: 'offline' | 'no-key' | null;
  pricesAsOf: string;
  /** The project config used, relative to the working directory; null without one. */
  config: string | null;
}

export interface CountResult extends RunInfo {
  command: 'count';
  files: FileReport[];
}

/** A limit a file goes over, pointed at the line to fix. */
export interface Offender {
  path: string;
  /** 1-based: the tool's line for a tool, line 1 for the whole request. */
  line: number;
  /** 1-based, in UTF-16 code units: the tool's name for a tool, 1 for the whole request. */
  column: number;
  /**
   * `budget`: input tokens per request; `budget-usd`: a dollar budget (which one in `usdRule`);
   * `max-tool-tokens`: tokens of one tool definition;
   * `max-context-tokens`: the workspace's always-loaded agent context (at its largest source);
   * `max-server-tokens`: one MCP server's tools (at the server's line in its config).
   */
  rule: 'budget' | 'budget-usd' | 'max-tool-tokens' | 'max-context-tokens' | 'max-server-tokens';
  /** The MCP server's name, for `max-server-tokens`. */
  server?: string;
  /** The tool's name, for `max-tool-tokens`. */
  tool?: string;
  /** For `budget-usd`: `input` (USD per request), `worstCase` (with max_tokens of output) or `per1000` (input USD per 1,000 requests). */
  usdRule?: 'input' | 'worstCase' | 'per1000';
  /** For `budget-usd`: what the file costs under that rule, USD (`limit` is then USD too). */
  usd?: number;
  tokens: number;
  exact: boolean;
  limit: number;
  /** Where the limit was set: `--budget`, `.tokenlens.json`, `.tokenlens.json overrides[0] (prompts/agents/**)`. */
  limitFrom: string;
  message: string;
}

/** A counted file in `check`'s report: count's entry plus the limits that applied to it. */
export type CheckedFile = CountedFile & {
  limits: { budget: number | null; maxToolTokens: number | null; budgetUSD: { input?: number; worstCase?: number; per1000?: number } | null };
};

export interface CheckResult extends RunInfo {
  command: 'check';
  /** No offender and no error. */
  ok: boolean;
  summary: { files: number; counted: number; exact: number; estimated: number; offenders: number; errors: number };
  offenders: Offender[];
  /** The workspace's context footprint, when a context limit was checked (absent otherwise). */
  context?: ContextResult;
  /** Files that could not be read or parsed, and arguments that named nothing (`line` null). */
  errors: ErrorFile[];
  files: (CheckedFile | Exclude<FileReport, CountedFile>)[];
}

/** One side of a file in `diff`: counted, or why not. */
export type DiffSide =
  | {
      model: string;
      inputTokens: number;
      exact: boolean;
      source: 'api' | 'cache' | 'estimate';
      /** Input cost of one request, and with worst-case output at `max_tokens`; null when the price is unknown. */
      costUSD: { input: number | null; total: number | null };
    }
  | { error: string; line: number | null };

export interface DiffEntry {
  path: string;
  /** `changed`: the content differs (the tokens may not); `unchanged`: identical content. */
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  /** At REF; null for an added file. */
  before: DiffSide | null;
  /** In the working tree; null for a removed file. */
  after: DiffSide | null;
  /** After less before (a missing side counts as 0); null when a side has an error or no price. */
  delta: { inputTokens: number | null; inputUSD: number | null };
}

export interface DiffTotalsSide {
  inputTokens: number;
  /** Sum over files with a known price. */
  inputUSD: number;
  exact: boolean;
}

export interface DiffResult extends RunInfo {
  command: 'diff';
  /** As given on the command line. */
  ref: string;
  /** The commit it names (null when REF names a tree rather than a commit). */
  commit: string | null;
  files: DiffEntry[];
  totals: {
    before: DiffTotalsSide;
    after: DiffTotalsSide;
    delta: { inputTokens: number; inputUSD: number };
    files: { added: number; removed: number; changed: number; unchanged: number };
    /** Files left out of the USD sums for want of a price. */
    unpriced: number;
  };
  /** Files that could not be read or parsed, on either side. */
  errors: (ErrorFile & { side: 'ref' | 'now' })[];
}

/** A token count and whether it is exact. */
export interface ContextTokens {
  inputTokens: number;
  exact: boolean;
}

/** One source of the context footprint (`token-lens context`). */
export interface ContextSourceEntry {
  /** memory, import, nested-memory, skill, agent, command. */
  kind: string;
  name: string;
  path: string;
  line: number;
  /** Added to every request. */
  upFront: ContextTokens;
  /** Added when it is used (a skill's body, a nested CLAUDE.md). */
  onUse: ContextTokens;
  /** For an import: the file and line of its `@path`. */
  importedFrom: { path: string; line: number } | null;
  /** Input cost of the up-front tokens per request; null when the price is unknown. */
  costUSD: number | null;
  /** Share of the model's context window the up-front tokens take, 0..1; null when the window is unknown. */
  windowShare: number | null;
}

export interface ContextToolEntry extends ContextTokens {
  /** As the agent sends it to the model (`mcp__<server>__<tool>` for a `.mcp.json` server). */
  name: string;
  /** As the server's `tools/list` gives it. */
  mcpName: string;
  /** `defer_loading`: not loaded up front, not in the total. */
  deferred: boolean;
}

export interface ContextServerEntry {
  name: string;
  /** The config file and the line of the server's key. */
  path: string;
  line: number;
  transport: 'stdio' | 'http' | 'sse';
  /** `ok`: tools known (`cached` says whether from an earlier run); else why not. */
  status: 'ok' | 'not-started' | 'failed';
  cached: boolean;
  /** Why the tools are not known (`cli-opt-in`, `not-allowed`, `untrusted`), else null. */
  reason: string | null;
  message: string | null;
  upFront: ContextTokens;
  deferred: ContextTokens;
  costUSD: number | null;
  windowShare: number | null;
  /** Largest first. */
  tools: ContextToolEntry[];
}

export interface ContextProblemEntry {
  path: string;
  line: number | null;
  column: number | null;
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
}

/** `token-lens context`: what an agent loads from the workspace before the user types. */
export interface ContextResult extends RunInfo {
  command: 'context';
  /** The workspace folder, as given. */
  root: string;
  model: string;
  /** One count of the whole always-loaded context. */
  total: ContextTokens & {
    source: 'api' | 'cache' | 'estimate';
    /** Why it is an estimate, else null. */
    reason: string | null;
    costUSD: number | null;
    contextWindow: number | null;
    /** Share of the context window, 0..1; null when the window is unknown. */
    windowShare: number | null;
  };
  /** What the parts do not account for (request framing, the tool-use system prompt): parts + framing = total. */
  framing: ContextTokens;
  /** Largest up-front first. */
  sources: ContextSourceEntry[];
  /** Largest first; servers whose tools are not known last. */
  servers: ContextServerEntry[];
  problems: ContextProblemEntry[];
  /** What is not in the count, said once. */
  notCounted: string;
}

export type CommandResult = CountResult | CheckResult | DiffResult | ContextResult;

/** The LIMIT column of an offender, in words: `budget`, `tool get_weather`, `agent context`, `MCP server github`. */
export function offenderLimit(o: Offender): string {
  switch (o.rule) {
    case 'budget':
      return 'budget';
    case 'budget-usd':
      return 'dollar budget';
    case 'max-tool-tokens':
      return `tool ${o.tool ?? ''}`;
    case 'max-context-tokens':
      return 'agent context';
    case 'max-server-tokens':
      return `MCP server ${o.server ?? ''}`;
  }
}

/** Rounds USD sums so they print without float noise. */
export function roundUSD(n: number): number {
  return Math.round(n * 1e10) / 1e10;
}
