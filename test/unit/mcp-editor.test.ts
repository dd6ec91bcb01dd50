// The editor's MCP source (src/extension/mcp/) over a working stand-in of the vscode API: trust,
// the per-server question, the remembered decision, revoke, inputs. A server that appends to a
// marker file when it starts proves what ran.
import { fake, fakeLog, MemoryMemento } from '../support/vscode-fake-mcp';
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { createEditorMcpToolSource, type EditorMcp } from '../../src/extension/mcp/editorSource';
import { MCP_DECISIONS_KEY } from '../../src/extension/mcp/permissions';
import type { McpServerDef } from '../../src/core/context/mcp-types';
import { stdioDef } from '../support/mcp';

const tick = () => new Promise((r) => setTimeout(r, 20));

describe('editor MCP source: trust, permission, revoke', function () {
  this.timeout(30_000);
  let dir: string;
  let marker: string;
  let def: McpServerDef;
  let mcp: EditorMcp;
  let state: MemoryMemento;
  let log: ReturnType<typeof fakeLog>;
  let changes: number;

  beforeEach(() => {
    fake.reset();
    dir = mkdtempSync(path.join(os.tmpdir(), 'tl-mcp-ed-'));
    fake.folder = path.join(__dirname, '..');
    marker = path.join(dir, 'started');
    def = stdioDef('ok', { name: 'github', env: { MARKER_FILE: marker } });
    state = new MemoryMemento();
    log = fakeLog();
    const context = { workspaceState: state, globalStorageUri: { fsPath: dir } } as unknown as vscode.ExtensionContext;
    mcp = createEditorMcpToolSource(context, { log: log.channel as unknown as vscode.LogOutputChannel, timeoutMs: () => 15_000 });
    changes = 0;
    mcp.onDidChange(() => changes++);
  });
  afterEach(() => {
    mcp.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  const starts = () => (existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n').length : 0);

  it('untrusted: nothing starts, nobody is asked, the answer says why; granting trust makes the footprint ask again', async () => {
    fake.trusted = false;
    const r = await mcp.source.tools(def);
    assert.equal(r.status, 'not-started');
    if (r.status === 'not-started') assert.equal(r.reason, 'untrusted');
    await tick();
    assert.deepEqual(fake.shown, []);
    assert.equal(starts(), 0);
    await mcp.allowCommand();
    assert.match(fake.shown[0]?.[1] ?? '', /starts no MCP server in an untrusted workspace/);
    fake.grantTrust();
    assert.equal(changes, 1);
  });

  it('asks once per definition, with what it runs; "Allow" is remembered by hash and the server then starts', async () => {
    fake.answers.push('Allow');
    const first = await mcp.source.tools(def);
    assert.equal(first.status, 'not-started');
    await tick();
    assert.equal(fake.shown.length, 1);
    const [kind, message, buttons] = fake.shown[0]!;
    assert.equal(kind, 'info');
    assert.match(message, /^Start MCP server 'github' from fixtures\/mcp\/\.vscode\/mcp\.json to count its tools\? It runs `.*node.* .*stdio-server\.mjs ok`\.$/);
    assert.deepEqual(buttons, ['Allow', 'Not now']);
    assert.equal(starts(), 0, 'nothing before the answer');
    assert.equal(changes, 1, 'the decision asks the footprint to recount');
    const stored = state.get<Record<string, unknown>>(MCP_DECISIONS_KEY)!;
    assert.deepEqual(Object.keys(stored), [def.hash]);
    assert.ok(!JSON.stringify(stored).includes('MARKER_FILE'), 'no env in the stored decision');
    const second = await mcp.source.tools(def);
    assert.equal(second.status, 'ok', JSON.stringify(second));
    assert.equal(starts(), 1);
    assert.ok(log.lines.some((l) => /MCP server 'github' .*: 3 tools/.test(l)));
    // A changed definition is a new server: asked again.
    fake.answers.push('Not now');
    const changed = await mcp.source.tools({ ...def, args: [...def.args!, 'extra'], hash: 'changed' });
    assert.equal(changed.status, 'not-started');
    await tick();
    assert.equal(fake.shown.length, 2);
  });

  it('the allow command given a server (the CodeLens, the view row) allows that one without a pick; untrusted, nothing', async () => {
    await mcp.source.tools(def); // seen (and asked; the notification is left unanswered)
    await tick();
    assert.equal(starts(), 0);
    fake.quickPick = () => assert.fail('no pick when the server is named');
    await mcp.allowCommand(def.hash);
    assert.deepEqual(Object.keys(state.get<Record<string, unknown>>(MCP_DECISIONS_KEY)!), [def.hash]);
    assert.ok(changes >= 1, 'the footprint is asked to recount');
    assert.equal((await mcp.source.tools(def)).status, 'ok');
    assert.equal(starts(), 1);
    // Untrusted: the named server is not allowed.
    fake.trusted = false;
    const other = { ...def, hash: 'other' };
    await mcp.source.tools(other);
    await mcp.allowCommand(other.hash);
    assert.deepEqual(Object.keys(state.get<Record<string, unknown>>(MCP_DECISIONS_KEY)!), [def.hash]);
    assert.match(fake.shown.at(-1)?.[1] ?? '', /starts no MCP server in an untrusted workspace/);
  });

  it('a late answer to the notification, once the server was allowed another way, changes nothing', async () => {
    let answer!: (choice: string) => void;
    fake.answers.push(new Promise((resolve) => (answer = resolve)));
    await mcp.source.tools(def);
    await tick();
    await mcp.allowCommand(def.hash); // the CodeLens, while the notification is still open
    const changesAfterAllow = changes;
    const allowedLines = () => log.lines.filter((l) => /allowed/.test(l)).length;
    const logged = allowedLines();
    answer('Allow');
    await tick();
    assert.equal(changes, changesAfterAllow, 'no second recount');
    assert.equal(allowedLines(), logged, 'not logged twice');
    assert.equal((await mcp.source.tools(def)).status, 'ok');
  });

  it('"Not now" is not asked again this session and starts nothing', async () => {
    fake.answers.push('Not now');
    await mcp.source.tools(def);
    await tick();
    await mcp.source.tools(def);
    await tick();
    assert.equal(fake.shown.length, 1);
    assert.equal(starts(), 0);
    assert.equal(state.get(MCP_DECISIONS_KEY), undefined);
  });

  it('revoking stops the server from starting again; the cached list is said to be cached', async () => {
    await mcp.permissions.allow(def);
    assert.equal((await mcp.source.tools(def)).status, 'ok');
    assert.equal(starts(), 1);
    fake.quickPick = (items) => items;
    await mcp.revokeCommand();
    const after = await mcp.source.tools(def);
    assert.equal(after.status, 'ok');
    if (after.status === 'ok') {
      assert.equal(after.cached, true);
      assert.equal(after.notStarted, 'not-allowed');
    }
    assert.equal(starts(), 1);
  });

  it('${input:…} is asked masked (unless the input says password: false) and never stored', async () => {
    await mcp.permissions.allow(def);
    const withInput: McpServerDef = { ...def, env: { ...def.env, TOOL_PREFIX: '${input:prefix}' }, inputs: [{ id: 'prefix', description: 'Tool prefix', password: false }], hash: 'in' };
    await mcp.permissions.allow(withInput);
    fake.inputAnswer = 'typed-value-xyz';
    const r = await mcp.source.tools(withInput);
    if (r.status === 'ok') assert.equal(r.tools[0]!.name, 'typed-value-xyz_0');
    else assert.fail(JSON.stringify(r));
    assert.deepEqual(fake.inputBoxes.map((b) => [b.prompt, b.password]), [['Tool prefix', false]]);
    const secret: McpServerDef = { ...withInput, env: { ...def.env, TOOL_PREFIX: '${input:other}' }, inputs: undefined, hash: 'in2' };
    await mcp.permissions.allow(secret);
    await mcp.source.tools(secret);
    assert.equal(fake.inputBoxes[1]?.password, true);
    // Cancelled: a failure that says how to be asked again.
    fake.inputAnswer = undefined;
    const cancelled = await mcp.source.tools({ ...secret, env: { ...def.env, TOOL_PREFIX: '${input:third}' }, hash: 'in3' }).catch((e) => e);
    assert.equal(cancelled.status, 'not-started', 'not allowed yet');
    await mcp.permissions.allow({ ...secret, hash: 'in4' });
    const failed = await mcp.source.tools({ ...secret, env: { ...def.env, TOOL_PREFIX: '${input:third}' }, hash: 'in4' });
    assert.equal(failed.status, 'failed');
    if (failed.status === 'failed') assert.match(failed.message, /\$\{input:third\} \(no value was given for input 'third'; run "Token Lens: Refresh MCP Tool Lists" to be asked again\)/);
    // Not in the stored decisions, not in the log (the cache holds only the tools the server returned).
    const stored = JSON.stringify(state.get(MCP_DECISIONS_KEY)) + log.lines.join('\n');
    assert.ok(!stored.includes('typed-value-xyz'));
  });
});
