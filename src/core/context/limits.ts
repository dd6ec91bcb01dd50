/**
 * The context limits (`maxContextTokens`, `maxServerTokens` in `.tokenlens.json`, or
 * `--max-context-tokens` / `--max-server-tokens`) applied to a footprint: what goes over them,
 * where to show it and in which words. `token-lens check` and the editor say the same thing.
 *
 * Pure TypeScript, no `vscode` import.
 */
import { formatTokens } from '../format';
import type { Footprint, ServerCount } from './footprint';
import type { McpServerDef } from './mcp-types';

export interface ContextLimits {
  maxContextTokens?: number;
  maxServerTokens?: number;
  /** Where each limit came from, for messages (`.tokenlens.json`, `--max-context-tokens`). */
  from: { maxContextTokens?: string; maxServerTokens?: string };
}

/** One up-front part, for the "largest:" list of a message. */
export interface NamedPart {
  name: string;
  tokens: number;
  exact: boolean;
}

/** `the agent context loaded before the user types is 9,120 tokens, over the limit of 8,000 by 1,120 (limit from …); largest: …` */
export function contextOverMessage(tokens: number, exact: boolean, limit: number, from: string, largest: readonly NamedPart[]): string {
  return `the agent context loaded before the user types is ${formatTokens(tokens, exact)} tokens, over the limit of ${formatTokens(limit)} by ${formatTokens(tokens - limit, exact)} (limit from ${from}); largest: ${largest.map((p) => `${p.name} ${formatTokens(p.tokens, p.exact)}`).join(', ') || 'none'}`;
}

/** `MCP server "github" loads 26 tools costing 18,412 tokens on every request, over the limit of 8,000 per server (limit from …); largest: …` */
export function serverOverMessage(name: string, toolCount: number, tokens: number, exact: boolean, limit: number, from: string, largestTools: readonly NamedPart[]): string {
  return `MCP server "${name}" loads ${toolCount} tools costing ${formatTokens(tokens, exact)} tokens on every request, over the limit of ${formatTokens(limit)} per server (limit from ${from}); largest: ${largestTools.map((t) => `${t.name} ${formatTokens(t.tokens, t.exact)}`).join(', ')}`;
}

/** The largest up-front parts of a footprint: sources and MCP servers, largest first. */
export function largestFootprintParts(fp: Footprint, n = 3): (NamedPart & { file: string; line: number })[] {
  const parts = [
    ...fp.sources.filter((s) => s.upFront.tokens > 0).map((s) => ({ name: s.source.name, file: s.source.file, line: s.source.line, tokens: s.upFront.tokens, exact: s.upFront.exact })),
    ...fp.servers.filter((s) => s.upFront.tokens > 0).map((s) => ({ name: `${s.server.name} (MCP server)`, file: s.server.configFile, line: s.server.line ?? 1, tokens: s.upFront.tokens, exact: s.upFront.exact })),
  ];
  return parts.sort((a, b) => b.tokens - a.tokens).slice(0, n);
}

export interface ContextLimitFinding {
  rule: 'max-context-tokens' | 'max-server-tokens';
  /** Where to show it: the root CLAUDE.md's line 1 (else the largest source) for the context; the server's line in its config. */
  file: string;
  line: number;
  tokens: number;
  exact: boolean;
  limit: number;
  from: string;
  /** For `max-server-tokens`. */
  server?: McpServerDef;
  message: string;
}

/** What in `fp` goes over `limits`: the whole, and each server. Equal to a limit is within it. */
export function contextLimitFindings(fp: Footprint, limits: ContextLimits): ContextLimitFinding[] {
  const findings: ContextLimitFinding[] = [];
  const { maxContextTokens, maxServerTokens } = limits;
  if (maxContextTokens !== undefined && fp.total.tokens > maxContextTokens) {
    const from = limits.from.maxContextTokens ?? '--max-context-tokens';
    const largest = largestFootprintParts(fp);
    // The project memory is where the context starts; without one, the largest part.
    const memory = fp.sources.find((s) => s.source.kind === 'memory' && s.upFront.tokens > 0);
    const at = memory ? { file: memory.source.file, line: 1 } : (largest[0] ?? { file: fp.root, line: 1 });
    findings.push({ rule: 'max-context-tokens', file: at.file, line: at.line, tokens: fp.total.tokens, exact: fp.total.exact, limit: maxContextTokens, from, message: contextOverMessage(fp.total.tokens, fp.total.exact, maxContextTokens, from, largest) });
  }
  if (maxServerTokens !== undefined) {
    const from = limits.from.maxServerTokens ?? '--max-server-tokens';
    for (const s of fp.servers) {
      if (s.upFront.tokens <= maxServerTokens) continue;
      findings.push({ rule: 'max-server-tokens', file: s.server.configFile, line: s.server.line ?? 1, tokens: s.upFront.tokens, exact: s.upFront.exact, limit: maxServerTokens, from, server: s.server, message: serverOverMessage(s.server.name, s.tools.length, s.upFront.tokens, s.upFront.exact, maxServerTokens, from, topTools(s)) });
    }
  }
  return findings;
}

function topTools(s: ServerCount): NamedPart[] {
  return s.tools.filter((t) => !t.deferred).slice(0, 3).map((t) => ({ name: t.tool.name, tokens: t.tokens, exact: t.exact }));
}
