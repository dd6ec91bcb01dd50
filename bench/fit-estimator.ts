/**
 * Refits the offline estimator and rewrites its two data files: the text weights
 * (`src/core/estimator/calibration.json`) and the per-generation request constants (the
 * `estimator.generations` of `src/core/models/models.json`, the rest of that file untouched).
 *
 *   node --import tsx bench/fit-estimator.ts          # rewrite the files
 *   node --import tsx bench/fit-estimator.ts --check  # exit 1 if either is out of date
 *
 * Deterministic: on unchanged data and features it writes byte-identical output.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseSampleFile, SAMPLES_PATH } from './fit/fit';
import { fitEstimator, parseRequestFile, REQUESTS_PATH, withGenerations } from './fit/fit-requests';

const root = path.resolve(__dirname, '..');
const calibrationPath = path.join(root, 'src/core/estimator/calibration.json');
const modelsPath = path.join(root, 'src/core/models/models.json');

function read(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}

/** The two files as the fit would write them. */
export function fittedFiles(): { calibration: string; models: string | undefined } {
  const samples = parseSampleFile(JSON.parse(readFileSync(path.join(root, SAMPLES_PATH), 'utf8')));
  const cases = parseRequestFile(JSON.parse(readFileSync(path.join(root, REQUESTS_PATH), 'utf8')));
  const fit = fitEstimator(samples, cases);
  return { calibration: JSON.stringify(fit.calibration, null, 2) + '\n', models: withGenerations(read(modelsPath), fit.generations) };
}

export function main(argv: readonly string[] = process.argv.slice(2)): number {
  const next = fittedFiles();
  if (next.models === undefined) {
    console.log('models.json has no estimator.generations section to write');
    return 1;
  }
  const files: [string, string][] = [
    [calibrationPath, next.calibration],
    [modelsPath, next.models],
  ];
  let stale = 0;
  for (const [file, text] of files) {
    const same = read(file) === text;
    const name = path.relative(root, file);
    if (argv.includes('--check')) {
      if (!same) stale++;
      console.log(same ? `${name} is up to date` : `${name} is out of date: run node --import tsx bench/fit-estimator.ts`);
    } else if (!same) {
      writeFileSync(file, text);
      console.log(`wrote ${name}`);
    } else console.log(`${name} unchanged`);
  }
  return stale > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main();
