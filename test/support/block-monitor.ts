import { performance } from 'node:perf_hooks';

/**
 * Watches how long this thread goes without running a 1 ms interval: the longest task (or GC
 * pause, or time descheduled) since it started. `stop()` ends the watch and gives that in ms.
 */
export function blockMonitor(): { stop: () => number } {
  let last = performance.now();
  let longest = 0;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  };
  const timer = setInterval(tick, 1);
  return {
    stop: () => {
      tick();
      clearInterval(timer);
      return longest;
    },
  };
}

/** The longest block of this thread while `run` runs (after 10 ms for the interval to settle). */
export async function longestBlockWhile(run: () => Promise<unknown>): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  const monitor = blockMonitor();
  try {
    await run();
  } catch (err) {
    monitor.stop();
    throw err;
  }
  return monitor.stop();
}
