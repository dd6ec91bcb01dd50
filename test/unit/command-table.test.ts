// The command table (src/extension/commandTable.ts) is what the extension registers; package.json
// is what VS Code reads before any code runs. They must say the same thing.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import '../support/vscode-stub';
import { COMMAND_CATEGORY, COMMAND_TABLE, COMMANDS, REPORT_KINDS, TITLES, viewType, type CommandRow } from '../../src/extension/commandTable';
import { COMMAND_HANDLERS } from '../../src/extension/commandHandlers';

interface ManifestCommand {
  command: string;
  title: string;
  category?: string;
  icon?: string;
}
interface ManifestMenuEntry {
  command: string;
  when?: string;
  group?: string;
}
const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  activationEvents: string[];
  contributes: { commands: ManifestCommand[]; menus: Record<string, ManifestMenuEntry[]> };
};

const rows = Object.values(COMMAND_TABLE) as CommandRow[];
const byCommand = (a: { command: string }, b: { command: string }) => a.command.localeCompare(b.command);

describe('command table and package.json', () => {
  it('contributes exactly the table commands, with their titles, category and icons', () => {
    const fromTable: ManifestCommand[] = rows.map((r) => ({ command: r.id, title: r.title, category: COMMAND_CATEGORY, ...(r.icon ? { icon: r.icon } : {}) }));
    assert.deepEqual([...pkg.contributes.commands].sort(byCommand), fromTable.sort(byCommand));
  });

  it('places the commands in exactly the menus the table names, with the same when-clauses and groups', () => {
    const fromTable: Record<string, ManifestMenuEntry[]> = {};
    for (const r of rows) {
      for (const m of r.menus ?? []) {
        (fromTable[m.menu] ??= []).push({ command: r.id, ...(m.when !== undefined ? { when: m.when } : {}), ...(m.group !== undefined ? { group: m.group } : {}) });
      }
    }
    assert.deepEqual(Object.keys(pkg.contributes.menus).sort(), Object.keys(fromTable).sort());
    for (const [menu, entries] of Object.entries(pkg.contributes.menus)) {
      assert.deepEqual([...entries].sort(byCommand), (fromTable[menu] ?? []).sort(byCommand), menu);
    }
  });

  it('activates on exactly the report panels of the table, so a panel left open comes back after a reload', () => {
    const panels = pkg.activationEvents.filter((e) => e.startsWith('onWebviewPanel:')).sort();
    assert.deepEqual(panels, REPORT_KINDS.map((k) => `onWebviewPanel:${viewType(k)}`).sort());
    assert.ok(REPORT_KINDS.length > 0);
    // Commands activate the extension by themselves (VS Code adds onCommand for contributed commands).
    assert.deepEqual(pkg.activationEvents.filter((e) => e.startsWith('onCommand:')), []);
  });

  it('has one row per id, every id under tokenLens., a handler per row, and COMMANDS/TITLES/REPORT_KINDS read from the rows', () => {
    const ids = rows.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length, 'unique ids');
    for (const id of ids) assert.match(id, /^tokenLens\.[a-zA-Z]+$/);
    for (const [key, row] of Object.entries(COMMAND_TABLE) as [keyof typeof COMMAND_TABLE, CommandRow][]) {
      assert.equal(COMMANDS[key], row.id, key);
      assert.equal(TITLES[key], row.title, key);
      assert.equal(REPORT_KINDS.includes(key as never), row.report === true, key);
      assert.equal(typeof COMMAND_HANDLERS[key], 'function', key);
    }
    assert.deepEqual(Object.keys(COMMAND_HANDLERS).sort(), Object.keys(COMMAND_TABLE).sort());
  });
});
