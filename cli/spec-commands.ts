import { Command } from 'commander';
import { stringify } from 'yaml';
import { z } from 'zod';
import { loadSearchSpec, nasSearchCrdYaml, searchSpecSchema } from '../src/spec/index.js';

/** `nasmesh validate <spec.yaml>`: checks a search spec and prints it with every default filled in. */
export function validateCommand(): Command {
  return new Command('validate')
    .description('check a NASSearch spec and print it with defaults filled in')
    .argument('<spec>', 'search spec (YAML)')
    .action((path: string) => {
      process.stdout.write(stringify(loadSearchSpec(path)));
    });
}

/** `nasmesh schema`: the JSON Schema of a NASSearch, generated from the same zod schemas the engine validates with. */
export function schemaCommand(): Command {
  return new Command('schema').description('print the JSON Schema of a NASSearch document').action(() => {
    console.log(JSON.stringify(z.toJSONSchema(searchSpecSchema, { io: 'input', unrepresentable: 'any' }), null, 2));
  });
}

/** `nasmesh crd`: the NASSearch CustomResourceDefinition, generated from the same zod schemas (`make generate` checks it in). */
export function crdCommand(): Command {
  return new Command('crd').description('print the NASSearch CustomResourceDefinition (YAML)').action(() => {
    process.stdout.write(nasSearchCrdYaml());
  });
}
