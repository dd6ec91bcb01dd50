// Mocha's settings for the unit tests. `npx mocha test/unit/x.test.ts` runs that file alone:
// mocha adds a config file's `spec` to the files named on the command line, so the whole suite
// is the default only when no test file is named.
const named = process.argv.slice(2).some((arg) => /\.test\.ts$/.test(arg) || arg === '--spec');

module.exports = {
  ...(named ? {} : { spec: ['test/unit/**/*.test.ts'] }),
  'node-option': ['import=tsx'],
  timeout: 20000,
  reporter: 'spec',
};
