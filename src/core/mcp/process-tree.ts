/**
 * Ending a started server with everything it started.
 *
 * POSIX: the server is spawned `detached`, which makes it the leader of a process group of its
 * own; its children (an `npx` wrapper's `node`, a shell's commands) are in that group unless they
 * leave it with `setsid`. Ending the server signals the whole group: SIGTERM, then SIGKILL after a
 * grace period, also when the leader has already exited (its children may not have).
 *
 * Windows has no process groups to signal: `taskkill /PID <pid> /T /F` ends the process and its
 * descendants (found through their parent ids while the server still runs, hence before it exits).
 */
import { execFile, type ChildProcess } from 'node:child_process';

export const DETACHED = process.platform !== 'win32';

function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: nothing left in the group
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Ends `child` and its descendants; resolves when done (at most about `graceMs` + a little). */
export async function killTree(child: ChildProcess, graceMs = 1_000): Promise<void> {
  const pid = child.pid;
  try {
    child.stdin?.end();
  } catch {
    /* already closed */
  }
  if (pid === undefined) return; // never started
  if (process.platform === 'win32') {
    await new Promise<void>((resolve) => {
      execFile('taskkill', ['/PID', String(pid), '/T', '/F'], { windowsHide: true, timeout: 10_000 }, () => resolve());
    });
    if (child.exitCode === null && child.signalCode === null) child.kill();
    return;
  }
  if (!DETACHED) {
    child.kill('SIGTERM');
  } else if (!signalGroup(pid, 'SIGTERM')) {
    return;
  }
  await Promise.race([exited(child), delay(graceMs)]);
  // Whatever of the group is still there (the leader, or children that outlived it) is killed.
  signalGroup(pid, 'SIGKILL');
  if (child.exitCode === null && child.signalCode === null) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}
