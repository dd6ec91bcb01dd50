// Runs a TypeScript worker script in a worker thread, for tests: Node's worker threads do not
// inherit tsx, so this bootstrap registers it (CommonJS hooks: the package is CommonJS, and the ESM
// hooks fail here with "Cannot require() ES Module ... in a cycle") and then loads
// `workerData.entry`, an absolute path to a .ts file.
//
//   new WorkerPreparer({ filename: <abs path of this file>, workerData: { entry: <abs path of a .ts> } })
import { createRequire } from 'node:module';
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/cjs/api';

register();
createRequire(import.meta.url)(workerData.entry);
