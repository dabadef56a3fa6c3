import { type Command, Option } from 'commander';
import { BACKEND_CHOICES, type BackendChoice } from '../../src/tf/backend.js';
import { searchIdArgument } from './arguments.js';
import { addDataFlags, addNatsFlags, type DataFlags, type NatsFlags } from './security-options.js';

export interface FinalOptions extends NatsFlags, DataFlags {
  readonly nats: string;
  readonly backend?: BackendChoice;
  readonly insecure: boolean;
}

/** Adds `final <search-id> --nats URL [--backend NAME]` to `program`. */
export function registerFinalCommand(program: Command): Command {
  const final = program
    .command('final')
    .description(
      'run the final stage of a succeeded search on the mesh (derive step, retraining, baseline, export) and store its result files; exits at once when they are stored already',
    );
  addFinalOptions(final).action(async (id: string, options: FinalOptions) =>
    (await import('../final-stage/main.js')).runFinal(id, options),
  );
  return program;
}

/** The arguments of `nasmesh final`; also parsed by services/final-stage/main.ts run directly. */
export function addFinalOptions(command: Command): Command {
  for (const add of [addNatsFlags, addDataFlags]) add(command);
  return command
    .argument('<search-id>', 'the search (its metadata.name)', searchIdArgument)
    .option('--nats <url>', 'NATS server holding the search', 'nats://127.0.0.1:4222')
    .option('--insecure', 'allow a plaintext NATS connection beyond loopback (logs a warning)', false)
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend (overrides the spec)').choices(BACKEND_CHOICES));
}
