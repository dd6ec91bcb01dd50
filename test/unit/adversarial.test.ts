/**
 * The adversarial suite of issue #12: the CLI through the file system and the output formats
 * (test/support/probes.ts), a few rounds of each probe family. `node --import tsx bench/probes.ts`
 * runs more rounds and prints the figures quoted in the README.
 */
import { strict as assert } from 'node:assert';
import { useFakeApi } from '../support/use-fake-api';
import { PROBE_FAMILIES } from '../support/probes';

describe('adversarial: the file system and the output formats', function () {
  this.timeout(180_000);
  const api = useFakeApi();

  for (const probe of PROBE_FAMILIES) {
    it(`${probe.name}: no wrong number, no hang, no leak, no unsafe output, no crash`, async () => {
      const f = await probe({ api, rounds: 2, seed: Number(process.env.FUZZ_SEED ?? 0x5eed) >>> 0 });
      assert.ok(f.attempts > 0);
      assert.deepEqual({ wrong: f.wrongNumbers, hangs: f.hangs, leaks: f.leaks, unsafe: f.unsafe, crashes: f.crashes }, { wrong: 0, hangs: 0, leaks: 0, unsafe: 0, crashes: 0 }, `${f.family}: ${f.notes.join('\n')}`);
    });
  }
});
