/**
 * Progress on stderr, only when it is a terminal and the run takes longer than a moment (1 s):
 * `counting 120/300…`, erased when done. Never on stdout, so it never mixes with a report.
 */
export function progressPrinter(write: (text: string) => void, label = 'counting', now: () => number = Date.now): (done: number, total: number) => void {
  const started = now();
  let shown = false;
  return (done, total) => {
    if (!shown && now() - started < 1_000) return;
    if (done === total) {
      if (shown) write(`\r${' '.repeat(40)}\r`);
      shown = false;
      return;
    }
    shown = true;
    write(`\r${label} ${done}/${total}…`);
  };
}
