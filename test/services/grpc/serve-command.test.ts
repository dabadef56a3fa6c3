import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { serveCommand } from '../../../cli/serve.js';
import { nasmesh } from '../../mesh/mesh.js';

/** `nasmesh serve ...` on a program that throws instead of exiting; returns what it printed as an error. */
async function serve(...args: string[]): Promise<string> {
  let printed = '';
  const program = new Command('nasmesh').addCommand(serveCommand());
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const command of all(program)) {
    command.exitOverride().configureOutput({ writeErr: (s) => (printed += s), writeOut: (s) => (printed += s) });
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
  assert.match(
    await serve('trainer'),
    /'trainer' is not a service: one of controller, evaluator, supernet-trainer, latency-profiler, operator/,
  );
  assert.match(await serve('latency-profiler', '--port', '70000'), /--port must be an integer from 0 to 65535/);
});

test("serve <service> --help lists that service's flags only, and no test hook", async () => {
  const evaluator = await serve('evaluator', '--help');
  for (const flag of ['--modes', '--search', '--ack-wait-ms', '--nats', '--data-root', '--tls-cert', '--port'])
    assert.ok(evaluator.includes(flag), flag);
  for (const flag of ['--kubeconfig', '--image', '--latency-profiler', '--trusted-controller', '--test-delay-ms'])
    assert.ok(!evaluator.includes(flag), flag);
  const profiler = await serve('latency-profiler', '--help');
  assert.ok(profiler.includes('--hardware-profile'));
  for (const flag of ['--nats', '--data-root', '--modes']) assert.ok(!profiler.includes(flag), flag);
  const operator = await serve('operator', '--help');
  for (const flag of ['--kubeconfig', '--worker-secret', '--controller']) assert.ok(operator.includes(flag), flag);
  for (const flag of ['--port ', '--access-file', '--modes']) assert.ok(!operator.includes(flag), flag);
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
      'cli/main.ts',
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
