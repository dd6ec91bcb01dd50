import { parseArgs } from 'node:util';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { hasFileLimits, hasLimits } from '../core/config/project';
import { DEFAULT_MODEL_ID, DEFAULT_RATE_LIMIT_PER_MINUTE, DEFAULT_TOOL_THRESHOLD } from '../core/defaults';
import { checkExitCode, runCheck, type ContextCheck } from './commands/check';
import { contextOffenders, contextResult, footprintOf, type ContextLimits } from './commands/context';
import { createCliMcpToolSource } from './mcp';
import { countExitCode, countPaths, runInfo, type CommandContext } from './commands/count';
import { runDiff } from './commands/diff';
import { publishGithub, wantsGithub, type GithubFlags } from './github/publish';
import { DEFAULT_FORMAT, FORMAT_FLAGS, FORMAT_OPTIONS, FORMATS, formatsHelp, type FormatName } from './output/formats';
import type { CommandResult, CountResult } from './output/model';
import { messageLines } from './output/escape/terminal';
import { progressPrinter } from './output/progress';
import { routeConsoleToStderr } from './console-guard';
import { openSession, type Io, type Session } from './session';

const COMMON_OPTIONS = `${formatsHelp()}

Counting:
  --model ID         count every file on this model (default: the file's own model,
                     else the project config's, else ${DEFAULT_MODEL_ID})
  --offline          never call the API; use the local estimate (said so in every output)
  --cache-dir DIR    where exact counts are cached (default $XDG_CACHE_HOME/token-lens
                     or ~/.cache/token-lens)
  --rpm N            most count_tokens calls per minute (default ${DEFAULT_RATE_LIMIT_PER_MINUTE})
  --concurrency N    files analysed at once (default 16)
  --max-wait SECONDS longest the run waits on the API in all (default 600); past it,
                     and after sustained 429/5xx answers, the rest is estimated,
                     each file saying why

Limits (on the command line they win over the project config):
  --budget N         input tokens allowed per request
  --budget-usd X     USD of input allowed per request (priced with the file's fast mode
                     and data residency); .tokenlens.json "budgetUSD" also sets a worst
                     case and a per-1,000-requests limit
  --max-tool-tokens N
                     tokens allowed per tool definition (--threshold N is the same)
  --max-context-tokens N
                     check only: tokens the agent context of the workspace may take
                     before the user types (see token-lens context)
  --max-server-tokens N
                     check only: tokens one MCP server's tools may take up front
  --config FILE      the project config to use (default: .tokenlens.json, or the
                     "tokenLens" key of package.json, here or in a folder above, up to
                     the git root)
  --no-config        ignore any project config

GitHub Actions (each besides the output format above):
  --step-summary     append the --markdown report to the job summary ($GITHUB_STEP_SUMMARY)
  --pr-comment       put the --markdown report in the pull request's one Token Lens comment
                     (found by its hidden <!-- token-lens --> marker: created once, then
                     updated); needs GITHUB_TOKEN with pull-requests: write; without a pull
                     request or permission it warns and the exit code is unchanged
  --step-outputs     write the totals to $GITHUB_OUTPUT (total-tokens, total-usd, ...)
  --sarif FILE       check only: also write the findings as SARIF 2.1.0, for code scanning

Agent context (context, and check with a context limit):
  --mcp-config FILE  one more MCP config file to read (repeatable), besides .mcp.json
                     and .vscode/mcp.json
  --start-mcp-servers
                     start the workspace's MCP servers to list their tools (runs code
                     from the repository: CI opts in); without it, their last cached
                     tool lists are used and said to be so

  -h, --help         show this help
  --version          print the version

Exact counts need ANTHROPIC_API_KEY; ANTHROPIC_BASE_URL changes the endpoint.`;

const USAGE = `Usage: token-lens count [options] PATH...
       token-lens check [options] [PATH...]
       token-lens diff REF [options] [PATH...]
       token-lens context [options] [PATH]

Counts the input tokens of Claude prompt and payload files (Messages API request
bodies in JSON/JSONC/YAML, tool lists, prompt Markdown) and what they cost.
PATH may be a file, a folder (walked for prompt and payload files) or a glob.

Commands:
  count   tokens and cost of each file
  check   fail (exit 1) when a file is over its budget or a tool over its limit,
          listing each with file and line; PATH defaults to "."
  diff    tokens and cost of each file at git REF and now, the change, new and
          removed files; files at REF are read with git, not checked out
  context what a coding agent loads from the workspace folder PATH (default ".")
          before the user types: CLAUDE.md and its imports, skills, subagents,
          slash commands and MCP servers' tools, per source and in total

${COMMON_OPTIONS}

Exit codes: 0 ok; 1 a limit exceeded (check); 2 usage error, a path that matches
nothing, a bad project config or git ref, or a file that could not be read or parsed.`;

