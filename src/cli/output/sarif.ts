/**
 * `check --sarif FILE`: the check's findings as a SARIF 2.1.0 log, for GitHub code scanning
 * (`github/codeql-action/upload-sarif`) or any SARIF viewer. One rule per kind of finding: the two
 * limits (`budget`, `max-tool-tokens`), a file that could not be read or parsed (`unreadable-file`),
 * and each kind of file diagnostic (`over-context-window`, `thinking-budget-too-small`, ...) under
 * its diagnostic code. A pure function of the check result: nothing is read or written here.
 */
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { LIMIT_DIAGNOSTICS, type CheckedFile, type CheckResult } from './model';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** The rule of a file that could not be read or parsed. */
export const UNREADABLE_RULE = 'unreadable-file';

/** One-line descriptions of the kinds of findings; a code missing here gets a generic one. */
const DESCRIPTIONS: Record<string, string> = {
  budget: 'A request is over its input-token budget',
  'max-tool-tokens': 'A tool definition is over its token limit',
  'max-context-tokens': 'The agent context a workspace loads before the user types is over its token limit',
  'max-server-tokens': "An MCP server's tools are over their token limit",
  'budget-usd': 'A request is over a dollar budget (input per request, worst case per request, or input per 1,000 requests)',
  'over-budget-usd': 'A request is over a dollar budget',
  'fast-mode-unsupported': 'speed "fast" on a model without fast mode',
  'fast-mode-price-unknown': 'The fast-mode price of the model is unknown',
  'inference-geo-unsupported': 'inference_geo on a model that rejects it',
  'inference-geo-unknown': 'An inference_geo value the model is not known to accept',
  'max-tokens-batch-only': 'max_tokens above the ordinary limit, allowed through the Message Batches API with its beta',
  'batch-output-beta-unknown': 'A batch output beta Token Lens does not know for the model',
  [UNREADABLE_RULE]: 'A prompt or payload file could not be read or parsed',
  'over-context-window': "A request is larger than the model's context window",
  'over-context-window-with-output': "Input plus max_tokens is larger than the model's context window",
  'over-standard-context-window': "A request needs the model's extended (long) context window",
  'max-tokens-over-limit': "max_tokens is over the model's output limit",
  'max-tokens-assumed': 'max_tokens is missing; a default was assumed for the cost',
  'thinking-invalid': 'The thinking setting is invalid',
  'thinking-type-unknown': 'The thinking type is unknown',
  'thinking-cannot-disable': 'This model cannot run with thinking disabled',
  'thinking-mode-unsupported': 'The model does not support this thinking mode',
  'thinking-budget-missing': 'Thinking is enabled without budget_tokens',
  'thinking-budget-invalid': 'The thinking budget is invalid',
  'thinking-budget-too-small': 'The thinking budget is under the minimum',
  'thinking-budget-exceeds-max-tokens': 'The thinking budget is not below max_tokens',
  'model-retired': 'The model is retired',
  'model-retiring': 'The model is about to be retired',
  'model-deprecated': 'The model is deprecated',
  'unknown-model': 'The model is not in the price table',
  'forced-tool-choice-unsupported': 'A forced tool_choice is not supported with thinking',
  'too-many-cache-breakpoints': 'More cache_control breakpoints than the API allows',
  'cache-ttl-invalid': 'A cache_control TTL is invalid',
  'cache-prefix-below-minimum': 'A cached prefix is below the minimum cacheable length',
  'cache-prefix-inconsistent': 'Cache breakpoints are in an order the API rejects',
  'cache-minimum-unknown': "The model's minimum cacheable prefix is unknown",
  'cache-volatile-content': 'Content that looks generated per request sits inside a cached prefix (the cache will miss)',
  'cache-tools-after-breakpoint': "Tool definitions after a tool's cache breakpoint (uncached, or invalidating a later prefix)",
  'cache-control-on-thinking': 'A thinking block carries cache_control, which the API rejects',
  'thinking-bound-to-prefix': 'Thinking blocks are bound to the turns before them: dropping or editing those turns makes the API reject the request',
  'context-editing-not-counted': 'The number shown is before context editing',
  'uncountable-content': 'Content that cannot be counted exactly was estimated',
  'unknown-field': 'A field the Messages API does not know',
  'duplicate-key': 'A key appears twice',
  'invalid-tool': 'A tool definition is invalid',
  'invalid-tools': 'The tools list is invalid',
  'invalid-message': 'A message is invalid',
  'invalid-system': 'The system prompt is invalid',
  'invalid-model': 'The model field is invalid',
  'invalid-max-tokens': 'max_tokens is invalid',
  'invalid-betas': 'The betas list is invalid',
  'yaml-warning': 'A YAML problem',
  'front-matter-unclosed': "A prompt file's front matter is not closed",
  'front-matter-invalid': "A prompt file's front matter is invalid",
  'front-matter-role': "A prompt file's front matter names an unknown role",
};


