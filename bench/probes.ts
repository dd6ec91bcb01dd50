/**
 * The adversarial probe families of test/support/probes.ts with more rounds than the unit suite,
 * printed as the Markdown table in the README ("Reliability"). `node --import tsx bench/probes.ts
 * [ROUNDS]` (default 5).
 */
import { startFakeApi } from '../test/fake-api/server';
import { PROBE_FAMILIES, type ProbeFigures } from '../test/support/probes';

export async function main(rounds = 5): Promise<string> {
  const api = await startFakeApi();
  const rows: ProbeFigures[] = [];
  try {
    for (const probe of PROBE_FAMILIES) {
      api.reset();
      const started = Date.now();
      const f = await probe({ api, rounds, seed: 0x5eed });
      rows.push(f);
      console.error(`${f.family}: ${f.attempts} runs in ${((Date.now() - started) / 1000).toFixed(1)} s${f.notes.length ? `\n  ${f.notes.join('\n  ')}` : ''}`);
    }
  } finally {
    await api.close();
  }
  const lines = [
    `| probe family (${rounds} rounds each) | CLI runs | wrong numbers | hangs (> 10 s) | key leaks | unsafe output | crashes |`,
    '|---|--:|--:|--:|--:|--:|--:|',
    ...rows.map((f) => `| ${f.family} | ${f.attempts} | ${f.wrongNumbers} | ${f.hangs} | ${f.leaks} | ${f.unsafe} | ${f.crashes} |`),
  ];
  return lines.join('\n');
}

if (require.main === module) {
  main(Number(process.argv[2] ?? 5)).then(
    (table) => console.log(table),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