const COMMAND_USAGE: Record<string, string> = {
  count: `Usage: token-lens count [options] PATH...

Tokens and cost of each prompt or payload file PATH names.
Exit codes: 0 counted; 2 usage error, a path that matches nothing, or a file that could not be read or parsed.

${COMMON_OPTIONS}`,
  check: `Usage: token-lens check [options] [PATH...]

Checks each prompt or payload file under PATH (default ".") against its limits:
--budget / --budget-usd / --max-tool-tokens, else the project config's (per-glob overrides).
Exit codes: 0 within limits; 1 a limit exceeded (each listed with file:line);
2 usage error, no limits given, a bad project config, a file that could not be read or parsed,
or the --sarif FILE that could not be written.

${COMMON_OPTIONS}`,
  diff: `Usage: token-lens diff REF [options] [PATH...]

Tokens and cost of each prompt or payload file under PATH (default ".") at git REF
(a commit, branch or tag; read with git, not checked out) and in the working tree:
the change, new and removed files, and totals. Unchanged content costs no API call.
Exit codes: 0 compared; 2 usage error, not a git repository, a bad REF, or a file in
the working tree that could not be read or parsed.

${COMMON_OPTIONS}`,
  context: `Usage: token-lens context [options] [PATH]

What a coding agent (Claude Code) loads from the workspace folder PATH (default ".") into
every request before the user types: CLAUDE.md and CLAUDE.local.md (root and .claude/) with
their @imports, the names and descriptions of skills, subagents and slash commands, and the
tool definitions of the MCP servers in .mcp.json and .vscode/mcp.json. Counted exactly
through count_tokens (one count of the whole, each part by its marginal cost, the framing
as the remainder), or estimated (≈) without a key. Nested CLAUDE.md files and skill bodies
are shown as loaded on use. The agent's own system prompt and built-in tools are not counted.
Exit codes: 0 counted; 2 usage error or a folder that cannot be read.

${COMMON_OPTIONS}`,
};

/** A mistake on the command line: printed with its message, exit code 2. Never leaves this module. */
class UsageError extends Error {}

function positiveInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive whole number, not "${raw}"`);
  return n;
}

function positiveUSD(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw.trim().replace(/^\$/, ''));
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive amount of USD such as 0.05, not "${raw}"`);
  return n;
}

/** `--max-wait` when not given: a rate-limited run of hundreds of files still finishes, a 429 storm or a hung API does not hold CI for longer. */
const DEFAULT_MAX_WAIT_SECONDS = 600;

