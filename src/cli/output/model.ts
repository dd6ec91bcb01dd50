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
   * `max-tool-tokens`: tokens of one tool definition.
   */
  rule: 'budget' | 'budget-usd' | 'max-tool-tokens';
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

export type CommandResult = CountResult | CheckResult | DiffResult;

/** Rounds USD sums so they print without float noise. */
export function roundUSD(n: number): number {
  return Math.round(n * 1e10) / 1e10;
}
