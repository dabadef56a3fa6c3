import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Runs a command; resolves with its stdout, rejects naming `what` with the last lines it wrote. `onLine` gets each
 * line of its output as it comes (a long build's progress); `env` adds to this process's environment.
 */
export function run(
  cmd: string,
  args: readonly string[],
  o: { what: string; cwd?: string; env?: Record<string, string>; onLine?: (line: string) => void },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let tail = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (tail = (tail + String(d)).slice(-4000)));
    if (o.onLine) {
      createInterface({ input: child.stdout }).on('line', o.onLine);
      createInterface({ input: child.stderr }).on('line', o.onLine);
    }
    child.once('error', (e) => reject(new Error(`${o.what}: ${e.message}`)));
    child.once('exit', (code) => {
      if (code === 0) return resolve(out);
      const last = `${out.slice(-2000)}\n${tail}`.trim().split('\n').slice(-5).join('\n');
      reject(new Error(`${o.what} failed (exit ${code}):\n${last}`));
    });
  });
}
