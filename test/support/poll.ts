/**
 * Waiting on what a test can observe, never on fixed sleeps. Shared by the unit tests and the
 * real-editor driver (test/e2e/driver.ts re-exports `poll`).
 */

/** `value` as JSON for an error message: at most `max` characters, and never a throw. */
function describeValue(value: unknown, max = 4_000): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}… (${text.length} characters)` : text;
}

/**
 * Reads `read()` until `done` holds, every `intervalMs` (0: on every turn of the event loop);
 * fails after `timeoutMs` naming `what` and the last value. Returns the value that satisfied `done`.
 */
export async function poll<T>(
  what: string,
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
  intervalMs = 150,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms; last: ${describeValue(last)}`);
    await new Promise((r) => (intervalMs > 0 ? setTimeout(r, intervalMs) : setImmediate(r)));
    last = await read();
  }
  return last;
}

/** Waits until `condition()` holds, checking on every turn of the event loop by default. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, intervalMs = 0): Promise<void> {
  await poll(what, condition, (ok) => ok, timeoutMs, intervalMs);
}

/** Settles with `promise`, or rejects if it has not settled within `ms` ("hung: `what` ..."). */
export async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung: ${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