export interface SarifOptions {
  /** The tool version written in the log. */
  version: string;
  /**
   * A report path (relative to the working directory) as a `/`-separated path relative to the
   * repository root, which code scanning resolves against the checkout.
   */
  repoPath: (shown: string) => string;
}

/** A relative path as a URI reference: each segment percent-encoded. */
function uriOf(repoPath: string): string {
  return repoPath.split('/').map(encodeURIComponent).join('/');
}

/**
 * The SARIF log of a check: every offender (level `error`), every file that could not be read or
 * parsed (`error`), and each counted file's warnings and errors (`warning` / `error`; infos are
 * left out). Arguments that named no file have no location and are left out (they make the run
 * exit 2 anyway).
 */
export function checkSarif(r: CheckResult, options: SarifOptions): Log {
  const rules: ReportingDescriptor[] = [];
  const ruleIndex = new Map<string, number>();
  const ruleOf = (id: string, level: 'error' | 'warning'): number => {
    let i = ruleIndex.get(id);
    if (i === undefined) {
      i = rules.length;
      ruleIndex.set(id, i);
      rules.push({
        id,
        name: id.replace(/(^|-)([a-z0-9])/g, (_, _d: string, c: string) => c.toUpperCase()),
        shortDescription: { text: DESCRIPTIONS[id] ?? `Token Lens finding: ${id}` },
        defaultConfiguration: { level },
      });
    }
    return i;
  };
  const result = (id: string, level: 'error' | 'warning', message: string, path: string, line: number | null, column: number | null): Result => ({
    ruleId: id,
    ruleIndex: ruleOf(id, level),
    level,
    message: { text: message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uriOf(options.repoPath(path)), uriBaseId: '%SRCROOT%' },
          region: { startLine: Math.max(1, line ?? 1), ...(column !== null && column >= 1 ? { startColumn: column } : {}) },
        },
      },
    ],
  });

  const results: Result[] = [
    ...r.offenders.map((o) => result(o.rule, 'error', o.message, o.path, o.line, o.column)),
    ...r.errors.filter((e) => r.files.some((f) => f.path === e.path)).map((e) => result(UNREADABLE_RULE, 'error', e.error, e.path, e.line, null)),
    ...r.files
      .filter((f): f is CheckedFile => 'inputTokens' in f)
      .flatMap((f) =>
        f.diagnostics
          .filter((d) => (d.severity === 'error' || d.severity === 'warning') && !LIMIT_DIAGNOSTICS.has(d.code))
          .map((d) => result(d.code, d.severity as 'error' | 'warning', d.message, f.path, d.line, d.column)),
      ),
  ];

  return {
    version: '2.1.0',
    $schema: SARIF_SCHEMA,
    runs: [
      {
        tool: { driver: { name: 'Token Lens', semanticVersion: options.version, version: options.version, rules } },
        results,
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}
