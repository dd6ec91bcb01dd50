/**
 * `npm run bench`: every benchmark, each printing ratios measured side by side in one run, and
 * the results written to bench/RESULTS.md with the machine they ran on.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main as activation } from './activation';
import { main as apiEconomy } from './api-economy';
import { main as estimator } from './estimator';
import { main as largeDocuments } from './large-documents';
import { main as memory } from './memory';
import { main as responsiveness } from './responsiveness';

/** Each benchmark returns one Markdown section. */
const BENCHMARKS: { name: string; run: () => Promise<string> | string }[] = [
  { name: 'API economy', run: apiEconomy },
  { name: 'estimator', run: estimator },
  { name: 'start-up', run: () => activation() },
  { name: 'responsiveness', run: () => responsiveness() },
  { name: 'large documents', run: largeDocuments },
  { name: 'memory', run: () => memory() },
];

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  console.error('building the production bundle…');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
  const sections: string[] = [];
  for (const b of BENCHMARKS) {
    console.error(`\n== ${b.name}`);
    const section = await b.run();
    console.log(section);
    sections.push(section);
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const header = [
    '# Benchmark results',
    '',
    `Ran ${new Date().toISOString()} on ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.`,
    'Machines here are shared: read the ratios (measured side by side in one run), not the absolute times.',
    '',
  ].join('\n');
  writeFileSync(path.join(root, 'bench', 'RESULTS.md'), `${header}\n${sections.join('\n')}\n`);
  console.error('wrote bench/RESULTS.md');
}

void main();