/** Runs the CLI; resolves to the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        offline: { type: 'boolean' },
        ...FORMAT_OPTIONS,
        'cache-dir': { type: 'string' },
        threshold: { type: 'string' },
        'max-tool-tokens': { type: 'string' },
        budget: { type: 'string' },
        'budget-usd': { type: 'string' },
        rpm: { type: 'string' },
        concurrency: { type: 'string' },
        'max-wait': { type: 'string' },
        config: { type: 'string' },
        'no-config': { type: 'boolean' },
        'step-summary': { type: 'boolean' },
        'pr-comment': { type: 'boolean' },
        'step-outputs': { type: 'boolean' },
        sarif: { type: 'string' },
        'max-context-tokens': { type: 'string' },
        'max-server-tokens': { type: 'string' },
        'mcp-config': { type: 'string', multiple: true },
        'start-mcp-servers': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (err) {
    io.stderr(`${messageLines('token-lens: ', (err as Error).message)}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (command === 'help') {
    const topic = rest[0];
    io.stdout(`${topic !== undefined && Object.hasOwn(COMMAND_USAGE, topic) ? COMMAND_USAGE[topic] : USAGE}\n`);
    return 0;
  }
  if (command === undefined) {
    (values.help ? io.stdout : io.stderr)(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (!Object.hasOwn(COMMAND_USAGE, command)) {
    io.stderr(`${messageLines('token-lens: ', `unknown command "${command}"`)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${COMMAND_USAGE[command]}\n`);
    return 0;
  }

  let session: Session | undefined;
  try {
    const formats = FORMAT_FLAGS.filter((f) => values[f]);
    if (formats.length > 1) throw new UsageError(`choose one output format, not ${formats.map((f) => `--${f}`).join(' and ')}`);
    const format: FormatName = formats[0] ?? DEFAULT_FORMAT;
    if (values.threshold !== undefined && values['max-tool-tokens'] !== undefined) throw new UsageError('--threshold and --max-tool-tokens are the same limit: give one');
    if (values.config !== undefined && values['no-config']) throw new UsageError('--config and --no-config contradict each other');
    const maxToolTokens = positiveInt(values.threshold !== undefined ? '--threshold' : '--max-tool-tokens', values.threshold ?? values['max-tool-tokens']);
    const budget = positiveInt('--budget', values.budget);
    const budgetUSD = positiveUSD('--budget-usd', values['budget-usd']);
    const rpm = positiveInt('--rpm', values.rpm) ?? DEFAULT_RATE_LIMIT_PER_MINUTE;
    const concurrency = positiveInt('--concurrency', values.concurrency);
    const maxWaitSeconds = positiveInt('--max-wait', values['max-wait']) ?? DEFAULT_MAX_WAIT_SECONDS;
    const maxContextTokens = positiveInt('--max-context-tokens', values['max-context-tokens']);
    const maxServerTokens = positiveInt('--max-server-tokens', values['max-server-tokens']);
    if ((maxContextTokens !== undefined || maxServerTokens !== undefined) && command !== 'check') throw new UsageError('--max-context-tokens and --max-server-tokens are options of check');
    const mcpConfigFiles = values['mcp-config'] ?? [];
    if ((mcpConfigFiles.length > 0 || values['start-mcp-servers']) && command !== 'context' && command !== 'check') throw new UsageError('--mcp-config and --start-mcp-servers are options of context and check');
    if (mcpConfigFiles.some((f) => f === '')) throw new UsageError('--mcp-config needs a FILE');
    if (values.model !== undefined && values.model.trim() === '') throw new UsageError('--model needs a model id');
    const github: GithubFlags = { sarif: values.sarif, stepSummary: values['step-summary'] === true, prComment: values['pr-comment'] === true, stepOutputs: values['step-outputs'] === true };
    if (github.sarif !== undefined && (command !== 'check' || github.sarif === '')) throw new UsageError('--sarif FILE is an option of check');

    let ref: string | undefined;
    let paths = rest;
    if (command === 'count' && paths.length === 0) throw new UsageError('count needs at least one PATH');
    if (command === 'diff') {
      [ref, ...paths] = rest;
      if (ref === undefined || ref === '') throw new UsageError('diff needs a git REF (a commit, branch or tag) to compare with');
    }
    if (command === 'context' && paths.length > 1) throw new UsageError('context takes one workspace folder');
    if (command !== 'count' && paths.length === 0) paths = ['.'];

    const opened = await openSession(io, {
      offline: values.offline === true,
      cacheDir: values['cache-dir'],
      rpm,
      maxWaitSeconds,
      configFile: values.config,
      noConfig: values['no-config'] === true,
    });
    if (!opened.ok) throw new UsageError(opened.message);
    session = opened.session;
    const contextLimits: ContextLimits = { from: {} };
    for (const [key, flag, value] of [['maxContextTokens', '--max-context-tokens', maxContextTokens], ['maxServerTokens', '--max-server-tokens', maxServerTokens]] as const) {
      const fromConfig = session.project?.[key];
      if (value !== undefined || fromConfig !== undefined) {
        contextLimits[key] = value ?? fromConfig;
        contextLimits.from[key] = value !== undefined ? flag : displayConfig(session.projectShown);
      }
    }
    const hasContextLimits = contextLimits.maxContextTokens !== undefined || contextLimits.maxServerTokens !== undefined;
    if (command === 'check' && budget === undefined && budgetUSD === undefined && maxToolTokens === undefined && !hasLimits(session.project) && !hasContextLimits) {
      throw new UsageError(
        'check has no limits to check: give --budget N, --budget-usd X, --max-tool-tokens N, --max-context-tokens N and/or --max-server-tokens N, or set "budget"/"budgetUSD"/"maxToolTokens"/"maxContextTokens"/"maxServerTokens" in .tokenlens.json (or the "tokenLens" key of package.json)',
      );
    }
    const contextOptions = {
      session,
      cwd: io.cwd,
      ...(values.model ? { model: values.model.trim() } : {}),
      mcpConfigFiles,
      // Servers run only with --start-mcp-servers; otherwise their last cached lists, said to be so.
      // A server that failed (the failure, its stderr) is told on stderr, never in the report; a
      // server that listed its tools says nothing (its stderr chatter is not the user's business).
      mcp: createCliMcpToolSource({
        start: values['start-mcp-servers'] === true,
        cwd: io.cwd,
        env: io.env,
        ...(values['cache-dir'] !== undefined ? { cacheDir: values['cache-dir'] } : {}),
        workspaceFolder: paths[0] ?? '.',
        log: (line, level) => level === 'problem' && io.stderr(messageLines('token-lens: mcp: ', line)),
      }).source,
    };

    const ctx: CommandContext = {
      session,
      cwd: io.cwd,
      flags: { ...(values.model ? { model: values.model.trim() } : {}), ...(budget !== undefined ? { budget } : {}), ...(budgetUSD !== undefined ? { budgetUSD: { input: budgetUSD } } : {}), ...(maxToolTokens !== undefined ? { maxToolTokens } : {}) },
      concurrency,
      onProgress: io.isTTY && FORMATS[format].progress ? progressPrinter(io.stderr) : undefined,
    };
    const info = runInfo(session, VERSION);
    const pathCtx = { cwd: io.cwd, env: io.env };
    let result: CommandResult;
    let code: number;
    if (command === 'count') {
      const report = await countPaths(paths, ctx, DEFAULT_TOOL_THRESHOLD);
      for (const m of report.unmatched) io.stderr(messageLines('token-lens: ', `${m.arg}: ${m.problem}`));
      const { version, ...shared } = info;
      result = { version, command: 'count', ...shared, files: report.files } satisfies CountResult;
      code = countExitCode(report);
    } else if (command === 'context') {
      const root = paths[0]!;
      const problem = await folderProblem(path.resolve(io.cwd, root));
      if (problem) throw new UsageError(`${root}: ${problem}`);
      result = contextResult(await footprintOf(root, contextOptions), root, io.cwd, info);
      code = 0;
    } else if (command === 'check') {
      let context: ContextCheck | undefined;
      if (hasContextLimits) {
        // The workspace is the one folder given, else the working directory.
        const only = paths.length === 1 && (await folderProblem(path.resolve(io.cwd, paths[0]!))) === undefined ? paths[0]! : '.';
        const fp = contextResult(await footprintOf(only, contextOptions), only, io.cwd, info);
        context = { result: fp, offenders: contextOffenders(fp, contextLimits) };
      }
      const countFiles = budget !== undefined || maxToolTokens !== undefined || hasFileLimits(session.project) || !hasContextLimits;
      result = await runCheck(paths, ctx, info, context, countFiles);
      code = checkExitCode(result);
    } else {
      const diff = await runDiff(ref!, paths, ctx, info);
      if (!diff.ok) throw new UsageError(diff.message);
      result = diff.result;
      code = diff.code;
    }
    const out = FORMATS[format].render(result, pathCtx);
    io.stdout(out);
    const markdown = () => (format === 'markdown' ? out : FORMATS.markdown.render(result, pathCtx));
    if (wantsGithub(github)) code = Math.max(code, await publishGithub(result, markdown, github, io, VERSION));
    return code;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(messageLines('token-lens: ', err.message));
    return 2;
  } finally {
    await session?.close();
  }
}

/** Why `dir` is not a folder to look into, or undefined when it is one. */
async function folderProblem(dir: string): Promise<string | undefined> {
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat) return 'no such folder';
  return stat.isDirectory() ? undefined : 'not a folder: context looks at a workspace folder';
}

function displayConfig(shown: string | null): string {
  return shown ?? '.tokenlens.json';
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

if (require.main === module) {
  routeConsoleToStderr((t) => process.stderr.write(t), process.env.ANTHROPIC_API_KEY?.trim());
  run(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTTY: process.stderr.isTTY === true,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`token-lens: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
