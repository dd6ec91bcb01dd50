/**
 * The host suite in desktop VS Code through @vscode/test-electron, for machines that have one:
 *   VSCODE_EXECUTABLE=/path/to/code npm run test:electron       # a VS Code you already have
 *   TOKEN_LENS_ELECTRON_DOWNLOAD=1 npm run test:electron         # let test-electron download one
 * Without either it says it is skipped and exits 0: these machines cannot download VS Code, and
 * the same suite runs in code-server through the harness (test/e2e/token-lens.e2e.ts).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { startFakeApi } from '../../fake-api/server';
import { bundleForExtensionHost, outputDir, repoRoot } from '../driver';

async function main(): Promise<number> {
  const executable = process.env.VSCODE_EXECUTABLE;
  if (!executable && process.env.TOKEN_LENS_ELECTRON_DOWNLOAD !== '1') {
    console.log('test:electron skipped: set VSCODE_EXECUTABLE to a desktop VS Code, or TOKEN_LENS_ELECTRON_DOWNLOAD=1 to download one.');
    return 0;
  }
  const root = repoRoot();
  const build = outputDir('build', 'electron');
  const suite = await bundleForExtensionHost(path.join(root, 'test', 'e2e', 'host', 'token-lens.host.ts'), path.join(build, 'token-lens.host.js'));
  const index = await bundleForExtensionHost(path.join(root, 'test', 'e2e', 'electron', 'index.ts'), path.join(build, 'index.js'));
  const work = mkdtempSync(path.join(tmpdir(), 'token-lens-electron-'));
  const workspace = path.join(work, 'workspace');
  cpSync(path.join(root, 'examples'), workspace, { recursive: true });
  const api = await startFakeApi();
  try {
    await runTests({
      ...(executable ? { vscodeExecutablePath: executable } : {}),
      extensionDevelopmentPath: root,
      extensionTestsPath: index,
      launchArgs: [workspace, '--disable-workspace-trust', '--disable-extensions', '--user-data-dir', path.join(work, 'user')],
      extensionTestsEnv: { ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: api.apiKey, TOKEN_LENS_HOST_TESTS: suite },
    });
    return 0;
  } catch (err) {
    console.error(`test:electron failed: ${(err as Error).message}`);
    return 1;
  } finally {
    await api.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
