// The context limits (maxContextTokens, maxServerTokens) applied to a footprint, as the editor and
// `token-lens check` show them: what is over, where it goes, in which words; and what a server's
// CodeLens / view row says and does when its tools are not known.
import '../support/vscode-stub';
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { contextLimitsOf, parseProjectConfig } from '../../src/core/config/project';
import { discoverContext } from '../../src/core/context/discover';
import { computeFootprint, type Footprint } from '../../src/core/context/footprint';
import { contextLimitFindings } from '../../src/core/context/limits';
import { parseMcpConfig } from '../../src/core/context/mcp-config';
import type { McpServerDef, McpToolList } from '../../src/core/context/mcp-types';
import { serverAction, serverLensTitle } from '../../src/extension/contextFootprint';
import { registry } from '../support/docs';

const tool = (name: string, words: number) => ({ name, description: 'word '.repeat(words), input_schema: { type: 'object' } });

describe('context limits on a footprint', () => {
  let root: string;
  let fp: Footprint;

  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'tl-limits-'));
    await fs.writeFile(path.join(root, 'CLAUDE.md'), 'Line one.\n\nAlways run the tests.\n');
    await fs.mkdir(path.join(root, '.claude', 'skills', 's'), { recursive: true });
    await fs.writeFile(path.join(root, '.claude', 'skills', 's', 'SKILL.md'), '---\nname: s\ndescription: A skill.\n---\nBody\n');
    const mcpJson = '{\n  "mcpServers": {\n    "big": { "command": "b" },\n    "small": { "command": "s" },\n    "waiting": { "command": "w" }\n  }\n}\n';
    await fs.writeFile(path.join(root, '.mcp.json'), mcpJson);
    const inv = await discoverContext(root, { home: root });
    const lists: Record<string, McpToolList> = {
      big: { status: 'ok', fetchedAt: 1, cached: false, tools: [tool('a', 400), tool('b', 50)] },
      small: { status: 'ok', fetchedAt: 1, cached: false, tools: [tool('c', 5)] },
      waiting: { status: 'not-started', reason: 'not-allowed', message: "MCP server 'waiting' (w) was not started: you have not allowed it." },
    };
    fp = (await computeFootprint(inv, { registry, modelId: 'claude-sonnet-4-6', counting: { reason: 'no-key' }, mcp: { tools: async (s: McpServerDef) => lists[s.name]! } }))!;
  });
  after(() => fs.rm(root, { recursive: true, force: true }));

  const server = (name: string) => fp.servers.find((s) => s.server.name === name)!;

  it('reads the limits of a project config, naming it', () => {
    const { config } = parseProjectConfig(path.join(root, '.tokenlens.json'), '{ "maxContextTokens": 100, "maxServerTokens": 50 }');
    assert.deepEqual(contextLimitsOf(config), { maxContextTokens: 100, maxServerTokens: 50, from: { maxContextTokens: '.tokenlens.json', maxServerTokens: '.tokenlens.json' } });
    assert.deepEqual(contextLimitsOf(undefined), { from: {} });
  });

  it('over the context limit: on CLAUDE.md line 1, naming the largest sources; at the limit: nothing', () => {
    const total = fp.total.tokens;
    const [f, ...rest] = contextLimitFindings(fp, { maxContextTokens: total - 1, from: { maxContextTokens: '.tokenlens.json' } });
    assert.deepEqual(rest, []);
    assert.equal(f!.rule, 'max-context-tokens');
    assert.equal(f!.file, path.join(root, 'CLAUDE.md'));
    assert.equal(f!.line, 1);
    assert.match(f!.message, new RegExp(`^the agent context loaded before the user types is ≈${total.toLocaleString('en-US')} tokens, over the limit of ${(total - 1).toLocaleString('en-US')} by ≈1 \\(limit from \\.tokenlens\\.json\\); largest: big \\(MCP server\\) ≈[\\d,]+, `));
    assert.deepEqual(contextLimitFindings(fp, { maxContextTokens: total, from: {} }), []);
  });

  it('over the server limit: each server over it on its line in .mcp.json, with its largest tools; a server without tools never', () => {
    const big = server('big');
    const findings = contextLimitFindings(fp, { maxServerTokens: server('small').upFront.tokens, from: {} });
    assert.deepEqual(findings.map((f) => [f.rule, f.server?.name, f.file, f.line]), [['max-server-tokens', 'big', path.join(root, '.mcp.json'), 3]]);
    assert.match(findings[0]!.message, /^MCP server "big" loads 2 tools costing ≈[\d,]+ tokens on every request, over the limit of [\d,]+ per server \(limit from --max-server-tokens\); largest: mcp__big__a ≈[\d,]+, mcp__big__b ≈[\d,]+$/);
    assert.equal(findings[0]!.tokens, big.upFront.tokens);
    assert.deepEqual(contextLimitFindings(fp, { maxServerTokens: big.upFront.tokens, from: {} }), [], 'at the limit');
  });

  it("a server's CodeLens: its cost and the limit it is over; one waiting to be allowed says so, and its click is the allow command for that server", () => {
    const big = server('big');
    const over = contextLimitFindings(fp, { maxServerTokens: 1, from: {} }).find((f) => f.server?.name === 'big');
    assert.match(serverLensTitle(fp, big, over), /^big: 2 tools · ≈[\d,]+ tokens · ≈\$[\d.]+\/request · over the limit of 1$/);
    const waiting = server('waiting');
    assert.equal(serverLensTitle(fp, waiting), 'waiting: tools not known: not allowed to start yet · click to allow it');
    const fallback = { title: 'Show', command: 'tokenLens.showContextFootprint' };
    assert.deepEqual(serverAction(waiting, fallback), { title: 'Allow MCP Server', command: 'tokenLens.allowMcpServer', arguments: [waiting.server.hash] });
    assert.equal(serverAction(big, fallback), fallback);
    const untrusted = { ...waiting, list: { status: 'not-started' as const, reason: 'untrusted' as const, message: 'm' } };
    assert.equal(serverAction(untrusted, fallback).command, 'workbench.trust.manage');
    assert.equal(serverLensTitle(fp, untrusted), 'waiting: tools not known: the workspace is not trusted · click to manage trust');
    const failed = { ...waiting, list: { status: 'failed' as const, message: 'exited with code 3' } };
    assert.equal(serverAction(failed, fallback).command, 'tokenLens.showLog');
  });

  it("a project config's servers parse with their agent's naming", () => {
    const [def] = parseMcpConfig('{"mcpServers":{"x":{"command":"c"}}}', path.join(root, '.mcp.json'), 'mcp.json').servers;
    assert.equal(def!.agent, 'claude-code');
  });
});
