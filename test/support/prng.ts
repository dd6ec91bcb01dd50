/**
 * xorshift32 in [0, 1): a seeded generator, so fuzzing, chaos runs and benchmarks replay the same
 * inputs on every run (print the seed when something fails).
 */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x1_0000_0000;
  };
}
