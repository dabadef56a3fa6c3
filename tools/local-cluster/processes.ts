import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Starts `command` in its own process group with stdout and stderr appended to `logFile`, detached from this
 * process, so `make cluster-up` can return while the cluster runs on. Resolves with its pid once it started.
 */
export function startDaemon(
  command: string,
  args: readonly string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log], env });
  return new Promise((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`cannot start ${command}: ${e.message}`)));
    child.once('spawn', () => {
      child.unref();
      resolve(child.pid!);
    });
  });
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once it is gone. */
export async function stopProcessGroup(pid: number, graceMs = 10_000): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) signal('SIGKILL');
    await sleep(50);
  }
}

/** Polls `ready` until it resolves true; throws after `timeoutMs` with `what` and the last error. */
export async function waitUntil(what: string, ready: () => Promise<boolean> | boolean, timeoutMs: number, pollMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await ready()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${why}`);
    }
    await sleep(pollMs);
  }
}
