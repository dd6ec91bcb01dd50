#!/usr/bin/env node
// Bundles the extension and the CLI with esbuild.
//   node scripts/build.mjs               development build (source maps, not minified)
//   node scripts/build.mjs --production  minified, with linked source maps
//   node scripts/build.mjs --watch       rebuild on change
//   node scripts/build.mjs --metafile    also write dist/meta-*.json (bundle size analysis)
import * as esbuild from 'esbuild';
import { chmod, readFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));

const IMPORT_META_URL = "const __importMetaUrl = require('url').pathToFileURL(__filename).href;";

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const metafile = process.argv.includes('--metafile');

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // jsonc-parser's "main" is a UMD build whose dynamic requires a bundler cannot follow: use its ESM build.
  alias: { 'jsonc-parser': './node_modules/jsonc-parser/lib/esm/main.js' },
  minify: production,
  sourcemap: production ? 'linked' : 'inline',
  sourcesContent: !production,
  legalComments: 'linked',
  logLevel: 'warning',
  metafile,
  // ESM dependencies (fdir, under tinyglobby) use import.meta.url, which a CommonJS bundle lacks.
  define: { __VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__importMetaUrl' },
  banner: { js: IMPORT_META_URL },
};

/**
 * The SDK (and what it pulls in) is its own file, dist/sdk.js, required on the first count: the
 * extension's start-up never parses it.
 */
const lazySdk = {
  name: 'lazy-sdk',
  setup(build) {
    build.onResolve({ filter: /^@anthropic-ai\/sdk$/ }, () => ({ path: './sdk.js', external: true }));
  },
};

/**
 * The MCP SDK client (with zod, ajv and cross-spawn) is its own file too, dist/mcp-sdk.js, required
 * the first time an MCP server is started (src/core/mcp/sdk.ts): a run that starts none never parses it.
 */
const lazyMcpSdk = {
  name: 'lazy-mcp-sdk',
  setup(build) {
    build.onResolve({ filter: /^\.\/sdk-entry$/ }, (args) =>
      args.resolveDir.replace(/\\/g, '/').endsWith('src/core/mcp') ? { path: './mcp-sdk.js', external: true } : undefined,
    );
  },
};

const targets = [
  { ...common, entryPoints: ['src/core/client/sdk-entry.ts'], outfile: 'dist/sdk.js' },
  { ...common, entryPoints: ['src/core/mcp/sdk-entry.ts'], outfile: 'dist/mcp-sdk.js' },
  // Parses and estimates large documents off the extension host's thread (src/core/worker/preparer.ts).
  { ...common, entryPoints: ['src/core/worker/entry.ts'], outfile: 'dist/worker.js' },
  { ...common, entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [lazySdk, lazyMcpSdk] },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', plugins: [lazySdk, lazyMcpSdk], banner: { js: `#!/usr/bin/env node\n${IMPORT_META_URL}` } },
];

if (watch) {
  for (const options of targets) await (await esbuild.context(options)).watch();
  console.error('esbuild: watching for changes');
} else {
  const results = await Promise.all(targets.map((options) => esbuild.build(options)));
  await chmod('dist/cli.js', 0o755);
  if (metafile) {
    const { writeFile } = await import('node:fs/promises');
    await Promise.all(results.map((r, i) => writeFile(`dist/meta-${['sdk', 'mcp-sdk', 'worker', 'extension', 'cli'][i]}.json`, JSON.stringify(r.metafile))));
  }
}
