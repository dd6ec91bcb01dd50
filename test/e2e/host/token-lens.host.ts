// Token Lens tests inside the extension host (run by the e2e harness; see token-lens.e2e.ts, which
// launches code-server with the fake API in ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY and a copy of
// examples/ as the workspace). They drive the real `vscode` API and read the extension's state
// through the TokenLensApi that `activate` returns. Expected numbers come from the fake API's
// counting rule (token-lens-expected.ts), never from the extension.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { TokenLensApi } from '../../../src/extension/main';
import type { DocumentState } from '../../../src/extension/documents';
import { expectedFor } from '../token-lens-expected';

const EXTENSION_ID = 'token-lens.token-lens';

/** Polls `read` until `done` holds; fails with the last value seen. */
async function waitFor<T>(what: string, read: () => T, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${show(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = read();
  }
  return last;
}

function show(value: unknown): string {
  const state = value as Partial<DocumentState> | undefined;
  if (state && typeof state === 'object' && 'analysis' in state) {
    const a = state.analysis;
    return JSON.stringify({
      version: state.version,
      pending: state.pending,
      modelId: a?.modelId,
      total: a?.total,
      findings: a?.findings.map((f) => f.code),
    });
  }
  return JSON.stringify(value);
}

function fileUri(rel: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, ...rel.split('/'));
}

