// The decision commands' helpers that need no editor: the manifest entries (read from the command
// table, loaded with a stand-in for \`vscode\`), the HTML escaping of the report panels, and the
// treemap layout (moved from test/e2e/decisions.e2e.ts).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_ROUTING, validateRouting } from '../../src/core/decisions/routing';
import { escapeHtml, html } from '../../src/extension/reports/html';
import { squarify } from '../../src/extension/reports/treemap';
import { registry } from '../support/docs';
import '../support/vscode-stub';
import { COMMANDS as DECISION_COMMANDS, REPORT_KINDS, viewType } from '../../src/extension/commandTable';

const ROOT = path.resolve(__dirname, '..', '..');

describe('decision commands: pure helpers', () => {
  it('declares every decision command and a routing default that validates', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      activationEvents: string[];
      contributes: { commands: { command: string }[]; configuration: { properties: Record<string, { default?: unknown }> } };
    };
    for (const id of Object.values(DECISION_COMMANDS)) assert.equal(pkg.contributes.commands.filter((x) => x.command === id).length, 1, id);
    // Report panels left open are brought back after a reload: the extension must wake up for them.
    for (const kind of REPORT_KINDS) assert.ok(pkg.activationEvents.includes(`onWebviewPanel:${viewType(kind)}`), kind);
    const routing = pkg.contributes.configuration.properties['tokenLens.routing']?.default;
    assert.deepEqual(routing, JSON.parse(JSON.stringify(DEFAULT_ROUTING)));
    assert.deepEqual(validateRouting(routing, registry).findings, [], 'the default validates');
  });

  it('escapes every interpolated text', () => {
    const evil = '<img src=x onerror="alert(1)">&\'`';
    const out = html`<td title="${evil}">${evil}</td>`.value;
    assert.ok(!out.includes('<img') && !out.includes('"alert'), out);
    assert.equal(out, `<td title="${escapeHtml(evil)}">${escapeHtml(evil)}</td>`);
    assert.equal(html`${[html`<b>`, 'x<y']}`.value, '<b>x&#60;y');
  });

  it('lays out a treemap whose areas are proportional to the values', () => {
    const values = [500, 300, 120, 50, 20, 10, 0];
    const cells = squarify(values.map((value, i) => ({ value, item: i })), 0, 0, 1000, 400);
    assert.equal(cells.length, 6, 'zero is left out');
    const total = values.reduce((a, b) => a + b, 0);
    for (const c of cells) {
      assert.ok(Math.abs(c.w * c.h - (values[c.item]! / total) * 400_000) < 1e-6, `area of ${c.item}`);
      assert.ok(c.x >= -1e-9 && c.y >= -1e-9 && c.x + c.w <= 1000 + 1e-6 && c.y + c.h <= 400 + 1e-6, 'inside');
    }
  });
});
