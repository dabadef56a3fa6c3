import { join } from 'node:path';
import { Command, Option } from 'commander';
import { STRATEGY_NAMES, type StrategyName } from '../src/strategy/types.js';
import { runEmbeddedSearch } from '../src/search/embedded-search.js';
import { loadResults, renderReport } from '../src/report/index.js';
import { loadSearchSpec } from '../src/spec/load.js';
import { writeAtomic } from '../src/util/write-atomic.js';
import { BACKEND_CHOICES, type BackendChoice, describeBackend, initBackend } from '../src/tf/backend.js';
import { nonNegativeInt } from './options.js';
import { progressDisplay } from '../src/progress/progress-display.js';
import { summaryLines } from './summary-lines.js';

/** `nasmesh run <search.yaml>`: the whole search embedded in this process. */
export function runCommand(): Command {
  return new Command('run')
    .description('run a NASSearch embedded in this process (no cluster needed)')
    .argument('<spec>', 'search spec (YAML)')
    .option('--out <dir>', 'results directory (default results/<metadata.name>)')
    .option('--seed <n>', 'overrides spec.seed; the same seed reproduces the search', nonNegativeInt('--seed'))
    .option('--resume', 'continue the interrupted search in --out')
    .addOption(
      new Option(
        '--strategy <name>',
        "overrides spec.strategy (with the strategy's default options): the same search with another strategy",
      ).choices(STRATEGY_NAMES),
    )
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend (overrides spec.backend)').choices(BACKEND_CHOICES))
    .action(
      async (path: string, opts: { out?: string; seed?: number; resume?: boolean; strategy?: StrategyName; backend?: BackendChoice }) => {
        const loaded = loadSearchSpec(path);
        const search = opts.strategy ? { ...loaded, spec: { ...loaded.spec, strategy: { name: opts.strategy } } } : loaded;
        await initBackend(opts.backend ?? search.spec.backend);
        const outDir = opts.out ?? join('results', search.metadata.name);
        console.error(`nasmesh: ${search.metadata.name}: ${describeBackend()}; results in ${outDir}`);
        // Bars on a terminal, a few lines per phase in a log (`make run > log`).
        const display = progressDisplay(process.stderr);
        // Ctrl-C stops between evaluations with the state stored, so `--resume` continues where it stopped.
        const abort = new AbortController();
        process.once('SIGINT', () => {
          display.log('nasmesh: interrupted; continue with --resume');
          abort.abort();
        });
        const summary = await runEmbeddedSearch(search, {
          outDir,
          seed: opts.seed,
          resume: opts.resume,
          signal: abort.signal,
          onProgress: (p) => display.update(p),
          onLog: (line) => display.log(line),
        }).finally(() => display.stop());
        const rankedBy = search.spec.evaluation.mode === 'weight-sharing' ? 'derive' : 'search reward';
        for (const line of summaryLines(summary, rankedBy)) console.log(line);
        console.log(`summary: ${join(outDir, 'summary.json')}`);
        await writeAtomic(join(outDir, 'report.html'), renderReport(loadResults(outDir)));
        console.log(`report: ${join(outDir, 'report.html')}`);
      },
    );
}
