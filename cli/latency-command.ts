import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { loadDataset } from '../src/data/load.js';
import { localHardwareProfile } from '../src/latency/hardware.js';
import { buildLatencyTable, type LatencyTable } from '../src/latency/latency-table.js';
import { validatePredictor } from '../src/latency/predictor-validation.js';
import { progressDisplay } from '../src/progress/progress-display.js';
import { createSpace } from '../src/space/registry.js';
import { loadSearchSpec } from '../src/spec/load.js';
import { BACKEND_CHOICES, type BackendChoice, initBackend } from '../src/tf/backend.js';
import { datasetNetwork } from '../src/train/dataset-network.js';
import { NasmeshError } from '../src/util/errors.js';
import { nonNegativeInt, positiveInt } from './options.js';

/** `nasmesh latency table|validate`: per-operator latency lookup tables of a search's space on this machine. */
export function latencyCommand(): Command {
  const latency = new Command('latency').description("latency lookup tables of a search's space on this machine's hardware profile");
  latency
    .command('table')
    .description("time every node configuration of the spec's space in its network once, and fit the per-network correction")
    .argument('<spec>', 'search spec: its space, network and dataset (for the image size)')
    .requiredOption('--out <file>', 'the table (JSON)')
    .option('--batch <n>', 'images per inference run', positiveInt('--batch'), 1)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKEND_CHOICES).default('auto'))
    .option('--profile <name>', "the hardware profile's name (default: from the machine and the backend)")
    .option('--sample <n>', 'architectures drawn to find the configurations', positiveInt('--sample'), 200)
    .option('--fit <n>', 'architectures measured whole to fit the correction', positiveInt('--fit'), 20)
    .option('--repeats <n>', 'timed runs per measurement (the median counts)', positiveInt('--repeats'), 20)
    .option('--seed <n>', 'seeds the architectures drawn', nonNegativeInt('--seed'), 0)
    .action(async (specFile: string, opts: Record<string, unknown>) => {
      const { space, network } = await specNetwork(specFile);
      const backend = await initBackend(opts.backend as BackendChoice);
      const display = progressDisplay(process.stderr);
      const table = await buildLatencyTable({
        space,
        network,
        batchSize: opts.batch as number,
        backend,
        profile: localHardwareProfile(backend, opts.profile as string | undefined).name,
        sampleArchitectures: opts.sample as number,
        fitArchitectures: opts.fit as number,
        seed: opts.seed as number,
        warmup: 3,
        repeats: opts.repeats as number,
        onProgress: (what, done, total) => display.update({ phase: 'latency', subject: what, done, total, unit: what }),
      }).finally(() => display.stop());
      writeFileSync(opts.out as string, `${JSON.stringify(table, null, 2)}\n`);
      const { perNodeMs, interceptMs } = table.correction;
      console.log(
        `latency table: ${Object.keys(table.ops).length} node configurations of ${table.space} on ${table.profile}, batch ${table.batchSize}; ` +
          `predicted: Σ ops + ${perNodeMs.toFixed(4)} ms × nodes + ${interceptMs.toFixed(3)} ms; ${opts.out as string}`,
      );
    });
  latency
    .command('validate')
    .description('compare the table with measured end-to-end latencies of architectures it was not fitted on')
    .argument('<spec>', 'the search spec the table was built for')
    .requiredOption('--table <file>', 'a table of nasmesh latency table')
    .option('--archs <n>', 'architectures measured', positiveInt('--archs'), 100)
    .option('--seed <n>', 'seeds the architectures drawn', nonNegativeInt('--seed'), 1)
    .option('--repeats <n>', 'timed runs per network (the median counts)', positiveInt('--repeats'), 20)
    .option('--json <file>', 'write the validation, every architecture included, as JSON')
    .action(async (specFile: string, opts: Record<string, unknown>) => {
      // The table holds the network it was built for: the spec gives only the space, no dataset to load.
      const space = createSpace(loadSearchSpec(specFile).spec.space);
      const table = JSON.parse(readFileSync(opts.table as string, 'utf8')) as LatencyTable;
      const backend = await initBackend(table.backend as BackendChoice);
      const profile = localHardwareProfile(backend).name;
      if (table.space !== space.name) throw new NasmeshError(`--table: built for space ${table.space}, the spec's is ${space.name}`);
      const display = progressDisplay(process.stderr);
      const result = await validatePredictor(table, space, {
        architectures: opts.archs as number,
        seed: opts.seed as number,
        warmup: 3,
        repeats: opts.repeats as number,
        onProgress: (done, total) => display.update({ phase: 'latency', subject: 'validate', done, total, unit: 'networks' }),
      }).finally(() => display.stop());
      if (opts.json) writeFileSync(opts.json as string, `${JSON.stringify(result, null, 2)}\n`);
      console.log(
        `${result.space} on ${table.profile} (measured on ${profile}), batch ${result.batchSize}, ${result.architectures} architectures: ` +
          `withinTenPercent ${result.withinTenPercent.toFixed(3)}, spearman ${result.spearman.toFixed(3)}, rmseMs ${result.rmseMs.toFixed(3)}, ` +
          `predictMsPerArch ${result.predictMsPerArch.toFixed(3)}, unseen nodes ${result.unseenNodes}`,
      );
    });
  return latency;
}

/** The spec's space, and the network a search measures latency in: its `network` for its dataset's images. */
async function specNetwork(specFile: string) {
  const { spec } = loadSearchSpec(specFile);
  if (!spec.dataset) throw new NasmeshError(`${specFile}: spec.dataset is required (it gives the images' size)`);
  const data = await loadDataset(spec.dataset);
  return { space: createSpace(spec.space), network: datasetNetwork(data, spec.network) };
}
