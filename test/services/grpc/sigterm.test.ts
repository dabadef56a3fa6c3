import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { profile, profilerClient } from './clients.js';
import { nb201, small, startLongCall } from './fixture.js';

/**
 * Resolves with the port the process prints (`listening on 127.0.0.1:<port>`). Reads with a listener rather than
 * `for await`, whose early return would close the pipe and kill the child with EPIPE at its next line of output.
 */
function boundPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error(`the server exited without printing its port: ${out}`)));
  });
}

test('SIGTERM: the latency-profiler process finishes the in-flight call, refuses new ones and exits 0', async () => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'cli/main.ts',
      'serve',
      'latency-profiler',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--drain-seconds',
      '60',
    ],
    { cwd: fileURLToPath(new URL('../../../', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = once(child, 'exit');
  try {
    const address = `127.0.0.1:${await boundPort(child)}`;
    const client = profilerClient(address);
    const long = await startLongCall(client);
    await sleep(300);
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    assert.equal((await long.done).repeats, long.repeats);
    assert.ok(long.finishedAt() > signalledAt, 'the call was still running at SIGTERM');
    await assert.rejects(profile(client, { architecture: nb201, network: small, repeats: 1 }), { code: status.UNAVAILABLE });
    client.close();
    const [code] = await exited;
    assert.equal(code, 0, stderr);
    assert.match(stderr, /SIGTERM/);
  } finally {
    child.kill('SIGKILL');
  }
});
