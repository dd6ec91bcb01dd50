/**
 * Start-up cost of the bundled extension, measured against loading the Anthropic SDK in the same
 * run: activation must not pay for the SDK (it is loaded on the first count).
 *
 *   npm run build:prod && node --import tsx bench/activation.ts
 *
 * Each sample runs in a fresh Node process so module caches do not carry over. `vscode` is a
 * stub that answers every API call with a no-op, so what is timed is the extension's own work:
 * evaluating the bundle and running activate().
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { median } from './stats';

const ROOT = path.resolve(__dirname, '..');
const BUNDLE = path.join(ROOT, 'dist', 'extension.js');

/** Runs in a child: stubs `vscode`, loads the bundle, activates, prints milliseconds. */
const CHILD = String.raw`
const Module = require('module');
const { performance } = require('perf_hooks');
const noop = () => stub;
const disposable = { dispose() {} };
const stub = new Proxy(function () {}, {
  get(_t, key) {
    if (key === 'then') return undefined;
    if (key === 'dispose') return () => {};
    if (key === Symbol.toPrimitive) return () => '';
    return stub;
  },
  set() { return true; },
  apply() { return stub; },
  construct() { return stub; },
});
class EventEmitter { constructor() { this.event = () => disposable; } fire() {} dispose() {} }
const vscode = { EventEmitter, Disposable: class { constructor(f) { this.dispose = f; } } };
for (const name of ['CodeLens', 'Diagnostic', 'DiagnosticSeverity', 'MarkdownString', 'Position', 'QuickPickItemKind', 'Range', 'Selection',
  'StatusBarAlignment', 'TextEditorRevealType', 'ThemeColor', 'ThemeIcon', 'TreeItem', 'TreeItemCollapsibleState', 'Uri', 'commands', 'languages']) vscode[name] = stub;
vscode.workspace = new Proxy({ textDocuments: [], isTrusted: true, getConfiguration: () => ({ get: () => undefined, inspect: () => undefined }) }, { get: (t, k) => (k in t ? t[k] : String(k).startsWith('onDid') ? () => disposable : noop) });
vscode.window = new Proxy({ activeTextEditor: undefined }, { get: (t, k) => (k in t ? t[k] : noop) });
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'vscode' ? vscode : load.call(this, request, ...rest); };
const what = process.argv[1];
let loadMs = 0;
const t0 = performance.now();
if (what === 'sdk') {
  require(process.argv[2]);
} else {
  const ext = require(process.argv[2]);
  loadMs = performance.now() - t0;
  const context = { subscriptions: [], extensionUri: { fsPath: require('path').dirname(require('path').dirname(process.argv[2])), path: '/' }, secrets: { get: async () => undefined, onDidChange: () => disposable }, workspaceState: { get: (k, d) => d, update: async () => {} }, globalStorageUri: { fsPath: require('os').tmpdir() + '/tl-bench-' + process.pid } };
  vscode.Uri = { joinPath: (base, ...parts) => ({ fsPath: require('path').join(base.fsPath, ...parts) }) };
  ext.activate(context);
}
const ms = performance.now() - t0;
const sdkLoaded = Object.keys(require.cache).some((k) => k.includes('@anthropic-ai' + '/sdk'));
process.stdout.write(JSON.stringify({ ms, loadMs, sdkLoaded }));
`;

interface Sample {
  ms: number;
  loadMs: number;
  sdkLoaded: boolean;
}

function sample(what: 'extension' | 'sdk', target: string): Sample {
  const out = execFileSync(process.execPath, ['-e', CHILD, what, target], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out) as Sample;
}

export function main(runs = 15): string {
  const ext: number[] = [];
  const load: number[] = [];
  const sdk: number[] = [];
  let sdkLoadedByActivation = false;
  const sdkEntry = require.resolve('@anthropic-ai/sdk', { paths: [ROOT] });
  // Interleaved, so both see the same machine load.
  for (let i = 0; i < runs; i++) {
    const e = sample('extension', BUNDLE);
    sdkLoadedByActivation ||= e.sdkLoaded;
    ext.push(e.ms);
    load.push(e.loadMs);
    sdk.push(sample('sdk', sdkEntry).ms);
  }
  const kb = (file: string) => (statSync(file).size / 1024).toFixed(0);
  const lines = [
    '## Start-up and size',
    '',
    `| measure | value |`,
    `|---|--:|`,
    `| bundle load + activate(), median of ${runs} fresh processes | ${median(ext).toFixed(1)} ms |`,
    `| of which evaluating the bundle | ${median(load).toFixed(1)} ms |`,
    `| of which activate() | ${(median(ext) - median(load)).toFixed(1)} ms |`,
    `| require('@anthropic-ai/sdk') alone, same runs | ${median(sdk).toFixed(1)} ms |`,
    `| ratio activation / SDK load | ${(median(ext) / median(sdk)).toFixed(2)} |`,
    `| SDK evaluated during activation | ${sdkLoadedByActivation ? 'yes (regression!)' : 'no (lazy)'} |`,
    `| dist/extension.js | ${kb(BUNDLE)} KB |`,
    `| dist/cli.js | ${kb(path.join(ROOT, 'dist', 'cli.js'))} KB |`,
    '',
  ];
  return lines.join('\n');
}

if (require.main === module) console.log(main());
