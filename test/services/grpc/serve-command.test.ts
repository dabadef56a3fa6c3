import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { registerServeCommand } from '../../../services/cli/serve.js';

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
