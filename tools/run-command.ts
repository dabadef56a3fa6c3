import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A command that could not start or exited non-zero; the message names it and the output lines that say why. */
export class CommandError extends Error {}

/**
 * Runs a command; resolves with its stdout, rejects with a CommandError naming `what`, its exit code and the last
 * `lines` lines of output that say something (1 by default). `onLine` gets each line of its output as it comes (a
 * long build's progress); `env` adds to this process's environment.
 */
export function run(
  cmd: string,
  args: readonly string[],
  o: { what: string; cwd?: string; env?: Record<string, string>; onLine?: (line: string) => void; lines?: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err = (err + String(d)).slice(-20_000)));
    if (o.onLine) {
      createInterface({ input: child.stdout }).on('line', o.onLine);
      createInterface({ input: child.stderr }).on('line', o.onLine);
    }
    child.once('error', (e) => reject(new CommandError(`${o.what}: ${e.message}`)));
    child.once('exit', (code) => {
      if (code === 0) return resolve(out);
      const why = lastMeaningfulLines(`${out.slice(-20_000)}\n${err}`, o.lines ?? 1);
      reject(new CommandError(`${o.what} failed (exit ${code})${why.length ? `:${why.length > 1 ? '\n' : ' '}${why.join('\n')}` : ''}`));
    });
  });
}

/**
 * The `n` lines that end at the last one saying something: the last error line if there is one, else the last line
 * (npm and pip end with boilerplate such as log-file paths).
 */
function lastMeaningfulLines(text: string, n: number): string[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^npm (ERR!|error) (A complete log|code|path|command|cwd)\b/.test(l) && !/^(npm (ERR!|error))$/.test(l));
  const fromEnd = [...lines].reverse().findIndex((l) => /error|not found|No matching|Could not/i.test(l));
  const end = lines.length - Math.max(0, fromEnd);
  return lines.slice(Math.max(0, end - n), end);
}
