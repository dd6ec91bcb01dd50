/**
 * What the context footprint finds in a workspace before anything is counted: the sources an
 * agent loads (project memory and its imports, skills, subagents, slash commands), the MCP server
 * definitions, and the problems met on the way, each on its file and line.
 *
 * Pure TypeScript, no `vscode` import.
 */
import type { Severity, SourceRange } from '../types';
import type { McpServerDef } from './mcp-types';

/**
 * - `memory`: `CLAUDE.md` / `CLAUDE.local.md` at the root or in `.claude/`, loaded at start;
 * - `import`: a file a memory file imports with `@path`, loaded with it;
 * - `nested-memory`: a `CLAUDE.md` in a subfolder, loaded when the agent reads files there;
 * - `skill`, `agent`, `command`: name and description up front, the rest on use.
 */
export type SourceKind = 'memory' | 'import' | 'nested-memory' | 'skill' | 'agent' | 'command';

export interface ContextSource {
  /** Stable within a workspace: the kind and the path relative to the root (`skill:.claude/skills/pdf/SKILL.md`). */
  id: string;
  kind: SourceKind;
  /** As shown: `CLAUDE.md`, `docs/style.md`, `skill pdf`, `agent reviewer`, `/deploy`. */
  name: string;
  /** Absolute path. */
  file: string;
  /** Where a click goes in `file` (a skill's name in its front matter); the start of the file when absent. */
  range?: SourceRange;
  /** 1-based line of `range` (1 without one). */
  line: number;
  /** For an import: the importing source's id, and where the `@path` is in the importing file. */
  importedFrom?: { id: string; file: string; range: SourceRange; line: number };
  /** Import hops from the memory file (1 for its own imports). */
  depth?: number;
  /** The text loaded into every request (empty when nothing is). */
  upFront: string;
  /** The text loaded when the source is used (a skill's body, a nested CLAUDE.md); empty when none. */
  onUse: string;
}

/** Something wrong with a source or a config file, on its line. */
export interface ContextProblem {
  /** Absolute path of the file the problem is in. */
  file: string;
  range?: SourceRange;
  /** 1-based, when `range` is set. */
  line?: number;
  /** 1-based, in UTF-16 code units, when `range` is set. */
  column?: number;
  severity: Severity;
  /** Stable: `import-missing`, `import-cycle`, `import-too-deep`, `mcp-config-syntax`, ... */
  code: string;
  message: string;
  /** For a missing or unreadable import: the file it points at (watched, so its arrival is seen). */
  target?: string;
}

/** Everything discovered in one workspace folder. */
export interface ContextInventory {
  root: string;
  sources: ContextSource[];
  servers: McpServerDef[];
  /** The MCP config files that were read (absolute). */
  configFiles: string[];
  problems: ContextProblem[];
}
