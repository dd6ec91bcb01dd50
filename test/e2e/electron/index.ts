// extensionTestsPath for @vscode/test-electron: runs the host suite named by TOKEN_LENS_HOST_TESTS
// (the same bundled suite the code-server harness runs) with mocha inside desktop VS Code.
import Mocha from 'mocha';

export function run(): Promise<void> {
  const suite = process.env.TOKEN_LENS_HOST_TESTS;
  if (!suite) return Promise.reject(new Error('TOKEN_LENS_HOST_TESTS is not set'));
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: true, timeout: 60_000 });
  mocha.addFile(suite);
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} host test(s) failed`)) : resolve()));
  });
}
