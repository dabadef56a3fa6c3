import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { registerServeCommand } from '../../../services/cli/serve.js';
import { nasmesh } from '../../mesh/mesh.js';

/** `nasmesh serve ...` on a program that throws instead of exiting; returns what it printed as an error. */
async function serve(...args: string[]): Promise<string> {
  let printed = '';
  const program = registerServeCommand(new Command('nasmesh'));
  for (const command of [program, ...program.commands]) {
    command.exitOverride().configureOutput({ writeErr: (s) => (printed += s) });
  }
  try {
    await program.parseAsync(['serve', ...args], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return printed;
    throw e;
  }
  return printed;
}

test('serve: an unknown service or a bad port is refused naming the allowed values', async () => {
  assert.match(await serve('trainer'), /controller, supernet-trainer, evaluator, latency-profiler/);
  assert.match(await serve('latency-profiler', '--port', '70000'), /--port must be an integer from 0 to 65535/);
});

test('serve: --latency-profiler must be host:port', async () => {
  for (const bad of ['127.0.0.1', 'profiler:0', 'profiler:70000', 'http://profiler:50054', ':50054']) {
    assert.match(await serve('controller', '--latency-profiler', bad), /--latency-profiler must be host:port/, bad);
  }
});

test('serve: plaintext beyond loopback is refused at start, and runs with --insecure, which warns', async () => {
  const refused = await nasmesh('serve', 'latency-profiler', '--host', '0.0.0.0', '--port', '0', '--metrics-port', '0');
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /refusing plaintext gRPC on 0\.0\.0\.0: .* Secure it with --tls-cert and --tls-key, or pass --insecure/);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'serve',
      'latency-profiler',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--metrics-port',
      '0',
      '--insecure',
    ],
    {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += String(d)));
    const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
    assert.match(line, /listening on 0\.0\.0\.0:\d+/);
    // Written before the server listened, on the other pipe.
    for (let waited = 0; !stderr.includes('WARNING') && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    assert.match(stderr, /WARNING: --insecure: plaintext gRPC on 0\.0\.0\.0/);
  } finally {
    child.kill('SIGKILL');
  }
});
