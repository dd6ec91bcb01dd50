/**
 * `token-lens context [PATH]`: the context footprint of a workspace folder, what an agent loads
 * before the user types; and the context limits of `check` (`--max-context-tokens`,
 * `--max-server-tokens`).
 */
import * as path from 'node:path';
import { discoverContext } from '../../core/context/discover';
import { computeFootprint, type Footprint } from '../../core/context/footprint';
import { contextOverMessage, serverOverMessage, type ContextLimits } from '../../core/context/limits';
import type { McpToolSource } from '../../core/context/mcp-types';
import { costOf } from '../../core/models/cost';
import { IGNORED_DIR_NAMES, displayPath } from '../files';
import type { ContextResult, ContextTokens, Offender, RunInfo } from '../output/model';
import type { Session } from '../session';

/** Said in every output: what the footprint does not include. */
export const NOT_COUNTED =
  "Not counted: the agent's own system prompt and built-in tools (not in the workspace), user-level memory, skills and servers outside the workspace, and MCP servers whose tools are not known.";

export interface ContextOptions {
  session: Session;
  cwd: string;
  /** `--model`, else the project config's, else the default. */
  model?: string;
  mcpConfigFiles: string[];
  mcp: McpToolSource;
  home?: string;
}

/** Discovers and counts the footprint of `root`. */
export async function footprintOf(root: string, options: ContextOptions): Promise<Footprint> {
  const abs = path.resolve(options.cwd, root);
  const inventory = await discoverContext(abs, { mcpConfigFiles: options.mcpConfigFiles.map((f) => path.resolve(options.cwd, f)), ignoreDirs: IGNORED_DIR_NAMES, ...(options.home ? { home: options.home } : {}) });
  const settings = options.session.settingsFor(options.model ? { model: options.model } : {}, Number.POSITIVE_INFINITY)(path.join(abs, 'CLAUDE.md'));
  const modelId = settings.analyze.modelOverride ?? settings.analyze.defaultModel;
  const fp = await computeFootprint(inventory, { registry: options.session.registry, modelId, counting: options.session.counting, mcp: options.mcp });
  return fp!;
}

const tokens = (t: { tokens: number; exact: boolean }): ContextTokens => ({ inputTokens: t.tokens, exact: t.exact });

/** The footprint as the CLI reports it (the `--json` schema). */
export function contextResult(fp: Footprint, root: string, cwd: string, info: RunInfo): ContextResult {
  const shown = (file: string) => displayPath(file, cwd);
  const share = (n: number) => (fp.contextWindow ? n / fp.contextWindow : null);
  const price = (n: number) => (fp.model ? (costOf(fp.model, { inputTokens: n }).input ?? null) : null);
  const { version, ...rest } = info;
  return {
    version,
    command: 'context',
    ...rest,
    root,
    model: fp.modelId,
    total: {
      ...tokens(fp.total),
      source: fp.total.source,
      reason: fp.total.reason ?? null,
      costUSD: fp.costUSD ?? null,
      contextWindow: fp.contextWindow ?? null,
      windowShare: fp.windowShare ?? null,
    },
    framing: tokens(fp.framing),
    sources: fp.sources.map(({ source, upFront, onUse }) => ({
      kind: source.kind,
      name: source.name,
      path: shown(source.file),
      line: source.line,
      upFront: tokens(upFront),
      onUse: tokens(onUse),
      importedFrom: source.importedFrom ? { path: shown(source.importedFrom.file), line: source.importedFrom.line } : null,
      costUSD: price(upFront.tokens),
      windowShare: share(upFront.tokens),
    })),
    servers: fp.servers.map((s) => ({
      name: s.server.name,
      path: shown(s.server.configFile),
      line: s.server.line ?? 1,
      transport: s.server.transport,
      status: s.list.status,
      cached: s.list.status === 'ok' && s.list.cached,
      reason: s.list.status === 'not-started' ? s.list.reason : null,
      message: s.list.status === 'ok' ? null : s.list.message,
      upFront: tokens(s.upFront),
      deferred: tokens(s.deferred),
      costUSD: price(s.upFront.tokens),
      windowShare: share(s.upFront.tokens),
      tools: s.tools.map((t) => ({ name: t.tool.name, mcpName: t.mcpName, inputTokens: t.tokens, exact: t.exact, deferred: t.deferred })),
    })),
    problems: fp.problems.map((p) => ({ path: shown(p.file), line: p.line ?? null, column: p.column ?? null, severity: p.severity, code: p.code, message: p.message })),
    notCounted: NOT_COUNTED,
  };
}

/** The largest up-front parts, for a limit's message: `github (MCP) 8,000; CLAUDE.md 2,000; …`. */
export function largestParts(r: ContextResult, n = 3): { name: string; path: string; line: number; tokens: number; exact: boolean }[] {
  const parts = [
    ...r.sources.filter((s) => s.upFront.inputTokens > 0).map((s) => ({ name: s.name, path: s.path, line: s.line, tokens: s.upFront.inputTokens, exact: s.upFront.exact })),
    ...r.servers.filter((s) => s.upFront.inputTokens > 0).map((s) => ({ name: `${s.name} (MCP server)`, path: s.path, line: s.line, tokens: s.upFront.inputTokens, exact: s.upFront.exact })),
  ];
  return parts.sort((a, b) => b.tokens - a.tokens).slice(0, n);
}

export type { ContextLimits } from '../../core/context/limits';

/** What goes over the context limits: the whole (at its largest source) and each server. */
export function contextOffenders(r: ContextResult, limits: ContextLimits): Offender[] {
  const offenders: Offender[] = [];
  const { maxContextTokens, maxServerTokens } = limits;
  if (maxContextTokens !== undefined && r.total.inputTokens > maxContextTokens) {
    const { inputTokens, exact } = r.total;
    const largest = largestParts(r);
    const at = largest[0] ?? { path: r.root, line: 1 };
    const from = limits.from.maxContextTokens ?? '--max-context-tokens';
    offenders.push({
      path: at.path,
      line: at.line,
      column: 1,
      rule: 'max-context-tokens',
      tokens: inputTokens,
      exact,
      limit: maxContextTokens,
      limitFrom: from,
      message: contextOverMessage(inputTokens, exact, maxContextTokens, from, largest),
    });
  }
  if (maxServerTokens !== undefined) {
    const from = limits.from.maxServerTokens ?? '--max-server-tokens';
    for (const s of r.servers) {
      if (s.upFront.inputTokens <= maxServerTokens) continue;
      const top = s.tools.filter((t) => !t.deferred).slice(0, 3);
      offenders.push({
        path: s.path,
        line: s.line,
        column: 1,
        rule: 'max-server-tokens',
        server: s.name,
        tokens: s.upFront.inputTokens,
        exact: s.upFront.exact,
        limit: maxServerTokens,
        limitFrom: from,
        message: serverOverMessage(s.name, s.tools.length, s.upFront.inputTokens, s.upFront.exact, maxServerTokens, from, top.map((t) => ({ name: t.name, tokens: t.inputTokens, exact: t.exact }))),
      });
    }
  }
  return offenders;
}
