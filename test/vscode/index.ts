// Entry point of the suite that runs inside VS Code (code-server here, or desktop VS Code under
// @vscode/test-electron): VS Code loads this module in the extension host and calls run().
import Mocha from 'mocha';
import { defineConfigFileTests } from './configFile.test';
import { defineExtensionTests } from './extension.test';
import { defineWorkflowTests } from './workflow.test';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  // The test files are bundled into this module, so instead of adding files, the BDD functions
  // (describe, it, ...) are installed on the global object and the suites defined afterwards.
  mocha.suite.emit('pre-require', globalThis, 'extension.test', mocha);
  defineExtensionTests();
  defineWorkflowTests();
  defineConfigFileTests();
  return new Promise((resolve, reject) => {
    mocha.run((failures) =>
      failures > 0 ? reject(new Error(`${failures} tests failed.`)) : resolve(),
    );
  });
}
