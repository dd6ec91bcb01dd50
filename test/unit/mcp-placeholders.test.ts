import { strict as assert } from 'node:assert';
import * as os from 'node:os';
import * as path from 'node:path';
import { inputIdsOf, resolveServer } from '../../src/core/mcp/placeholders';
import { markDeferred, toMessagesTool } from '../../src/core/mcp/convert';
import { stdioDef } from '../support/mcp';

describe('MCP placeholders and tool conversion', () => {
  it('resolves ${env:X}, ${X}, ${X:-default}, ${input:id} (asked once) and named variables in every field', async () => {
    const asked: string[] = [];
    const def = stdioDef('ok', {
      command: '${workspaceFolder}/bin/server',
      args: ['--token', '${input:tok}', '--again=${input:tok}', '${HOME_DIR}/x'],
      cwd: '${env:WORK}',
      env: { A: '${env:ONE}-${TWO}', B: '${MISSING:-dflt}', C: 'plain $NOT {a}' },
      headers: { X: 'v=${env:ONE}' },
    });
    const r = await resolveServer(def, {
      env: { ONE: '1', TWO: '2', WORK: '/w', HOME_DIR: '/h' },
      variables: { workspaceFolder: '/ws' },
      resolveInput: async (id) => (asked.push(id), 'T'),
    });
    assert.deepEqual(r, {
      ok: true,
      value: { command: '/ws/bin/server', args: ['--token', 'T', '--again=T', '/h/x'], cwd: '/w', env: { A: '1-2', B: 'dflt', C: 'plain $NOT {a}' }, url: undefined, headers: { X: 'v=1' } },
    });
    assert.deepEqual(asked, ['tok']);
    assert.deepEqual(inputIdsOf(def), ['tok']);
  });

  it("Claude Code's .mcp.json: ${NAME} and ${NAME:-default} expand, other forms pass as written as the agent does", async () => {
    const def = stdioDef('ok', { configKind: 'mcp.json', args: ['${input:x}', '${env:ONE}', '${ONE}', '${NONE:-d}', '${userHome}'] });
    const r = await resolveServer(def, { env: { ONE: '1', userHome: '/env-home' }, resolveInput: async () => assert.fail('not asked') });
    assert.deepEqual(r.ok && r.value.args, ['${input:x}', '${env:ONE}', '1', 'd', '/env-home']);
    const missing = await resolveServer(stdioDef('ok', { configKind: 'mcp.json', env: { T: '${GITHUB_TOKEN}' } }), { env: {} });
    assert.equal(missing.ok, false);
    if (!missing.ok) assert.match(missing.message, /\$\{GITHUB_TOKEN\} \(environment variable GITHUB_TOKEN is not set\) in env T/);
  });

  it("VS Code's predefined variables: userHome, workspaceFolderBasename, pathSeparator", async () => {
    const r = await resolveServer(stdioDef('ok', { args: ['${userHome}', '${workspaceFolderBasename}', 'a${pathSeparator}b'] }), { env: {}, variables: { workspaceFolder: '/x/proj' } });
    assert.deepEqual(r.ok && r.value.args, [os.homedir(), 'proj', `a${path.sep}b`]);
  });

  it('an unresolvable placeholder fails naming it and the field, never with its value', async () => {
    const def = stdioDef('ok', { env: { SECRET: 'sk-known-value', T: '${env:NOPE}' } });
    const r = await resolveServer(def, { env: {} });
    assert.deepEqual(r, { ok: false, message: "MCP server 'ok': ${env:NOPE} (environment variable NOPE is not set) in env T is not resolved." });
    const unknown = await resolveServer(stdioDef('ok', { args: ['${config:editor.x}'] }), { env: {} });
    assert.equal(unknown.ok, false);
    if (!unknown.ok) assert.match(unknown.message, /\$\{config:editor\.x\} \(unknown variable\) in args\[0\]/);
    const thrown = await resolveServer(stdioDef('ok', { args: ['${input:x}'] }), { resolveInput: async () => Promise.reject(new Error('cancelled by user')) });
    assert.equal(thrown.ok, false);
  });

  it('converts a tools/list tool to the Messages API form', () => {
    assert.deepEqual(
      toMessagesTool({ name: 'n', title: 'T', description: 'd', inputSchema: { type: 'object', properties: {} }, outputSchema: {}, annotations: {}, _meta: {} }),
      { name: 'n', description: 'd', input_schema: { type: 'object', properties: {} } },
    );
    assert.deepEqual(toMessagesTool({ name: 'n', inputSchema: { type: 'object' } }, true), { name: 'n', input_schema: { type: 'object' }, defer_loading: true });
    assert.equal(toMessagesTool({ description: 'no name' }), undefined);
    assert.deepEqual(markDeferred([{ name: 'a', input_schema: {} }, { name: 'b', input_schema: {}, defer_loading: true }], (n) => n === 'a').map((t) => t.defer_loading), [true, true]);
  });
});
