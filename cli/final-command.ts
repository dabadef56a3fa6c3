import { type Command, Option } from 'commander';
import { BACKEND_CHOICES } from '../src/tf/backend.js';
import { searchIdArgument } from './arguments.js';
import type { FinalStageConfig } from '../services/final-stage/run-final.js';
import { addDataFlags, addNatsFlags } from './security-options.js';

/** Adds `final <search-id> --nats URL [--backend NAME]` to `program`. */
export function registerFinalCommand(program: Command): Command {
  const final = program
    .command('final')
    .description(
      'run the final stage of a succeeded search on the mesh (derive step, retraining, baseline, export) and store its result files; exits at once when they are stored already',
    );
  addFinalOptions(final).action(async (id: string, options: FinalStageConfig) =>
    (await import('../services/final-stage/run-final.js')).runFinal(id, options),
  );
  return program;
}

function addFinalOptions(command: Command): Command {
  for (const add of [addNatsFlags, addDataFlags]) add(command);
  return command
    .argument('<search-id>', 'the search (its metadata.name)', searchIdArgument)
    .option('--nats <url>', 'NATS server holding the search', 'nats://127.0.0.1:4222')
    .option('--insecure', 'allow a plaintext NATS connection beyond loopback (logs a warning)', false)
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend (overrides the spec)').choices(BACKEND_CHOICES));
}
