import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';
import { runEmbeddedSearch } from '../search/embedded-search.js';
import { loadSearchSpec } from '../spec/load.js';
import { BACKENDS, type BackendName, initBackend } from '../tf/backend.js';
import { nonNegativeInt } from './options.js';

/** `nasmesh run <search.yaml>`: the whole search embedded in this process. */
export function runCommand(): Command {
  return new Command('run')
    .description('run a NASSearch embedded in this process (no cluster needed)')
    .argument('<spec>', 'search spec (YAML)')
    .option('--out <dir>', 'results directory (default results/<metadata.name>)')
    .option('--seed <n>', 'overrides spec.seed; the same seed reproduces the search', nonNegativeInt('--seed'))
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices(BACKENDS).default('wasm'))
    .action(async (path: string, opts: { out?: string; seed?: number; backend: BackendName }) => {
      const search = loadSearchSpec(path);
      const backend = await initBackend(opts.backend);
      const outDir = opts.out ?? join('results', search.metadata.name);
      console.error(`nasmesh: ${search.metadata.name}: backend ${backend}, results in ${outDir}`);
      const bar = new SingleBar({
        format: ' search |{bar}| {value}/{total} candidates | best reward {best} | ETA {eta_formatted}',
        noTTYOutput: true,
        notTTYSchedule: 10_000,
      });
      let started = false;
      const summary = await runEmbeddedSearch(search, {
        outDir,
        seed: opts.seed,
        onProgress: (p) => {
          if (!started) bar.start(p.total, 0, { best: '-' });
          started = true;
          bar.update(p.done, { best: p.bestReward.toFixed(4) });
        },
        onLog: (line) => console.error(line),
      });
      if (started) bar.stop();
      const show = (label: string, r: { testAccuracy: number; params: number; flops: number } | null | undefined) =>
        r && console.log(`${label}: test accuracy ${(r.testAccuracy * 100).toFixed(2)} %, ${r.params} params, ${r.flops} MACs`);
      console.log(`${summary.candidates} candidates in ${summary.durationSeconds.toFixed(1)} s`);
      if (summary.bestCandidate) console.log(`best candidate: ${summary.bestCandidate.architecture.arch} (reward ${summary.bestCandidate.reward.toFixed(4)})`);
      show('best, retrained', summary.best);
      show('baseline', summary.baseline);
      console.log(`summary: ${join(outDir, 'summary.json')}`);
    });
}
