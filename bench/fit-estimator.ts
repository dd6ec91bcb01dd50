/**
 * Refits the offline estimator's weights and rewrites `src/core/estimator/calibration.json`.
 *
 *   node --import tsx bench/fit-estimator.ts          # rewrite the file
 *   node --import tsx bench/fit-estimator.ts --check  # exit 1 if the file is out of date
 *
 * Deterministic: on unchanged samples and features it writes byte-identical output.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fitCalibration, parseSampleFile, SAMPLES_PATH } from '../src/core/estimator/fit';

const root = path.resolve(__dirname, '..');
const target = path.join(root, 'src/core/estimator/calibration.json');

export function main(argv: readonly string[] = process.argv.slice(2)): number {
  const samples = parseSampleFile(JSON.parse(readFileSync(path.join(root, SAMPLES_PATH), 'utf8')));
  const text = JSON.stringify(fitCalibration(samples), null, 2) + '\n';
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // no file yet
  }
  if (argv.includes('--check')) {
    const ok = current === text;
    console.log(ok ? 'calibration.json is up to date' : 'calibration.json is out of date: run node --import tsx bench/fit-estimator.ts');
    return ok ? 0 : 1;
  }
  if (current === text) {
    console.log(`calibration.json unchanged (${samples.length} samples read)`);
  } else {
    writeFileSync(target, text);
    console.log(`wrote ${path.relative(root, target)} (${samples.length} samples read)`);
  }
  return 0;
}

if (require.main === module) process.exitCode = main();