async function open(rel: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(fileUri(rel));
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

/** The document's state once its current version has a settled exact count. */
function settledExact(api: TokenLensApi, doc: vscode.TextDocument, extra: (s: DocumentState) => boolean = () => true): Promise<DocumentState | undefined> {
  return waitFor(
    `an exact count of ${doc.uri.path} at version ${doc.version}`,
    () => api.documents.get(doc.uri),
    (s) => !!s && s.version === doc.version && !s.pending && s.analysis?.total.exact === true && extra(s),
  );
}

function overThreshold(state: DocumentState | undefined): string[] {
  return (state?.analysis?.findings ?? []).filter((f) => f.code === 'tool-over-threshold').map((f) => f.message);
}

describe('Token Lens in the extension host', function () {
  let api: TokenLensApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<TokenLensApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    api = await ext.activate();
    assert.ok(api?.documents && api.engine, 'activate() returns the TokenLensApi');
    await api.engine.whenReady();
    await waitFor('exact counting mode', () => api.engine.mode, (m) => m.exact);
  });

  afterEach(async () => {
    // Revert first: closing a modified editor would wait on a "Save changes?" dialog.
    // Only our documents: VS Code's own (the user settings.json while a setting is written) are not ours to touch.
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.path ?? '/nonexistent';
    const ours = (d: vscode.TextDocument) => d.uri.scheme === 'untitled' || (d.uri.scheme === 'file' && d.uri.path.startsWith(`${folder}/`));
    for (const doc of vscode.workspace.textDocuments.filter((d) => d.isDirty && ours(d))) {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('counts a payload exactly: tools exact, parts plus overhead equal the total', async () => {
    const doc = await open('support-agent.json');
    const want = expectedFor(doc.uri.fsPath, doc.getText());
    const state = await settledExact(api, doc);
    const a = state!.analysis!;
    assert.equal(a.modelId, want.modelId);
    assert.equal(a.total.tokens, want.total);
    const tools = a.parts.filter((p) => p.part.kind === 'tool');
    assert.equal(tools.length, want.tools.length);
    for (const [i, t] of tools.entries()) {
      assert.equal(t.part.name, want.tools[i]!.name);
      assert.equal(t.exact, true, `${t.part.name} is exact`);
      assert.equal(t.tokens, want.tools[i]!.tokens, `${t.part.name} tokens`);
    }
    assert.ok(a.parts.some((p) => p.part.kind === 'system') && a.parts.some((p) => p.part.kind === 'message'));
    const sum = a.parts.reduce((s, p) => s + p.tokens, 0);
    assert.equal(sum + a.overhead.tokens, a.total.tokens, 'parts + overhead = total');
    assert.ok(a.overhead.tokens >= 0);
  });

  it('after 10 rapid edits shows the count of the last version, with far fewer API calls than edits', async () => {
    // Typing speed is the test's to set, not the machine's: on a loaded machine one applyEdit can
    // take longer than the default pause, and each such pause rightly ends in a count. A pause of
    // 2 s holds the 10 edits in one quiet period; the edit gaps are in the message if not.
    const config = vscode.workspace.getConfiguration('tokenLens');
    await config.update('debounceMs', 2_000, vscode.ConfigurationTarget.Global);
    try {
      const doc = await open('prompts/summarize.prompt.md');
      await settledExact(api, doc);
      // The Explorer view's first scan counts every file, and the context footprint (CLAUDE.md, the
      // subagent) is counted once: let both finish, so only our calls are counted.
      await api.files.getChildren();
      await api.footprints.idle();
      const callsBefore = api.engine.client.apiCalls;
      const versions: number[] = [];
      const gaps: number[] = [];
      let last = Date.now();
      for (let i = 0; i < 10; i++) {
        const edit = new vscode.WorkspaceEdit();
        edit.insert(doc.uri, doc.positionAt(doc.getText().length), ` rapid edit ${i}.`);
        assert.equal(await vscode.workspace.applyEdit(edit), true);
        versions.push(doc.version);
        gaps.push(Date.now() - last);
        last = Date.now();
      }
      assert.equal(new Set(versions).size, 10, 'each edit made a new version');
      const state = await settledExact(api, doc);
      assert.equal(state!.version, doc.version);
      assert.equal(state!.analysis!.total.tokens, expectedFor(doc.uri.fsPath, doc.getText()).total);
      const calls = api.engine.client.apiCalls - callsBefore;
      assert.ok(calls >= 1 && calls <= 3, `API calls for 10 edits: ${calls} (ms between edits: ${gaps.join(', ')})`);
      await vscode.commands.executeCommand('workbench.action.files.revert');
      assert.equal(doc.isDirty, false);
    } finally {
      await config.update('debounceMs', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('forgets a document once it is closed', async () => {
    // An untitled prompt file: VS Code keeps a file's TextDocument alive for minutes after its tab
    // closes (onDidCloseTextDocument waits until then), but disposes a reverted untitled one at once.
    const uri = fileUri('scratch.prompt.md').with({ scheme: 'untitled' });
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    assert.equal(await editor.edit((b) => b.insert(new vscode.Position(0, 0), 'Say hello in three languages, one line each.')), true);
    const state = await settledExact(api, doc);
    assert.equal(state!.analysis!.total.tokens, expectedFor(uri.fsPath, doc.getText()).total);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await waitFor('the closed document to be forgotten', () => api.documents.get(uri), (s) => s === undefined, 30_000);
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()), 'VS Code closed it');
  });

  it('counts on the model picked for the file (setModelOverride), and back', async () => {
    const doc = await open('support-agent.json');
    const own = expectedFor(doc.uri.fsPath, doc.getText());
    const opus = expectedFor(doc.uri.fsPath, doc.getText(), 'claude-opus-4-7');
    assert.notEqual(opus.total, own.total, 'the two tokenizers count differently');
    await settledExact(api, doc);
    try {
      await api.documents.setModelOverride(doc.uri, 'claude-opus-4-7');
      const state = await settledExact(api, doc, (s) => s.analysis?.modelId === 'claude-opus-4-7');
      assert.equal(state!.analysis!.total.tokens, opus.total);
      assert.equal(state!.analysis!.model?.displayName, opus.model.displayName);
    } finally {
      await api.documents.setModelOverride(doc.uri, undefined);
    }
    const back = await settledExact(api, doc, (s) => s.analysis?.modelId === own.modelId);
    assert.equal(back!.analysis!.total.tokens, own.total);
  });

  it('applies a new tokenLens.toolOverheadThreshold at once, without a reload, to open and closed files', async () => {
    const doc = await open('support-agent.json');
    const want = expectedFor(doc.uri.fsPath, doc.getText());
    const heavyAt = (threshold: number) => want.tools.filter((t) => t.tokens > threshold).length;
    assert.ok(heavyAt(50) > heavyAt(500), 'the example has tools between 50 and 500 tokens');
    // A file that is not open gets its Problems from the Explorer view's scan.
    const closed = fileUri('mcp-tools.json');
    const closedWant = expectedFor(closed.fsPath, new TextDecoder().decode(await vscode.workspace.fs.readFile(closed)));
    const closedHeavyAt = (threshold: number) => closedWant.tools.filter((t) => t.tokens > threshold).length;
    assert.ok(closedHeavyAt(50) > closedHeavyAt(500));
    const closedHeavy = () => vscode.languages.getDiagnostics(closed).filter((d) => d.code === 'tool-over-threshold').length;
    await api.files.getChildren();
    await waitFor('mcp-tools.json problems at threshold 500', closedHeavy, (n) => n === closedHeavyAt(500));
    const before = await settledExact(api, doc);
    assert.equal(overThreshold(before).length, heavyAt(500));
    const config = vscode.workspace.getConfiguration('tokenLens');
    try {
      await config.update('toolOverheadThreshold', 50, vscode.ConfigurationTarget.Global);
      const after = await settledExact(api, doc, (s) => overThreshold(s).length === heavyAt(50));
      assert.ok(overThreshold(after).every((m) => /threshold 50\)/.test(m)), overThreshold(after).join('\n'));
      // The Problems panel follows too.
      const heavyDiagnostics = () => vscode.languages.getDiagnostics(doc.uri).filter((d) => d.code === 'tool-over-threshold').length;
      await waitFor('diagnostics for the new threshold', heavyDiagnostics, (n) => n === heavyAt(50));
      await waitFor('mcp-tools.json problems at threshold 50', closedHeavy, (n) => n === closedHeavyAt(50));
    } finally {
      await config.update('toolOverheadThreshold', undefined, vscode.ConfigurationTarget.Global);
    }
    await settledExact(api, doc, (s) => overThreshold(s).length === heavyAt(500));
    await waitFor('mcp-tools.json problems back at threshold 500', closedHeavy, (n) => n === closedHeavyAt(500));
    // The view's entries are exact again, not left at the estimate of an abandoned scan.
    const entries = await api.files.getChildren();
    const mcp = entries.find((e) => e.uri.toString() === closed.toString());
    assert.equal(mcp?.analysis?.total.exact, true, `mcp-tools.json in the view: ${JSON.stringify(mcp?.analysis?.total)}`);
    assert.equal(mcp?.analysis?.total.tokens, closedWant.total);
  });

  it('keeps the Explorer view exact through rapid settings changes (typing a number in the Settings UI)', async () => {
    const config = vscode.workspace.getConfiguration('tokenLens');
    const rels = ['support-agent.json', 'mcp-tools.json', 'research-payload.yaml', 'CLAUDE.md', 'prompts/summarize.prompt.md', 'prompts/code-reviewer.prompt.md', '.claude/agents/test-writer.md'];
    const want = new Map<string, number>();
    for (const rel of rels) {
      const uri = fileUri(rel);
      want.set(uri.toString(), expectedFor(uri.fsPath, new TextDecoder().decode(await vscode.workspace.fs.readFile(uri))).total);
    }
    await api.files.getChildren();
    try {
      // Each keystroke is a settings change: 5, 50, 500 — without waiting for the view in between.
      for (const value of [5, 50, 500]) await config.update('toolOverheadThreshold', value, vscode.ConfigurationTarget.Global);
    } finally {
      await config.update('toolOverheadThreshold', undefined, vscode.ConfigurationTarget.Global);
    }
    const summary = async () =>
      (await api.files.getChildren())
        .filter((e) => want.has(e.uri.toString()))
        .map((e) => ({ file: e.uri.path.split('/').pop(), exact: e.analysis?.total.exact, tokens: e.analysis?.total.tokens, want: want.get(e.uri.toString()) }));
    const deadline = Date.now() + 20_000;
    let last = await summary();
    while (!(last.length === want.size && last.every((r) => r.exact === true && r.tokens === r.want))) {
      if (Date.now() > deadline) throw new Error(`the view did not settle on exact counts: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 100));
      last = await summary();
    }
    const closedHeavy = vscode.languages.getDiagnostics(fileUri('mcp-tools.json')).filter((d) => d.code === 'tool-over-threshold');
    assert.deepEqual(closedHeavy.map((d) => d.message), [], 'no stale warnings from the abandoned scans');
  });

  it("applies the repository's .tokenlens.json limits, as token-lens check does, and drops them when it goes", async () => {
    const configUri = fileUri('.tokenlens.json');
    const doc = await open('support-agent.json');
    const before = await settledExact(api, doc);
    assert.ok(!before!.analysis!.findings.some((f) => f.code === 'over-budget'), 'no budget yet');
    const budget = Math.floor(before!.analysis!.total.tokens / 2);
    await vscode.workspace.fs.writeFile(configUri, new TextEncoder().encode(JSON.stringify({ budget, maxToolTokens: 100000 })));
    try {
      const limited = await waitFor(
        'an over-budget finding from .tokenlens.json',
        () => api.documents.get(doc.uri),
        (st) => !!st?.analysis?.findings.some((f) => f.code === 'over-budget' && f.message.includes(budget.toLocaleString('en-US'))),
      );
      assert.deepEqual(overThreshold(limited), [], 'maxToolTokens from the file replaces the 500-token setting');
    } finally {
      await vscode.workspace.fs.delete(configUri);
    }
    await waitFor(
      'the budget gone with the file',
      () => api.documents.get(doc.uri),
      (st) => !!st?.analysis && !st.analysis.findings.some((f) => f.code === 'over-budget') && overThreshold(st).length > 0,
    );
  });

  it('logs a folder the workspace scan cannot see into (a link loop), which VS Code\'s file search skips silently', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const loopDir = fileUri('loop-check').fsPath;
    fs.mkdirSync(loopDir, { recursive: true });
    // A link back to the workspace folder itself: walking it again would never end.
    fs.symlinkSync('..', path.join(loopDir, 'up'));
    try {
      api.scanner.rescan();
      await api.scanner.ensureScanned();
      const problems = api.scanner.unreadableFolders();
      assert.ok(problems.some((p) => p.path === path.join(loopDir, 'up') && /symbolic link loop/.test(p.problem)), JSON.stringify(problems));
    } finally {
      fs.rmSync(loopDir, { recursive: true, force: true });
    }
    api.scanner.rescan();
    await api.scanner.ensureScanned();
    assert.deepEqual(api.scanner.unreadableFolders(), [], 'gone with the folder');
  });

  it('ignores an API endpoint set in workspace settings: the key never goes to another host', async () => {
    const http = await import('node:http');
    let trapped = 0;
    const trap = http.createServer((_req, res) => {
      trapped++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"input_tokens":1}');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const port = (trap.address() as { port: number }).port;
    const settingsUri = fileUri('.vscode/settings.json');
    const previous = await vscode.workspace.fs.readFile(settingsUri).then((b) => b, () => undefined);
    // A harmless setting beside it shows when VS Code has read the file.
    const marker = 321;
    await vscode.workspace.fs.writeFile(settingsUri, new TextEncoder().encode(JSON.stringify({ 'tokenLens.apiBaseUrl': `http://127.0.0.1:${port}`, 'tokenLens.debounceMs': marker })));
    try {
      await waitFor('the workspace settings file read', () => vscode.workspace.getConfiguration('tokenLens').get<number>('debounceMs'), (v) => v === marker);
      await api.engine.reload();
      assert.equal(api.engine.config.apiBaseUrl, undefined, 'the workspace endpoint is not taken');
      // New content, so the count cannot come from the cache.
      await vscode.workspace.fs.writeFile(fileUri('prompts/trap-check.prompt.md'), new TextEncoder().encode(`Trap check ${Date.now()}`));
      const trapDoc = await open('prompts/trap-check.prompt.md');
      const state = await settledExact(api, trapDoc);
      assert.equal(state!.analysis!.total.exact, true);
      assert.equal(trapped, 0, 'nothing reached the workspace-configured host');
    } finally {
      if (previous) await vscode.workspace.fs.writeFile(settingsUri, previous);
      else await vscode.workspace.fs.delete(settingsUri);
      await vscode.workspace.fs.delete(fileUri('prompts/trap-check.prompt.md')).then(undefined, () => undefined);
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    }
  });
});
