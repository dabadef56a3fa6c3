#!/usr/bin/env node
import { Command } from 'commander';
import { registerFinalCommand } from './final-command.js';
import { registerSearchCommands } from './search-commands.js';
import { serveCommand } from './serve.js';
import { NasmeshError } from '../src/util/errors.js';
import { benchCommand } from './bench-command.js';
import { exportCommand } from './export-command.js';
import { latencyCommand } from './latency-command.js';
import { reportCommand } from './report-command.js';
import { runCommand } from './run-command.js';
import { crdCommand, schemaCommand, validateCommand } from './spec-commands.js';

const program = new Command('nasmesh')
  .description('reinforcement-learning neural architecture search')
  .version('0.1.0')
  .addCommand(runCommand())
  .addCommand(benchCommand())
  .addCommand(validateCommand())
  .addCommand(schemaCommand())
  .addCommand(crdCommand())
  .addCommand(reportCommand())
  .addCommand(exportCommand())
  .addCommand(latencyCommand());
// The mesh: run a service or a search's final stage, and talk to a controller.
program.addCommand(serveCommand());
registerFinalCommand(program);
registerSearchCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof NasmeshError) {
    console.error(`nasmesh: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
